/**
 * inventory_movements → `inventory_movements` + `sites`. The signed quantity goes into the base
 * unit with its sign as sent: a reversal (SAP 102, a negative receipt) is legitimate, so sign and
 * movement type are not checked against each other.
 */
import { RAW_TOPICS } from '../../schemas/topics.js';
import { siteRow } from './dimension-rows.js';
import { factLineage, readEnvelope } from './envelope.js';
import { DIMENSION_TABLES } from './model-tables.js';
import { NORMALIZE_FAILURES, NormalizeError, guardedNormalizer } from './normalize-failure.js';
import type { Normalizer } from './normalizer.js';
import { requiredCode, requiredDecimal, requiredText, requiredTimestamp } from './raw-fields.js';
import { recordUnit, toBaseQuantity } from './record-unit.js';

/** SPEC.md's movement types (ingest validates the same list; domains do not import each other). */
export const MOVEMENT_TYPES = ['receipt', 'issue', 'adjustment', 'scrap', 'transfer'] as const;

export const normalizeInventoryMovement: Normalizer = guardedNormalizer((raw, context) => {
  const envelope = readEnvelope(raw);
  const sourceSku = requiredText(raw, 'sku');
  const sku = context.canonicalSku(envelope.tenant, envelope.sourceId, sourceSku);
  const site = requiredCode(raw, 'site');
  const movementType = requiredText(raw, 'movement_type').toLowerCase();
  if (!(MOVEMENT_TYPES as readonly string[]).includes(movementType)) {
    throw new NormalizeError(NORMALIZE_FAILURES.INVALID_VALUE, 'movement_type', `movement_type must be one of ${MOVEMENT_TYPES.join(', ')}, got ${JSON.stringify(movementType)}`);
  }
  const unit = recordUnit(raw, context, envelope.tenant, sku);
  const movement = {
    ...factLineage(envelope),
    movement_id: requiredText(raw, 'movement_id'),
    sku,
    source_sku: sourceSku,
    site,
    qty: toBaseQuantity(requiredDecimal(raw, 'qty'), unit, 'qty'),
    source_uom: unit.sourceUom,
    movement_type: movementType,
    ts: requiredTimestamp(raw, 'ts'),
  };
  return { [RAW_TOPICS.inventory_movements.table]: [movement], [DIMENSION_TABLES.sites]: [siteRow(envelope, site)] };
});
