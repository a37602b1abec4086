/**
 * Reads one page of an ERP list endpoint: finds the record array, pulls out each record's id,
 * updated_at and version, and finds the next link or token. Pure; anything that does not fit the
 * entity's description is FGC_ERP_INVALID_PAGE with the entity, the URL and the records at fault —
 * a malformed page stops that entity's sync with a clear message instead of crashing the poller
 * or moving the cursor past records it could not read.
 */
import { FgcError } from '../../infra/errors.js';
import type { ErpEntityConfig } from './erp-source-config.js';
import type { SourceRecord } from './sync-cursor.js';

export interface ErpPage {
  readonly records: readonly SourceRecord[];
  /** The next page's link or token as the server gave it; undefined on the last page. */
  readonly next: string | undefined;
}

/** How many bad records one error lists: enough to see the pattern, small enough to log. */
const MAX_LISTED_PROBLEMS = 5;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `path` as an exact key first (`@odata.nextLink` contains a dot), else as a dot path. */
export function readPath(value: unknown, path: string): unknown {
  if (path === '') return value;
  if (isObject(value) && path in value) return value[path];
  let current = value;
  for (const part of path.split('.')) {
    if (!isObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

/** The `rel="next"` target of an RFC 8288 Link header. */
export function nextFromLinkHeader(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/s.exec(part);
    if (match === null) continue;
    for (const param of match[2]!.split(';')) {
      const eq = param.indexOf('=');
      if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'rel') continue;
      const rels = param.slice(eq + 1).trim().replace(/^"|"$/g, '').toLowerCase().split(/\s+/);
      if (rels.includes('next')) return match[1];
    }
  }
  return undefined;
}

function readUpdatedAt(value: unknown, entity: ErpEntityConfig): number | undefined {
  if (typeof value === 'string' && value.trim() !== '') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  // Numeric timestamps follow the filter's format: an API filtering in epoch seconds reports them too.
  if (typeof value === 'number' && Number.isFinite(value)) return entity.updatedSince.format === 'epoch_s' ? value * 1000 : value;
  return undefined;
}

function readKey(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function invalid(entity: ErpEntityConfig, url: string, problem: string, details: readonly Record<string, unknown>[] = []): FgcError {
  return new FgcError('FGC_ERP_INVALID_PAGE', `${entity.name}: page from ${url} is not valid: ${problem}`, {
    details: details.length > 0 ? details.map((d) => ({ entity: entity.name, url, ...d })) : [{ entity: entity.name, url, problem }],
  });
}

function readRecord(raw: unknown, entity: ErpEntityConfig): SourceRecord | string {
  if (!isObject(raw)) return 'not a JSON object';
  const id = readKey(raw[entity.idField]);
  if (id === undefined) return `${entity.idField} (id) is missing or not a string/number`;
  const updatedAtMs = readUpdatedAt(raw[entity.updatedAtField], entity);
  if (updatedAtMs === undefined) return `${entity.updatedAtField} (updated_at) is missing or not a timestamp`;
  const versionRaw = entity.versionField === undefined ? raw[entity.updatedAtField] : raw[entity.versionField];
  const version = readKey(versionRaw);
  if (version === undefined) return `${entity.versionField ?? entity.updatedAtField} (version) is missing`;
  return { id, version, updatedAtMs, data: raw };
}

/** Reads a page body (already JSON-decoded) and its headers; see the module comment. */
export function readErpPage(body: unknown, headers: Headers, entity: ErpEntityConfig, url: string): ErpPage {
  const list = readPath(body, entity.recordsField);
  if (!Array.isArray(list)) {
    throw invalid(entity, url, entity.recordsField === '' ? 'expected a JSON array of records' : `expected an array of records at "${entity.recordsField}"`);
  }
  const records: SourceRecord[] = [];
  const problems: { index: number; problem: string }[] = [];
  for (const [index, raw] of list.entries()) {
    const record = readRecord(raw, entity);
    if (typeof record === 'string') problems.push({ index, problem: record });
    else records.push(record);
  }
  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
    throw invalid(entity, url, `${problems.length} record(s) unreadable, first at index ${listed[0]!.index}: ${listed[0]!.problem}`, listed);
  }
  return { records, next: readNext(body, headers, entity, url) };
}

function readNext(body: unknown, headers: Headers, entity: ErpEntityConfig, url: string): string | undefined {
  const paging = entity.paging;
  if (paging.kind !== 'next') return undefined;
  if (paging.nextFrom === 'link_header') return nextFromLinkHeader(headers.get('link'));
  const next = readPath(body, paging.nextField);
  if (next === undefined || next === null || next === '') return undefined;
  if (typeof next === 'number' && Number.isFinite(next)) return String(next);
  if (typeof next !== 'string') throw invalid(entity, url, `"${paging.nextField}" is neither a link, a token nor null`);
  return next;
}
