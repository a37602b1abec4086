/**
 * The forecast events alerting consumes (topic `forgecast.forecast-events`, JSON), read without
 * importing forecasting/: domains talk through topics, so this file mirrors the fields the rules
 * need from the producer (`forecasting/jobs/forecast-events.ts`, details shaped like
 * `forecasting/types/forecast-type.ts`). Unknown fields are ignored, so the producer can add
 * fields without breaking us; a missing or mistyped field we need is an FGC_ALERT_EVENT_INVALID
 * naming it. Schema version 1 (no details) and 2 (details: null for demand, else an object whose
 * `kind` is the forecast type) are accepted; later versions may change meanings and are refused.
 */
import { FgcError } from '../../infra/errors.js';
import { parseForecastDetails, type ForecastDetailsView } from './forecast-details.js';
import {
  dateField,
  fieldError,
  isObject,
  nullableDateField,
  nullableNumberField,
  nullableStringField,
  numberField,
  objectEntries,
  stringField,
  type JsonObject,
  WHOLE_EVENT,
} from './event-fields.js';

export type { ForecastDetailsView, InventoryDetailsView, QualityDetailsView, SupplyDetailsView, SupplyOpenOrderView } from './forecast-details.js';

/** Versions this reader understands. */
export const SUPPORTED_SCHEMA_VERSIONS = [1, 2] as const;

/** A forecast event is a few KB (points for one horizon); 4 MiB means a broken producer, refused before JSON.parse. */
export const MAX_EVENT_BYTES = 4 * 1024 * 1024;
/** Points and breaches per event: a daily horizon of several years is under 2,000; anything past this is refused. */
const MAX_POINTS = 10_000;

/** One forecast point (bounds keyed by level, e.g. "95"). */
export interface ForecastPointView {
  readonly period_start: string;
  readonly value: number;
  readonly lower: Readonly<Record<string, number>>;
  readonly upper: Readonly<Record<string, number>>;
}

/** An actual since the previous version that fell outside that version's band at `level`. */
export interface BoundBreachView {
  readonly period_start: string;
  readonly actual: number;
  readonly forecast: number;
  readonly level: number;
  readonly lower: number;
  readonly upper: number;
  readonly direction: 'above' | 'below';
}

/** What the rules read from a forecast event. */
export interface ForecastEventView {
  readonly schema_version: number;
  readonly event_type: string;
  readonly tenant_id: string;
  readonly entity_type: string;
  readonly entity_id: string;
  readonly site: string;
  readonly forecast_type: string;
  readonly period: string;
  readonly version_id: string;
  readonly previous_version_id: string | null;
  readonly generated_at: string;
  /** Last day of data the forecast was computed from (YYYY-MM-DD). */
  readonly data_as_of: string;
  readonly points: readonly ForecastPointView[];
  readonly bound_breaches: readonly BoundBreachView[];
  readonly stockout_date: string | null;
  readonly stockout_probability: number | null;
  /** Version 2: null for demand (and for every version-1 event). */
  readonly details: ForecastDetailsView | null;
}

/** Parses and validates one event value; throws FGC_ALERT_EVENT_INVALID naming the field. */
export function parseForecastEvent(value: Buffer | string): ForecastEventView {
  const size = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  if (size > MAX_EVENT_BYTES) throw fieldError(WHOLE_EVENT, `at most ${MAX_EVENT_BYTES} bytes`, value, `${size} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (error) {
    throw new FgcError('FGC_ALERT_EVENT_INVALID', `forecast event is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
      details: [{ field: WHOLE_EVENT, message: 'not valid JSON' }],
    });
  }
  if (!isObject(json)) throw fieldError(WHOLE_EVENT, 'a JSON object', json);
  return readEvent(json);
}

function readEvent(e: JsonObject): ForecastEventView {
  const schemaVersion = numberField(e, 'schema_version', '', { integer: true });
  if (!(SUPPORTED_SCHEMA_VERSIONS as readonly number[]).includes(schemaVersion)) {
    throw fieldError('schema_version', `one of ${SUPPORTED_SCHEMA_VERSIONS.join(', ')}`, schemaVersion);
  }
  const forecastType = stringField(e, 'forecast_type', '', { nonEmpty: true });
  const details = e['details'] === undefined || e['details'] === null ? null : parseForecastDetails(e['details'], forecastType);
  return {
    schema_version: schemaVersion,
    event_type: stringField(e, 'event_type', '', { nonEmpty: true }),
    tenant_id: stringField(e, 'tenant_id', '', { nonEmpty: true }),
    entity_type: stringField(e, 'entity_type', '', { nonEmpty: true }),
    entity_id: stringField(e, 'entity_id', '', { nonEmpty: true }),
    site: stringField(e, 'site', ''),
    forecast_type: forecastType,
    period: stringField(e, 'period', '', { nonEmpty: true }),
    version_id: stringField(e, 'version_id', '', { nonEmpty: true }),
    previous_version_id: nullableStringField(e, 'previous_version_id', ''),
    generated_at: stringField(e, 'generated_at', '', { nonEmpty: true }),
    data_as_of: dateField(e, 'data_as_of', ''),
    points: readPoints(e),
    bound_breaches: readBreaches(e),
    stockout_date: nullableDateField(e, 'stockout_date', ''),
    stockout_probability: nullableNumberField(e, 'stockout_probability', '', { min: 0, max: 1 }),
    details,
  };
}

function bounds(p: JsonObject, key: string, path: string): Record<string, number> {
  const raw = p[key];
  if (!isObject(raw)) throw fieldError(`${path}.${key}`, 'an object of numbers keyed by level', raw);
  const out: Record<string, number> = {};
  for (const level of Object.keys(raw)) out[level] = numberField(raw, level, `${path}.${key}`);
  return out;
}

function readPoints(e: JsonObject): ForecastPointView[] {
  // Version 1 producers always send points; an absent list is read as none rather than refused.
  if (e['points'] === undefined) return [];
  return objectEntries(e, 'points', '', MAX_POINTS).map(({ entry, path }) => ({
    period_start: dateField(entry, 'period_start', path),
    value: numberField(entry, 'value', path),
    lower: bounds(entry, 'lower', path),
    upper: bounds(entry, 'upper', path),
  }));
}

function readBreaches(e: JsonObject): BoundBreachView[] {
  if (e['bound_breaches'] === undefined || e['bound_breaches'] === null) return [];
  return objectEntries(e, 'bound_breaches', '', MAX_POINTS).map(({ entry, path }) => {
    const direction = stringField(entry, 'direction', path);
    if (direction !== 'above' && direction !== 'below') throw fieldError(`${path}.direction`, '"above" or "below"', direction);
    return {
      period_start: dateField(entry, 'period_start', path),
      actual: numberField(entry, 'actual', path),
      forecast: numberField(entry, 'forecast', path),
      level: numberField(entry, 'level', path, { min: 0, max: 100 }),
      lower: numberField(entry, 'lower', path),
      upper: numberField(entry, 'upper', path),
      direction,
    };
  });
}
