/**
 * purchase_orders → `supply_lines` + `sites` + `suppliers` (code only). Quantities into the base
 * unit. Rules (the record passed field validation but is wrong as a whole; forecasts of supplier
 * lead time and reliability would learn from impossible data):
 * - RULE_RECEIVED_QTY_WITHOUT_DATE: a received quantity above zero needs the date it was received;
 * - RULE_RECEIVED_BEFORE_ORDER: goods cannot arrive before the order was placed;
 * - RULE_PROMISED_BEFORE_ORDER: a supplier cannot promise delivery before the order was placed.
 */
import { RAW_TOPICS } from '../../schemas/topics.js';
import { decimalSign } from './decimal-arithmetic.js';
import { siteRow, supplierRow } from './dimension-rows.js';
import { factLineage, readEnvelope } from './envelope.js';
import { DIMENSION_TABLES } from './model-tables.js';
import { NORMALIZE_FAILURES, NormalizeError, guardedNormalizer } from './normalize-failure.js';
import type { Normalizer } from './normalizer.js';
import { optionalCount, optionalDate, optionalDecimal, optionalText, requiredCode, requiredDate, requiredDecimal, requiredText } from './raw-fields.js';
import { recordUnit, toBaseQuantity, toBaseQuantityOrNull } from './record-unit.js';

export const normalizePurchaseOrderLine: Normalizer = guardedNormalizer((raw, context) => {
  const envelope = readEnvelope(raw);
  const sourceSku = requiredText(raw, 'sku');
  const sku = context.canonicalSku(envelope.tenant, envelope.sourceId, sourceSku);
  const site = requiredCode(raw, 'site');
  const supplierId = requiredCode(raw, 'supplier_id');
  const orderDate = requiredDate(raw, 'order_date');
  const promisedDate = optionalDate(raw, 'promised_date');
  const receivedDate = optionalDate(raw, 'received_date');
  const receivedQty = optionalDecimal(raw, 'received_qty');
  if (receivedQty !== null && decimalSign(receivedQty) === 1 && receivedDate === null) {
    throw new NormalizeError(NORMALIZE_FAILURES.RULE_RECEIVED_QTY_WITHOUT_DATE, 'received_date', `received_qty ${receivedQty} without a received_date`);
  }
  if (receivedDate !== null && receivedDate < orderDate) {
    throw new NormalizeError(NORMALIZE_FAILURES.RULE_RECEIVED_BEFORE_ORDER, 'received_date', `received_date ${receivedDate} is before order_date ${orderDate}`);
  }
  if (promisedDate !== null && promisedDate < orderDate) {
    throw new NormalizeError(NORMALIZE_FAILURES.RULE_PROMISED_BEFORE_ORDER, 'promised_date', `promised_date ${promisedDate} is before order_date ${orderDate}`);
  }
  const unit = recordUnit(raw, context, envelope.tenant, sku);
  const line = {
    ...factLineage(envelope),
    po_id: requiredText(raw, 'po_id'),
    line: optionalCount(raw, 'line') ?? 0,
    sku,
    source_sku: sourceSku,
    site,
    supplier_id: supplierId,
    qty: toBaseQuantity(requiredDecimal(raw, 'qty'), unit, 'qty'),
    source_uom: unit.sourceUom,
    received_qty: toBaseQuantityOrNull(receivedQty, unit, 'received_qty'),
    order_date: orderDate,
    promised_date: promisedDate,
    received_date: receivedDate,
    status: optionalText(raw, 'status') ?? '',
  };
  return {
    [RAW_TOPICS.purchase_orders.table]: [line],
    [DIMENSION_TABLES.sites]: [siteRow(envelope, site)],
    [DIMENSION_TABLES.suppliers]: [supplierRow(envelope, supplierId, null)],
  };
});
