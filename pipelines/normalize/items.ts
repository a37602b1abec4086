/**
 * items → `items` (canonical item) + `external_ids` (this source's id for it) + `suppliers` (when
 * the item names one). The sku is mapped to the canonical one (NormalizeContext.canonicalSku), so
 * the same item from two ERPs becomes one row; the base unit is stored by its canonical code (PCS →
 * EA) or as written when the default table does not know it (a base unit may be anything);
 * `deleted: true` writes the row with is_deleted = 1, which hides the item from FINAL reads.
 */
import { RAW_TOPICS } from '../../schemas/topics.js';
import { canonicalUnit } from '../reference/units.js';
import { readEnvelope } from './envelope.js';
import { supplierRow } from './dimension-rows.js';
import { DIMENSION_TABLES } from './model-tables.js';
import { guardedNormalizer } from './normalize-failure.js';
import type { Normalizer } from './normalizer.js';
import { optionalBoolean, optionalCode, optionalCount, optionalCurrency, optionalDecimal, optionalText, requiredText } from './raw-fields.js';

export const normalizeItem: Normalizer = guardedNormalizer((raw, context) => {
  const envelope = readEnvelope(raw);
  const sourceSku = requiredText(raw, 'sku');
  const sku = context.canonicalSku(envelope.tenant, envelope.sourceId, sourceSku);
  const uom = optionalText(raw, 'uom');
  const supplierId = optionalCode(raw, 'supplier_id');
  const supplierName = optionalText(raw, 'supplier_name');
  const item = {
    tenant_id: envelope.tenant,
    sku,
    name: requiredText(raw, 'name'),
    uom: uom === null ? '' : canonicalUnit(uom),
    family: optionalText(raw, 'family') ?? '',
    standard_cost: optionalDecimal(raw, 'standard_cost'),
    currency: optionalCurrency(raw, 'currency') ?? '',
    supplier_id: supplierId ?? '',
    supplier_name: supplierName ?? '',
    lead_time_days: optionalCount(raw, 'lead_time_days'),
    is_deleted: optionalBoolean(raw, 'deleted') === true ? 1 : 0,
    version: envelope.version,
    updated_at: envelope.receivedAt,
    source_type: envelope.sourceType,
    source_id: envelope.sourceId,
    source_sku: sourceSku,
    batch_id: envelope.batchId,
    record_index: envelope.recordIndex,
  };
  const externalId = {
    tenant_id: envelope.tenant,
    entity: 'item',
    source_id: envelope.sourceId,
    source_key: sourceSku,
    canonical_key: sku,
    origin: 'observed',
    is_deleted: 0,
    version: envelope.version,
    updated_at: envelope.receivedAt,
  };
  return {
    [RAW_TOPICS.items.table]: [item],
    [DIMENSION_TABLES.externalIds]: [externalId],
    [DIMENSION_TABLES.suppliers]: supplierId === null ? [] : [supplierRow(envelope, supplierId, supplierName)],
  };
});
