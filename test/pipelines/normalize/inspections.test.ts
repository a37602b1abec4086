import { describe, expect, it } from 'vitest';
import { normalizeInspection } from '../../../pipelines/normalize/inspections.js';
import { createStaticReference } from '../../../pipelines/reference/tenant-reference.js';
import { extraValue, failureOf, firstRow, rawRecord } from './raw-records.js';

const reference = createStaticReference({ acme: { baseUoms: { 'ITEM-001': 'EA' }, conversions: [{ sku: 'ITEM-001', fromUom: 'BOX', factor: '0.5' }] } });

describe('inspection normalizer', () => {
  it('writes the inspection with both quantities, line upper-cased, time in UTC', () => {
    expect(firstRow(normalizeInspection(rawRecord('inspections'), reference), 'quality_inspections')).toMatchObject({
      inspection_id: 'IN-1', sku: 'ITEM-001', site: 'PLANT-1', line: 'L1', inspected_qty: '50', defect_qty: '2', defect_code: 'SCRATCH', inspected_at: '2024-01-14 09:00:00.000',
    });
  });

  it('converts both quantities with one factor', () => {
    expect(firstRow(normalizeInspection(rawRecord('inspections', { inspected_qty: '3', defect_qty: '1' }, {}, { uom: extraValue('BOX') }), reference), 'quality_inspections')).toMatchObject({ inspected_qty: '1.5', defect_qty: '0.5' });
  });

  it('fails an unknown unit', () => {
    expect(failureOf(normalizeInspection(rawRecord('inspections', {}, {}, { uom: extraValue('??') }), reference))).toMatchObject({ code: 'UNKNOWN_UOM', field: 'uom' });
  });
});
