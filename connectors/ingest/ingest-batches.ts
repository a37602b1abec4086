/**
 * The record of ingest batches in ClickHouse (`ingest_batches`, migration 002): written by the
 * ingestor once a batch's accepted records are published, read back for idempotency (durable
 * across restarts: the lookup reads ClickHouse with FINAL) and served by the batch routes.
 * Tenants never see each other's batches: every query is filtered by tenant. Writes and
 * idempotency lookups of concurrent batches share ClickHouse round trips (group-commit.ts); each
 * caller still resolves only once its own row is in ClickHouse.
 *
 * Listing is keyset-paginated on (received_at, batch_id), newest first; the cursor is opaque
 * (base64url of that pair) and stays valid while statuses change, because neither part does.
 *
 * Status and the normalized / failed counts are derived at read time from what the pipelines
 * record in `batch_progress` (migration 005; summed, failed minus recovered-by-replay), joined to
 * the batch row: nothing recorded yet → `pending`; some → `processing`; normalized + failed ≥
 * accepted → `success` (none failed) / `partial` (some failed) / `failed` (all failed). A batch
 * with nothing accepted keeps the status the ingestor wrote (`failed`). The pipelines' completion
 * audit (pipelines/runner/batch-completion.ts) applies the same rule.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { fromClickHouseDateTime, toClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import { FgcError } from '../../infra/errors.js';
import { GroupCommit } from './group-commit.js';
import type { IngestResult, RecordError } from './ingestor.js';

export const BATCH_STATUSES = ['pending', 'processing', 'success', 'partial', 'failed'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** Errors kept per batch: enough to fix a source, bounded so one bad batch cannot bloat a row. `errors_total` counts all. */
export const MAX_STORED_ERRORS = 1_000;
/** Page size when the caller gives none, and the largest allowed. */
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;

export interface TypeCounts {
  readonly [recordType: string]: number;
}

/** A batch as the ingestor records it the first time. */
export interface NewBatch {
  readonly tenant: string;
  readonly batchId: string;
  readonly sourceType: string;
  readonly sourceId: string;
  readonly batchReference: string;
  readonly mapping: string;
  readonly contentHash: string;
  readonly status: BatchStatus;
  readonly statusNote: string;
  readonly received: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly receivedByType: TypeCounts;
  readonly acceptedByType: TypeCounts;
  readonly rejectedByType: TypeCounts;
  readonly errors: readonly RecordError[];
  readonly errorsTotal: number;
  readonly receivedAt: number;
}

/** What an earlier ingest of the same (tenant, source_id, batch_reference) left. */
export interface StoredOutcome {
  readonly contentHash: string;
  readonly result: IngestResult;
}

/** A batch as GET /api/v1/batch/{id} shows it. */
export interface BatchView {
  readonly batch_id: string;
  readonly batch_reference: string;
  readonly source_id: string;
  readonly source_type: string;
  readonly mapping: string;
  readonly status: BatchStatus;
  readonly counts: { received: number; accepted: number; rejected: number; normalized: number; failed: number };
  readonly by_record_type: Record<string, { received: number; accepted: number; rejected: number }>;
  /** At most MAX_STORED_ERRORS; `errors_total` says how many there were. Omitted from listings. */
  readonly errors?: readonly RecordError[];
  readonly errors_total: number;
  readonly received_at: string;
  readonly updated_at: string;
}

