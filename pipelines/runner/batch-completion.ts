/**
 * Audit of batch completion: a batch's status is derived at read time from `ingest_batches` and
 * the summed `batch_progress` (see connectors/ingest/ingest-batches.ts — the same rule, kept in
 * step by the tests), so nothing has to be written for the status to change. What this adds is the
 * audit trail: when a batch reaches a terminal status (success | partial | failed), or moves between
 * terminal statuses after a replay, one row goes to `ingest_batch_events`.
 *
 * A sweep every few seconds, not a check per chunk: a batch's records spread over many
 * topic-partitions (and processes), so only the summed table knows when the last one landed, and
 * one grouped query per sweep costs far less than one per chunk. A sweep looks only at batches with
 * progress since the previous sweep (minus a margin), compares the derived status with the last
 * status the pipelines recorded, and inserts the differences in one insert whose deduplication token
 * is derived from its content — a retried sweep inserts nothing twice.
 */
import { createHash } from 'node:crypto';
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { toClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import type { Logger } from '../../infra/logger.js';
import { BATCH_PROGRESS_TABLE } from './sink-ledger.js';

/** Event notes written by the pipelines start with this (the ingestor's do not). */
export const PIPELINE_NOTE_PREFIX = 'pipelines:';
/** Progress rows are stamped by runner clocks: a margin covers clock skew between processes and inserts in flight during a sweep. */
const SWEEP_MARGIN_MS = 60_000;
/** The first sweep of a process looks back this far: completions missed while no runner swept. */
const FIRST_SWEEP_LOOKBACK_MS = 24 * 3_600_000;

export type TerminalStatus = 'success' | 'partial' | 'failed';

/** The pipelines' part of the status rule (accepted > 0; counts summed from batch_progress). */
export function derivedStatus(accepted: number, normalized: number, failed: number): 'processing' | TerminalStatus {
  if (normalized + failed < accepted) return 'processing';
  if (failed <= 0) return 'success';
  return normalized === 0 ? 'failed' : 'partial';
}

interface SweepRow {
  tenant_id: string;
  batch_id: string;
  accepted: number;
  normalized: string | number;
  failed: string | number;
  last_status: string;
}

export class BatchCompletion {
  #since: number | undefined;

  constructor(
    private readonly store: AnalyticsStore,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** One sweep; returns how many events it wrote. */
  async sweep(): Promise<number> {
    const startedAt = this.now();
    const since = this.#since ?? startedAt - FIRST_SWEEP_LOOKBACK_MS;
    const touched = `SELECT DISTINCT tenant_id, batch_id FROM ${BATCH_PROGRESS_TABLE} WHERE at >= {since:DateTime64(3, 'UTC')} AND batch_id != ''`;
    const rows = await this.store.query<SweepRow>(
      `SELECT p.tenant_id AS tenant_id, p.batch_id AS batch_id, b.accepted AS accepted, p.normalized AS normalized, p.failed AS failed, e.last_status AS last_status
       FROM (SELECT tenant_id, batch_id, sum(normalized) AS normalized, toInt64(sum(failed)) - toInt64(sum(recovered)) AS failed
             FROM ${BATCH_PROGRESS_TABLE} FINAL WHERE (tenant_id, batch_id) IN (${touched}) GROUP BY tenant_id, batch_id) AS p
       INNER JOIN (SELECT tenant_id, batch_id, accepted FROM ingest_batches FINAL WHERE (tenant_id, batch_id) IN (${touched}) AND accepted > 0) AS b
         ON p.tenant_id = b.tenant_id AND p.batch_id = b.batch_id
       LEFT JOIN (SELECT tenant_id, batch_id, argMax(status, at) AS last_status FROM ingest_batch_events
                  WHERE (tenant_id, batch_id) IN (${touched}) AND startsWith(note, {prefix:String}) GROUP BY tenant_id, batch_id) AS e
         ON p.tenant_id = e.tenant_id AND p.batch_id = e.batch_id`,
      { since: toClickHouseDateTime(since - SWEEP_MARGIN_MS), prefix: PIPELINE_NOTE_PREFIX },
    );
    const at = toClickHouseDateTime(this.now());
    const events = [];
    for (const row of rows) {
      const normalized = Number(row.normalized);
      const failed = Math.max(0, Number(row.failed));
      const status = derivedStatus(Number(row.accepted), normalized, failed);
      if (status === 'processing' || status === row.last_status) continue;
      events.push({ tenant_id: row.tenant_id, batch_id: row.batch_id, at, status, note: `${PIPELINE_NOTE_PREFIX} ${normalized} normalized, ${failed} failed of ${row.accepted} accepted` });
    }
    if (events.length > 0) {
      const token = createHash('sha256')
        .update(events.map((e) => `${e.tenant_id}|${e.batch_id}|${e.status}|${e.note}`).sort().join('\n'))
        .digest('hex');
      await this.store.insert('ingest_batch_events', events, { deduplicationToken: `batch-status:${token}` });
      this.logger.debug({ events: events.length }, 'batch status events written');
    }
    this.#since = startedAt;
    return events.length;
  }
}
