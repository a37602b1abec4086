import { describe, expect, it } from 'vitest';
import { normalizeWorkOrder } from '../../../pipelines/normalize/work-orders.js';
import { createStaticReference } from '../../../pipelines/reference/tenant-reference.js';
import { extraValue, failureOf, firstRow, rawRecord } from './raw-records.js';

const reference = createStaticReference({ acme: { baseUoms: { 'ITEM-001': 'KG' } } });

describe('work order normalizer', () => {
  it('writes planned, completed and scrapped quantities and UTC times', () => {
    expect(firstRow(normalizeWorkOrder(rawRecord('work_orders', { start_at: '2024-01-10T08:00:00+02:00' }), reference), 'work_orders')).toMatchObject({
      wo_id: 'WO-1', qty_planned: '100', qty_completed: '90', qty_scrapped: '4', start_at: '2024-01-10 06:00:00.000', end_at: '2024-01-12 18:00:00.000', status: 'done', site: 'PLANT-1',
    });
  });

  it('converts tonnes to kilograms and keeps absent quantities null', () => {
    expect(firstRow(normalizeWorkOrder(rawRecord('work_orders', { qty_planned: '1.5', qty_completed: null, qty_scrapped: null }, {}, { uom: extraValue('T') }), reference), 'work_orders')).toMatchObject({ qty_planned: '1500', qty_completed: null, qty_scrapped: null });
  });

  it('refuses an order that ends before it starts (compared in UTC)', () => {
    expect(failureOf(normalizeWorkOrder(rawRecord('work_orders', { start_at: '2024-01-12T10:00:00Z', end_at: '2024-01-12T11:00:00+02:00' }), reference))).toMatchObject({ code: 'RULE_END_BEFORE_START', field: 'end_at' });
  });

  it('accepts over-production (completed + scrapped above planned)', () => {
    expect(firstRow(normalizeWorkOrder(rawRecord('work_orders', { qty_completed: '100', qty_scrapped: '8' }), reference), 'work_orders').qty_completed).toBe('100');
  });
});
