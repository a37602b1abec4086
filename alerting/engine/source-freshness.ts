/**
 * Data freshness per source system, for the stale-source rule: the latest batch each source of
 * each tenant delivered (`ingest_batches`, migration 002; the same figure as `last_received_at`
 * of GET /api/v1/sources). Read over the AnalyticsStore port, parameter-free (no user input).
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { fromClickHouseDateTime } from '../../infra/clickhouse/datetime.js';

export interface SourceFreshness {
  readonly tenant_id: string;
  readonly source_id: string;
  readonly record_type: string;
  readonly last_received_at: string;
}

export interface FreshnessSource {
  /** The latest delivery of every source of every tenant. */
  latest(): Promise<SourceFreshness[]>;
}

export function createClickHouseFreshness(store: AnalyticsStore): FreshnessSource {
  return {
    async latest(): Promise<SourceFreshness[]> {
      const rows = await store.query<{ tenant_id: string; source_id: string; last_received_at: string }>(
        `SELECT tenant_id, source_id, max(received_at) AS last_received_at
           FROM ingest_batches FINAL
          GROUP BY tenant_id, source_id
          ORDER BY tenant_id, source_id`,
      );
      return rows.map((r) => ({ tenant_id: r.tenant_id, source_id: r.source_id, record_type: '', last_received_at: fromClickHouseDateTime(r.last_received_at) }));
    },
  };
}
