/**
 * Readers for the fields of a JSON event, each naming the field (with its path, e.g.
 * `details.open_orders[2].po_id`) when the value is missing or of the wrong kind. The forecast
 * event parser is built from these, so every rejection says exactly what is wrong.
 */
import { FgcError } from '../../infra/errors.js';

export type JsonObject = Readonly<Record<string, unknown>>;

/** Values quoted in error messages are cut here: a message must stay readable whatever arrived. */
const QUOTE_LIMIT = 60;

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text}`;
}

/** The "field" name of problems with the event as a whole (size, not an object). */
export const WHOLE_EVENT = '(event)';

/** The error for one field: FGC_ALERT_EVENT_INVALID with the field in the message and the details. */
export function fieldError(field: string, expected: string, value: unknown, got?: string): FgcError {
  const subject = field === WHOLE_EVENT ? 'forecast event' : `forecast event field ${field}`;
  const message = `${subject} must be ${expected} (got ${got ?? describe(value)})`;
  return new FgcError('FGC_ALERT_EVENT_INVALID', message, { details: [{ field, message: `must be ${expected}` }] });
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objectField(obj: JsonObject, key: string, path: string): JsonObject {
  const value = obj[key];
  if (!isObject(value)) throw fieldError(join(path, key), 'an object', value);
  return value;
}

/** An array of at most `maxItems` entries. */
export function arrayField(obj: JsonObject, key: string, path: string, maxItems: number): readonly unknown[] {
  const value = obj[key];
  if (!Array.isArray(value)) throw fieldError(join(path, key), 'an array', value);
  if (value.length > maxItems) throw fieldError(join(path, key), `an array of at most ${maxItems} entries`, value, `${value.length} entries`);
  return value as readonly unknown[];
}

/** Each entry of an array field as an object, with its indexed path. */
export function objectEntries(obj: JsonObject, key: string, path: string, maxItems: number): { readonly entry: JsonObject; readonly path: string }[] {
  return arrayField(obj, key, path, maxItems).map((entry, i) => {
    const at = `${join(path, key)}[${i}]`;
    if (!isObject(entry)) throw fieldError(at, 'an object', entry);
    return { entry, path: at };
  });
}

export interface StringRules {
  /** Refuse '' (identifiers). */
  readonly nonEmpty?: boolean;
  /** Longest accepted string: identifiers are short; a megabyte of "sku" is a broken producer. */
  readonly maxLength?: number;
}

/** Identifiers and labels longer than this are refused (ClickHouse keys, Slack text, e-mail subjects). */
export const MAX_IDENTIFIER_LENGTH = 256;

export function stringField(obj: JsonObject, key: string, path: string, rules: StringRules = {}): string {
  const value = obj[key];
  const max = rules.maxLength ?? MAX_IDENTIFIER_LENGTH;
  if (typeof value !== 'string') throw fieldError(join(path, key), 'a string', value);
  if (rules.nonEmpty === true && value.trim() === '') throw fieldError(join(path, key), 'a non-empty string', value);
  if (value.length > max) throw fieldError(join(path, key), `a string of at most ${max} characters`, value, `${value.length} characters`);
  return value;
}

export function nullableStringField(obj: JsonObject, key: string, path: string, rules: StringRules = {}): string | null {
  const value = obj[key];
  return value === null || value === undefined ? null : stringField(obj, key, path, rules);
}

export interface NumberRules {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

export function numberField(obj: JsonObject, key: string, path: string, rules: NumberRules = {}): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw fieldError(join(path, key), 'a finite number', value);
  if (rules.integer === true && !Number.isInteger(value)) throw fieldError(join(path, key), 'a whole number', value);
  if (rules.min !== undefined && value < rules.min) throw fieldError(join(path, key), `a number ≥ ${rules.min}`, value);
  if (rules.max !== undefined && value > rules.max) throw fieldError(join(path, key), `a number ≤ ${rules.max}`, value);
  return value;
}

export function nullableNumberField(obj: JsonObject, key: string, path: string, rules: NumberRules = {}): number | null {
  const value = obj[key];
  return value === null || value === undefined ? null : numberField(obj, key, path, rules);
}

export function booleanField(obj: JsonObject, key: string, path: string): boolean {
  const value = obj[key];
  if (typeof value !== 'boolean') throw fieldError(join(path, key), 'true or false', value);
  return value;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/;

/** A calendar date `YYYY-MM-DD` (an ISO timestamp is accepted and cut to its date), validated as a real day. */
export function dateField(obj: JsonObject, key: string, path: string): string {
  const value = obj[key];
  const text = typeof value === 'string' && value.length <= 40 ? value : '';
  const m = DATE.exec(text);
  if (m === null) throw fieldError(join(path, key), 'a date YYYY-MM-DD', value);
  const [, y, mo, d] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  const day = `${y}-${mo}-${d}`;
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== day) throw fieldError(join(path, key), 'a real calendar date YYYY-MM-DD', value);
  if (text.length > 10 && Number.isNaN(Date.parse(text))) throw fieldError(join(path, key), 'a date YYYY-MM-DD or an ISO timestamp', value);
  return day;
}

export function nullableDateField(obj: JsonObject, key: string, path: string): string | null {
  const value = obj[key];
  return value === null || value === undefined ? null : dateField(obj, key, path);
}
