import { describe, expect, it } from 'vitest';
import { normalizePurchaseOrderLine } from '../../../pipelines/normalize/purchase-orders.js';
import { createStaticReference } from '../../../pipelines/reference/tenant-reference.js';
import { extraValue, failureOf, firstRow, rawRecord, rowsOf } from './raw-records.js';

const reference = createStaticReference({ acme: { baseUoms: { 'ITEM-001': 'PCS' }, conversions: [{ sku: 'ITEM-001', fromUom: 'BOX', factor: '24' }] } });

describe('purchase order normalizer', () => {
  it('writes a supply line with promised and received dates and quantities side by side', () => {
    const outcome = normalizePurchaseOrderLine(rawRecord('purchase_orders', { supplier_id: ' sup-1 ' }), reference);
    expect(firstRow(outcome, 'supply_lines')).toMatchObject({
      po_id: 'PO-1', line: 1, sku: 'ITEM-001', site: 'PLANT-1', supplier_id: 'SUP-1', qty: '100', received_qty: '100',
      order_date: '2024-01-02', promised_date: '2024-01-09', received_date: '2024-01-11', status: 'closed', source_uom: '',
    });
    // A purchase order only knows the supplier's code: version 0, so a named supplier row always wins.
    expect(rowsOf(outcome).suppliers).toEqual([expect.objectContaining({ supplier_id: 'SUP-1', name: '', version: '0' })]);
  });

  it('converts ordered and received quantity with the same factor (SAP order unit)', () => {
    const row = firstRow(normalizePurchaseOrderLine(rawRecord('purchase_orders', { qty: '5', received_qty: '0.5' }, {}, { BSTME: extraValue('BOX') }), reference), 'supply_lines');
    expect(row).toMatchObject({ qty: '120', received_qty: '12', source_uom: 'BOX' });
  });

  it('refuses a received quantity without a received date', () => {
    expect(failureOf(normalizePurchaseOrderLine(rawRecord('purchase_orders', { received_date: null }), reference))).toMatchObject({ code: 'RULE_RECEIVED_QTY_WITHOUT_DATE', field: 'received_date' });
    // Zero received (nothing arrived yet) needs no date.
    expect(firstRow(normalizePurchaseOrderLine(rawRecord('purchase_orders', { received_date: null, received_qty: '0' }), reference), 'supply_lines').received_qty).toBe('0');
  });

  it('refuses receipts and promises dated before the order', () => {
    expect(failureOf(normalizePurchaseOrderLine(rawRecord('purchase_orders', { received_date: '2023-12-31' }), reference))).toMatchObject({ code: 'RULE_RECEIVED_BEFORE_ORDER', field: 'received_date' });
    expect(failureOf(normalizePurchaseOrderLine(rawRecord('purchase_orders', { promised_date: '2024-01-01' }), reference))).toMatchObject({ code: 'RULE_PROMISED_BEFORE_ORDER', field: 'promised_date' });
  });

  it('fails an unknown unit naming the field it came from', () => {
    expect(failureOf(normalizePurchaseOrderLine(rawRecord('purchase_orders', {}, {}, { MEINS: extraValue('CRATE') }), reference))).toMatchObject({ code: 'UNKNOWN_UOM', field: 'MEINS' });
  });
});
