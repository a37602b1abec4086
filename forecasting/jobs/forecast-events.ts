/**
 * Forecast events: what every job run publishes per forecast version, for the alerting work to
 * consume (topic FORECAST_EVENTS_TOPIC, JSON values, key `tenant|entity_id` so one entity's
 * events stay in order on one partition). Built purely from the new version, the version before
 * it and the actuals that arrived since: actuals outside the previous version's widest band are
 * the bound breaches (demand only). The version's details travel whole (inventory, supply,
 * quality figures, as the planner API shows them); an inventory version's stockout date and
 * probability are also lifted to the top level.
 *
 * Schema versions: 1 = demand only (stockout fields always null); 2 = adds `details` and fills
 * `stockout_date` / `stockout_probability` from inventory versions.
 */
import type { BusMessage } from '../../infra/event-bus/event-bus.js';
import type { ForecastDetails } from '../types/forecast-type.js';
import type { ForecastRecord } from '../service/forecast-version.js';
import { boundBreaches, type BoundBreach } from '../service/realized-accuracy.js';

export const FORECAST_EVENTS_TOPIC = 'forgecast.forecast-events';
/** Bumped when a field changes meaning; consumers branch on it. */
export const FORECAST_EVENT_SCHEMA_VERSION = 2;

export interface ForecastEvent {
  readonly schema_version: number;
  readonly event_type: 'forecast.generated';
  readonly tenant_id: string;
  readonly entity_type: string;
  readonly entity_id: string;
  readonly site: string;
  readonly forecast_type: string;
  readonly period: string;
  readonly version_id: string;
  readonly previous_version_id: string | null;
  readonly run_id: string;
  readonly generated_at: string;
  readonly data_as_of: string;
  readonly model: string;
  readonly levels: readonly number[];
  readonly points: ForecastRecord['points'];
  readonly accuracy: ForecastRecord['accuracy'];
  /** Demand: actuals since the previous version that fell outside its widest band ([] for other types). */
  readonly bound_breaches: readonly BoundBreach[];
  /** Inventory: first day whose median projected on-hand is at or below zero (null: none in the horizon, or not inventory). */
  readonly stockout_date: string | null;
  /** Inventory: probability that on-hand reaches zero within the horizon (null for other types). */
  readonly stockout_probability: number | null;
  /** The version's details (`kind` inventory, supply or quality); null for demand. */
  readonly details: ForecastDetails | null;
}

export function forecastEvent(record: ForecastRecord, previous: ForecastRecord | undefined, actuals: ReadonlyMap<string, number>): ForecastEvent {
  const inventory = record.details?.kind === 'inventory' ? record.details : undefined;
  return {
    schema_version: FORECAST_EVENT_SCHEMA_VERSION,
    event_type: 'forecast.generated',
    tenant_id: record.tenant_id,
    entity_type: record.entity_type,
    entity_id: record.entity_id,
    site: record.site,
    forecast_type: record.forecast_type,
    period: record.period,
    version_id: record.version_id,
    previous_version_id: previous?.version_id ?? null,
    run_id: record.run_id,
    generated_at: record.generated_at,
    data_as_of: record.data_as_of,
    model: record.model,
    levels: record.levels,
    points: record.points,
    accuracy: record.accuracy,
    bound_breaches: previous === undefined || record.forecast_type !== 'demand' ? [] : boundBreaches(previous, actuals),
    stockout_date: inventory?.stockout_date ?? null,
    stockout_probability: inventory?.stockout_probability ?? null,
    details: record.details,
  };
}

export function eventMessage(event: ForecastEvent): BusMessage {
  return {
    key: `${event.tenant_id}|${event.entity_id}`,
    value: Buffer.from(JSON.stringify(event)),
    headers: { 'content-type': 'application/json', 'event-type': event.event_type, 'schema-version': String(event.schema_version) },
  };
}
