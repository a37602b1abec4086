/**
 * inspections → `quality_inspections` + `sites`. Both quantities convert with the same factor, so
 * ingest's check (defect_qty ≤ inspected_qty) still holds in the base unit.
 */
import { RAW_TOPICS } from '../../schemas/topics.js';
import { siteRow } from './dimension-rows.js';
import { factLineage, readEnvelope } from './envelope.js';
import { DIMENSION_TABLES } from './model-tables.js';
import { guardedNormalizer } from './normalize-failure.js';
import type { Normalizer } from './normalizer.js';
import { optionalText, requiredCode, requiredDecimal, requiredText, requiredTimestamp } from './raw-fields.js';
import { recordUnit, toBaseQuantity } from './record-unit.js';

export const normalizeInspection: Normalizer = guardedNormalizer((raw, context) => {
  const envelope = readEnvelope(raw);
  const sourceSku = requiredText(raw, 'sku');
  const sku = context.canonicalSku(envelope.tenant, envelope.sourceId, sourceSku);
  const site = requiredCode(raw, 'site');
  const unit = recordUnit(raw, context, envelope.tenant, sku);
  const inspection = {
    ...factLineage(envelope),
    inspection_id: requiredText(raw, 'inspection_id'),
    sku,
    source_sku: sourceSku,
    site,
    line: optionalText(raw, 'line')?.toUpperCase() ?? '',
    inspected_qty: toBaseQuantity(requiredDecimal(raw, 'inspected_qty'), unit, 'inspected_qty'),
    defect_qty: toBaseQuantity(requiredDecimal(raw, 'defect_qty'), unit, 'defect_qty'),
    source_uom: unit.sourceUom,
    defect_code: optionalText(raw, 'defect_code') ?? '',
    inspected_at: requiredTimestamp(raw, 'inspected_at'),
  };
  return { [RAW_TOPICS.inspections.table]: [inspection], [DIMENSION_TABLES.sites]: [siteRow(envelope, site)] };
});
