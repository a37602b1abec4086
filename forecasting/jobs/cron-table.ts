/**
 * The table of forecasting jobs and the pure decision of which are due. A job is a name, a cron
 * schedule and what it forecasts. `dueRuns` answers "which jobs should start now, given when each
 * last had a slot" — including after downtime: a job whose slots were missed runs once (for the
 * latest missed slot), never once per missed slot, since each run forecasts from all data anyway.
 */
import { FgcError } from '../../infra/errors.js';
import { PERIODS, isPeriod, type Period } from '../series/periods.js';
import type { DemandEntityType } from '../series/series-source.js';
import { latestOccurrence, parseCron, type CronSchedule } from './cron.js';

/** Which entities a run forecasts: all known ones, or those with demand received since the job's last success. */
export const JOB_SCOPES = ['all', 'new-data'] as const;
export type JobScope = (typeof JOB_SCOPES)[number];

export interface JobSpec {
  readonly name: string;
  readonly schedule: string;
  readonly description: string;
  readonly scope: JobScope;
  readonly periods: readonly Period[];
  readonly entityTypes: readonly DemandEntityType[];
}

/** A job with its parsed schedule. */
export interface CronJob extends JobSpec {
  readonly cron: CronSchedule;
}

/**
 * History each period reads: two years of days (two yearly cycles for the weekly pattern and
 * trend), three years of weeks (three cycles of season 52), five years of months and quarters.
 */
export const DEFAULT_LOOKBACK_DAYS: Readonly<Record<Period, number>> = { daily: 730, weekly: 1095, monthly: 1825, quarterly: 1825 };

/** Daily and weekly per item and item × site: what replenishment planners look at every morning. */
const DEFAULT_PERIODS: readonly Period[] = ['daily', 'weekly'];
const DEFAULT_ENTITY_TYPES: readonly DemandEntityType[] = ['item', 'item_site'];

export const DEFAULT_JOBS: readonly JobSpec[] = [
  { name: 'nightly', schedule: '0 2 * * *', description: 'Every known demand entity of every tenant (02:00 UTC, after the day closed)', scope: 'all', periods: DEFAULT_PERIODS, entityTypes: DEFAULT_ENTITY_TYPES },
  { name: 'hourly', schedule: '5 * * * *', description: 'Entities with demand received since the last successful hourly run', scope: 'new-data', periods: DEFAULT_PERIODS, entityTypes: DEFAULT_ENTITY_TYPES },
];

const JOB_NAME = /^[a-z][a-z0-9-]{0,62}$/;

export function buildCronTable(specs: readonly JobSpec[]): CronJob[] {
  const names = new Set<string>();
  return specs.map((spec) => {
    if (!JOB_NAME.test(spec.name)) throw new FgcError('FGC_FORECAST_CRON_INVALID', `job name "${spec.name}" must be lower-case letters, digits and dashes`);
    if (names.has(spec.name)) throw new FgcError('FGC_FORECAST_CRON_INVALID', `two jobs are named "${spec.name}"`);
    names.add(spec.name);
    return { ...spec, cron: parseCron(spec.schedule) };
  });
}

/**
 * Reads the FORGECAST_FORECAST_JOBS setting: `name=<cron>[@scope[@periods]]` entries separated by
 * `;`, e.g. `nightly=0 2 * * *;hourly=5 * * * *@new-data;monthly=0 3 1 * *@all@monthly,quarterly`.
 * Empty or undefined → the defaults. An entry named like a default keeps its description.
 */
export function parseJobTable(text: string | undefined): JobSpec[] {
  if (text === undefined || text.trim() === '') return [...DEFAULT_JOBS];
  return text
    .split(';')
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .map((entry) => {
      const eq = entry.indexOf('=');
      if (eq <= 0) throw new FgcError('FGC_FORECAST_CRON_INVALID', `job entry "${entry}" is not name=<cron expression>`);
      const name = entry.slice(0, eq).trim();
      const [schedule = '', scopeText, periodsText] = entry.slice(eq + 1).split('@').map((s) => s.trim());
      const known = DEFAULT_JOBS.find((j) => j.name === name);
      const scope = scopeText ?? known?.scope ?? 'all';
      if (!(JOB_SCOPES as readonly string[]).includes(scope)) throw new FgcError('FGC_FORECAST_CRON_INVALID', `job ${name}: scope "${scope}" is not one of ${JOB_SCOPES.join(', ')}`);
      const periods = periodsText === undefined ? DEFAULT_PERIODS : periodsText.split(',').map((p) => p.trim());
      const bad = periods.find((p) => !isPeriod(p));
      if (bad !== undefined) throw new FgcError('FGC_FORECAST_CRON_INVALID', `job ${name}: period "${bad}" is not one of ${PERIODS.join(', ')}`);
      parseCron(schedule);
      return { name, schedule, description: known?.description ?? `Forecast job "${name}"`, scope: scope as JobScope, periods: periods as Period[], entityTypes: DEFAULT_ENTITY_TYPES };
    });
}

/**
 * How far back missed slots are looked for: 31 days finds the missed slot of a monthly job; an
 * older miss is superseded by any later slot anyway, and the bound keeps the scan short.
 */
export const CATCH_UP_WINDOW_MS = 31 * 86_400_000;

export interface DueRun {
  readonly job: string;
  /** The cron slot (start of the matching minute, epoch ms). */
  readonly slot: number;
}

/**
 * The run due per job, at most one each: the latest slot in (since, now] where `since` is the
 * last slot already handled for the job (clamped to CATCH_UP_WINDOW_MS before `now`). A job
 * without an entry in `since` is not considered: the scheduler enters every job at start-up.
 */
export function dueRuns(table: readonly CronJob[], since: ReadonlyMap<string, number>, now: number): DueRun[] {
  const out: DueRun[] = [];
  for (const job of table) {
    const last = since.get(job.name);
    if (last === undefined) continue;
    const slot = latestOccurrence(job.cron, Math.max(last, now - CATCH_UP_WINDOW_MS), now);
    if (slot !== undefined) out.push({ job: job.name, slot });
  }
  return out;
}
