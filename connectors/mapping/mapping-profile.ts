/**
 * Mapping profiles are data: one JSON file per profile (connectors/mapping/profiles/) saying, per
 * record type, which source field(s) each canonical field is read from, and which value formats
 * the source uses. `compileProfile` checks a parsed file completely — every problem named, with
 * its JSON path — and turns it into the lookup structure validation uses per record.
 *
 * File shape:
 *   { "name": "sap", "description": "…",
 *     "formats": { "date": "iso"|"yyyymmdd", "decimal": "point"|"comma", "boolean": "plain"|"sap_flag" },
 *     "record_types": { "<record type>": { "fields": { "<canonical field>": <source> } } } }
 * where <source> is a field name, or { "from": name | [names…], "separator"?: "-",
 * "values"?: { "<source value>": "<canonical value>" }, "negate_when"?: { "field": name, "equals": [values…] } }.
 *
 * Canonical fields a profile does not map are read under their canonical name; fields a record has
 * that no canonical field reads are kept in `extra` under their own name.
 */
import { FgcError, type ErrorDetail } from '../../infra/errors.js';
import { RECORD_TYPES, type RecordType } from '../../schemas/topics.js';
import { RECORD_FIELDS } from '../ingest/record-fields.js';
import type { DecimalStyle } from '../ingest/decimal-text.js';
import type { DateStyle } from '../ingest/iso-date.js';

/** `plain`: true/false, "true"/"false", 1/0, "1"/"0". `sap_flag` also reads SAP's "X" as true. */
export type BooleanStyle = 'plain' | 'sap_flag';

const DATE_STYLES: readonly DateStyle[] = ['iso', 'yyyymmdd'];
const DECIMAL_STYLES: readonly DecimalStyle[] = ['point', 'comma'];
const BOOLEAN_STYLES: readonly BooleanStyle[] = ['plain', 'sap_flag'];

export interface ValueFormats {
  readonly date: DateStyle;
  readonly decimal: DecimalStyle;
  readonly boolean: BooleanStyle;
}

/** Where one canonical field's value comes from in a source record. */
export interface FieldSource {
  /** One source field, or several joined with `separator` (a composite id such as document + line). */
  readonly from: readonly string[];
  readonly separator: string;
  /** Source codes translated to canonical values (SAP movement type 101 → receipt); others pass unchanged. */
  readonly values: ReadonlyMap<string, string> | undefined;
  /** Negate the number when another field holds one of these values (SAP debit/credit indicator H). */
  readonly negateWhen: { readonly field: string; readonly equals: ReadonlySet<string> } | undefined;
}

/** A profile's mapping of one record type, aligned with RECORD_FIELDS[recordType]. */
export interface RecordMapping {
  readonly sources: readonly FieldSource[];
  /** Source fields some canonical field reads: they do not go to `extra`. */
  readonly consumed: ReadonlySet<string>;
}

export interface MappingProfile {
  readonly name: string;
  readonly description: string;
  readonly formats: ValueFormats;
  readonly recordTypes: Readonly<Record<RecordType, RecordMapping>>;
}

export const DEFAULT_FORMATS: ValueFormats = { date: 'iso', decimal: 'point', boolean: 'plain' };

const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Source field names are data keys; this bound only keeps a broken profile file from being absurd. */
const MAX_SOURCE_NAME = 200;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSourceName(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_SOURCE_NAME;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T, path: string, problems: ErrorDetail[]): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  problems.push({ path, message: `expected one of ${allowed.join(', ')}` });
  return fallback;
}

function compileSource(spec: unknown, path: string, problems: ErrorDetail[]): FieldSource | undefined {
  if (isSourceName(spec)) return { from: [spec], separator: '', values: undefined, negateWhen: undefined };
  if (!isObject(spec)) {
    problems.push({ path, message: 'expected a source field name or { "from": … }' });
    return undefined;
  }
  const unknownKeys = Object.keys(spec).filter((k) => !['from', 'separator', 'values', 'negate_when'].includes(k));
  if (unknownKeys.length > 0) problems.push({ path, message: `unknown keys ${unknownKeys.join(', ')}` });
  const from = Array.isArray(spec.from) ? spec.from : [spec.from];
  if (from.length === 0 || !from.every(isSourceName)) problems.push({ path: `${path}.from`, message: 'expected a field name or a non-empty array of field names' });
  if (spec.separator !== undefined && typeof spec.separator !== 'string') problems.push({ path: `${path}.separator`, message: 'expected a string' });
  let values: Map<string, string> | undefined;
  if (spec.values !== undefined) {
    if (!isObject(spec.values) || !Object.values(spec.values).every((v) => typeof v === 'string')) {
      problems.push({ path: `${path}.values`, message: 'expected an object of source value → canonical value (strings)' });
    } else {
      values = new Map(Object.entries(spec.values as Record<string, string>));
    }
  }
  let negateWhen: FieldSource['negateWhen'];
  if (spec.negate_when !== undefined) {
    const rule = spec.negate_when;
    if (!isObject(rule) || !isSourceName(rule.field) || !Array.isArray(rule.equals) || !rule.equals.every((v) => typeof v === 'string')) {
      problems.push({ path: `${path}.negate_when`, message: 'expected { "field": name, "equals": [strings] }' });
    } else {
      negateWhen = { field: rule.field, equals: new Set(rule.equals) };
    }
  }
  return { from: from.filter(isSourceName), separator: typeof spec.separator === 'string' ? spec.separator : '-', values, negateWhen };
}

