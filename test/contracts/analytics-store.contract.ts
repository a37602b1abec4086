/**
 * Contract of the AnalyticsStore port, for every transport (chDB in process, a ClickHouse server
 * over HTTP). Each test works in its own table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { FgcError } from '../../infra/errors.js';

export function describeAnalyticsStoreContract(name: string, factory: () => Promise<{ store: AnalyticsStore; cleanup: () => Promise<void> }>): void {
  describe(`AnalyticsStore contract: ${name}`, () => {
    let store: AnalyticsStore;
    let cleanup: () => Promise<void>;
    let n = 0;
    const table = (): string => `contract_${process.pid}_${Date.now()}_${(n += 1)}`;

    beforeAll(async () => {
      ({ store, cleanup } = await factory());
    });
    afterAll(async () => {
      await cleanup();
    });

    async function createTable(): Promise<string> {
      const t = table();
      await store.command(
        `CREATE TABLE ${t} (tenant_id String, id UInt64, label String, qty Decimal(18, 4)) ENGINE = MergeTree ORDER BY (tenant_id, id) SETTINGS non_replicated_deduplication_window = 1000`,
      );
      return t;
    }

    it('answers ping and names its kind', async () => {
      await store.ping();
      expect(['chdb', 'clickhouse']).toContain(store.kind);
    });

    it('inserts rows and reads them back with bound parameters, unicode intact', async () => {
      const t = await createTable();
      await store.insert(t, [
        { tenant_id: 'a', id: 1, label: 'Schraube M6 – Edelstahl ✓', qty: '1.5' },
        { tenant_id: 'a', id: 2, label: '螺丝', qty: '2.25' },
        { tenant_id: 'b', id: 1, label: 'other tenant', qty: '100' },
      ]);
      const rows = await store.query<{ id: string; label: string; qty: string }>(`SELECT id, label, toString(qty) AS qty FROM ${t} WHERE tenant_id = {tenant:String} ORDER BY id`, { tenant: 'a' });
      expect(rows.map((r) => [Number(r.id), r.label, r.qty])).toEqual([
        [1, 'Schraube M6 – Edelstahl ✓', '1.5'],
        [2, '螺丝', '2.25'],
      ]);
    });

    it('matches values to columns by name whatever the key order, and gives an omitted column its DEFAULT', async () => {
      const t = table();
      await store.command(`CREATE TABLE ${t} (tenant_id String, id UInt64, label String DEFAULT 'unlabelled', note Nullable(String), qty Decimal(18, 4)) ENGINE = MergeTree ORDER BY (tenant_id, id)`);
      await store.insert(t, [
        { tenant_id: 'a', id: 1, label: 'first', note: 'n', qty: '1' },
        { qty: '2', note: null, label: 'second', id: 2, tenant_id: 'a' },
      ]);
      // One row without `label` and with `note` undefined: both columns take their defaults.
      await store.insert(t, [
        { tenant_id: 'a', id: 3, label: 'third', note: 'x', qty: '3' },
        { tenant_id: 'a', id: 4, note: undefined, qty: '4' },
      ]);
      const rows = await store.query<{ id: string; label: string; note: string | null; qty: string }>(`SELECT id, label, note, toString(qty) AS qty FROM ${t} ORDER BY id`);
      expect(rows.map((r) => [Number(r.id), r.label, r.note, r.qty])).toEqual([
        [1, 'first', 'n', '1'],
        [2, 'second', null, '2'],
        [3, 'third', 'x', '3'],
        [4, 'unlabelled', null, '4'],
      ]);
    });

    it('treats a hostile parameter as data, never as SQL', async () => {
      const t = await createTable();
      await store.insert(t, [{ tenant_id: 'a', id: 1, label: 'x', qty: '1' }]);
      const hostile = "a' OR 1=1 --";
      const rows = await store.query(`SELECT count() AS c FROM ${t} WHERE tenant_id = {tenant:String}`, { tenant: hostile });
      expect(rows).toHaveLength(1);
      expect(Number((rows[0] as { c: string | number }).c)).toBe(0);
    });

    it('drops a repeated insert with the same deduplication token', async () => {
      const t = await createTable();
      const rows = [{ tenant_id: 'a', id: 7, label: 'once', qty: '3' }];
      await store.insert(t, rows, { deduplicationToken: 'topic:0:0-0' });
      await store.insert(t, rows, { deduplicationToken: 'topic:0:0-0' });
      await store.insert(t, rows, { deduplicationToken: 'topic:0:1-1' });
      const [row] = await store.query<{ c: string | number }>(`SELECT count() AS c FROM ${t}`);
      expect(Number(row!.c)).toBe(2);
    });

    it('never lets a deduplication token carry over to a later insert without one', async () => {
      const first = await createTable();
      const second = await createTable();
      await store.insert(first, [{ tenant_id: 'a', id: 1, label: 'x', qty: '1' }], { deduplicationToken: 'sticky' });
      await store.insert(second, [{ tenant_id: 'a', id: 1, label: 'one', qty: '1' }]);
      await store.insert(second, [{ tenant_id: 'a', id: 2, label: 'two', qty: '2' }]);
      const [row] = await store.query<{ c: string | number }>(`SELECT count() AS c FROM ${second}`);
      expect(Number(row!.c)).toBe(2);
    });

    it('reports a bad statement as a non-retriable FGC_STORE_QUERY_FAILED', async () => {
      const error = await store.query('SELEC nonsense').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FgcError);
      expect((error as FgcError).code).toBe('FGC_STORE_QUERY_FAILED');
      expect((error as FgcError).retriable).toBe(false);
    });

    it('refuses a table name that is not an identifier', async () => {
      await expect(store.insert('x; DROP TABLE y', [{ a: 1 }])).rejects.toBeInstanceOf(FgcError);
    });
  });
}
