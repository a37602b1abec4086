/**
 * Dates and timestamps into the model's columns: Date32 (`YYYY-MM-DD`) and DateTime64(3, 'UTC')
 * (`YYYY-MM-DD hh:mm:ss.sss`). Ingest already sends UTC `…Z` text, but a normalizer must not
 * trust that (replays, other producers): any ISO 8601 offset is applied here, a time without an
 * offset is UTC and a date alone is midnight UTC, as the ingest contract says. Only 1900-01-01 …
 * 2299-12-31 is accepted: ClickHouse would silently clamp values outside its Date32/DateTime64 range.
 */
import { toClickHouseDateTime } from '../../infra/clickhouse/datetime.js';

/** First and last instants ClickHouse's Date32 / DateTime64 hold without clamping. */
const MIN_MS = Date.UTC(1900, 0, 1);
const MAX_MS = Date.UTC(2300, 0, 1) - 1;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Epoch milliseconds of an ISO 8601 date or date-time; undefined when unreadable or out of range. */
export function parseIsoInstant(text: string): number | undefined {
  const match = ISO.exec(text.trim());
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const [hour, minute, second] = [Number(match[4] ?? 0), Number(match[5] ?? 0), Number(match[6] ?? 0)];
  // Milliseconds: DateTime64(3) holds no more, so finer digits are cut (ingest sends at most 3).
  const millis = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls 2024-02-30 over into March: refuse instead.
  if (new Date(local).getUTCDate() !== day) return undefined;
  const ms = local - offsetMinutes(match[8]) * 60_000;
  return ms >= MIN_MS && ms <= MAX_MS ? ms : undefined;
}

function offsetMinutes(offset: string | undefined): number {
  if (offset === undefined || offset === 'Z' || offset === 'z') return 0;
  const digits = offset.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return offset.startsWith('-') ? -minutes : minutes;
}

/** ClickHouse DateTime64(3, 'UTC') text of an ISO 8601 instant; undefined when unreadable or out of range. */
export function toUtcDateTime(text: string): string | undefined {
  const ms = parseIsoInstant(text);
  return ms === undefined ? undefined : toClickHouseDateTime(ms);
}

/** Date32 text (`YYYY-MM-DD`) of an ISO 8601 date (a date-time keeps its own calendar day); undefined when unreadable or out of range. */
export function toDate32(text: string): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})/.exec(text.trim());
  if (match === null || parseIsoInstant(match[1]!) === undefined) return undefined;
  return match[1];
}
