/**
 * sales_orders → `demand_lines` + `sites` + `customers`. The quantity goes into the item's base
 * unit; the unit price stays per the unit the source priced in (`source_uom`: converting a price
 * would divide, which is not exact), and `line_amount` = quantity as sent × unit price, exactly.
 */
import { RAW_TOPICS } from '../../schemas/topics.js';
import { multiplyDecimal } from './decimal-arithmetic.js';
import { customerRow, siteRow } from './dimension-rows.js';
import { factLineage, readEnvelope } from './envelope.js';
import { DIMENSION_TABLES } from './model-tables.js';
import { NORMALIZE_FAILURES, NormalizeError, guardedNormalizer } from './normalize-failure.js';
import type { Normalizer } from './normalizer.js';
import { optionalCode, optionalCount, optionalCurrency, optionalDate, optionalDecimal, optionalText, requiredCode, requiredDate, requiredDecimal, requiredText } from './raw-fields.js';
import { recordUnit, toBaseQuantity } from './record-unit.js';

export const normalizeSalesOrderLine: Normalizer = guardedNormalizer((raw, context) => {
  const envelope = readEnvelope(raw);
  const sourceSku = requiredText(raw, 'sku');
  const sku = context.canonicalSku(envelope.tenant, envelope.sourceId, sourceSku);
  const site = requiredCode(raw, 'site');
  const customerId = optionalCode(raw, 'customer_id');
  const qty = requiredDecimal(raw, 'qty');
  const unitPrice = optionalDecimal(raw, 'unit_price');
  const unit = recordUnit(raw, context, envelope.tenant, sku);
  let lineAmount: string | null = null;
  if (unitPrice !== null) {
    lineAmount = multiplyDecimal(qty, unitPrice) ?? null;
    if (lineAmount === null) throw new NormalizeError(NORMALIZE_FAILURES.DECIMAL_OUT_OF_RANGE, 'unit_price', `qty × unit_price (${qty} × ${unitPrice}) does not fit 20 integer and 18 fraction digits exactly`);
  }
  const line = {
    ...factLineage(envelope),
    order_id: requiredText(raw, 'order_id'),
    line: optionalCount(raw, 'line') ?? 0,
    sku,
    source_sku: sourceSku,
    site,
    customer_id: customerId ?? '',
    qty: toBaseQuantity(qty, unit, 'qty'),
    source_uom: unit.sourceUom,
    unit_price: unitPrice,
    line_amount: lineAmount,
    currency: optionalCurrency(raw, 'currency') ?? '',
    order_date: requiredDate(raw, 'order_date'),
    requested_date: optionalDate(raw, 'requested_date'),
    status: optionalText(raw, 'status') ?? '',
  };
  return {
    [RAW_TOPICS.sales_orders.table]: [line],
    [DIMENSION_TABLES.sites]: [siteRow(envelope, site)],
    [DIMENSION_TABLES.customers]: customerId === null ? [] : [customerRow(envelope, customerId)],
  };
});
