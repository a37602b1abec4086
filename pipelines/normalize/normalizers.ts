/**
 * The normalizer of every record type: what the pipeline runner calls per decoded raw record.
 * Each is pure and synchronous over its NormalizeContext (pipelines/reference/ReferenceData in
 * production, prepared per batch), so the runner can normalize a batch in one loop.
 */
import type { Normalizers } from './normalizer.js';
import { normalizeLedgerEntry } from './gl-entries.js';
import { normalizeInspection } from './inspections.js';
import { normalizeInventoryMovement } from './inventory-movements.js';
import { normalizeInventorySnapshot } from './inventory.js';
import { normalizeItem } from './items.js';
import { normalizePurchaseOrderLine } from './purchase-orders.js';
import { normalizeSalesOrderLine } from './sales-orders.js';
import { normalizeWorkOrder } from './work-orders.js';

export const NORMALIZERS: Normalizers = {
  items: normalizeItem,
  sales_orders: normalizeSalesOrderLine,
  purchase_orders: normalizePurchaseOrderLine,
  inventory: normalizeInventorySnapshot,
  inventory_movements: normalizeInventoryMovement,
  gl_entries: normalizeLedgerEntry,
  inspections: normalizeInspection,
  work_orders: normalizeWorkOrder,
};
