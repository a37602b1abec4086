/**
 * Per source system and record type: what arrived, what was kept, what failed — data freshness
 * and completeness at a glance (`GET /api/v1/sources`).
 *
 * - received / accepted / rejected and last_received_at: ingest_batches FINAL, per record type
 *   from its Map columns;
 * - stored: rows of the record type's model table FINAL with that source_id (the current entities,
 *   after updates and deletes collapse; an item two sources share counts for the source that wrote
 *   its latest version);
 * - dead_lettered: open dead letters (the pipelines' `dead_letters`, migration 005). The table is
 *   looked up first, so this read model works on a database where 005 is not applied yet.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { fromClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import { RAW_TOPICS, RECORD_TYPES } from '../../schemas/topics.js';

export interface RecordTypeStats {
  readonly record_type: string;
  readonly received: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly stored: number;
  readonly dead_lettered: number;
  readonly last_received_at: string | null;
}

export interface SourceStats {
  readonly source_id: string;
  readonly source_type: string;
  readonly last_received_at: string | null;
  readonly record_types: readonly RecordTypeStats[];
}

const DEAD_LETTERS_TABLE = 'dead_letters';

/** COUNT per source_id of every model table, FINAL; table names come from schemas/topics.ts, never from a request. */
const STORED_SQL = RECORD_TYPES.map(
  (type) => `SELECT '${type}' AS record_type, source_id, count() AS n FROM ${RAW_TOPICS[type].table} FINAL WHERE tenant_id = {tenant:String} GROUP BY source_id`,
).join('\nUNION ALL\n');

interface Mutable {
  source_type: string;
  received: number;
  accepted: number;
  rejected: number;
  stored: number;
  dead_lettered: number;
  last_received_at: string | null;
}

export async function sourceStats(store: AnalyticsStore, tenant: string): Promise<SourceStats[]> {
  const params = { tenant };
  const [ingested, stored, deadLetterTable] = await Promise.all([
    store.query<{ source_id: string; source_type: string; record_type: string; received: number; accepted: number; rejected: number; last_received_at: string }>(
      `SELECT source_id, any(source_type) AS source_type, record_type,
              sum(received_by_type[record_type]) AS received, sum(accepted_by_type[record_type]) AS accepted,
              sum(rejected_by_type[record_type]) AS rejected, max(received_at) AS last_received_at
         FROM ingest_batches FINAL ARRAY JOIN mapKeys(received_by_type) AS record_type
        WHERE tenant_id = {tenant:String}
        GROUP BY source_id, record_type`,
      params,
    ),
    store.query<{ record_type: string; source_id: string; n: number }>(STORED_SQL, params),
    store.query<{ n: number }>('SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {name:String}', { name: DEAD_LETTERS_TABLE }),
  ]);
  const deadLetters =
    Number(deadLetterTable[0]?.n ?? 0) === 0
      ? []
      : await store.query<{ source_id: string; record_type: string; n: number }>(
          `SELECT source_id, record_type, countIf(status = 'open') AS n FROM ${DEAD_LETTERS_TABLE} FINAL WHERE tenant_id = {tenant:String} GROUP BY source_id, record_type`,
          params,
        );

  const sources = new Map<string, Map<string, Mutable>>();
  const entry = (sourceId: string, recordType: string): Mutable => {
    let types = sources.get(sourceId);
    if (types === undefined) sources.set(sourceId, (types = new Map<string, Mutable>()));
    let stats = types.get(recordType);
    if (stats === undefined) types.set(recordType, (stats = { source_type: '', received: 0, accepted: 0, rejected: 0, stored: 0, dead_lettered: 0, last_received_at: null }));
    return stats;
  };
  for (const row of ingested) {
    Object.assign(entry(row.source_id, row.record_type), {
      source_type: row.source_type,
      received: Number(row.received),
      accepted: Number(row.accepted),
      rejected: Number(row.rejected),
      last_received_at: fromClickHouseDateTime(row.last_received_at),
    });
  }
  for (const row of stored) entry(row.source_id, row.record_type).stored = Number(row.n);
  for (const row of deadLetters) if (Number(row.n) > 0) entry(row.source_id, row.record_type).dead_lettered = Number(row.n);

  return [...sources.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sourceId, types]) => {
      const recordTypes = [...types.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([recordType, s]) => ({ record_type: recordType, ...s }));
      const last = recordTypes.map((t) => t.last_received_at).filter((t): t is string => t !== null).sort().at(-1) ?? null;
      return {
        source_id: sourceId,
        source_type: recordTypes.find((t) => t.source_type !== '')?.source_type ?? '',
        last_received_at: last,
        record_types: recordTypes.map(({ source_type: _sourceType, ...stats }) => stats),
      };
    });
}
