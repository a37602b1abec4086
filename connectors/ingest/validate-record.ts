/**
 * Validation of one record (SPEC.md, Ingest): pure, and the same for every connector. A record is
 * invalid when it is not a JSON object, a required field is missing or empty, a value cannot be
 * read as its field's type, a quantity that must not be negative is negative, or `defect_qty`
 * exceeds `inspected_qty`. Every problem of a record is reported (not only the first), each naming
 * the record type, the index, the canonical field and what to fix.
 *
 * A valid record becomes its canonical form: every canonical field normalized (record-fields.ts
 * says how; absent optional fields are null) plus `extra`, the fields no canonical field reads,
 * each value JSON-encoded — nothing a source sends is dropped.
 */
import type { RecordType } from '../../schemas/topics.js';
import type { MappingProfile, ValueFormats } from '../mapping/mapping-profile.js';
import { readSource, SourceProblem } from '../mapping/read-source.js';
import { compareDecimals, isNegative, kindOf, parseDecimal, preview } from './decimal-text.js';
import type { RecordError } from './ingestor.js';
import { SAP_EMPTY_DATE, parseDate, parseTimestamp } from './iso-date.js';
import { RECORD_FIELDS, describeFieldType, type FieldSpec } from './record-fields.js';
import { isWellFormedText } from './unicode-text.js';

export type CanonicalValue = string | number | boolean | null;

/** A valid record in canonical form: its fields by canonical name, plus `extra`. */
export interface CanonicalRecord {
  [field: string]: CanonicalValue | Record<string, string>;
  extra: Record<string, string>;
}

export type ValidationResult = { readonly ok: CanonicalRecord; readonly errors?: undefined } | { readonly ok?: undefined; readonly errors: RecordError[] };

/** Longest accepted text value: room for long descriptions, a bound on what one field may hold. */
export const MAX_TEXT_CHARS = 4000;
/** Avro `int`: order line numbers and lead times fit many times over. */
const MAX_INT = 2_147_483_647;
const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

/** Parse outcome of one field: the value, or a message that completes "<field> …". */
class FieldProblem {
  constructor(readonly message: string) {}
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function parseText(value: unknown): string | FieldProblem {
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else return new FieldProblem(`must be text, got ${kindOf(value)}`);
  if (text.length > MAX_TEXT_CHARS) return new FieldProblem(`is longer than ${MAX_TEXT_CHARS} characters`);
  if (!isWellFormedText(text)) return new FieldProblem('contains an unpaired UTF-16 surrogate, which is not valid Unicode');
  return text;
}

function parseBoolean(value: unknown, formats: ValueFormats): boolean | FieldProblem {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word) || (formats.boolean === 'sap_flag' && word === 'x')) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  return new FieldProblem(`must be true or false${formats.boolean === 'sap_flag' ? ' (or X)' : ''}, got ${typeof value === 'string' ? `"${preview(value)}"` : kindOf(value)}`);
}

/** One field's value parsed by its type. */
function parseField(spec: FieldSpec, value: unknown, formats: ValueFormats): CanonicalValue | FieldProblem {
  const type = spec.type;
  switch (type.kind) {
    case 'text':
      return parseText(value);
    case 'decimal':
    case 'integer': {
      const decimal = parseDecimal(value, formats.decimal);
      if (typeof decimal !== 'string') return new FieldProblem(`must be ${describeFieldType(type)}: ${decimal.problem}`);
      if (type.nonNegative && isNegative(decimal)) return new FieldProblem(`must not be negative (got ${decimal})`);
      if (type.kind === 'decimal') return decimal;
      if (decimal.includes('.')) return new FieldProblem(`must be a whole number (got ${decimal})`);
      const whole = Number(decimal);
      return Math.abs(whole) > MAX_INT ? new FieldProblem(`must be at most ${MAX_INT} (got ${decimal})`) : whole;
    }
    case 'date': {
      const date = parseDate(value, formats.date);
      return typeof date === 'string' ? date : new FieldProblem(`must be a date: ${date.problem}`);
    }
    case 'timestamp': {
      const timestamp = parseTimestamp(value, formats.date);
      return typeof timestamp === 'string' ? timestamp : new FieldProblem(`must be a date or date-time: ${timestamp.problem}`);
    }
    case 'boolean':
      return parseBoolean(value, formats);
    case 'enum': {
      const word = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
      if (word !== undefined && type.values.includes(word)) return word;
      return new FieldProblem(`must be one of ${type.values.join(', ')} (got ${typeof value === 'string' ? `"${preview(value)}"` : kindOf(value)})`);
    }
    case 'code': {
      const code = typeof value === 'string' ? value.trim().toUpperCase() : undefined;
      if (code !== undefined && type.values.includes(code)) return code;
      return new FieldProblem(`must be one of ${type.values.join(', ')} (got ${typeof value === 'string' ? `"${preview(value)}"` : kindOf(value)})`);
    }
  }
}

