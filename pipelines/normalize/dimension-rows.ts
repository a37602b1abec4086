/**
 * Dimension rows implied by facts: every site, supplier and customer a record mentions becomes
 * (or refreshes) a row of `sites`, `suppliers`, `customers`. The tables are ReplacingMergeTree on
 * the code, so repeating them with every fact changes nothing in results; the chunk processor
 * collapses the repeats before storing (collapse-dimension-rows.ts).
 */
import type { Envelope } from './envelope.js';

type Row = Record<string, unknown>;

export function siteRow(envelope: Envelope, site: string): Row {
  return { tenant_id: envelope.tenant, site, source_id: envelope.sourceId, last_seen_at: envelope.receivedAt, is_deleted: 0, version: envelope.version };
}

/**
 * A supplier; without a name (purchase orders only carry the code) the row has version 0, so any
 * named row — from an item — outranks it and a later purchase order never blanks the name.
 */
export function supplierRow(envelope: Envelope, supplierId: string, name: string | null): Row {
  return {
    tenant_id: envelope.tenant,
    supplier_id: supplierId,
    name: name ?? '',
    source_id: envelope.sourceId,
    last_seen_at: envelope.receivedAt,
    is_deleted: 0,
    version: name === null ? '0' : envelope.version,
  };
}

export function customerRow(envelope: Envelope, customerId: string): Row {
  return { tenant_id: envelope.tenant, customer_id: customerId, source_id: envelope.sourceId, last_seen_at: envelope.receivedAt, is_deleted: 0, version: envelope.version };
}
