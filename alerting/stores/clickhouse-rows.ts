/**
 * Conversions shared by the alerting stores (migration 008): ISO timestamps ↔ DateTime64(3) text,
 * JSON columns, the insert deduplication token, and the clock that versions rows the stores
 * version themselves (silences, preferences). A value that cannot be stored or read back raises
 * FGC_ALERTING_ROW_INVALID naming the field, rather than a bare RangeError or SyntaxError.
 */
import { createHash } from 'node:crypto';
import { fromClickHouseDateTime, toClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import { FgcError } from '../../infra/errors.js';

/** DateTime64(3)'s range: ClickHouse clamps anything outside it, so it is refused instead. */
const MIN_TIME_MS = Date.UTC(1900, 0, 1);
const MAX_TIME_MS = Date.UTC(2299, 11, 31, 23, 59, 59, 999);

function invalid(field: string, message: string, cause?: unknown): FgcError {
  return new FgcError('FGC_ALERTING_ROW_INVALID', `${field}: ${message}`, { cause, details: [{ field, message }] });
}

/** ISO 8601 → DateTime64(3, 'UTC') text; throws FGC_ALERTING_ROW_INVALID for text that is no instant. */
export function chTime(iso: string, field: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms) || ms < MIN_TIME_MS || ms > MAX_TIME_MS) throw invalid(field, `${JSON.stringify(iso)} is not a timestamp between 1900 and 2299`);
  return toClickHouseDateTime(ms);
}

export function chTimeOrNull(iso: string | null, field: string): string | null {
  return iso === null ? null : chTime(iso, field);
}

/** Epoch ms → DateTime64(3) text, for query parameters. */
export function chTimeOfMs(ms: number, field: string): string {
  if (!Number.isFinite(ms) || ms < MIN_TIME_MS || ms > MAX_TIME_MS) throw invalid(field, `${ms} is not an instant between 1900 and 2299`);
  return toClickHouseDateTime(ms);
}

export function isoTime(text: string): string {
  return fromClickHouseDateTime(text);
}

export function isoTimeOrNull(text: string | null): string | null {
  return text === null ? null : fromClickHouseDateTime(text);
}

/** Parses a JSON column; a damaged value names its table, key and column. */
export function parseJson<T>(text: string, field: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw invalid(field, 'stored JSON cannot be parsed', error);
  }
}

/**
 * The deduplication token of an insert: the table and a hash of exactly the rows inserted. A
 * retried identical insert is dropped by the table's deduplication window; any other insert has
 * other rows, hence another token.
 */
export function rowsToken(table: string, rows: readonly object[]): string {
  return `${table}:${createHash('sha256').update(JSON.stringify(rows)).digest('hex')}`;
}

/**
 * Versions for rows the store versions itself: the wall clock in ms, made strictly increasing in
 * this process (two saves in one millisecond still order). Across replicas the clocks order
 * saves; ties between replicas go to the row inserted last.
 */
export function versionClock(now: () => number): () => number {
  let last = 0;
  return () => {
    last = Math.max(Math.floor(now()), last + 1);
    return last;
  };
}

/** A caller's limit, bounded: missing or not a positive integer → `fallback`; above `max` → `max`. */
export function boundedLimit(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined || !Number.isFinite(limit) || limit < 1) return fallback;
  return Math.min(Math.floor(limit), max);
}
