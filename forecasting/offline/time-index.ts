/**
 * The `ds` column of forecast-file: an integer index or an ISO date / date-time. Integer indices
 * continue by one per step; dates continue at the series' own frequency, inferred from the
 * typical gap between its dates (hourly, daily, weekly, monthly, quarterly, yearly). Calendar
 * frequencies step in calendar months so month ends and leap years stay right.
 */

export const FREQUENCIES = ['hourly', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

/** A parsed ds: `key` orders and deduplicates; `date` is set for ISO dates. */
export interface TimeKey {
  readonly key: number;
  readonly date?: Date;
  readonly hasTime?: boolean;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const INTEGER = /^-?\d+$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses a ds cell; undefined when it is neither an integer nor a valid ISO date. */
export function parseDs(text: string): TimeKey | undefined {
  const s = text.trim();
  if (INTEGER.test(s)) {
    const key = Number(s);
    return Number.isSafeInteger(key) ? { key } : undefined;
  }
  const m = ISO.exec(s);
  if (m === null) return undefined;
  const [, y, mo, d, hh, mi, ss, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const date = new Date(Date.UTC(year, month - 1, day, Number(hh ?? 0), Number(mi ?? 0), Number(ss ?? 0)));
  // Date.UTC rolls 2024-02-31 over to March: a rolled date was not a real date.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  if (Number(hh ?? 0) > 23 || Number(mi ?? 0) > 59 || Number(ss ?? 0) > 59) return undefined;
  const zoned = zone !== undefined && zone !== 'Z' ? new Date(s.replace(' ', 'T')) : date;
  if (Number.isNaN(zoned.getTime())) return undefined;
  return { key: zoned.getTime(), date: zoned, hasTime: hh !== undefined };
}

/** Frequency from the median gap between sorted timestamps; undefined if none fits. */
export function inferFrequency(sortedKeys: readonly number[]): Frequency | undefined {
  if (sortedKeys.length < 2) return undefined;
  const gaps: number[] = [];
  for (let i = 1; i < sortedKeys.length; i += 1) gaps.push((sortedKeys[i] ?? 0) - (sortedKeys[i - 1] ?? 0));
  gaps.sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)] ?? 0;
  const days = median / DAY;
  if (median === HOUR) return 'hourly';
  if (days === 1) return 'daily';
  if (days === 7) return 'weekly';
  if (days >= 28 && days <= 31) return 'monthly';
  if (days >= 89 && days <= 92) return 'quarterly';
  if (days >= 365 && days <= 366) return 'yearly';
  return undefined;
}

function addMonths(date: Date, months: number): Date {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  // Month-end series stay at month ends (Jan 31 → Feb 28/29 → Mar 31).
  const wasMonthEnd = date.getUTCDate() === new Date(Date.UTC(y, date.getUTCMonth() + 1, 0)).getUTCDate();
  const day = wasMonthEnd ? lastDay : Math.min(date.getUTCDate(), lastDay);
  return new Date(Date.UTC(y, m, day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()));
}

/** The date `steps` periods after `date`. */
export function stepDate(date: Date, frequency: Frequency, steps: number): Date {
  switch (frequency) {
    case 'hourly':
      return new Date(date.getTime() + steps * HOUR);
    case 'daily':
      return new Date(date.getTime() + steps * DAY);
    case 'weekly':
      return new Date(date.getTime() + steps * 7 * DAY);
    case 'monthly':
      return addMonths(date, steps);
    case 'quarterly':
      return addMonths(date, 3 * steps);
    case 'yearly':
      return addMonths(date, 12 * steps);
  }
}

/** Formats like the input: a date, or a date-time (UTC) when the input carried a time. */
export function formatDate(date: Date, withTime: boolean): string {
  const iso = date.toISOString();
  return withTime ? `${iso.slice(0, 19)}Z` : iso.slice(0, 10);
}
