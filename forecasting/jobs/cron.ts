/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), pure and in UTC:
 * parsing and "which minutes match between two instants". No timers here — the scheduler asks
 * this module, so every schedule question is answerable on a fake clock.
 *
 * Syntax: `*`, numbers, ranges `a-b`, steps `*∕n` and `a-b/n`, lists `a,b-c`, names JAN–DEC and
 * SUN–SAT, day-of-week 0 or 7 = Sunday. As in Vixie cron, when both day-of-month and day-of-week
 * are restricted a day matches when either does; when one is `*` only the other counts.
 */
import { FgcError } from '../../infra/errors.js';

export interface CronSchedule {
  readonly expression: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly daysOfWeek: ReadonlySet<number>;
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Value of names[0]. */
  readonly nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
];

function invalid(expression: string, why: string): FgcError {
  return new FgcError('FGC_FORECAST_CRON_INVALID', `cron expression "${expression}": ${why}`);
}

function parseValue(text: string, field: FieldSpec, expression: string): number {
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + (field.nameBase ?? 0);
  if (!/^\d+$/.test(text)) throw invalid(expression, `"${text}" is not a valid ${field.name}`);
  const value = Number(text);
  if (value < field.min || value > field.max) throw invalid(expression, `${field.name} ${value} is outside ${field.min}-${field.max}`);
  return value;
}

function parseField(text: string, field: FieldSpec, expression: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (stepText !== undefined && (!/^\d+$/.test(stepText) || step < 1)) throw invalid(expression, `step "${stepText}" of the ${field.name} field is not a positive integer`);
    let from: number;
    let to: number;
    if (range === '*') {
      from = field.min;
      to = field.max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      from = parseValue(a, field, expression);
      to = parseValue(b, field, expression);
      if (from > to) throw invalid(expression, `range ${range} of the ${field.name} field runs backwards`);
    } else {
      from = parseValue(range, field, expression);
      // `5/15` means 5, 20, 35, 50 (from 5 to the end in steps), as most crons read it.
      to = stepText === undefined ? from : field.max;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw invalid(expression, `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  const [minutes, hours, dom, months, dow] = parts.map((p, i) => parseField(p, FIELDS[i]!, expression));
  const daysOfWeek = new Set([...dow!].map((d) => d % 7));
  return {
    expression,
    minutes: minutes!,
    hours: hours!,
    daysOfMonth: dom!,
    months: months!,
    daysOfWeek,
    domRestricted: parts[2] !== '*',
    dowRestricted: parts[4] !== '*',
  };
}

export function isValidCron(expression: string): boolean {
  try {
    parseCron(expression);
    return true;
  } catch {
    return false;
  }
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = s.daysOfMonth.has(d.getUTCDate());
  const dow = s.daysOfWeek.has(d.getUTCDay());
  if (s.domRestricted && s.dowRestricted) return dom || dow;
  return dom && dow;
}

/** Whether the minute starting at `ms` (UTC) matches. */
export function matches(s: CronSchedule, ms: number): boolean {
  const d = new Date(ms);
  return s.minutes.has(d.getUTCMinutes()) && s.hours.has(d.getUTCHours()) && s.months.has(d.getUTCMonth() + 1) && dayMatches(s, d);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The first matching minute at or after `fromMs` and at or before `toMs`, or undefined. */
export function nextOccurrence(s: CronSchedule, fromMs: number, toMs: number): number | undefined {
  let t = Math.ceil(fromMs / MINUTE) * MINUTE;
  while (t <= toMs) {
    const d = new Date(t);
    // Skip whole months, days and hours that cannot match: a year's scan stays a few thousand steps.
    if (!s.months.has(d.getUTCMonth() + 1)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    } else if (!dayMatches(s, d)) {
      t = Math.floor(t / DAY) * DAY + DAY;
    } else if (!s.hours.has(d.getUTCHours())) {
      t = Math.floor(t / HOUR) * HOUR + HOUR;
    } else if (!s.minutes.has(d.getUTCMinutes())) {
      t += MINUTE;
    } else {
      return t;
    }
  }
  return undefined;
}

/** Every matching minute in (afterMs, toMs], oldest first, at most `limit`. */
export function occurrencesBetween(s: CronSchedule, afterMs: number, toMs: number, limit = 10_000): number[] {
  const out: number[] = [];
  let from = Math.floor(afterMs / MINUTE) * MINUTE + MINUTE;
  while (out.length < limit) {
    const t = nextOccurrence(s, from, toMs);
    if (t === undefined) break;
    out.push(t);
    from = t + MINUTE;
  }
  return out;
}

/** The latest matching minute in (afterMs, toMs], or undefined. */
export function latestOccurrence(s: CronSchedule, afterMs: number, toMs: number): number | undefined {
  let latest: number | undefined;
  let from = Math.floor(afterMs / MINUTE) * MINUTE + MINUTE;
  for (;;) {
    const t = nextOccurrence(s, from, toMs);
    if (t === undefined) return latest;
    latest = t;
    from = t + MINUTE;
  }
}