export interface ListFilter {
  readonly sourceId?: string;
  readonly status?: BatchStatus;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface BatchPage {
  readonly batches: BatchView[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  readonly next_cursor: string | null;
}

interface BatchRow {
  batch_id: string;
  batch_reference: string;
  source_id: string;
  source_type: string;
  mapping: string;
  status: string;
  received: number;
  accepted: number;
  rejected: number;
  normalized: number;
  failed: number;
  received_by_type: Record<string, number>;
  accepted_by_type: Record<string, number>;
  rejected_by_type: Record<string, number>;
  errors?: string;
  errors_total: number;
  received_at: string;
  updated_at: string;
  received_ms: string | number;
}

const VIEW_COLUMNS =
  'batch_id, batch_reference, source_id, source_type, mapping, d_status AS status, received, accepted, rejected, d_normalized AS normalized, d_failed AS failed, ' +
  'received_by_type, accepted_by_type, rejected_by_type, errors_total, received_at, updated_at, toUnixTimestamp64Milli(received_at) AS received_ms';

/**
 * The batch rows selected by `where` (on ingest_batches FINAL) with the derived `d_status`,
 * `d_normalized`, `d_failed` from the pipelines' batch_progress of the same tenant (`{tenant}`).
 */
function derivedBatches(where: string, progressWhere: string): string {
  return `SELECT *, multiIf(accepted = 0, toString(status), p_rows = 0, 'pending', p_normalized + d_failed < accepted, 'processing', d_failed = 0, 'success', p_normalized = 0, 'failed', 'partial') AS d_status,
      toUInt32(least(p_normalized, accepted)) AS d_normalized
    FROM (
      SELECT b.*, p.p_rows AS p_rows, p.p_normalized AS p_normalized, toUInt32(greatest(p.p_failed, 0)) AS d_failed
      FROM (SELECT * FROM ingest_batches FINAL WHERE ${where}) AS b
      LEFT JOIN (SELECT batch_id, count() AS p_rows, sum(normalized) AS p_normalized, toInt64(sum(failed)) - toInt64(sum(recovered)) AS p_failed
                 FROM batch_progress FINAL WHERE ${progressWhere} GROUP BY batch_id) AS p ON b.batch_id = p.batch_id
    )`;
}

/** The status an IngestResult reports for these counts. */
export function resultStatus(accepted: number, rejected: number): IngestResult['status'] {
  if (accepted === 0) return 'rejected';
  return rejected === 0 ? 'accepted' : 'partial';
}

function encodeCursor(receivedMs: number, batchId: string): string {
  return Buffer.from(JSON.stringify([receivedMs, batchId])).toString('base64url');
}

function decodeCursor(cursor: string): { ms: number; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && Number.isSafeInteger(parsed[0]) && typeof parsed[1] === 'string' && parsed[1].length <= 64) {
      return { ms: parsed[0] as number, id: parsed[1] };
    }
  } catch {
    // fall through: any undecodable cursor gets the same answer
  }
  throw new FgcError('FGC_HTTP_INVALID_REQUEST', 'cursor is not valid: pass back the next_cursor of a previous page', { details: [{ field: 'querystring.cursor', message: 'not a cursor this API issued' }] });
}

function byType(received: TypeCounts, accepted: TypeCounts, rejected: TypeCounts): BatchView['by_record_type'] {
  const out: BatchView['by_record_type'] = {};
  for (const type of Object.keys(received)) out[type] = { received: received[type] ?? 0, accepted: accepted[type] ?? 0, rejected: rejected[type] ?? 0 };
  return out;
}

function toView(row: BatchRow, withErrors: boolean): BatchView {
  const view: BatchView = {
    batch_id: row.batch_id,
    batch_reference: row.batch_reference,
    source_id: row.source_id,
    source_type: row.source_type,
    mapping: row.mapping,
    status: row.status as BatchStatus,
    counts: { received: row.received, accepted: row.accepted, rejected: row.rejected, normalized: row.normalized, failed: row.failed },
    by_record_type: byType(row.received_by_type, row.accepted_by_type, row.rejected_by_type),
    errors_total: row.errors_total,
    received_at: fromClickHouseDateTime(row.received_at),
    updated_at: fromClickHouseDateTime(row.updated_at),
  };
  return withErrors ? { ...view, errors: JSON.parse(row.errors ?? '[]') as RecordError[] } : view;
}

/** Rows per grouped insert or lookup: far above the concurrency an API process sees, bounding one statement. */
const MAX_GROUP = 200;

interface Lookup {
  readonly tenant: string;
  readonly batchId: string;
}

interface OutcomeRow {
  tenant_id: string;
  batch_id: string;
  content_hash: string;
  batch_reference: string;
  received: number;
  accepted: number;
  rejected: number;
  errors: string;
  errors_total: number;
}

export class IngestBatches {
  #version = 0;
  /** Concurrent batches share one insert (group-commit.ts): a ClickHouse insert costs milliseconds per statement. */
  readonly #writes = new GroupCommit<NewBatch, void>((batches) => this.#insert(batches), MAX_GROUP);
  readonly #lookups = new GroupCommit<Lookup, StoredOutcome | null>((lookups) => this.#lookup(lookups), MAX_GROUP);

