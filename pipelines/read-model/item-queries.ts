/**
 * Read model of canonical items: one item with the ids source systems know it by and its latest
 * stock per site, and a keyset-paginated search. Every query reads with FINAL (latest version of
 * each key, deleted ones hidden) and binds every value as a parameter; `q` is matched with
 * positionCaseInsensitiveUTF8, so `%`, `_` and quotes in it are plain characters, not patterns.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { fromClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import { decodeCursor, encodeCursor } from './keyset-cursor.js';

export interface ItemSummary {
  readonly sku: string;
  readonly name: string;
  readonly uom: string;
  readonly family: string;
  readonly standard_cost: string | null;
  readonly currency: string;
  /** ABC class ('A', 'B', 'C'); null when the source sent none (migration 009, raw-items.avsc v2). */
  readonly abc_class: string | null;
  readonly updated_at: string;
}

export interface ItemDetail extends ItemSummary {
  readonly supplier_id: string;
  readonly supplier_name: string;
  readonly lead_time_days: number | null;
  readonly source_id: string;
  readonly external_ids: readonly { readonly source_id: string; readonly source_key: string }[];
  readonly stock: readonly StockPoint[];
}

export interface StockPoint {
  readonly site: string;
  readonly on_hand: string;
  readonly reserved: string | null;
  readonly as_of: string;
}

const SUMMARY_COLUMNS = 'sku, name, uom, family, toString(standard_cost) AS standard_cost, currency, abc_class, updated_at';

interface SummaryRow extends Omit<ItemSummary, 'updated_at'> {
  readonly updated_at: string;
}

function toSummary(row: SummaryRow): ItemSummary {
  return {
    sku: row.sku,
    name: row.name,
    uom: row.uom,
    family: row.family,
    standard_cost: row.standard_cost,
    currency: row.currency,
    abc_class: row.abc_class,
    updated_at: fromClickHouseDateTime(row.updated_at),
  };
}

/** Latest snapshot per site of one sku (optionally one site). */
export async function latestStock(store: AnalyticsStore, tenant: string, sku: string, site = ''): Promise<StockPoint[]> {
  const rows = await store.query<StockPoint>(
    `SELECT site, toString(on_hand) AS on_hand, toString(reserved) AS reserved, as_of
       FROM inventory_snapshots FINAL
      WHERE tenant_id = {tenant:String} AND sku = {sku:String} AND ({site:String} = '' OR site = {site:String})
      ORDER BY site, as_of DESC
      LIMIT 1 BY site`,
    { tenant, sku, site },
  );
  return rows.map((r) => ({ ...r, as_of: fromClickHouseDateTime(r.as_of) }));
}

/** The canonical item, or null when the tenant has no live item of that sku (unknown, deleted, another tenant's). */
export async function getItem(store: AnalyticsStore, tenant: string, sku: string): Promise<ItemDetail | null> {
  const [item] = await store.query<SummaryRow & { supplier_id: string; supplier_name: string; lead_time_days: number | null; source_id: string }>(
    `SELECT ${SUMMARY_COLUMNS}, supplier_id, supplier_name, lead_time_days, source_id
       FROM items FINAL WHERE tenant_id = {tenant:String} AND sku = {sku:String}`,
    { tenant, sku },
  );
  if (item === undefined) return null;
  const [externalIds, stock] = await Promise.all([
    store.query<{ source_id: string; source_key: string }>(
      `SELECT source_id, source_key FROM external_ids FINAL
        WHERE tenant_id = {tenant:String} AND entity = 'item' AND canonical_key = {sku:String}
        ORDER BY source_id, source_key`,
      { tenant, sku },
    ),
    latestStock(store, tenant, sku),
  ]);
  return {
    ...toSummary(item),
    supplier_id: item.supplier_id,
    supplier_name: item.supplier_name,
    lead_time_days: item.lead_time_days === null ? null : Number(item.lead_time_days),
    source_id: item.source_id,
    external_ids: externalIds,
    stock,
  };
}

export interface ItemSearch {
  readonly q?: string;
  readonly family?: string;
  /** Only items of this ABC class ('A', 'B', 'C'; any case). */
  readonly abc_class?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface ItemPage {
  readonly items: readonly ItemSummary[];
  readonly next_cursor: string | null;
}

/** Items ordered by sku, filtered by `q` (sku or name contains it, any case), `family` and `abc_class`, a page at a time. */
export async function searchItems(store: AnalyticsStore, tenant: string, search: ItemSearch): Promise<ItemPage> {
  const after = search.cursor === undefined ? '' : decodeCursor(search.cursor);
  const rows = await store.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS}
       FROM items FINAL
      WHERE tenant_id = {tenant:String}
        AND sku > {after:String}
        AND ({q:String} = '' OR positionCaseInsensitiveUTF8(sku, {q:String}) > 0 OR positionCaseInsensitiveUTF8(name, {q:String}) > 0)
        AND ({family:String} = '' OR family = {family:String})
        AND ({abc:String} = '' OR abc_class = {abc:String})
      ORDER BY sku
      LIMIT {fetch:UInt32}`,
    { tenant, after, q: search.q ?? '', family: search.family ?? '', abc: (search.abc_class ?? '').trim().toUpperCase(), fetch: search.limit + 1 },
  );
  const page = rows.slice(0, search.limit).map(toSummary);
  const last = page.at(-1);
  return { items: page, next_cursor: rows.length > search.limit && last !== undefined ? encodeCursor(last.sku) : null };
}
