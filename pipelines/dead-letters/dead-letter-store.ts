/**
 * The dead-letter store: `dead_letters` (migration 005) read and written through the analytics
 * port. Every read is tenant-scoped and uses FINAL (the latest version of each dlq_id). Listing is
 * keyset-paginated on dlq_id — the table's sort key within a tenant — with an opaque cursor.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { fromClickHouseDateTime, toClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import { FgcError } from '../../infra/errors.js';
import type { DeadLetterStage, DeadLetterStatus } from './dead-letter.js';

export const DEAD_LETTERS_TABLE = 'dead_letters';
/** Page size when the caller gives none, and the largest allowed (rows are small without the payload). */
export const DEFAULT_DEAD_LETTER_LIMIT = 100;
export const MAX_DEAD_LETTER_LIMIT = 1_000;

/** A dead letter as GET /api/v1/dead-letters shows it (the payload stays in the store). */
export interface DeadLetterView {
  readonly dlq_id: string;
  readonly batch_id: string;
  readonly source_id: string;
  readonly record_type: string;
  readonly record_index: number | null;
  readonly source_topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly stage: DeadLetterStage;
  readonly error_code: string;
  readonly field: string | null;
  readonly message: string;
  readonly key: string | null;
  readonly status: DeadLetterStatus;
  readonly replay_of: string | null;
  readonly created_at: string;
  readonly replayed_at: string | null;
}

export interface DeadLetterFilter {
  readonly batchId?: string;
  readonly stage?: DeadLetterStage;
  readonly status?: DeadLetterStatus;
  readonly errorCode?: string;
  readonly recordType?: string;
  readonly dlqIds?: readonly string[];
}

export interface DeadLetterPage {
  readonly dead_letters: DeadLetterView[];
  readonly next_cursor: string | null;
}

/** A stored row with everything a replay needs. */
export interface StoredDeadLetter extends Record<string, unknown> {
  tenant_id: string;
  dlq_id: string;
  batch_id: string;
  source_id: string;
  record_type: string;
  record_index: number | string;
  source_topic: string;
  partition: number;
  offset: string;
  stage: string;
  error_code: string;
  field: string;
  message: string;
  payload: string;
  key: string | null;
  replay_of: string;
  created_at: string;
  status: string;
  replayed_at: string | null;
}

const VIEW_COLUMNS =
  'tenant_id, dlq_id, batch_id, source_id, record_type, record_index, source_topic, partition, toString(offset) AS offset, stage, error_code, field, message, key, replay_of, created_at, status, replayed_at';

function encodeCursor(dlqId: string): string {
  return Buffer.from(dlqId).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const dlqId = Buffer.from(cursor, 'base64url').toString('utf8');
  if (dlqId === '' || dlqId.length > 512 || !dlqId.includes(':')) {
    throw new FgcError('FGC_HTTP_INVALID_REQUEST', 'cursor is not valid: pass back the next_cursor of a previous page', { details: [{ field: 'querystring.cursor', message: 'not a cursor this API issued' }] });
  }
  return dlqId;
}

export function toDeadLetterView(row: StoredDeadLetter): DeadLetterView {
  const index = Number(row.record_index);
  return {
    dlq_id: row.dlq_id,
    batch_id: row.batch_id,
    source_id: row.source_id,
    record_type: row.record_type,
    record_index: index < 0 ? null : index,
    source_topic: row.source_topic,
    partition: Number(row.partition),
    offset: String(row.offset),
    stage: row.stage as DeadLetterStage,
    error_code: row.error_code,
    field: row.field === '' ? null : row.field,
    message: row.message,
    key: row.key,
    status: row.status as DeadLetterStatus,
    replay_of: row.replay_of === '' ? null : row.replay_of,
    created_at: fromClickHouseDateTime(row.created_at),
    replayed_at: row.replayed_at === null ? null : fromClickHouseDateTime(row.replayed_at),
  };
}

