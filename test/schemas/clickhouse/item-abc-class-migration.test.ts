/**
 * Migration 009 (items.abc_class) on real chDB, the way it meets production: a database migrated
 * by the previous release (001–008) that already holds items. Applying 009 keeps every row and
 * gives it NULL in the new column (no class was ever sent for them); a row of the new release lands
 * with its class; running the migrations again — and the statement itself again, as two roles
 * starting at the same moment do — changes nothing.
 */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { createAnalyticsStore } from '../../../infra/clickhouse/clickhouse-analytics-store.js';
import { MIGRATIONS_DIR, loadMigrations, migrate } from '../../../infra/clickhouse/migrations.js';
import { silentLogger } from '../../../infra/logger.js';
import { normalizeItem } from '../../../pipelines/normalize/items.js';
import { createStaticReference } from '../../../pipelines/reference/tenant-reference.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { RECEIVED_AT, firstRow, rawRecord } from '../../pipelines/normalize/raw-records.js';

const MIGRATION = '009-item-abc-class';
/** Items the previous release stored: enough rows for several parts after separate inserts. */
const OLD_ITEMS = 50;

const reference = createStaticReference({});

/** An items row as a normalizer writes it; `withClass: false` is the previous release's row (no column). */
function itemRow(sku: string, fields: Record<string, unknown>, receivedAt: number, withClass: boolean): Record<string, unknown> {
  const row = { ...firstRow(normalizeItem(rawRecord('items', { sku, ...fields }, { received_at: receivedAt }), reference), 'items') };
  if (!withClass) delete row.abc_class;
  return row;
}

describe(`migration ${MIGRATION}`, () => {
  let store: AnalyticsStore;
  let dir: { path: string; remove: () => Promise<void> };
  let previousRelease: string;

  beforeAll(async () => {
    dir = await tempDir('forgecast-migration-009-');
    store = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'migration_009_test', dataDir: dir.path, logger: silentLogger() });
    // The previous release's migrations: the shipped files numbered below 009, byte for byte (same checksums).
    previousRelease = path.join(dir.path, 'migrations-008');
    await mkdir(previousRelease);
    for (const file of await readdir(MIGRATIONS_DIR)) if (/^00[1-8]-.*\.sql$/.test(file)) await copyFile(path.join(MIGRATIONS_DIR, file), path.join(previousRelease, file));
  });
  afterAll(async () => {
    await store.close();
    await dir.remove();
  });

  const columns = (): Promise<{ name: string; type: string }[]> =>
    store.query<{ name: string; type: string }>("SELECT name, type FROM system.columns WHERE database = {db:String} AND table = 'items' AND name LIKE 'abc%' ORDER BY name", { db: store.database });
  const count = async (sql: string): Promise<number> => Number((await store.query<{ n: string }>(sql))[0]?.n ?? -1);

  it('is shipped as the next migration', async () => {
    const shipped = await loadMigrations();
    expect(shipped.map((m) => `${String(m.version).padStart(3, '0')}-${m.name}`)).toContain(MIGRATION);
    expect(shipped.find((m) => m.version === 9)!.statements).toHaveLength(1);
  });

  it('keeps the rows a database already holds, each with NULL in the new column', async () => {
    const before = await migrate(store, silentLogger(), previousRelease);
    expect(before.applied).toHaveLength(8);
    expect(await columns()).toEqual([]);
    // Three inserts (three parts), with an update of one sku and a deletion, as the old release wrote them.
    const skus = Array.from({ length: OLD_ITEMS }, (_, i) => `OLD-${String(i).padStart(3, '0')}`);
    await store.insert('items', skus.slice(0, 25).map((sku, i) => itemRow(sku, { standard_cost: `${i}.25` }, RECEIVED_AT, false)));
    await store.insert('items', skus.slice(25).map((sku, i) => itemRow(sku, { standard_cost: `${i + 25}.25`, name: 'Ünïcødé ✓ 螺丝' }, RECEIVED_AT, false)));
    await store.insert('items', [itemRow('OLD-000', { name: 'renamed' }, RECEIVED_AT + 1000, false), itemRow('OLD-001', { deleted: true }, RECEIVED_AT + 1000, false)]);
    const snapshot = "SELECT sku, name, toString(standard_cost) AS cost FROM items FINAL WHERE tenant_id = 'acme' ORDER BY sku";
    const rowsBefore = await store.query(snapshot);
    expect(rowsBefore).toHaveLength(OLD_ITEMS - 1);

    const result = await migrate(store, silentLogger());
    expect(result).toEqual({ applied: [MIGRATION], alreadyApplied: 8 });
    expect(await columns()).toEqual([{ name: 'abc_class', type: 'LowCardinality(Nullable(String))' }]);
    expect(await store.query(snapshot)).toEqual(rowsBefore);
    expect(await count('SELECT count() AS n FROM items')).toBe(OLD_ITEMS + 2);
    expect(await count('SELECT countIf(abc_class IS NULL) AS n FROM items')).toBe(OLD_ITEMS + 2);
    // Parts written before the column existed read its default even after they are merged.
    await store.command('OPTIMIZE TABLE items FINAL');
    expect(await count('SELECT countIf(abc_class IS NULL) AS n FROM items FINAL')).toBe(OLD_ITEMS - 1);
    expect(await store.query(snapshot)).toEqual(rowsBefore);
  });

  it('stores the class of rows written after it, over older versions of the same item', async () => {
    await store.insert('items', [itemRow('OLD-002', { abc_class: 'a' }, RECEIVED_AT + 2000, true), itemRow('NEW-1', { abc_class: 'C' }, RECEIVED_AT + 2000, true), itemRow('NEW-2', { abc_class: null }, RECEIVED_AT + 2000, true)]);
    const classes = await store.query<{ sku: string; abc_class: string | null }>("SELECT sku, abc_class FROM items FINAL WHERE sku IN ('OLD-002', 'OLD-003', 'NEW-1', 'NEW-2') ORDER BY sku");
    expect(classes).toEqual([
      { sku: 'NEW-1', abc_class: 'C' },
      { sku: 'NEW-2', abc_class: null },
      { sku: 'OLD-002', abc_class: 'A' },
      { sku: 'OLD-003', abc_class: null },
    ]);
  });

  it('is a no-op when run again, through the runner or as a bare statement', async () => {
    const rows = await count('SELECT count() AS n FROM items');
    const again = await migrate(store, silentLogger());
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe(9);
    // A second role that read schema_migrations before the first recorded 009 runs the ALTER again.
    const [statement] = (await loadMigrations()).find((m) => m.version === 9)!.statements;
    await store.command(statement!);
    expect(await columns()).toEqual([{ name: 'abc_class', type: 'LowCardinality(Nullable(String))' }]);
    expect(await count('SELECT count() AS n FROM items')).toBe(rows);
    expect(await count("SELECT count() AS n FROM items FINAL WHERE abc_class = 'C'")).toBe(1);
    expect(await count('SELECT count() AS n FROM schema_migrations FINAL WHERE version = 9')).toBe(1);
  });
});
