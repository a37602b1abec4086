import { describe, expect, it } from 'vitest';
import { normalizeInventoryMovement } from '../../../pipelines/normalize/inventory-movements.js';
import { createStaticReference } from '../../../pipelines/reference/tenant-reference.js';
import { extraValue, failureOf, firstRow, rawRecord } from './raw-records.js';

const reference = createStaticReference({ acme: { baseUoms: { 'ITEM-001': 'MM' } } });

describe('inventory movement normalizer', () => {
  it('keeps the signed quantity exactly and the timestamp in UTC', () => {
    const row = firstRow(normalizeInventoryMovement(rawRecord('inventory_movements', { ts: '2024-01-14T08:30:00-03:00' }), reference), 'inventory_movements');
    expect(row).toMatchObject({ movement_id: 'MV-1', qty: '-2.5', movement_type: 'issue', site: 'PLANT-1', ts: '2024-01-14 11:30:00.000' });
  });

  it('converts a negative quantity in metres to millimetres', () => {
    expect(firstRow(normalizeInventoryMovement(rawRecord('inventory_movements', { qty: '-0.25' }, {}, { unit: extraValue('m') }), reference), 'inventory_movements')).toMatchObject({ qty: '-250', source_uom: 'M' });
  });

  it('refuses a movement type outside the fixed set', () => {
    expect(failureOf(normalizeInventoryMovement(rawRecord('inventory_movements', { movement_type: 'teleport' }), reference))).toMatchObject({ code: 'INVALID_VALUE', field: 'movement_type' });
  });
});