/** WHERE conditions and parameters of a filter (always tenant-scoped). */
function conditionsOf(tenant: string, filter: DeadLetterFilter): { where: string; params: Record<string, unknown> } {
  const conditions = ['tenant_id = {tenant:String}'];
  const params: Record<string, unknown> = { tenant };
  const add = (sql: string, name: string, value: unknown): void => {
    conditions.push(sql);
    params[name] = value;
  };
  if (filter.batchId !== undefined) add('batch_id = {batchId:String}', 'batchId', filter.batchId);
  if (filter.stage !== undefined) add('stage = {stage:String}', 'stage', filter.stage);
  if (filter.status !== undefined) add('status = {status:String}', 'status', filter.status);
  if (filter.errorCode !== undefined) add('error_code = {errorCode:String}', 'errorCode', filter.errorCode);
  if (filter.recordType !== undefined) add('record_type = {recordType:String}', 'recordType', filter.recordType);
  if (filter.dlqIds !== undefined) add('dlq_id IN {dlqIds:Array(String)}', 'dlqIds', filter.dlqIds);
  return { where: conditions.join(' AND '), params };
}

export class DeadLetterStore {
  #version = 0;

  constructor(
    private readonly store: AnalyticsStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Inserts first versions; the token makes a retried insert of the same chunk a no-op. */
  async insert(rows: readonly Record<string, unknown>[], deduplicationToken: string): Promise<void> {
    await this.store.insert(DEAD_LETTERS_TABLE, rows, { deduplicationToken });
  }

  async list(tenant: string, filter: DeadLetterFilter & { readonly limit?: number; readonly cursor?: string }): Promise<DeadLetterPage> {
    const limit = Math.min(Math.max(filter.limit ?? DEFAULT_DEAD_LETTER_LIMIT, 1), MAX_DEAD_LETTER_LIMIT);
    const { where, params } = conditionsOf(tenant, filter);
    let sql = `SELECT ${VIEW_COLUMNS} FROM ${DEAD_LETTERS_TABLE} FINAL WHERE ${where}`;
    if (filter.cursor !== undefined) {
      sql += ' AND dlq_id > {cursor:String}';
      params.cursor = decodeCursor(filter.cursor);
    }
    params.limit = limit + 1;
    const rows = await this.store.query<StoredDeadLetter>(`${sql} ORDER BY dlq_id LIMIT {limit:UInt32}`, params);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { dead_letters: page.map(toDeadLetterView), next_cursor: rows.length > limit && last !== undefined ? encodeCursor(last.dlq_id) : null };
  }

  /** Dead letters matching the filter, payload included, in dlq_id order, at most `limit`. */
  async select(tenant: string, filter: DeadLetterFilter, limit: number): Promise<StoredDeadLetter[]> {
    const { where, params } = conditionsOf(tenant, filter);
    return this.store.query<StoredDeadLetter>(`SELECT ${VIEW_COLUMNS}, payload FROM ${DEAD_LETTERS_TABLE} FINAL WHERE ${where} ORDER BY dlq_id LIMIT {limit:UInt32}`, { ...params, limit });
  }

  /** Writes a new version with status `replayed` (everything else copied). */
  async markReplayed(rows: readonly StoredDeadLetter[]): Promise<void> {
    const at = toClickHouseDateTime(this.now());
    const versions = rows.map((row) => ({ ...row, status: 'replayed', replayed_at: at, version: this.nextVersion() }));
    // An explicit token unique to these versions.
    const token = `replayed:${versions[0]?.version ?? 0}:${versions.length}:${versions[0]?.dlq_id ?? ''}`;
    await this.store.insert(DEAD_LETTERS_TABLE, versions, { deduplicationToken: token });
  }

  /** Versions: milliseconds × 1000 plus a counter, so later writes of this process win. */
  nextVersion(): number {
    this.#version = (this.#version + 1) % 1000;
    return this.now() * 1000 + this.#version;
  }
}
