import { describe, expect, it } from 'vitest';
import { normalizeItem } from '../../../pipelines/normalize/items.js';
import { createStaticReference } from '../../../pipelines/reference/tenant-reference.js';
import { RECEIVED_AT, failureOf, firstRow, rawRecord, rowsOf } from './raw-records.js';

const none = createStaticReference({});
const merged = createStaticReference({ acme: { skuMappings: [{ sourceId: 'erp_b', sourceSku: 'MAT-778', canonicalSku: 'ITEM-001' }] } });

describe('items normalizer', () => {
  it('writes the canonical item with exact cost, canonical unit, upper-cased codes and lineage', () => {
    const outcome = normalizeItem(rawRecord('items', { standard_cost: '12345678901234567890.123456789012345678' }, { record_index: 3 }), none);
    expect(firstRow(outcome, 'items')).toEqual({
      tenant_id: 'acme',
      sku: 'ITEM-001',
      name: 'Component A',
      uom: 'EA',
      family: 'FAM',
      standard_cost: '12345678901234567890.123456789012345678',
      currency: 'EUR',
      supplier_id: 'SUP-1',
      supplier_name: 'Acme Metals',
      lead_time_days: 7,
      abc_class: 'B',
      is_deleted: 0,
      version: ((BigInt(RECEIVED_AT) << 20n) + 3n).toString(),
      updated_at: '2024-01-15 10:00:00.000',
      source_type: 'erp',
      source_id: 'erp_a',
      source_sku: 'ITEM-001',
      batch_id: 'batch-1',
      record_index: 3,
    });
    expect(firstRow(outcome, 'suppliers')).toMatchObject({ supplier_id: 'SUP-1', name: 'Acme Metals' });
  });

  it('gives a later ingest, and a later record of the same batch, a higher version', () => {
    const version = (index: number, at: number): bigint => BigInt(firstRow(normalizeItem(rawRecord('items', {}, { record_index: index, received_at: at }), none), 'items').version as string);
    expect(version(1, RECEIVED_AT)).toBeGreaterThan(version(0, RECEIVED_AT));
    expect(version(0, RECEIVED_AT + 1)).toBeGreaterThan(version(999_999, RECEIVED_AT));
  });

  it('turns deleted: true into is_deleted = 1', () => {
    expect(firstRow(normalizeItem(rawRecord('items', { deleted: true }), none), 'items').is_deleted).toBe(1);
    expect(firstRow(normalizeItem(rawRecord('items', { deleted: false }), none), 'items').is_deleted).toBe(0);
  });

  it('maps a second ERP item id onto the canonical sku and records the external id', () => {
    const outcome = normalizeItem(rawRecord('items', { sku: 'MAT-778', name: 'Komponente A' }, { source_id: 'erp_b' }), merged);
    expect(firstRow(outcome, 'items')).toMatchObject({ sku: 'ITEM-001', source_sku: 'MAT-778', source_id: 'erp_b' });
    expect(rowsOf(outcome).external_ids).toEqual([expect.objectContaining({ entity: 'item', source_id: 'erp_b', source_key: 'MAT-778', canonical_key: 'ITEM-001', origin: 'observed' })]);
    // The same id from another source is not mapped: mappings are per source system.
    expect(firstRow(normalizeItem(rawRecord('items', { sku: 'MAT-778' }, { source_id: 'erp_c' }), merged), 'items').sku).toBe('MAT-778');
  });

  it('keeps a base unit the default table does not know, upper-cased', () => {
    expect(firstRow(normalizeItem(rawRecord('items', { uom: ' drum ' }), none), 'items').uom).toBe('DRUM');
    expect(firstRow(normalizeItem(rawRecord('items', { uom: null, supplier_id: null }), none), 'items').uom).toBe('');
    expect(rowsOf(normalizeItem(rawRecord('items', { supplier_id: null }), none)).suppliers).toEqual([]);
  });

  it('fails a bad currency and a broken envelope with their fields', () => {
    expect(failureOf(normalizeItem(rawRecord('items', { currency: 'EURO' }), none))).toMatchObject({ code: 'INVALID_CURRENCY', field: 'currency' });
    expect(failureOf(normalizeItem(rawRecord('items', {}, { record_index: -1 }), none))).toMatchObject({ code: 'INVALID_ENVELOPE', field: 'record_index' });
    expect(failureOf(normalizeItem(rawRecord('items', { name: '  ' }), none))).toMatchObject({ code: 'MISSING_FIELD', field: 'name' });
  });

  describe('abc_class (raw-items.avsc version 2)', () => {
    const abc = (fields: Record<string, unknown>, extra: Record<string, string> = {}): unknown => firstRow(normalizeItem(rawRecord('items', fields, {}, extra), none), 'items').abc_class;

    it('stores the class trimmed and upper-cased, and NULL when a record has none', () => {
      expect(abc({ abc_class: ' a ' })).toBe('A');
      expect(abc({ abc_class: 'C' })).toBe('C');
      expect(abc({ abc_class: null })).toBeNull();
      expect(abc({ abc_class: '  ' })).toBeNull();
    });

    it('stores NULL for a record decoded without the field at all (a reader of the first version)', () => {
      const { abc_class: _dropped, ...v1 } = rawRecord('items');
      expect(Object.hasOwn(v1, 'abc_class')).toBe(false);
      expect(firstRow(normalizeItem(v1, none), 'items')).toMatchObject({ sku: 'ITEM-001', abc_class: null });
    });

    it('fails a class outside A, B, C, or a value that is not text, naming the field', () => {
      for (const bad of ['D', 'AB', 'Ａ', 7]) expect(failureOf(normalizeItem(rawRecord('items', { abc_class: bad }), none)), String(bad)).toMatchObject({ code: 'INVALID_VALUE', field: 'abc_class' });
      expect(failureOf(normalizeItem(rawRecord('items', { abc_class: { A: 1 } }), none))).toMatchObject({ code: 'MISSING_FIELD', field: 'abc_class' });
    });

    it('recovers a class an ingestor of the first release kept in extra, and leaves an unusable one there', () => {
      expect(abc({ abc_class: null }, { abc_class: '"b"' })).toBe('B');
      expect(abc({ abc_class: null }, { abc_class: 'c' })).toBe('C');
      // The field wins over extra; values that were never validated do not fail the record.
      expect(abc({ abc_class: 'A' }, { abc_class: '"C"' })).toBe('A');
      for (const unusable of ['"Z"', '1', 'null', '{"class":"A"}', '""', '"\u0000"']) expect(abc({ abc_class: null }, { abc_class: unusable }), unusable).toBeNull();
      expect(abc({ abc_class: null }, { ABC_CLASS: '"A"', MAABC: '"A"' })).toBeNull();
    });
  });
});
