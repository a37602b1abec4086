import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FgcError } from '../../../infra/errors.js';
import { NORMALIZERS } from '../../../pipelines/normalize/normalizers.js';
import { ReferenceData } from '../../../pipelines/reference/reference-data.js';
import { configuredSkuMappingRow, uomConversionRow } from '../../../pipelines/reference/reference-rows.js';
import { createStaticReference } from '../../../pipelines/reference/tenant-reference.js';
import { insertOutcome, openModelStore, type ModelStore } from './model-store.js';
import { RECEIVED_AT, extraValue, firstRow, rawRecord } from './raw-records.js';

const empty = createStaticReference({});

describe('ReferenceData (ClickHouse-backed NormalizeContext)', () => {
  let model: ModelStore;
  beforeAll(async () => {
    model = await openModelStore('reference_data_test');
    const { store } = model;
    await insertOutcome(store, NORMALIZERS.items(rawRecord('items', { sku: 'ITEM-001', uom: 'PCS' }), empty));
    await insertOutcome(store, NORMALIZERS.items(rawRecord('items', { sku: 'STEEL', uom: 'KG' }), empty));
    await insertOutcome(store, NORMALIZERS.items(rawRecord('items', { sku: 'ITEM-001', uom: 'KG' }, { tenant_id: 'other' }), empty));
    await store.insert('uom_conversions', [uomConversionRow({ tenant: 'acme', sku: 'ITEM-001', fromUom: 'BOX', factor: '12', atMs: RECEIVED_AT })]);
    await store.insert('external_ids', [configuredSkuMappingRow({ tenant: 'acme', sourceId: 'erp_b', sourceSku: 'MAT-778', canonicalSku: 'ITEM-001', atMs: RECEIVED_AT })]);
  });
  afterAll(async () => {
    await model.close();
  });

  it('answers unit factors and sku mappings per tenant after prepare', async () => {
    const reference = new ReferenceData(model.store);
    await reference.prepare(['acme', 'other', 'acme']);
    expect(reference.uomFactor('acme', 'ITEM-001', 'box')).toBe('12');
    expect(reference.uomFactor('acme', 'ITEM-001', 'ST')).toBe('1');
    expect(reference.uomFactor('acme', 'STEEL', 'G')).toBe('0.001');
    expect(reference.uomFactor('other', 'ITEM-001', 'BOX')).toBeUndefined();
    expect(reference.canonicalSku('acme', 'erp_b', 'MAT-778')).toBe('ITEM-001');
    expect(reference.canonicalSku('other', 'erp_b', 'MAT-778')).toBe('MAT-778');
    const row = firstRow(NORMALIZERS.sales_orders(rawRecord('sales_orders', { sku: 'MAT-778', qty: '2' }, { source_id: 'erp_b' }, { uom: extraValue('BOX') }), reference), 'demand_lines');
    expect(row).toMatchObject({ sku: 'ITEM-001', qty: '24' });
  });

  it('refuses lookups for a tenant it was not prepared for', () => {
    const reference = new ReferenceData(model.store);
    const error = ((): unknown => {
      try {
        reference.canonicalSku('acme', 'erp_b', 'MAT-778');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(FgcError);
    expect((error as FgcError).code).toBe('FGC_PIPELINE_REFERENCE_NOT_LOADED');
  });

  it('serves the cache until the TTL, reloads after it, and at once on refresh', async () => {
    let now = 0;
    const reference = new ReferenceData(model.store, { ttlMs: 1000, now: () => now });
    await reference.prepare(['cachetenant']);
    expect(reference.canonicalSku('cachetenant', 'erp_b', 'X')).toBe('X');
    await model.store.insert('external_ids', [configuredSkuMappingRow({ tenant: 'cachetenant', sourceId: 'erp_b', sourceSku: 'X', canonicalSku: 'Y', atMs: 1 })]);
    now = 999;
    await reference.prepare(['cachetenant']);
    expect(reference.canonicalSku('cachetenant', 'erp_b', 'X')).toBe('X');
    now = 1000;
    await reference.prepare(['cachetenant']);
    expect(reference.canonicalSku('cachetenant', 'erp_b', 'X')).toBe('Y');
    await model.store.insert('external_ids', [configuredSkuMappingRow({ tenant: 'cachetenant', sourceId: 'erp_b', sourceSku: 'X', canonicalSku: 'Y', atMs: 2, deleted: true })]);
    await reference.refresh('cachetenant');
    expect(reference.canonicalSku('cachetenant', 'erp_b', 'X')).toBe('X');
  });

  it('learns base units of items the sink just stored', async () => {
    const reference = new ReferenceData(model.store);
    await reference.prepare(['acme']);
    expect(reference.uomFactor('acme', 'NEW-1', 'KG')).toBeUndefined();
    const outcome = NORMALIZERS.items(rawRecord('items', { sku: 'NEW-1', uom: 'G' }), reference);
    if (outcome.ok) reference.observe(outcome.rows);
    expect(reference.uomFactor('acme', 'NEW-1', 'KG')).toBe('1000');
  });

  it('keeps a configured mapping when an observed identity row with a later ingest time arrives', async () => {
    // A stale cache normalizes erp_b's MAT-778 as itself; the configured mapping must still win.
    await insertOutcome(model.store, NORMALIZERS.items(rawRecord('items', { sku: 'MAT-778' }, { source_id: 'erp_b', received_at: RECEIVED_AT + 60_000 }), empty));
    const reference = new ReferenceData(model.store);
    await reference.prepare(['acme']);
    expect(reference.canonicalSku('acme', 'erp_b', 'MAT-778')).toBe('ITEM-001');
  });
});