function compileRecordType(recordType: RecordType, spec: unknown, path: string, problems: ErrorDetail[]): RecordMapping {
  const mapped = new Map<string, FieldSource>();
  if (spec !== undefined) {
    if (!isObject(spec) || !isObject(spec.fields)) {
      problems.push({ path, message: 'expected { "fields": { "<canonical field>": <source> } }' });
    } else {
      const canonical = new Set(RECORD_FIELDS[recordType].map((f) => f.name));
      for (const [field, source] of Object.entries(spec.fields)) {
        if (!canonical.has(field)) {
          problems.push({ path: `${path}.fields.${field}`, message: `not a canonical field of ${recordType} (${[...canonical].join(', ')})` });
          continue;
        }
        const compiled = compileSource(source, `${path}.fields.${field}`, problems);
        if (compiled !== undefined) mapped.set(field, compiled);
      }
    }
  }
  const sources = RECORD_FIELDS[recordType].map((f) => mapped.get(f.name) ?? { from: [f.name], separator: '', values: undefined, negateWhen: undefined });
  const consumed = new Set<string>();
  for (const [index, source] of sources.entries()) {
    for (const name of source.from) {
      if (consumed.has(name)) problems.push({ path: `${path}.fields.${RECORD_FIELDS[recordType][index]!.name}`, message: `source field ${name} is read by two canonical fields` });
      consumed.add(name);
    }
  }
  return { sources, consumed };
}

/**
 * Checks a parsed profile file and compiles it. FGC_INGEST_PROFILE_INVALID listing every problem
 * (with `path`) when the file is not a valid profile; `fileName` (without `.json`) must equal its name.
 */
export function compileProfile(json: unknown, fileName: string): MappingProfile {
  const problems: ErrorDetail[] = [];
  if (!isObject(json)) throw new FgcError('FGC_INGEST_PROFILE_INVALID', `mapping profile ${fileName}: expected a JSON object`);
  const unknownKeys = Object.keys(json).filter((k) => !['name', 'description', 'formats', 'record_types'].includes(k));
  if (unknownKeys.length > 0) problems.push({ path: '', message: `unknown keys ${unknownKeys.join(', ')}` });
  const name = typeof json.name === 'string' ? json.name : '';
  if (!PROFILE_NAME.test(name)) problems.push({ path: 'name', message: 'lower-case letters, digits, - and _ (at most 63)' });
  else if (name !== fileName) problems.push({ path: 'name', message: `must equal the file name "${fileName}"` });
  if (typeof json.description !== 'string' || json.description.trim() === '') problems.push({ path: 'description', message: 'say what the profile is for and why it maps as it does' });
  const formatsSpec = json.formats === undefined ? {} : json.formats;
  if (!isObject(formatsSpec)) problems.push({ path: 'formats', message: 'expected an object' });
  const formatSource = isObject(formatsSpec) ? formatsSpec : {};
  const formats: ValueFormats = {
    date: oneOf(formatSource.date, DATE_STYLES, DEFAULT_FORMATS.date, 'formats.date', problems),
    decimal: oneOf(formatSource.decimal, DECIMAL_STYLES, DEFAULT_FORMATS.decimal, 'formats.decimal', problems),
    boolean: oneOf(formatSource.boolean, BOOLEAN_STYLES, DEFAULT_FORMATS.boolean, 'formats.boolean', problems),
  };
  const recordSpecs = json.record_types === undefined ? {} : json.record_types;
  if (!isObject(recordSpecs)) problems.push({ path: 'record_types', message: 'expected an object keyed by record type' });
  const specs = isObject(recordSpecs) ? recordSpecs : {};
  for (const key of Object.keys(specs)) {
    if (!(RECORD_TYPES as readonly string[]).includes(key)) problems.push({ path: `record_types.${key}`, message: `unknown record type (known: ${RECORD_TYPES.join(', ')})` });
  }
  const recordTypes = Object.fromEntries(RECORD_TYPES.map((t) => [t, compileRecordType(t, specs[t], `record_types.${t}`, problems)])) as Record<RecordType, RecordMapping>;
  if (problems.length > 0) {
    const summary = problems.map((p) => `${String(p.path) || '(root)'}: ${String(p.message)}`).join('; ');
    throw new FgcError('FGC_INGEST_PROFILE_INVALID', `mapping profile ${fileName} is invalid: ${summary}`, { details: problems });
  }
  return { name, description: json.description as string, formats, recordTypes };
}
