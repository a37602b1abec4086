/**
 * Renders master data and order documents as canonical records. Orders are rendered "as of" a day:
 * history reports each order once, as the ERP shows it on the last history day (received or still
 * open); live mode reports an order when it is created and again when it arrives, and ingestion keeps
 * the latest version of each order line.
 */
import { isoDate, isoTimestamp } from './calendar.js';
import type { Catalog } from './catalog.js';
import type { Supply } from './inventory-policy.js';
import type { ItemRecord, PurchaseOrderRecord, WorkOrderRecord } from './records.js';

/** Work orders start at 06:00 the day after release and report completion at 16:00. */
const WO_START_MINUTE = 360;
const WO_END_MINUTE = 960;

export function itemRecords(catalog: Catalog): ItemRecord[] {
  return catalog.items.map((item) => {
    const supplier = item.supplierIndex === undefined ? undefined : catalog.suppliers[item.supplierIndex];
    return {
      sku: item.sku,
      name: item.name,
      uom: item.uom,
      family: item.family,
      standard_cost: item.standardCost,
      currency: item.currency,
      ...(supplier === undefined ? {} : { supplier_id: supplier.id, supplier_name: supplier.name }),
      lead_time_days: supplier?.leadTimeDays ?? item.productionDays,
      deleted: false,
    };
  });
}

export function purchaseOrderRecord(catalog: Catalog, startEpoch: number, supply: Supply, asOfDay: number): PurchaseOrderRecord {
  const item = catalog.items[supply.itemIndex];
  const site = catalog.sites[supply.siteIndex];
  const supplier = catalog.suppliers[supply.supplierIndex ?? -1];
  const received = supply.arrivalDay <= asOfDay;
  return {
    po_id: supply.id,
    line: 1,
    sku: item?.sku ?? '',
    site: site?.code ?? '',
    supplier_id: supplier?.id ?? '',
    qty: supply.qty,
    order_date: isoDate(startEpoch + supply.orderDay),
    promised_date: isoDate(startEpoch + supply.dueDay),
    ...(received ? { received_date: isoDate(startEpoch + supply.arrivalDay), received_qty: supply.receivedQty } : {}),
    status: received ? 'received' : 'open',
  };
}

export function workOrderRecord(catalog: Catalog, startEpoch: number, supply: Supply, asOfDay: number): WorkOrderRecord {
  const item = catalog.items[supply.itemIndex];
  const site = catalog.sites[supply.siteIndex];
  const completed = supply.arrivalDay <= asOfDay;
  const started = supply.orderDay + 1 <= asOfDay;
  return {
    wo_id: supply.id,
    sku: item?.sku ?? '',
    site: site?.code ?? '',
    qty_planned: supply.qty,
    ...(completed ? { qty_completed: supply.receivedQty, qty_scrapped: supply.scrappedQty } : {}),
    start_at: isoTimestamp(startEpoch + supply.orderDay + 1, WO_START_MINUTE),
    ...(completed ? { end_at: isoTimestamp(startEpoch + supply.arrivalDay, WO_END_MINUTE) } : {}),
    status: completed ? 'completed' : started ? 'in_progress' : 'released',
    line: supply.lineId ?? '',
  };
}
