/**
 * What an inventory forecast reads from the unified model (migration 004), parameterized only and
 * always with FINAL, so a replaced or deleted row never counts twice:
 * - stock: the latest `inventory_snapshots` row per site of the sku (its on-hand is the closing
 *   stock of its UTC day);
 * - receipts: `supply_lines` still open (no received_date, status not cancelled / closed /
 *   received), plus lines received after the site's snapshot day (stock the snapshot does not hold
 *   yet, arriving on their received date);
 * - the supplier's mean delay (received − promised, over its RECENT_LINES latest receipts), which
 *   moves an open line's promised date to when it is really expected;
 * - lead time: `items.lead_time_days`, and the order → receipt days of the sku's RECENT_LINES
 *   latest receipts (the fallback, and the lead-time spread for safety stock).
 * Quantities are Decimal in ClickHouse, read as text and turned into numbers here.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { fromClickHouseDateTime, toClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import type { TypedEntityRef } from './forecast-type.js';

/**
 * Receipts per supplier / sku a delay or lead time is measured over: about a year of monthly
 * deliveries — recent enough to follow a supplier that got worse, enough for a steady mean.
 */
const RECENT_LINES = 50;

/** Purchase-order statuses that mean the line will bring nothing more (any case). */
const CLOSED_STATUSES = ['cancelled', 'canceled', 'closed', 'received', 'completed', 'complete'] as const;

/** The latest snapshot of one site. */
export interface SiteStock {
  readonly site: string;
  readonly onHand: number;
  /** Timestamp of the snapshot (ISO 8601). */
  readonly asOf: string;
  /** Its UTC day (`YYYY-MM-DD`): the stock is that day's closing stock. */
  readonly day: string;
}

/** A purchase-order line that will still add stock. */
export interface ReceiptLine {
  readonly poId: string;
  readonly site: string;
  readonly supplierId: string;
  readonly qty: number;
  readonly orderDate: string;
  readonly promisedDate: string | null;
  /** Set for a line received after its site's snapshot: the day it arrived. */
  readonly receivedDate: string | null;
}

/** Everything one inventory forecast needs besides demand. */
export interface StockFacts {
  /** Latest snapshot per site (one entry for an item × site). */
  readonly stock: readonly SiteStock[];
  readonly receipts: readonly ReceiptLine[];
  /** Mean days late (negative: early) per supplier of the open lines, when it has received lines. */
  readonly supplierDelays: ReadonlyMap<string, number>;
  /** items.lead_time_days, null when the item master has none. */
  readonly itemLeadTimeDays: number | null;
  /** Order → receipt days of the sku's latest received lines. */
  readonly receivedLeadTimes: readonly number[];
}

/** The port the inventory handler reads through; `createClickHouseInventorySource` serves it from ClickHouse. */
export interface InventorySource {
  /** Stock, receipts and lead-time facts of a sku (at `site`, or over all sites when ''); undefined when it has no snapshot. */
  stockFacts(tenant: string, sku: string, site: string): Promise<StockFacts | undefined>;
  /** Items (type item) or item × sites (type item_site) with a snapshot. */
  knownEntities(tenant: string, type: 'item' | 'item_site'): Promise<TypedEntityRef[]>;
  /** Those of them with snapshots, demand or purchase-order lines received after `sinceMs`. */
  entitiesWithNewData(tenant: string, type: 'item' | 'item_site', sinceMs: number): Promise<TypedEntityRef[]>;
}

interface StockRow {
  site: string;
  on_hand_text: string;
  as_of_text: string;
  day_text: string;
}
interface LineRow {
  po_id: string;
  site: string;
  supplier_id: string;
  open_text: string;
  order_text: string;
  promised_text: string | null;
  received_text: string | null;
}

const OPEN = `received_date IS NULL AND lower(status) NOT IN (${CLOSED_STATUSES.map((s) => `'${s}'`).join(', ')})`;

function refs(type: 'item' | 'item_site', rows: readonly { sku: string; site?: string }[]): TypedEntityRef[] {
  return rows.map((r) => ({ entityType: type, entityId: r.sku, site: type === 'item' ? '' : (r.site ?? '') }));
}

