/**
 * Read model of stock: the latest snapshot per site and a daily history (the last snapshot of each
 * UTC day per site) over a bounded range, so one request can never ask for an unbounded scan or
 * answer.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { fromClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import { FgcError } from '../../infra/errors.js';
import { latestStock, type StockPoint } from './item-queries.js';

/** Widest history one request may ask for: a year of daily points per site. */
export const MAX_HISTORY_DAYS = 366;
/** Default history when `from` is absent: the last 90 days up to `to`, a quarter — what a planner looks at first. */
export const DEFAULT_HISTORY_DAYS = 90;
/** Most history points in one answer (e.g. 50 sites × a year ≈ 18,300); beyond, the answer says `truncated`. */
export const MAX_HISTORY_POINTS = 20_000;

const DAY_MS = 86_400_000;

export interface HistoryPoint extends StockPoint {
  readonly day: string;
}

export interface InventoryView {
  readonly sku: string;
  readonly from: string;
  readonly to: string;
  readonly latest: readonly StockPoint[];
  readonly history: readonly HistoryPoint[];
  readonly truncated: boolean;
}

export interface InventoryQuery {
  readonly site?: string;
  readonly from?: string;
  readonly to?: string;
}

function dayMs(date: string, name: string): number {
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw new FgcError('FGC_DATA_INVALID_RANGE', `${name} must be a date YYYY-MM-DD`);
  }
  return ms;
}

/** The range asked for, defaulted and checked: from ≤ to, at most MAX_HISTORY_DAYS days. */
export function historyRange(query: InventoryQuery, nowMs: number): { from: string; to: string } {
  const toMs = query.to === undefined ? Math.floor(nowMs / DAY_MS) * DAY_MS : dayMs(query.to, 'to');
  const fromMs = query.from === undefined ? toMs - (DEFAULT_HISTORY_DAYS - 1) * DAY_MS : dayMs(query.from, 'from');
  if (fromMs > toMs) throw new FgcError('FGC_DATA_INVALID_RANGE', 'from is after to');
  if ((toMs - fromMs) / DAY_MS + 1 > MAX_HISTORY_DAYS) throw new FgcError('FGC_DATA_INVALID_RANGE', `the range spans more than ${MAX_HISTORY_DAYS} days`);
  return { from: new Date(fromMs).toISOString().slice(0, 10), to: new Date(toMs).toISOString().slice(0, 10) };
}

/** Stock of one sku, or null when the tenant has neither a live item nor any snapshot of it. */
export async function inventoryOf(store: AnalyticsStore, tenant: string, sku: string, query: InventoryQuery, nowMs: number = Date.now()): Promise<InventoryView | null> {
  const range = historyRange(query, nowMs);
  const site = query.site?.trim().toUpperCase() ?? '';
  const [latest, history, known] = await Promise.all([
    latestStock(store, tenant, sku, site),
    store.query<HistoryPoint>(
      `SELECT site, toString(toDate(as_of)) AS day, toString(on_hand) AS on_hand, toString(reserved) AS reserved, as_of
         FROM inventory_snapshots FINAL
        WHERE tenant_id = {tenant:String} AND sku = {sku:String} AND ({site:String} = '' OR site = {site:String})
          AND as_of >= toDateTime64({from:String}, 3, 'UTC') AND as_of < toDateTime64({to:String}, 3, 'UTC') + INTERVAL 1 DAY
        ORDER BY site, day, as_of DESC
        LIMIT 1 BY site, day
        LIMIT {fetch:UInt32}`,
      { tenant, sku, site, from: range.from, to: range.to, fetch: MAX_HISTORY_POINTS + 1 },
    ),
    store.query<{ n: number }>(
      `SELECT count() AS n FROM (
         SELECT 1 FROM items FINAL WHERE tenant_id = {tenant:String} AND sku = {sku:String}
         UNION ALL SELECT 1 FROM inventory_snapshots WHERE tenant_id = {tenant:String} AND sku = {sku:String} LIMIT 1)`,
      { tenant, sku },
    ),
  ]);
  if (Number(known[0]?.n ?? 0) === 0) return null;
  return {
    sku,
    ...range,
    latest,
    history: history.slice(0, MAX_HISTORY_POINTS).map((p) => ({ ...p, as_of: fromClickHouseDateTime(p.as_of) })),
    truncated: history.length > MAX_HISTORY_POINTS,
  };
}
