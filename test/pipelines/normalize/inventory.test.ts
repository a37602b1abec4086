import { describe, expect, it } from 'vitest';
import { normalizeInventorySnapshot } from '../../../pipelines/normalize/inventory.js';
import { createStaticReference } from '../../../pipelines/reference/tenant-reference.js';
import { extraValue, failureOf, firstRow, rawRecord, rowsOf } from './raw-records.js';

const reference = createStaticReference({ acme: { baseUoms: { 'ITEM-001': 'G' } } });

describe('inventory snapshot normalizer', () => {
  it('writes on hand and reserved at a UTC moment, site upper-cased', () => {
    const outcome = normalizeInventorySnapshot(rawRecord('inventory', { as_of: '2024-01-14T01:00:00+01:00', site: ' plant-1' }), reference);
    expect(firstRow(outcome, 'inventory_snapshots')).toMatchObject({ sku: 'ITEM-001', site: 'PLANT-1', as_of: '2024-01-14 00:00:00.000', on_hand: '40', reserved: '5', source_uom: '' });
    expect(rowsOf(outcome).sites).toEqual([expect.objectContaining({ site: 'PLANT-1', tenant_id: 'acme' })]);
  });

  it('converts KG into an item kept in grams, exactly', () => {
    const row = firstRow(normalizeInventorySnapshot(rawRecord('inventory', { on_hand: '0.0015', reserved: null }, {}, { uom: extraValue('kgm') }), reference), 'inventory_snapshots');
    expect(row).toMatchObject({ on_hand: '1.5', reserved: null, source_uom: 'KG' });
  });

  it('refuses an unreadable timestamp and a unit of another dimension', () => {
    expect(failureOf(normalizeInventorySnapshot(rawRecord('inventory', { as_of: '2024-02-30T00:00:00Z' }), reference))).toMatchObject({ code: 'INVALID_DATE', field: 'as_of' });
    expect(failureOf(normalizeInventorySnapshot(rawRecord('inventory', {}, {}, { uom: extraValue('L') }), reference))).toMatchObject({ code: 'UNKNOWN_UOM', field: 'uom' });
  });
});
