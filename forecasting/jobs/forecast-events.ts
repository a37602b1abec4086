/**
 * Forecast events: what every job run publishes per forecast version, for the alerting work to
 * consume (topic FORECAST_EVENTS_TOPIC, JSON values, key `tenant|entity_id` so one entity's
 * events stay in order on one partition). Built purely from the new version, the version before
 * it and the actuals that arrived since: actuals outside the previous version's widest band are
 * the bound breaches. Stock-out fields are null until inventory forecasts exist.
 */
import type { BusMessage } from '../../infra/event-bus/event-bus.js';
import type { ForecastRecord } from '../service/forecast-record.js';
import { boundBreaches, type BoundBreach } from '../service/realized-accuracy.js';

export const FORECAST_EVENTS_TOPIC = 'forgecast.forecast-events';
/** Bumped when a field changes meaning; consumers branch on it. */
export const FORECAST_EVENT_SCHEMA_VERSION = 1;

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
  /** Actuals since the previous version that fell outside its widest band. */
  readonly bound_breaches: readonly BoundBreach[];
  /** Inventory forecasts only (not computed yet): first period whose projected on-hand is below zero. */
  readonly stockout_date: string | null;
  readonly stockout_probability: number | null;
}

export function forecastEvent(record: ForecastRecord, previous: ForecastRecord | undefined, actuals: ReadonlyMap<string, number>): ForecastEvent {
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
    bound_breaches: previous === undefined ? [] : boundBreaches(previous, actuals),
    stockout_date: null,
    stockout_probability: null,
  };
}

export function eventMessage(event: ForecastEvent): BusMessage {
  return {
    key: `${event.tenant_id}|${event.entity_id}`,
    value: Buffer.from(JSON.stringify(event)),
    headers: { 'content-type': 'application/json', 'event-type': event.event_type, 'schema-version': String(event.schema_version) },
  };
}