/** Whether a value counts as absent, profile formats included (SAP's `00000000` date). */
function isAbsent(spec: FieldSpec, value: unknown, formats: ValueFormats): boolean {
  if (isEmpty(value)) return true;
  return formats.date === 'yyyymmdd' && (spec.type.kind === 'date' || spec.type.kind === 'timestamp') && (value === SAP_EMPTY_DATE || value === 0);
}

function whereFrom(profile: MappingProfile, sourceNames: readonly string[], field: string): string {
  return sourceNames.length === 1 && sourceNames[0] === field ? '' : ` (profile "${profile.name}" reads it from ${sourceNames.join(' + ')})`;
}

/**
 * Validates one record of `recordType` read through `profile`; `index` is its position in the
 * batch's array, for error reports.
 */
export function validateRecord(recordType: RecordType, raw: unknown, profile: MappingProfile, index = 0): ValidationResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { errors: [{ record_type: recordType, index, field: null, message: `record must be a JSON object, got ${kindOf(raw)}` }] };
  }
  const record = raw as Readonly<Record<string, unknown>>;
  const fields = RECORD_FIELDS[recordType];
  const mapping = profile.recordTypes[recordType];
  const formats = profile.formats;
  const out = {} as CanonicalRecord;
  // Plain pushes, no closure: this loop runs per record, and a closure per call costs in the hot path.
  const errors: RecordError[] = [];

  for (let i = 0; i < fields.length; i += 1) {
    const spec = fields[i]!;
    const source = mapping.sources[i]!;
    const value: unknown = readSource(record, source);
    if (value instanceof SourceProblem) {
      errors.push({ record_type: recordType, index, field: spec.name, message: `${spec.name} ${value.problem}` });
      continue;
    }
    if (isAbsent(spec, value, formats)) {
      if (spec.required) errors.push({ record_type: recordType, index, field: spec.name, message: `${spec.name} is required${whereFrom(profile, source.from, spec.name)}` });
      out[spec.name] = null;
      continue;
    }
    const parsed = parseField(spec, value, formats);
    if (parsed instanceof FieldProblem) errors.push({ record_type: recordType, index, field: spec.name, message: `${spec.name} ${parsed.message}` });
    else out[spec.name] = parsed;
  }

  if (recordType === 'inspections' && errors.length === 0) {
    const inspected = out.inspected_qty as string;
    const defects = out.defect_qty as string;
    if (compareDecimals(defects, inspected) > 0) errors.push({ record_type: recordType, index, field: 'defect_qty', message: `defect_qty (${defects}) must not exceed inspected_qty (${inspected})` });
  }

  const extra: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const key of Object.keys(record)) {
    if (mapping.consumed.has(key)) continue;
    if (!isWellFormedText(key)) {
      errors.push({ record_type: recordType, index, field: null, message: `field name "${preview(key)}" contains an unpaired UTF-16 surrogate, which is not valid Unicode` });
      continue;
    }
    let encoded: string | undefined;
    try {
      encoded = JSON.stringify(record[key]);
    } catch {
      // Only connectors handing over non-JSON values (a BigInt, a cycle) get here; HTTP bodies never do.
      errors.push({ record_type: recordType, index, field: null, message: `field "${preview(key)}" holds a value that is not JSON` });
    }
    if (encoded !== undefined) extra[key] = encoded;
  }
  if (errors.length > 0) return { errors };
  out.extra = extra;
  return { ok: out };
}
