/**
 * Stock rows for inventory tests: inserted into the unified model (migration 004) the way the
 * inventory, purchase-order and item normalizers write them, plus an in-memory InventorySource
 * answering from the same kind of facts.
 */
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { toClickHouseDateTime } from '../../../infra/clickhouse/datetime.js';
import type { TypedEntityRef } from '../../../forecasting/types/forecast-type.js';
import type { InventorySource, StockFacts } from '../../../forecasting/types/inventory-source.js';

export interface Snapshot {
  readonly tenant: string;
  readonly sku: string;
  readonly site: string;
  readonly onHand: number | string;
  /** ClickHouse DateTime64 text or ISO, UTC. */
  readonly asOf: string;
  readonly version?: number;
  readonly isDeleted?: 0 | 1;
  readonly receivedAtMs?: number;
}

export interface SupplyLine {
  readonly tenant: string;
  readonly poId: string;
  readonly sku: string;
  readonly site: string;
  readonly supplierId: string;
  readonly qty: number | string;
  readonly orderDate: string;
  readonly promisedDate?: string;
  readonly receivedDate?: string;
  readonly receivedQty?: number | string;
  readonly status?: string;
  readonly version?: number;
  readonly isDeleted?: 0 | 1;
  readonly receivedAtMs?: number;
}

let counter = 0;
const DEFAULT_RECEIVED_AT = Date.UTC(2024, 6, 1);

export async function insertSnapshots(store: AnalyticsStore, snapshots: readonly Snapshot[]): Promise<void> {
  await store.insert(
    'inventory_snapshots',
    snapshots.map((s) => ({
      tenant_id: s.tenant,
      sku: s.sku,
      site: s.site,
      as_of: s.asOf.replace('T', ' ').replace('Z', ''),
      on_hand: String(s.onHand),
      source_uom: '',
      source_sku: s.sku,
      is_deleted: s.isDeleted ?? 0,
      version: s.version ?? ++counter,
      source_type: 'inventory',
      source_id: 'wms_test',
      batch_id: 'b1',
      record_index: 0,
      received_at: toClickHouseDateTime(s.receivedAtMs ?? DEFAULT_RECEIVED_AT),
    })),
  );
}

export async function insertSupplyLines(store: AnalyticsStore, lines: readonly SupplyLine[]): Promise<void> {
  await store.insert(
    'supply_lines',
    lines.map((l) => ({
      tenant_id: l.tenant,
      source_id: 'erp_test',
      po_id: l.poId,
      line: 1,
      sku: l.sku,
      source_sku: l.sku,
      site: l.site,
      supplier_id: l.supplierId,
      qty: String(l.qty),
      source_uom: '',
      received_qty: l.receivedQty === undefined ? null : String(l.receivedQty),
      order_date: l.orderDate,
      promised_date: l.promisedDate ?? null,
      received_date: l.receivedDate ?? null,
      status: l.status ?? (l.receivedDate === undefined ? 'open' : 'received'),
      is_deleted: l.isDeleted ?? 0,
      version: l.version ?? ++counter,
      source_type: 'erp',
      batch_id: 'b1',
      record_index: 0,
      received_at: toClickHouseDateTime(l.receivedAtMs ?? DEFAULT_RECEIVED_AT),
    })),
  );
}

export async function insertItem(store: AnalyticsStore, tenant: string, sku: string, leadTimeDays: number | null): Promise<void> {
  await store.insert('items', [
    { tenant_id: tenant, sku, name: sku, uom: 'EA', family: '', currency: 'EUR', supplier_id: '', supplier_name: '', lead_time_days: leadTimeDays, is_deleted: 0, version: ++counter, updated_at: toClickHouseDateTime(DEFAULT_RECEIVED_AT), source_type: 'erp', source_id: 'erp_test', source_sku: sku, batch_id: 'b1', record_index: 0 },
  ]);
}

/** An InventorySource answering from facts keyed `tenant|sku|site` ('' site = the item over all sites). */
export function memoryInventorySource(facts: ReadonlyMap<string, StockFacts>, changedSince: (sinceMs: number) => readonly TypedEntityRef[] = () => []): InventorySource & { calls: string[] } {
  const calls: string[] = [];
  const entities = (tenant: string, type: 'item' | 'item_site'): TypedEntityRef[] =>
    [...facts.keys()]
      .map((k) => k.split('|') as [string, string, string])
      .filter(([t, , site]) => t === tenant && (type === 'item' ? site === '' : site !== ''))
      .map(([, sku, site]) => ({ entityType: type, entityId: sku, site }));
  return {
    calls,
    async stockFacts(tenant, sku, site) {
      calls.push(`${tenant}|${sku}|${site}`);
      return facts.get(`${tenant}|${sku}|${site}`);
    },
    async knownEntities(tenant, type) {
      return entities(tenant, type);
    },
    async entitiesWithNewData(tenant, type, sinceMs) {
      const changed = new Set(changedSince(sinceMs).map((e) => `${e.entityId}|${e.site}`));
      return entities(tenant, type).filter((e) => changed.has(`${e.entityId}|${e.site}`));
    },
  };
}

/** Facts of one site: on hand at the close of `day`, optional open receipts, lead time from the item master. */
export function siteFacts(site: string, day: string, onHand: number, receipts: StockFacts['receipts'] = [], itemLeadTimeDays: number | null = 10): StockFacts {
  return { stock: [{ site, onHand, asOf: `${day}T23:59:00.000Z`, day }], receipts, supplierDelays: new Map(), itemLeadTimeDays, receivedLeadTimes: [] };
}
