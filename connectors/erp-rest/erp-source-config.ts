/**
 * The description of ERP REST sources the poller pulls from: one JSON document (the entry point
 * reads it from `FORGECAST_ERP_SOURCES`), snake_case keys, parsed once at start-up into frozen,
 * camelCase objects with every default filled in. Like infra/config.ts, parsing collects every
 * problem and throws one FGC_CONFIG_INVALID naming them all.
 *
 * Secrets never appear in the document: `auth.value_env` names the environment variable holding
 * the header value, and parsing only checks that the variable is set.
 */
import { FgcError } from '../../infra/errors.js';
import { RECORD_TYPES, SOURCE_TYPES, type RecordType, type SourceType } from '../ingest/ingestor.js';

export const PAGING_KINDS = ['offset', 'next'] as const;
export const SINCE_FORMATS = ['iso', 'epoch_ms', 'epoch_s'] as const;
export type SinceFormat = (typeof SINCE_FORMATS)[number];
export const NEXT_SOURCES = ['body', 'link_header'] as const;

/**
 * How pages follow each other. `offset`: the server sorts by updated_at ascending and takes
 * offset/limit parameters (the poller re-anchors every request on the last updated_at it saw, see
 * entity-sync.ts). `next`: the server hands out the next page — a URL (absolute or relative to the
 * base URL) or, with `cursorParam`, a token sent back as that query parameter.
 */
export type PagingConfig =
  | { readonly kind: 'offset'; readonly offsetParam: string; readonly limitParam: string }
  | {
      readonly kind: 'next';
      readonly limitParam: string | undefined;
      readonly nextFrom: (typeof NEXT_SOURCES)[number];
      /** Where the next link/token sits in the body: a key or a dot path (`links.next`). */
      readonly nextField: string;
      readonly cursorParam: string | undefined;
    };

/** One record type pulled from one endpoint. */
export interface ErpEntityConfig {
  /** Unique within its source; names the cursor and prefixes batch references. */
  readonly name: string;
  /** Endpoint path, relative to the source's base URL. */
  readonly path: string;
  readonly recordType: RecordType;
  /** Mapping profile the ingestor renames fields with; the ingestor's default when absent. */
  readonly mapping: string | undefined;
  readonly pageSize: number;
  readonly idField: string;
  readonly updatedAtField: string;
  /** A field that changes on every update (a row version); updated_at serves when absent. */
  readonly versionField: string | undefined;
  /** Where the record array sits in a page body (key or dot path); '' when the body is the array. */
  readonly recordsField: string;
  /** Fixed query parameters sent with every request (a sort order, a company code…). */
  readonly query: Readonly<Record<string, string>>;
  /** The inclusive `updated_at >=` filter: its parameter name and value format. */
  readonly updatedSince: { readonly param: string; readonly format: SinceFormat };
  readonly paging: PagingConfig;
  /** First sync: pull from this instant (ISO 8601); everything when absent. */
  readonly startFrom: string | undefined;
}

export interface RetryConfig {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A Retry-After longer than this ends the sync instead of blocking it (the next poll retries). */
  readonly maxRetryAfterMs: number;
}

export interface ErpSourceConfig {
  /** The `source_id` batches are ingested under. */
  readonly id: string;
  readonly tenant: string;
  readonly sourceType: SourceType;
  readonly baseUrl: string;
  /** Header carrying the credential; its value comes from the environment variable `valueEnv`. */
  readonly auth: { readonly header: string; readonly valueEnv: string } | undefined;
  readonly pollIntervalMs: number;
  readonly overlapMs: number;
  readonly requestTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly maxPagesPerSync: number;
  readonly retry: RetryConfig;
  readonly entities: readonly ErpEntityConfig[];
}

/** Defaults, each with its reason. */
export const ERP_DEFAULTS = {
  // ERP records change at human pace and ERP APIs are rate-limited: a minute keeps forecasts and
  // alerts fresh without hammering the source.
  pollIntervalMs: 60_000,
  // Covers clock skew between ERP application servers and rows committed by long transactions
  // after later ones; records seen again inside it are recognised and not re-published.
  overlapMs: 5 * 60_000,
  // The usual gateway timeout; ERP list endpoints can take seconds on a cold cache.
  requestTimeoutMs: 30_000,
  // A 1,000-record page of wide ERP records is 2–5 MB; 16 MiB leaves room while keeping a
  // runaway response from exhausting memory.
  maxResponseBytes: 16 * 1024 * 1024,
  // Guards against a server that never stops handing out next links: 10,000 pages × the default
  // page size is two million records per sync, more than any initial load we expect.
  maxPagesPerSync: 10_000,
  // A common maximum page size of ERP list APIs, and small enough for one ingest batch.
  pageSize: 200,
  retry: {
    // 5 attempts with 0.5 s doubling reach ~8 s of backoff: enough to ride out a restart or a
    // failover, short enough that one broken entity does not hold up the others for minutes.
    maxAttempts: 5,
    baseDelayMs: 500,
    maxDelayMs: 30_000,
    maxRetryAfterMs: 5 * 60_000,
  },
} as const;

