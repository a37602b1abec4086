/**
 * The forecast-store port: versions of forecasts, written once and read by series. The
 * ClickHouse implementation (`clickhouse-forecast-store.ts`) keeps them in `forecasts`
 * (migrations 006, 007); tests of the service may use any other.
 */
import type { Period } from '../series/periods.js';
import type { ForecastType, SeriesKey } from './forecast-record.js';
import type { ForecastRecord } from './forecast-version.js';

/** Position in the list: the identity of the last series returned. */
export interface ListCursor {
  readonly entityId: string;
  readonly forecastType: string;
  readonly period: string;
  readonly site: string;
  readonly entityType: string;
}

export interface ListFilter {
  readonly forecastType?: ForecastType;
  readonly period?: Period;
  readonly site?: string;
}

export interface ForecastPage {
  readonly records: readonly ForecastRecord[];
  /** Present when more series follow. */
  readonly next?: ListCursor;
}

export interface ForecastStore {
  save(record: ForecastRecord): Promise<void>;
  /** The newest version of the series (filters left out match anything), or a given version. */
  get(tenant: string, key: SeriesKey, versionId?: string): Promise<ForecastRecord | undefined>;
  /** Up to `limit` versions of the series, newest first (for realized accuracy). */
  history(tenant: string, key: SeriesKey, limit: number): Promise<ForecastRecord[]>;
  /** The newest version of every series matching `filter`, in series order, keyset-paginated. */
  list(tenant: string, filter: ListFilter, limit: number, after?: ListCursor): Promise<ForecastPage>;
}

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify([cursor.entityId, cursor.forecastType, cursor.period, cursor.site, cursor.entityType])).toString('base64url');
}

/** The cursor in `text`, or undefined when it is not one this module wrote. */
export function decodeCursor(text: string): ListCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 5 || !value.every((v) => typeof v === 'string')) return undefined;
    const [entityId, forecastType, period, site, entityType] = value;
    return { entityId: entityId ?? '', forecastType: forecastType ?? '', period: period ?? '', site: site ?? '', entityType: entityType ?? '' };
  } catch {
    return undefined;
  }
}
