import { describe, expect, it } from 'vitest';
import { normalizeSalesOrderLine } from '../../../pipelines/normalize/sales-orders.js';
import { createStaticReference } from '../../../pipelines/reference/tenant-reference.js';
import { extraValue, failureOf, firstRow, rawRecord, rowsOf } from './raw-records.js';

const reference = createStaticReference({
  acme: {
    baseUoms: { 'ITEM-001': 'EA', 'STEEL-1': 'G' },
    conversions: [{ sku: 'ITEM-001', fromUom: 'BOX', factor: '12' }],
    skuMappings: [{ sourceId: 'erp_b', sourceSku: 'MAT-778', canonicalSku: 'ITEM-001' }],
  },
});

describe('sales order normalizer', () => {
  it('writes a demand line with exact amounts, trimmed upper-cased codes and the site and customer', () => {
    const outcome = normalizeSalesOrderLine(rawRecord('sales_orders'), reference);
    expect(firstRow(outcome, 'demand_lines')).toMatchObject({
      tenant_id: 'acme', source_id: 'erp_a', order_id: 'SO-1', line: 10, sku: 'ITEM-001', site: 'PLANT-1', customer_id: 'CUST-9',
      qty: '3', source_uom: '', unit_price: '0.1', line_amount: '0.3', currency: 'EUR', order_date: '2024-01-10', requested_date: '2024-01-20',
      status: 'open', batch_id: 'batch-1', record_index: 0, received_at: '2024-01-15 10:00:00.000', is_deleted: 0,
    });
    expect(rowsOf(outcome).sites).toEqual([expect.objectContaining({ site: 'PLANT-1' })]);
    expect(rowsOf(outcome).customers).toEqual([expect.objectContaining({ customer_id: 'CUST-9' })]);
  });

  it('converts BOX to the base unit with the item factor, keeping the price per box', () => {
    const row = firstRow(normalizeSalesOrderLine(rawRecord('sales_orders', { qty: '2.5', unit_price: '30' }, {}, { uom: extraValue('box') }), reference), 'demand_lines');
    expect(row).toMatchObject({ qty: '30', source_uom: 'BOX', unit_price: '30', line_amount: '75' });
  });

  it('converts KG to G through the default table, from SAP’s sales unit field', () => {
    const row = firstRow(normalizeSalesOrderLine(rawRecord('sales_orders', { sku: 'STEEL-1', qty: '1.234' }, {}, { VRKME: extraValue('KG') }), reference), 'demand_lines');
    expect(row).toMatchObject({ qty: '1234', source_uom: 'KG' });
  });

  it('fails an unknown unit naming the field, and a unit of an item without a base unit', () => {
    expect(failureOf(normalizeSalesOrderLine(rawRecord('sales_orders', {}, {}, { uom: extraValue('PALLET') }), reference))).toMatchObject({ code: 'UNKNOWN_UOM', field: 'uom' });
    expect(failureOf(normalizeSalesOrderLine(rawRecord('sales_orders', { sku: 'NEW-9' }, {}, { uom: extraValue('EA') }), reference))).toMatchObject({ code: 'UNKNOWN_UOM', field: 'uom' });
    expect(failureOf(normalizeSalesOrderLine(rawRecord('sales_orders', {}, {}, { uom: extraValue('KG') }), reference)).message).toMatch(/KG/);
  });

  it('maps the sku of a second ERP and keeps the source id', () => {
    const row = firstRow(normalizeSalesOrderLine(rawRecord('sales_orders', { sku: 'MAT-778' }, { source_id: 'erp_b' }), reference), 'demand_lines');
    expect(row).toMatchObject({ sku: 'ITEM-001', source_sku: 'MAT-778', source_id: 'erp_b' });
  });

  it('stores an absent line number as 0 and absent optionals as empty or null', () => {
    const outcome = normalizeSalesOrderLine(rawRecord('sales_orders', { line: null, customer_id: null, unit_price: null, currency: null, requested_date: null, status: null }), reference);
    expect(firstRow(outcome, 'demand_lines')).toMatchObject({ line: 0, customer_id: '', unit_price: null, line_amount: null, currency: '', requested_date: null, status: '' });
    expect(rowsOf(outcome).customers).toEqual([]);
  });

  it('refuses an amount that would not fit exactly', () => {
    expect(failureOf(normalizeSalesOrderLine(rawRecord('sales_orders', { qty: '99999999999999999999', unit_price: '10' }), reference))).toMatchObject({ code: 'DECIMAL_OUT_OF_RANGE', field: 'unit_price' });
  });
});