export function createClickHouseInventorySource(store: AnalyticsStore): InventorySource {
  const siteFilter = (site: string): string => (site === '' ? '' : ' AND site = {site:String}');

  return {
    async stockFacts(tenant: string, sku: string, site: string): Promise<StockFacts | undefined> {
      const params = { tenant, sku, site, recent: RECENT_LINES };
      // Aliases differ from column names: a ClickHouse alias is visible in the whole query.
      const stockRows = await store.query<StockRow>(
        `SELECT site, toString(argMax(on_hand, as_of)) AS on_hand_text, toString(max(as_of)) AS as_of_text, toString(toDate32(max(as_of))) AS day_text
         FROM inventory_snapshots FINAL
         WHERE tenant_id = {tenant:String} AND sku = {sku:String}${siteFilter(site)}
         GROUP BY site ORDER BY site`,
        params,
      );
      if (stockRows.length === 0) return undefined;
      const stock: SiteStock[] = stockRows.map((r) => ({ site: r.site, onHand: Number(r.on_hand_text), asOf: fromClickHouseDateTime(r.as_of_text), day: r.day_text }));
      const dayOf = new Map(stock.map((s) => [s.site, s.day]));
      const earliest = stock.map((s) => s.day).sort()[0] ?? '';
      const lineRows = await store.query<LineRow>(
        `SELECT po_id, site, supplier_id,
                toString(if(received_date IS NULL, qty, ifNull(received_qty, qty))) AS open_text,
                toString(order_date) AS order_text, toString(promised_date) AS promised_text, toString(received_date) AS received_text
         FROM supply_lines FINAL
         WHERE tenant_id = {tenant:String} AND sku = {sku:String}${siteFilter(site)}
           AND ((${OPEN}) OR received_date > {earliest:Date32})
         ORDER BY po_id, line`,
        { ...params, earliest },
      );
      const receipts: ReceiptLine[] = lineRows
        .filter((r) => {
          const snapshotDay = dayOf.get(r.site);
          // A line of a site without a snapshot has no stock to add to; a line received on or
          // before the snapshot day is in the snapshot already.
          return snapshotDay !== undefined && (r.received_text === null || r.received_text > snapshotDay);
        })
        .map((r) => ({ poId: r.po_id, site: r.site, supplierId: r.supplier_id, qty: Number(r.open_text), orderDate: r.order_text, promisedDate: r.promised_text, receivedDate: r.received_text }))
        .filter((r) => Number.isFinite(r.qty) && r.qty > 0);

      const suppliers = [...new Set(receipts.filter((r) => r.receivedDate === null && r.supplierId !== '').map((r) => r.supplierId))];
      const delays = suppliers.length === 0
        ? []
        : await store.query<{ supplier_id: string; mean_delay: number }>(
            `SELECT supplier_id, avg(delay) AS mean_delay FROM (
               SELECT supplier_id, dateDiff('day', promised_date, received_date) AS delay
               FROM supply_lines FINAL
               WHERE tenant_id = {tenant:String} AND supplier_id IN {suppliers:Array(String)}
                 AND received_date IS NOT NULL AND promised_date IS NOT NULL
               ORDER BY received_date DESC LIMIT {recent:UInt32} BY supplier_id)
             GROUP BY supplier_id`,
            { tenant, suppliers, recent: RECENT_LINES },
          );
      const [item] = await store.query<{ lead_time_days: number | null }>(
        'SELECT lead_time_days FROM items FINAL WHERE tenant_id = {tenant:String} AND sku = {sku:String} LIMIT 1',
        params,
      );
      const history = await store.query<{ days: number }>(
        `SELECT toInt32(dateDiff('day', order_date, received_date)) AS days FROM supply_lines FINAL
         WHERE tenant_id = {tenant:String} AND sku = {sku:String} AND received_date IS NOT NULL
         ORDER BY received_date DESC LIMIT {recent:UInt32}`,
        params,
      );
      return {
        stock,
        receipts,
        supplierDelays: new Map(delays.map((d) => [d.supplier_id, Number(d.mean_delay)])),
        itemLeadTimeDays: item?.lead_time_days === null || item?.lead_time_days === undefined ? null : Number(item.lead_time_days),
        receivedLeadTimes: history.map((h) => Number(h.days)).filter((d) => Number.isFinite(d) && d >= 0),
      };
    },

    async knownEntities(tenant: string, type: 'item' | 'item_site'): Promise<TypedEntityRef[]> {
      const rows = await store.query<{ sku: string; site?: string }>(
        type === 'item'
          ? 'SELECT DISTINCT sku FROM inventory_snapshots FINAL WHERE tenant_id = {tenant:String} ORDER BY sku'
          : 'SELECT DISTINCT sku, site FROM inventory_snapshots FINAL WHERE tenant_id = {tenant:String} ORDER BY sku, site',
        { tenant },
      );
      return refs(type, rows);
    },

    async entitiesWithNewData(tenant: string, type: 'item' | 'item_site', sinceMs: number): Promise<TypedEntityRef[]> {
      const since = toClickHouseDateTime(sinceMs);
      // Not filtered on status or deletion: a line newly cancelled or deleted is new data too.
      const changed = `SELECT sku, site FROM inventory_snapshots WHERE tenant_id = {tenant:String} AND received_at > {since:DateTime64(3, 'UTC')}
        UNION DISTINCT SELECT sku, site FROM demand_lines WHERE tenant_id = {tenant:String} AND received_at > {since:DateTime64(3, 'UTC')}
        UNION DISTINCT SELECT sku, site FROM supply_lines WHERE tenant_id = {tenant:String} AND received_at > {since:DateTime64(3, 'UTC')}`;
      const rows = await store.query<{ sku: string; site?: string }>(
        type === 'item'
          ? `SELECT DISTINCT sku FROM inventory_snapshots FINAL WHERE tenant_id = {tenant:String} AND sku IN (SELECT sku FROM (${changed})) ORDER BY sku`
          : `SELECT DISTINCT sku, site FROM inventory_snapshots FINAL WHERE tenant_id = {tenant:String} AND (sku, site) IN (SELECT sku, site FROM (${changed})) ORDER BY sku, site`,
        { tenant, since },
      );
      return refs(type, rows);
    },
  };
}