/** Source ids, tenants and entity names become path segments and keys: no separators, no dots first. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

type Json = Record<string, unknown>;

/** Reads typed fields of one JSON object, recording problems under a path instead of throwing. */
class FieldReader {
  constructor(
    private readonly obj: Json,
    private readonly at: string,
    private readonly problems: string[],
  ) {}

  problem(key: string, message: string): void {
    this.problems.push(`${this.at}.${key}: ${message}`);
  }

  string(key: string, fallback?: string, pattern?: RegExp): string {
    const value = this.obj[key];
    if (value === undefined || value === null) {
      if (fallback === undefined) this.problem(key, 'is required');
      return fallback ?? '';
    }
    if (typeof value !== 'string' || value.trim() === '') {
      this.problem(key, `expected a non-empty string, got ${JSON.stringify(value)}`);
      return fallback ?? '';
    }
    if (pattern !== undefined && !pattern.test(value)) this.problem(key, `${JSON.stringify(value)} does not match ${String(pattern)}`);
    return value;
  }

  optionalString(key: string, pattern?: RegExp): string | undefined {
    const value = this.obj[key];
    return value === undefined || value === null ? undefined : this.string(key, undefined, pattern);
  }

  int(key: string, fallback: number, min: number, max: number): number {
    const value = this.obj[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problem(key, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback?: T): T {
    const value = this.obj[key] ?? fallback;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    this.problem(key, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    return allowed[0]!;
  }

  object(key: string, required: boolean): FieldReader | undefined {
    const value = this.obj[key];
    if (value === undefined || value === null) {
      if (required) this.problem(key, 'is required');
      return undefined;
    }
    if (!isObject(value)) {
      this.problem(key, 'expected an object');
      return undefined;
    }
    return new FieldReader(value, `${this.at}.${key}`, this.problems);
  }

  stringMap(key: string): Record<string, string> {
    const value = this.obj[key];
    if (value === undefined || value === null) return {};
    if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
      this.problem(key, 'expected an object of strings');
      return {};
    }
    return { ...(value as Record<string, string>) };
  }

  array(key: string): unknown[] {
    const value = this.obj[key];
    if (!Array.isArray(value) || value.length === 0) {
      this.problem(key, 'expected a non-empty array');
      return [];
    }
    return value;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parsePaging(r: FieldReader | undefined): PagingConfig {
  if (r === undefined) return { kind: 'offset', offsetParam: 'offset', limitParam: 'limit' };
  const kind = r.oneOf('kind', PAGING_KINDS);
  if (kind === 'offset') return { kind, offsetParam: r.string('offset_param', 'offset'), limitParam: r.string('limit_param', 'limit') };
  return {
    kind,
    limitParam: r.optionalString('limit_param'),
    nextFrom: r.oneOf('next_from', NEXT_SOURCES, 'body'),
    nextField: r.string('next_field', 'next'),
    cursorParam: r.optionalString('cursor_param'),
  };
}

function parseEntity(raw: unknown, at: string, problems: string[]): ErpEntityConfig | undefined {
  if (!isObject(raw)) {
    problems.push(`${at}: expected an object`);
    return undefined;
  }
  const r = new FieldReader(raw, at, problems);
  const since = r.object('updated_since', false);
  const startFrom = r.optionalString('start_from');
  if (startFrom !== undefined && Number.isNaN(Date.parse(startFrom))) r.problem('start_from', `not an ISO 8601 instant: ${JSON.stringify(startFrom)}`);
  return {
    name: r.string('name', undefined, NAME),
    path: r.string('path'),
    recordType: r.oneOf('record_type', RECORD_TYPES),
    mapping: r.optionalString('mapping'),
    // 1,000 at most: one page is one ingest batch, and the ingest endpoint's record limit is in that range.
    pageSize: r.int('page_size', ERP_DEFAULTS.pageSize, 1, 1000),
    idField: r.string('id_field', 'id'),
    updatedAtField: r.string('updated_at_field', 'updated_at'),
    versionField: r.optionalString('version_field'),
    recordsField: typeof raw.records_field === 'string' ? raw.records_field : r.string('records_field', 'data'),
    query: r.stringMap('query'),
    updatedSince: { param: since?.string('param', 'updated_since') ?? 'updated_since', format: since?.oneOf('format', SINCE_FORMATS, 'iso') ?? 'iso' },
    paging: parsePaging(r.object('paging', false)),
    startFrom: startFrom === undefined || Number.isNaN(Date.parse(startFrom)) ? undefined : new Date(startFrom).toISOString(),
  };
}

function parseSource(raw: unknown, at: string, env: Readonly<Record<string, string | undefined>>, problems: string[]): ErpSourceConfig | undefined {
  if (!isObject(raw)) {
    problems.push(`${at}: expected an object`);
    return undefined;
  }
  const r = new FieldReader(raw, at, problems);
  const baseUrl = r.string('base_url');
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') r.problem('base_url', `expected an http or https URL, got ${url.protocol}`);
  } catch {
    if (baseUrl !== '') r.problem('base_url', `not a URL: ${JSON.stringify(baseUrl)}`);
  }
  const authReader = r.object('auth', false);
  const auth = authReader === undefined ? undefined : { header: authReader.string('header', 'Authorization', HEADER_NAME), valueEnv: authReader.string('value_env') };
  if (auth !== undefined && auth.valueEnv !== '' && (env[auth.valueEnv] ?? '') === '') {
    problems.push(`${at}.auth.value_env: environment variable ${auth.valueEnv} is not set`);
  }
  const retry = r.object('retry', false);
  const d = ERP_DEFAULTS;
  const entities = r
    .array('entities')
    .map((e, i) => parseEntity(e, `${at}.entities[${i}]`, problems))
    .filter((e): e is ErpEntityConfig => e !== undefined);
  const names = entities.map((e) => e.name);
  for (const dup of new Set(names.filter((n, i) => names.indexOf(n) !== i))) problems.push(`${at}.entities: entity name ${JSON.stringify(dup)} appears twice`);
  return {
    id: r.string('id', undefined, NAME),
    tenant: r.string('tenant', 'default', NAME),
    sourceType: r.oneOf('source_type', SOURCE_TYPES, 'erp'),
    // A trailing slash makes entity paths resolve below the base path rather than beside it.
    baseUrl: baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
    auth,
    pollIntervalMs: r.int('poll_interval_ms', d.pollIntervalMs, 1_000, 86_400_000),
    overlapMs: r.int('overlap_ms', d.overlapMs, 0, 86_400_000),
    requestTimeoutMs: r.int('request_timeout_ms', d.requestTimeoutMs, 100, 600_000),
    maxResponseBytes: r.int('max_response_bytes', d.maxResponseBytes, 1_024, 1_073_741_824),
    // At most 1,000,000: checkpoints of one sync must fit the revision's sequence part (entity-sync.ts).
    maxPagesPerSync: r.int('max_pages_per_sync', d.maxPagesPerSync, 1, 1_000_000),
    retry: {
      maxAttempts: retry?.int('max_attempts', d.retry.maxAttempts, 1, 100) ?? d.retry.maxAttempts,
      baseDelayMs: retry?.int('base_delay_ms', d.retry.baseDelayMs, 0, 600_000) ?? d.retry.baseDelayMs,
      maxDelayMs: retry?.int('max_delay_ms', d.retry.maxDelayMs, 0, 3_600_000) ?? d.retry.maxDelayMs,
      maxRetryAfterMs: retry?.int('max_retry_after_ms', d.retry.maxRetryAfterMs, 0, 86_400_000) ?? d.retry.maxRetryAfterMs,
    },
    entities,
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Parses the sources document (a JSON array of sources). `env` is only consulted to check that
 * each `auth.value_env` is set; the value itself is read by the poller, never stored here.
 */
export function parseErpSources(text: string, env: Readonly<Record<string, string | undefined>>): readonly ErpSourceConfig[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new FgcError('FGC_CONFIG_INVALID', `ERP sources: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const problems: string[] = [];
  if (!Array.isArray(raw)) throw new FgcError('FGC_CONFIG_INVALID', 'ERP sources: expected a JSON array of sources');
  const sources = raw.map((s, i) => parseSource(s, `sources[${i}]`, env, problems)).filter((s): s is ErpSourceConfig => s !== undefined);
  const keys = sources.map((s) => `${s.tenant}/${s.id}`);
  for (const dup of new Set(keys.filter((k, i) => keys.indexOf(k) !== i))) problems.push(`sources: ${dup} appears twice`);
  if (problems.length > 0) {
    throw new FgcError('FGC_CONFIG_INVALID', `ERP sources are invalid:\n- ${problems.join('\n- ')}`, { details: problems.map((message) => ({ message })) });
  }
  return deepFreeze(sources);
}
