/**
 * work_orders → `work_orders` + `sites`. Rule RULE_END_BEFORE_START: an order cannot end before it
 * starts. Completed + scrapped above planned is NOT refused: shops over-produce to cover expected
 * scrap or a later order, and refusing it would hide real output from the forecasts.
 */
import { RAW_TOPICS } from '../../schemas/topics.js';
import { siteRow } from './dimension-rows.js';
import { factLineage, readEnvelope } from './envelope.js';
import { DIMENSION_TABLES } from './model-tables.js';
import { NORMALIZE_FAILURES, NormalizeError, guardedNormalizer } from './normalize-failure.js';
import type { Normalizer } from './normalizer.js';
import { optionalDecimal, optionalText, optionalTimestamp, requiredCode, requiredDecimal, requiredText } from './raw-fields.js';
import { recordUnit, toBaseQuantity, toBaseQuantityOrNull } from './record-unit.js';

export const normalizeWorkOrder: Normalizer = guardedNormalizer((raw, context) => {
  const envelope = readEnvelope(raw);
  const sourceSku = requiredText(raw, 'sku');
  const sku = context.canonicalSku(envelope.tenant, envelope.sourceId, sourceSku);
  const site = requiredCode(raw, 'site');
  const startAt = optionalTimestamp(raw, 'start_at');
  const endAt = optionalTimestamp(raw, 'end_at');
  // DateTime64 text (fixed-width, four-digit years) orders as the instants do.
  if (startAt !== null && endAt !== null && endAt < startAt) {
    throw new NormalizeError(NORMALIZE_FAILURES.RULE_END_BEFORE_START, 'end_at', `end_at ${endAt} is before start_at ${startAt} (UTC)`);
  }
  const unit = recordUnit(raw, context, envelope.tenant, sku);
  const order = {
    ...factLineage(envelope),
    wo_id: requiredText(raw, 'wo_id'),
    sku,
    source_sku: sourceSku,
    site,
    qty_planned: toBaseQuantity(requiredDecimal(raw, 'qty_planned'), unit, 'qty_planned'),
    qty_completed: toBaseQuantityOrNull(optionalDecimal(raw, 'qty_completed'), unit, 'qty_completed'),
    qty_scrapped: toBaseQuantityOrNull(optionalDecimal(raw, 'qty_scrapped'), unit, 'qty_scrapped'),
    source_uom: unit.sourceUom,
    start_at: startAt,
    end_at: endAt,
    status: optionalText(raw, 'status') ?? '',
  };
  return { [RAW_TOPICS.work_orders.table]: [order], [DIMENSION_TABLES.sites]: [siteRow(envelope, site)] };
});
