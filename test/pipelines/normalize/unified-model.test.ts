import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NORMALIZERS } from '../../../pipelines/normalize/normalizers.js';
import { MODEL_TABLES } from '../../../pipelines/normalize/model-tables.js';
import { createStaticReference } from '../../../pipelines/reference/tenant-reference.js';
import { RAW_TOPICS, RECORD_TYPES } from '../../../schemas/topics.js';
import { insertOutcome, openModelStore, type ModelStore } from './model-store.js';
import { RECEIVED_AT, rawRecord, rowsOf } from './raw-records.js';

const reference = createStaticReference({ acme: { baseUoms: { 'ITEM-001': 'EA' } } });

describe('004 unified model on ClickHouse (chDB)', () => {
  let model: ModelStore;
  beforeAll(async () => {
    model = await openModelStore('unified_model_test');
  });
  afterAll(async () => {
    await model.close();
  });

  it('creates every table normalizers write, each deduplicating inserts and led by tenant_id', async () => {
    const tables = await model.store.query<{ name: string; sorting_key: string; engine_full: string }>(
      'SELECT name, sorting_key, engine_full FROM system.tables WHERE database = {db:String}',
      { db: model.store.database },
    );
    for (const name of [...MODEL_TABLES, 'uom_conversions']) {
      const table = tables.find((t) => t.name === name);
      expect(table, name).toBeDefined();
      expect(table!.sorting_key.startsWith('tenant_id')).toBe(true);
      expect(table!.engine_full).toMatch(/^ReplacingMergeTree\(version, is_deleted\)/);
      expect(table!.engine_full).toContain('non_replicated_deduplication_window = 1000');
    }
  });

  it('stores decimal text exactly (38 digits) and FINAL returns the latest version of a re-ingested item', async () => {
    const cost = '12345678901234567890.123456789012345678';
    await insertOutcome(model.store, NORMALIZERS.items(rawRecord('items', { sku: 'RE-1', name: 'first', standard_cost: cost }, { received_at: RECEIVED_AT }), reference));
    await insertOutcome(model.store, NORMALIZERS.items(rawRecord('items', { sku: 'RE-1', name: 'second', standard_cost: '0.3' }, { received_at: RECEIVED_AT + 1000 }), reference));
    // An older version arriving late (a replay) must not win.
    await insertOutcome(model.store, NORMALIZERS.items(rawRecord('items', { sku: 'RE-1', name: 'stale' }, { received_at: RECEIVED_AT - 1000 }), reference));
    const rows = await model.store.query<{ name: string; cost: string }>("SELECT name, toString(standard_cost) AS cost FROM items FINAL WHERE tenant_id = 'acme' AND sku = 'RE-1'");
    expect(rows).toEqual([{ name: 'second', cost: '0.3' }]);
    const all = await model.store.query<{ cost: string }>("SELECT toString(standard_cost) AS cost FROM items WHERE sku = 'RE-1' AND name = 'first'");
    expect(all).toEqual([{ cost }]);
  });

  it('hides a deleted item from FINAL', async () => {
    await insertOutcome(model.store, NORMALIZERS.items(rawRecord('items', { sku: 'DEL-1' }, { received_at: RECEIVED_AT }), reference));
    await insertOutcome(model.store, NORMALIZERS.items(rawRecord('items', { sku: 'DEL-1', deleted: true }, { received_at: RECEIVED_AT + 1 }), reference));
    expect(await model.store.query("SELECT sku FROM items FINAL WHERE sku = 'DEL-1'")).toEqual([]);
    expect(await model.store.query("SELECT count() AS n FROM items WHERE sku = 'DEL-1'")).toEqual([{ n: 2 }]);
  });

  it.each(RECORD_TYPES)('%s: a repeated insert with the same deduplication token is dropped', async (type) => {
    const table = RAW_TOPICS[type].table;
    const outcome = NORMALIZERS[type](rawRecord(type, {}, { tenant_id: `dedup_${type}` }), reference);
    const token = `dedup-${type}`;
    await insertOutcome(model.store, outcome, token);
    await insertOutcome(model.store, outcome, token);
    const count = async (): Promise<number> => Number((await model.store.query<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE tenant_id = {t:String}`, { t: `dedup_${type}` }))[0]!.n);
    expect(await count()).toBe(1);
    // Another token is another insert: the table keeps both physical rows (FINAL then collapses them).
    await insertOutcome(model.store, outcome, `${token}-other`);
    expect(await count()).toBe(2);
  });

  it('round-trips every fact column the normalizers write', async () => {
    for (const type of RECORD_TYPES) {
      const tenant = `roundtrip_${type}`;
      const outcome = NORMALIZERS[type](rawRecord(type, {}, { tenant_id: tenant }), reference);
      await insertOutcome(model.store, outcome);
      const table = RAW_TOPICS[type].table;
      const expected = rowsOf(outcome)[table]![0]!;
      const [stored] = await model.store.query<Record<string, unknown>>(`SELECT * FROM ${table} FINAL WHERE tenant_id = {t:String}`, { t: tenant });
      // Every column is written explicitly (no silent defaults) …
      expect(Object.keys(stored!).sort(), type).toEqual(Object.keys(expected).sort());
    }
    // … and a conversion result keeps its exact text.
    const [row] = await model.store.query<{ qty: string; line_amount: string }>("SELECT toString(qty) AS qty, toString(line_amount) AS line_amount FROM demand_lines FINAL WHERE tenant_id = 'roundtrip_sales_orders'");
    expect(row).toEqual({ qty: '3', line_amount: '0.3' });
  });
});
