/**
 * Cursor store on ClickHouse (table `erp_cursors`, migration 003), through the AnalyticsStore
 * port, so every replica of the poller sees the same cursors. Each save appends a row; a load
 * reads the highest revision, which makes "keep the highest revision" hold without a
 * read-modify-write (see cursor-store.ts). Values travel as query parameters only.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { toClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import { checkCursorKey, decodeCursorState, encodeCursorState, type CursorKey, type CursorState, type CursorStore } from './cursor-store.js';

const LOAD_SQL = `
  SELECT state FROM erp_cursors
  WHERE tenant_id = {tenant:String} AND source_id = {source:String} AND entity = {entity:String}
  ORDER BY revision DESC LIMIT 1`;

class ClickHouseCursorStore implements CursorStore {
  constructor(
    private readonly store: AnalyticsStore,
    private readonly now: () => number,
  ) {}

  async load(key: CursorKey): Promise<CursorState | null> {
    checkCursorKey(key);
    const rows = await this.store.query<{ state: string }>(LOAD_SQL, { tenant: key.tenant, source: key.sourceId, entity: key.entity });
    const row = rows[0];
    return row === undefined ? null : decodeCursorState(row.state, `erp_cursors ${key.tenant}/${key.sourceId}/${key.entity}`);
  }

  async save(key: CursorKey, state: CursorState): Promise<void> {
    checkCursorKey(key);
    await this.store.insert('erp_cursors', [
      {
        tenant_id: key.tenant,
        source_id: key.sourceId,
        entity: key.entity,
        revision: state.revision,
        state: encodeCursorState(state),
        saved_at: toClickHouseDateTime(this.now()),
      },
    ]);
  }

  /** The AnalyticsStore belongs to the runtime, which closes it. */
  async close(): Promise<void> {}
}

export function createClickHouseCursorStore(store: AnalyticsStore, now: () => number = Date.now): CursorStore {
  return new ClickHouseCursorStore(store, now);
}
