/**
 * The table of forecasting jobs and the pure decision of which are due. A job is a name, a cron
 * schedule and what it forecasts: per forecast type, the entity types and periods. `dueRuns` answers "which jobs should start now, given when each
 * last had a slot" — including after downtime: a job whose slots were missed runs once (for the
 * latest missed slot), never once per missed slot, since each run forecasts from all data anyway.
 */
import { FgcError } from '../../infra/errors.js';
import { PERIODS, isPeriod, type Period } from '../series/periods.js';
import { ENTITY_TYPES, type EntityType } from '../series/series-source.js';
import { FORECAST_TYPES, type ForecastType } from '../service/forecast-record.js';
import { latestOccurrence, parseCron, type CronSchedule } from './cron.js';

/** Which entities a run forecasts: all known ones, or those with data received since the job's last success. */
export const JOB_SCOPES = ['all', 'new-data'] as const;
export type JobScope = (typeof JOB_SCOPES)[number];

/** One forecast type a job runs: for these entity types, in these periods. */
export interface JobForecast {
  readonly forecastType: ForecastType;
  readonly entityTypes: readonly EntityType[];
  readonly periods: readonly Period[];
}

export interface JobSpec {
  readonly name: string;
  readonly schedule: string;
  readonly description: string;
  readonly scope: JobScope;
  /** What the job forecasts; a type whose handler the process lacks is skipped (and logged). */
  readonly forecastTypes: readonly JobForecast[];
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

/**
 * What each forecast type runs as by default. Demand: daily and weekly per item and item × site,
 * what replenishment planners look at every morning. Inventory: daily per item × site, where stock
 * runs out (the stockout alerts read it). Supply: weekly per supplier (lead times move slowly).
 * Quality: weekly per production line (a p-chart wants a sample per point).
 */
export const DEFAULT_TYPE_JOBS: Readonly<Record<ForecastType, JobForecast>> = {
  demand: { forecastType: 'demand', entityTypes: ['item', 'item_site'], periods: ['daily', 'weekly'] },
  inventory: { forecastType: 'inventory', entityTypes: ['item_site'], periods: ['daily'] },
  supply: { forecastType: 'supply', entityTypes: ['supplier'], periods: ['weekly'] },
  quality: { forecastType: 'quality', entityTypes: ['line'], periods: ['weekly'] },
};

export const DEFAULT_JOBS: readonly JobSpec[] = [
  {
    name: 'nightly',
    schedule: '0 2 * * *',
    description: 'Every known entity of every tenant: demand, inventory, supply and quality (02:00 UTC, after the day closed)',
    scope: 'all',
    forecastTypes: FORECAST_TYPES.map((t) => DEFAULT_TYPE_JOBS[t]),
  },
  {
    name: 'hourly',
    schedule: '5 * * * *',
    description: 'Demand and inventory of entities with data received since the last successful hourly run',
    scope: 'new-data',
    forecastTypes: [DEFAULT_TYPE_JOBS.demand, DEFAULT_TYPE_JOBS.inventory],
  },
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

function refuse(message: string): never {
  throw new FgcError('FGC_FORECAST_CRON_INVALID', message);
}

/** Forecast types of an entry: `type[:entity types[:periods]]` joined by `+` (e.g. `inventory:item_site:daily+supply`). */
function parseTypes(name: string, text: string, demandPeriods: readonly Period[] | undefined): JobForecast[] {
  return text.split('+').map((part) => {
    const [typeText = '', entityText, periodText] = part.split(':').map((p) => p.trim());
    if (!(FORECAST_TYPES as readonly string[]).includes(typeText)) refuse(`job ${name}: forecast type "${typeText}" is not one of ${FORECAST_TYPES.join(', ')}`);
    const base = DEFAULT_TYPE_JOBS[typeText as ForecastType];
    const entityTypes = entityText === undefined || entityText === '' ? base.entityTypes : entityText.split(',').map((e) => e.trim());
    const badEntity = entityTypes.find((e) => !(ENTITY_TYPES as readonly string[]).includes(e));
    if (badEntity !== undefined) refuse(`job ${name}: entity type "${badEntity}" is not one of ${ENTITY_TYPES.join(', ')}`);
    const periods = periodText === undefined || periodText === '' ? (typeText === 'demand' ? (demandPeriods ?? base.periods) : base.periods) : periodText.split(',').map((p) => p.trim());
    const badPeriod = periods.find((p) => !isPeriod(p));
    if (badPeriod !== undefined) refuse(`job ${name}: period "${badPeriod}" is not one of ${PERIODS.join(', ')}`);
    return { forecastType: typeText as ForecastType, entityTypes: entityTypes as EntityType[], periods: periods as Period[] };
  });
}

/**
 * Reads the FORGECAST_FORECAST_JOBS setting: `name=<cron>[@scope[@periods[@types]]]` entries
 * separated by `;`, e.g. `nightly=0 2 * * *;hourly=5 * * * *@new-data;monthly=0 3 1 * *@all@monthly,quarterly`.
 * Empty or undefined → the defaults. `periods` are demand's (as before typed forecasts existed);
 * `types` lists what the job forecasts, `type[:entity types[:periods]]` joined by `+`
 * (`demand+inventory:item_site:daily`), each part left out taking DEFAULT_TYPE_JOBS. Without
 * `types`, an entry named like a default job keeps that job's description and forecast types, any
 * other forecasts demand only.
 */
export function parseJobTable(text: string | undefined): JobSpec[] {
  if (text === undefined || text.trim() === '') return [...DEFAULT_JOBS];
  return text
    .split(';')
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .map((entry) => {
      const eq = entry.indexOf('=');
      if (eq <= 0) refuse(`job entry "${entry}" is not name=<cron expression>`);
      const name = entry.slice(0, eq).trim();
      const [schedule = '', scopeText, periodsText, typesText] = entry.slice(eq + 1).split('@').map((s) => s.trim());
      const known = DEFAULT_JOBS.find((j) => j.name === name);
      const scope = scopeText ?? known?.scope ?? 'all';
      if (!(JOB_SCOPES as readonly string[]).includes(scope)) refuse(`job ${name}: scope "${scope}" is not one of ${JOB_SCOPES.join(', ')}`);
      const demandPeriods = periodsText === undefined || periodsText === '' ? undefined : periodsText.split(',').map((p) => p.trim());
      const bad = demandPeriods?.find((p) => !isPeriod(p));
      if (bad !== undefined) refuse(`job ${name}: period "${bad}" is not one of ${PERIODS.join(', ')}`);
      const periods = demandPeriods as Period[] | undefined;
      parseCron(schedule);
      const forecastTypes =
        typesText !== undefined && typesText !== ''
          ? parseTypes(name, typesText, periods)
          : (known?.forecastTypes ?? [DEFAULT_TYPE_JOBS.demand]).map((f) => (f.forecastType === 'demand' && periods !== undefined ? { ...f, periods } : f));
      return { name, schedule, description: known?.description ?? `Forecast job "${name}"`, scope: scope as JobScope, forecastTypes };
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
