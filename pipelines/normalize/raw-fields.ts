/**
 * Typed readers of a decoded raw record's fields. The Avro schema already guarantees types, but a
 * normalizer is a boundary of its own (replayed dead letters, other producers), so each reader
 * checks what it reads and throws a NormalizeError naming the field when the value cannot enter
 * the model. Readers also apply the model's value rules: codes trimmed and upper-cased, currencies
 * ISO 4217, decimals canonical and within Decimal(38, 18), dates and timestamps in UTC.
 */
import type { RawRecord } from './normalizer.js';
import { canonicalDecimal } from './decimal-arithmetic.js';
import { NORMALIZE_FAILURES, NormalizeError } from './normalize-failure.js';
import { toDate32, toUtcDateTime } from './utc-time.js';

const CURRENCY = /^[A-Z]{3}$/;

/** Trimmed text, or null when absent or empty. */
export function optionalText(raw: RawRecord, field: string): string | null {
  const value = raw[field];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' && typeof value !== 'number') throw new NormalizeError(NORMALIZE_FAILURES.MISSING_FIELD, field, `${field} must be text`);
  const text = String(value).trim();
  return text === '' ? null : text;
}

export function requiredText(raw: RawRecord, field: string): string {
  const text = optionalText(raw, field);
  if (text === null) throw new NormalizeError(NORMALIZE_FAILURES.MISSING_FIELD, field, `${field} is required`);
  return text;
}

/**
 * A site, supplier or customer code: trimmed and upper-cased, so `plant-1 ` and `PLANT-1` are one
 * site across sources. Leading zeros stay (SAP's `0000012345` is an id, not a number).
 */
export function optionalCode(raw: RawRecord, field: string): string | null {
  return optionalText(raw, field)?.toUpperCase() ?? null;
}

export function requiredCode(raw: RawRecord, field: string): string {
  return requiredText(raw, field).toUpperCase();
}

/** An ISO 4217 currency code, upper-cased; null when absent. */
export function optionalCurrency(raw: RawRecord, field: string): string | null {
  const code = optionalCode(raw, field);
  if (code !== null && !CURRENCY.test(code)) throw new NormalizeError(NORMALIZE_FAILURES.INVALID_CURRENCY, field, `${field} must be a three-letter ISO 4217 code, got ${JSON.stringify(code)}`);
  return code;
}

export function requiredCurrency(raw: RawRecord, field: string): string {
  const code = optionalCurrency(raw, field);
  if (code === null) throw new NormalizeError(NORMALIZE_FAILURES.MISSING_FIELD, field, `${field} is required`);
  return code;
}

/** Canonical decimal text within Decimal(38, 18); null when absent. */
export function optionalDecimal(raw: RawRecord, field: string): string | null {
  const text = optionalText(raw, field);
  if (text === null) return null;
  const canonical = canonicalDecimal(text);
  if (canonical === undefined) throw new NormalizeError(NORMALIZE_FAILURES.DECIMAL_OUT_OF_RANGE, field, `${field} must be decimal text within 20 integer and 18 fraction digits, got ${JSON.stringify(text)}`);
  return canonical;
}

export function requiredDecimal(raw: RawRecord, field: string): string {
  const value = optionalDecimal(raw, field);
  if (value === null) throw new NormalizeError(NORMALIZE_FAILURES.MISSING_FIELD, field, `${field} is required`);
  return value;
}

/** A whole number ≥ 0 (order line numbers, lead times); null when absent. */
export function optionalCount(raw: RawRecord, field: string): number | null {
  const value = raw[field];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new NormalizeError(NORMALIZE_FAILURES.MISSING_FIELD, field, `${field} must be a whole number ≥ 0`);
  return value;
}

export function optionalBoolean(raw: RawRecord, field: string): boolean | null {
  const value = raw[field];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'boolean') throw new NormalizeError(NORMALIZE_FAILURES.MISSING_FIELD, field, `${field} must be true or false`);
  return value;
}

/** Date32 text; null when absent. */
export function optionalDate(raw: RawRecord, field: string): string | null {
  const text = optionalText(raw, field);
  if (text === null) return null;
  const date = toDate32(text);
  if (date === undefined) throw new NormalizeError(NORMALIZE_FAILURES.INVALID_DATE, field, `${field} must be an ISO 8601 date between 1900 and 2299, got ${JSON.stringify(text)}`);
  return date;
}

export function requiredDate(raw: RawRecord, field: string): string {
  const date = optionalDate(raw, field);
  if (date === null) throw new NormalizeError(NORMALIZE_FAILURES.MISSING_FIELD, field, `${field} is required`);
  return date;
}

/** DateTime64(3, 'UTC') text, offsets applied; null when absent. */
export function optionalTimestamp(raw: RawRecord, field: string): string | null {
  const text = optionalText(raw, field);
  if (text === null) return null;
  const timestamp = toUtcDateTime(text);
  if (timestamp === undefined) throw new NormalizeError(NORMALIZE_FAILURES.INVALID_DATE, field, `${field} must be an ISO 8601 date-time between 1900 and 2299, got ${JSON.stringify(text)}`);
  return timestamp;
}

export function requiredTimestamp(raw: RawRecord, field: string): string {
  const timestamp = optionalTimestamp(raw, field);
  if (timestamp === null) throw new NormalizeError(NORMALIZE_FAILURES.MISSING_FIELD, field, `${field} is required`);
  return timestamp;
}
