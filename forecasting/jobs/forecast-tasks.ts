/**
 * The forecast task topic's messages and the coordination keys a distributed run is tracked by.
 * A task is one entity × forecast type × period of a run (JSON, no key: tasks are independent —
 * a run has one task per series and runs of a job follow each other — so they go round-robin over
 * the partitions and every member of the group gets a share). Per run, in the coordination store:
 *   forecast-run:<run>:done      tasks finished (forecast or failed), counted once each
 *   forecast-run:<run>:failed    of those, the ones whose entity could not be forecast
 *   forecast-run:<run>:task:<i>  task i finished (so a redelivered task is not forecast again)
 *   forecast-run:<run>:claim:<i> who is forecasting task i now (a duplicate delivery waits)
 *   forecast-run:<run>:cancelled the run ended without its tasks (failed): members skip the rest
 * All expire after RUN_KEY_TTL_MS: they only matter while a run is going on.
 */
import type { BusMessage } from '../../infra/event-bus/event-bus.js';
import { PERIODS, type Period } from '../series/periods.js';
import { ENTITY_TYPES, type EntityType } from '../series/series-source.js';
import { FORECAST_TYPES, type ForecastType } from '../service/forecast-record.js';
import type { EntityTask } from './entity-forecast.js';

export { FORECAST_TASKS_TOPIC } from '../../schemas/topics.js';
/** The consumer group every forecasting-role process joins to take tasks. */
export const FORECAST_WORKERS_GROUP = 'forgecast-forecast-workers';
/** Run keys live two days: longer than any run, short enough not to pile up. */
export const RUN_KEY_TTL_MS = 2 * 86_400_000;

/** A task as it travels. */
export interface TaskMessage extends EntityTask {
  readonly runId: string;
  /** Position in the run's task list: the task's identity within the run. */
  readonly index: number;
  readonly lookbackDays: number;
}

interface TaskJson {
  readonly v: 1;
  readonly run_id: string;
  readonly index: number;
  readonly tenant: string;
  readonly forecast_type: ForecastType;
  readonly entity_type: EntityType;
  readonly entity_id: string;
  readonly site: string;
  readonly period: Period;
  readonly lookback_days: number;
}

export function taskMessage(task: TaskMessage): BusMessage {
  const json: TaskJson = {
    v: 1,
    run_id: task.runId,
    index: task.index,
    tenant: task.tenant,
    forecast_type: task.forecastType,
    entity_type: task.entity.entityType,
    entity_id: task.entity.entityId,
    site: task.entity.site,
    period: task.period,
    lookback_days: task.lookbackDays,
  };
  return { key: null, value: Buffer.from(JSON.stringify(json)), headers: { 'content-type': 'application/json', 'schema-version': '1' } };
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isWhole = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
const oneOf = <T extends string>(values: readonly T[], v: unknown): v is T => typeof v === 'string' && (values as readonly string[]).includes(v);

/** The task a message carries, or a reason it is not one (a poison message is skipped, never retried). */
export function parseTaskMessage(value: Buffer): TaskMessage | string {
  let json: Partial<Record<keyof TaskJson, unknown>>;
  try {
    json = JSON.parse(value.toString('utf8')) as Partial<Record<keyof TaskJson, unknown>>;
  } catch {
    return 'not JSON';
  }
  if (json === null || typeof json !== 'object') return 'not a JSON object';
  if (json.v !== 1) return `unknown task version ${JSON.stringify(json.v)}`;
  const { run_id: runId, index, tenant, forecast_type: forecastType, entity_type: entityType, entity_id: entityId, site, period, lookback_days: lookbackDays } = json;
  if (!isString(runId) || runId === '') return 'run_id missing';
  if (!isWhole(index, 0)) return 'index is not a whole number ≥ 0';
  if (!isString(tenant) || tenant === '') return 'tenant missing';
  if (!oneOf(FORECAST_TYPES, forecastType)) return `unknown forecast_type ${JSON.stringify(forecastType)}`;
  if (!oneOf(ENTITY_TYPES, entityType)) return `unknown entity_type ${JSON.stringify(entityType)}`;
  if (!isString(entityId) || entityId === '') return 'entity_id missing';
  if (!isString(site)) return 'site is not text';
  if (!oneOf(PERIODS, period)) return `unknown period ${JSON.stringify(period)}`;
  if (!isWhole(lookbackDays, 1)) return 'lookback_days is not a whole number ≥ 1';
  return { runId, index, tenant, forecastType, entity: { entityType, entityId, site }, period, lookbackDays };
}

/** The coordination keys of one run. */
export function runKeys(runId: string) {
  const base = `forecast-run:${runId}`;
  return {
    done: `${base}:done`,
    failed: `${base}:failed`,
    cancelled: `${base}:cancelled`,
    task: (index: number): string => `${base}:task:${index}`,
    claim: (index: number): string => `${base}:claim:${index}`,
  };
}
