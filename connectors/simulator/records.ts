/**
 * The canonical records the simulator emits (SPEC.md, Ingest: field names per record type). Optional
 * canonical fields are omitted rather than null when they do not apply (an open purchase order has
 * no received_date); `reference` on movements is an extra field, kept by ingestion, that ties a
 * movement to its purchase order, work order or transfer.
 */

export interface ItemRecord {
  readonly sku: string;
  readonly name: string;
  readonly uom: string;
  readonly family: string;
  readonly standard_cost: number;
  readonly currency: string;
  readonly supplier_id?: string;
  readonly supplier_name?: string;
  readonly lead_time_days: number;
  readonly deleted: boolean;
}

export interface SalesOrderRecord {
  readonly order_id: string;
  readonly line: number;
  readonly sku: string;
  readonly site: string;
  readonly customer_id: string;
  readonly qty: number;
  readonly unit_price: number;
  readonly currency: string;
  readonly order_date: string;
  readonly requested_date: string;
  /** `shipped` when stock covered the line, `short` when it shipped partly or not at all. */
  readonly status: 'shipped' | 'short';
}

export interface PurchaseOrderRecord {
  readonly po_id: string;
  readonly line: number;
  readonly sku: string;
  readonly site: string;
  readonly supplier_id: string;
  readonly qty: number;
  readonly order_date: string;
  readonly promised_date: string;
  readonly received_date?: string;
  readonly received_qty?: number;
  readonly status: 'open' | 'received';
}

export interface InventoryRecord {
  readonly sku: string;
  readonly site: string;
  readonly on_hand: number;
  readonly reserved: number;
  readonly as_of: string;
}

export const MOVEMENT_TYPES = ['receipt', 'issue', 'adjustment', 'scrap', 'transfer'] as const;
export type MovementType = (typeof MOVEMENT_TYPES)[number];

export interface MovementRecord {
  readonly movement_id: string;
  readonly sku: string;
  readonly site: string;
  /** Signed: positive into stock, negative out of it. */
  readonly qty: number;
  readonly movement_type: MovementType;
  readonly ts: string;
  readonly reference?: string;
}

export interface GlEntryRecord {
  readonly entry_id: string;
  readonly account: string;
  /** Debit positive, credit negative; the two legs of a posting sum to zero. */
  readonly amount: number;
  readonly currency: string;
  readonly posted_at: string;
  readonly cost_center: string;
  readonly sku: string;
}

export interface InspectionRecord {
  readonly inspection_id: string;
  readonly sku: string;
  readonly site: string;
  readonly line: string;
  readonly inspected_qty: number;
  readonly defect_qty: number;
  readonly defect_code?: string;
  readonly inspected_at: string;
}

export interface WorkOrderRecord {
  readonly wo_id: string;
  readonly sku: string;
  readonly site: string;
  readonly qty_planned: number;
  readonly qty_completed?: number;
  readonly qty_scrapped?: number;
  readonly start_at: string;
  readonly end_at?: string;
  readonly status: 'released' | 'in_progress' | 'completed';
  readonly line: string;
}

/** Records of every type, by the record type name used in the ingest envelope. */
export interface RecordsByType {
  items: ItemRecord[];
  sales_orders: SalesOrderRecord[];
  purchase_orders: PurchaseOrderRecord[];
  inventory: InventoryRecord[];
  inventory_movements: MovementRecord[];
  gl_entries: GlEntryRecord[];
  inspections: InspectionRecord[];
  work_orders: WorkOrderRecord[];
}

export type SimRecordType = keyof RecordsByType;

/** Emission order within a day range: master data, then documents, then their consequences. */
export const SIM_RECORD_TYPES: readonly SimRecordType[] = [
  'items', 'purchase_orders', 'work_orders', 'sales_orders', 'inventory_movements', 'inventory', 'inspections', 'gl_entries',
];

export function emptyRecords(): RecordsByType {
  return { items: [], sales_orders: [], purchase_orders: [], inventory: [], inventory_movements: [], gl_entries: [], inspections: [], work_orders: [] };
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