  constructor(
    private readonly store: AnalyticsStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes a batch's first version and its first event; resolves once ClickHouse has both. */
  record(batch: NewBatch): Promise<void> {
    return this.#writes.submit(batch);
  }

  /** The outcome of an earlier ingest of this batch id for the tenant, or null. Reads ClickHouse (FINAL): durable across restarts. */
  findOutcome(tenant: string, batchId: string): Promise<StoredOutcome | null> {
    return this.#lookups.submit({ tenant, batchId });
  }

  async #insert(batches: readonly NewBatch[]): Promise<void[]> {
    const at = toClickHouseDateTime(this.now());
    const rows = batches.map((batch) => ({
      tenant_id: batch.tenant,
      batch_id: batch.batchId,
      source_type: batch.sourceType,
      source_id: batch.sourceId,
      batch_reference: batch.batchReference,
      mapping: batch.mapping,
      content_hash: batch.contentHash,
      status: batch.status,
      status_note: batch.statusNote,
      received: batch.received,
      accepted: batch.accepted,
      rejected: batch.rejected,
      normalized: 0,
      failed: 0,
      received_by_type: batch.receivedByType,
      accepted_by_type: batch.acceptedByType,
      rejected_by_type: batch.rejectedByType,
      errors: JSON.stringify(batch.errors.slice(0, MAX_STORED_ERRORS)),
      errors_total: batch.errorsTotal,
      received_at: toClickHouseDateTime(batch.receivedAt),
      updated_at: at,
      version: this.#nextVersion(),
    }));
    // Both inserts in flight at once; the flush settles only when ClickHouse has both.
    await Promise.all([
      this.store.insert('ingest_batches', rows),
      this.store.insert(
        'ingest_batch_events',
        batches.map((batch) => ({ tenant_id: batch.tenant, batch_id: batch.batchId, at, status: batch.status, note: batch.statusNote })),
      ),
    ]);
    return batches.map(() => undefined);
  }

  async #lookup(lookups: readonly Lookup[]): Promise<(StoredOutcome | null)[]> {
    const rows = await this.store.query<OutcomeRow>(
      'SELECT tenant_id, batch_id, content_hash, batch_reference, received, accepted, rejected, errors, errors_total FROM ingest_batches FINAL ' +
        'WHERE tenant_id IN {tenants:Array(String)} AND batch_id IN {batchIds:Array(String)}',
      { tenants: [...new Set(lookups.map((l) => l.tenant))], batchIds: [...new Set(lookups.map((l) => l.batchId))] },
    );
    const byKey = new Map(rows.map((row) => [`${row.tenant_id}\u0000${row.batch_id}`, row]));
    return lookups.map(({ tenant, batchId }) => {
      const row = byKey.get(`${tenant}\u0000${batchId}`);
      if (row === undefined) return null;
      const errors = JSON.parse(row.errors) as RecordError[];
      const result: IngestResult = {
        batch_id: batchId,
        batch_reference: row.batch_reference,
        status: resultStatus(row.accepted, row.rejected),
        received: row.received,
        accepted: row.accepted,
        rejected: row.rejected,
        errors,
        replayed: true,
      };
      return { contentHash: row.content_hash, result: row.errors_total > errors.length ? { ...result, errors_total: row.errors_total } : result };
    });
  }

  /** One batch of the tenant, errors included; null when the tenant has no such batch. */
  async get(tenant: string, batchId: string): Promise<BatchView | null> {
    const one = 'tenant_id = {tenant:String} AND batch_id = {batchId:String}';
    const rows = await this.store.query<BatchRow>(`SELECT ${VIEW_COLUMNS}, errors FROM (${derivedBatches(one, one)})`, { tenant, batchId });
    return rows[0] === undefined ? null : toView(rows[0], true);
  }

  /** The tenant's batches, newest first, filtered; errors are left out (GET one batch for them). */
  async list(tenant: string, filter: ListFilter = {}): Promise<BatchPage> {
    const limit = Math.min(Math.max(filter.limit ?? DEFAULT_LIST_LIMIT, 1), MAX_LIST_LIMIT);
    const conditions = ['tenant_id = {tenant:String}'];
    const params: Record<string, unknown> = { tenant, limit: limit + 1 };
    if (filter.sourceId !== undefined) {
      conditions.push('source_id = {sourceId:String}');
      params.sourceId = filter.sourceId;
    }
    const outer: string[] = [];
    if (filter.status !== undefined) {
      outer.push('d_status = {status:String}');
      params.status = filter.status;
    }
    if (filter.cursor !== undefined) {
      const cursor = decodeCursor(filter.cursor);
      conditions.push("(toUnixTimestamp64Milli(received_at), batch_id) < ({cursorMs:Int64}, {cursorId:String})");
      params.cursorMs = cursor.ms;
      params.cursorId = cursor.id;
    }
    const rows = await this.store.query<BatchRow>(
      `SELECT ${VIEW_COLUMNS} FROM (${derivedBatches(conditions.join(' AND '), 'tenant_id = {tenant:String}')})${outer.length === 0 ? '' : ` WHERE ${outer.join(' AND ')}`} ` +
        'ORDER BY received_at DESC, batch_id DESC LIMIT {limit:UInt32}',
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const more = rows.length > limit && last !== undefined;
    return { batches: page.map((r) => toView(r, false)), next_cursor: more ? encodeCursor(Number(last.received_ms), last.batch_id) : null };
  }

  /** Versions order the rows of one batch: milliseconds × 1000 plus a counter, unique within a process. */
  #nextVersion(): number {
    this.#version = (this.#version + 1) % 1000;
    return this.now() * 1000 + this.#version;
  }
}
