/**
 * inventory → `inventory_snapshots` + `sites`: on hand (and reserved) at a moment, in the item's
 * base unit, keyed by canonical sku, site and as_of (UTC). Reserved above on hand is kept: stock
 * can be over-committed, and that is exactly what a planner must see.
 */
import { RAW_TOPICS } from '../../schemas/topics.js';
import { siteRow } from './dimension-rows.js';
import { factLineage, readEnvelope } from './envelope.js';
import { DIMENSION_TABLES } from './model-tables.js';
import { guardedNormalizer } from './normalize-failure.js';
import type { Normalizer } from './normalizer.js';
import { optionalDecimal, requiredCode, requiredDecimal, requiredText, requiredTimestamp } from './raw-fields.js';
import { recordUnit, toBaseQuantity, toBaseQuantityOrNull } from './record-unit.js';

export const normalizeInventorySnapshot: Normalizer = guardedNormalizer((raw, context) => {
  const envelope = readEnvelope(raw);
  const sourceSku = requiredText(raw, 'sku');
  const sku = context.canonicalSku(envelope.tenant, envelope.sourceId, sourceSku);
  const site = requiredCode(raw, 'site');
  const unit = recordUnit(raw, context, envelope.tenant, sku);
  const snapshot = {
    ...factLineage(envelope),
    sku,
    source_sku: sourceSku,
    site,
    as_of: requiredTimestamp(raw, 'as_of'),
    on_hand: toBaseQuantity(requiredDecimal(raw, 'on_hand'), unit, 'on_hand'),
    reserved: toBaseQuantityOrNull(optionalDecimal(raw, 'reserved'), unit, 'reserved'),
    source_uom: unit.sourceUom,
  };
  return { [RAW_TOPICS.inventory.table]: [snapshot], [DIMENSION_TABLES.sites]: [siteRow(envelope, site)] };
});
