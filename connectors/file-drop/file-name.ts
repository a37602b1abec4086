/**
 * The file-drop naming convention: a dropped file says by its name where its records come from.
 *
 *   <source_type>__<source_id>__<record_type>[__<mapping>[__<anything>]].<ext>
 *
 * - parts are separated by a double underscore; single underscores, dots and dashes may appear
 *   inside a part (`erp_001`), but no part starts or ends with `_`;
 * - `source_type` is one of SOURCE_TYPES and `record_type` one of RECORD_TYPES (case-insensitive);
 * - the fourth part, when present, is always the mapping profile (a name starting with a letter,
 *   lower-cased); without it, or when it is `canonical`, the records are canonical. To add a free suffix (a date, a sequence number) to a
 *   canonical file, write the profile out: `erp__erp_001__items__canonical__20240101.csv`;
 * - everything after the fourth part is free text and ignored;
 * - `<ext>`: `.csv` / `.tsv` (CSV reader) or `.jsonl` / `.ndjson` (JSON Lines), case-insensitive.
 *
 * Files the watcher does not pick up at all (still being written, or not data): names starting
 * with `.` or `~`, and names ending in `.tmp`, `.part`, `.partial`, `.crdownload`, `.swp` or `~`.
 */
import { FgcError } from '../../infra/errors.js';
import { RECORD_TYPES, SOURCE_TYPES, type RecordType, type SourceType } from '../ingest/ingestor.js';

export type FileFormat = 'csv' | 'jsonl';

/** What a file name (or the `ingest-file` flags) says about the file's records. */
export interface DropFileMeta {
  readonly source_type: SourceType;
  readonly source_id: string;
  readonly record_type: RecordType;
  /** The mapping profile; undefined means canonical. */
  readonly mapping: string | undefined;
  readonly format: FileFormat;
}

const EXTENSIONS: Readonly<Record<string, FileFormat>> = { csv: 'csv', tsv: 'csv', jsonl: 'jsonl', ndjson: 'jsonl' };

/** A part: letters, digits, `.`, `-`, `_`, not starting or ending with `_` (that would be a separator). */
const PART = /^[A-Za-z0-9.-](?:[A-Za-z0-9._-]*[A-Za-z0-9.-])?$/;
const MAPPING = /^[A-Za-z][A-Za-z0-9._-]*$/;

/** Temporary names of writers, editors and downloaders: such files are not complete yet. */
const IGNORED = /^[.~]|\.(?:tmp|part|partial|crdownload|swp)$|~$/i;

/** Whether the watcher leaves `name` alone (a temporary or hidden file). */
export function isIgnoredFileName(name: string): boolean {
  return IGNORED.test(name);
}

/** The format a file extension stands for, or undefined. */
export function formatOfFileName(name: string): FileFormat | undefined {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? undefined : EXTENSIONS[name.slice(dot + 1).toLowerCase()];
}

/** Whether `value` can be a mapping profile name (a letter, then letters, digits, `.`, `-`, `_`). */
export function isMappingName(value: string): boolean {
  return MAPPING.test(value);
}

export function isSourceType(value: string): value is SourceType {
  return (SOURCE_TYPES as readonly string[]).includes(value);
}

export function isRecordType(value: string): value is RecordType {
  return (RECORD_TYPES as readonly string[]).includes(value);
}

/** Reads a file name by the convention; throws FGC_FILEDROP_INVALID_NAME saying what does not fit. */
export function parseDropFileName(name: string): DropFileMeta {
  const dot = name.lastIndexOf('.');
  const format = formatOfFileName(name);
  if (format === undefined) {
    throw invalidName(name, `the extension must be one of ${Object.keys(EXTENSIONS).map((e) => `.${e}`).join(', ')}`);
  }
  const parts = name.slice(0, dot).split('__');
  if (parts.length < 3) {
    throw invalidName(name, 'expected <source_type>__<source_id>__<record_type>[__<mapping>][__<anything>] with double underscores');
  }
  const [sourceType, sourceId, recordType, mapping] = parts as [string, string, string, string | undefined];
  parts.slice(0, 4).forEach((part, i) => {
    if (!PART.test(part)) throw invalidName(name, `part ${i + 1} (${JSON.stringify(part)}) must be letters, digits, '.', '-' or single '_' inside`);
  });
  const source_type = sourceType.toLowerCase();
  if (!isSourceType(source_type)) throw invalidName(name, `source type ${JSON.stringify(sourceType)} is not one of ${SOURCE_TYPES.join(', ')}`);
  const record_type = recordType.toLowerCase();
  if (!isRecordType(record_type)) throw invalidName(name, `record type ${JSON.stringify(recordType)} is not one of ${RECORD_TYPES.join(', ')}`);
  if (mapping !== undefined && !MAPPING.test(mapping)) {
    throw invalidName(name, `the fourth part is the mapping profile and ${JSON.stringify(mapping)} is not a profile name; for a suffix on a canonical file write __canonical__${mapping}`);
  }
  return { source_type, source_id: sourceId, record_type, mapping: normalizeMapping(mapping), format };
}

/**
 * Profile names are identifiers: lower-cased, and `canonical` is the same as none, so that
 * `…__items.csv` and `…__items__canonical.csv` with the same content share one content hash.
 */
export function normalizeMapping(mapping: string | undefined): string | undefined {
  const name = mapping?.toLowerCase();
  return name === 'canonical' ? undefined : name;
}

function invalidName(name: string, problem: string): FgcError {
  return new FgcError('FGC_FILEDROP_INVALID_NAME', `${name}: ${problem}`, { details: [{ field: 'file_name', message: problem }] });
}
