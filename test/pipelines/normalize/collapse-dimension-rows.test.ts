import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collapseDimensionRows, collapseRows } from '../../../pipelines/normalize/collapse-dimension-rows.js';
import { DIMENSION_KEYS } from '../../../pipelines/normalize/model-tables.js';
import { openModelStore, type ModelStore } from './model-store.js';

type Row = Record<string, unknown>;
const site = (code: string, version: string, seen: string, tenant = 'acme'): Row => ({ tenant_id: tenant, site: code, source_id: 'erp', last_seen_at: seen, is_deleted: 0, version });

describe('collapsing dimension rows within a chunk', () => {
  it('keeps one row per key: the highest version, compared as an integer, the later one on a tie', () => {
    const rows = [
      site('W1', '10', '2024-01-01 00:00:10.000'),
      site('W2', '5', '2024-01-01 00:00:05.000'),
      site('W1', '9', '2024-01-01 00:00:09.000'), // '9' > '10' as text, not as a version
      site('W2', '5', '2024-01-01 00:00:06.000'), // a tie: inserted later, so it wins
      site('W1', '10', '2024-01-01 00:00:11.000', 'other'), // another tenant is another key
    ];
    expect(collapseRows(rows, DIMENSION_KEYS.sites)).toEqual([rows[0], rows[3], rows[4]]);
  });

  it('collapses only the dimension tables of a chunk and leaves facts as they are', () => {
    const fact = { tenant_id: 'acme', order_id: 'SO-1', line: 1, version: '7' };
    const byTable = new Map<string, Row[]>([
      ['demand_lines', [fact, { ...fact }]],
      ['sites', [site('W1', '1', 'a'), site('W1', '2', 'b')]],
      ['customers', [{ tenant_id: 'acme', customer_id: 'C-1', version: '3' }]],
    ]);
    collapseDimensionRows(byTable);
    expect(byTable.get('demand_lines')).toHaveLength(2);
    expect(byTable.get('sites')).toEqual([site('W1', '2', 'b')]);
    expect(byTable.get('customers')).toHaveLength(1);
  });
});

describe('collapsing dimension rows against ClickHouse (chDB)', () => {
  let model: ModelStore;
  beforeAll(async () => {
    model = await openModelStore('collapse_dimension_rows_test');
  });
  afterAll(async () => {
    await model.close();
  });

  it('uses each dimension table’s own ReplacingMergeTree key', async () => {
    const tables = await model.store.query<{ name: string; sorting_key: string }>('SELECT name, sorting_key FROM system.tables WHERE database = {db:String}', { db: model.store.database });
    for (const [table, key] of Object.entries(DIMENSION_KEYS)) {
      expect(tables.find((t) => t.name === table)?.sorting_key, table).toBe(key.join(', '));
    }
  });

  it('gives the same FINAL rows as inserting every repeated row (property)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        // Repeated sites with versions of different lengths; one version per key and value so the
        // comparison never rests on ClickHouse's tie order within one insert.
        fc.uniqueArray(fc.record({ code: fc.constantFrom('W1', 'W2', 'MÜNCHEN', '工場'), version: fc.bigInt({ min: 0n, max: 2n ** 62n }) }), { minLength: 1, maxLength: 30, selector: (r) => `${r.code}|${r.version}` }),
        async (picks) => {
          run += 1;
          const rows = picks.map((p, i) => site(p.code, p.version.toString(), `2024-01-01 00:00:${String(i % 60).padStart(2, '0')}.000`));
          const all = `all-${run}`;
          const collapsed = `collapsed-${run}`;
          await model.store.insert('sites', rows.map((r) => ({ ...r, tenant_id: all })));
          await model.store.insert('sites', collapseRows(rows, DIMENSION_KEYS.sites).map((r) => ({ ...r, tenant_id: collapsed })));
          const read = (tenant: string) =>
            model.store.query<Row>('SELECT site, toString(version) AS version, toString(last_seen_at) AS seen FROM sites FINAL WHERE tenant_id = {t:String} ORDER BY site', { t: tenant });
          expect(await read(collapsed)).toEqual(await read(all));
        },
      ),
      { numRuns: 15 },
    );
  });
});
