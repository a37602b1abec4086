import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { createAnalyticsStore } from '../../infra/clickhouse/clickhouse-analytics-store.js';
import { loadMigrations, migrate, splitStatements } from '../../infra/clickhouse/migrations.js';
import { FgcError } from '../../infra/errors.js';
import { silentLogger } from '../../infra/logger.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('migrations', () => {
  let store: AnalyticsStore;
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    dir = await tempDir();
    store = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'migrations_test', dataDir: dir.path, logger: silentLogger() });
  });
  afterAll(async () => {
    await store.close();
    await dir.remove();
  });

  it('splits statements at line-ending semicolons and drops comment lines', () => {
    expect(splitStatements('-- c\nCREATE TABLE a (x String DEFAULT \';\') ENGINE = Memory;\n\nCREATE TABLE b (y UInt8) ENGINE = Memory;')).toEqual([
      "CREATE TABLE a (x String DEFAULT ';') ENGINE = Memory",
      'CREATE TABLE b (y UInt8) ENGINE = Memory',
    ]);
  });

  it('loads the shipped migrations in order with checksums', async () => {
    const migrations = await loadMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations.map((m) => m.version)).toEqual([...migrations.map((m) => m.version)].sort((a, b) => a - b));
    expect(migrations[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('applies each migration once and records it', async () => {
    const first = await migrate(store, silentLogger());
    expect(first.applied.length).toBeGreaterThan(0);
    const second = await migrate(store, silentLogger());
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(first.applied.length);
    const tables = await store.query<{ name: string }>('SELECT name FROM system.tables WHERE database = {db:String}', { db: store.database });
    expect(tables.map((t) => t.name)).toContain('api_keys');
  });

  it('refuses a migration edited after it was applied', async () => {
    await migrate(store, silentLogger());
    const edited = path.join(dir.path, 'edited-migrations');
    await mkdir(edited, { recursive: true });
    // Same number as the shipped 001, other content: exactly what editing an applied file looks like.
    await writeFile(path.join(edited, '001-api-keys.sql'), 'CREATE TABLE IF NOT EXISTS edited_t (a UInt8) ENGINE = Memory;\n');
    const error = await migrate(store, silentLogger(), edited).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FgcError);
    expect((error as FgcError).code).toBe('FGC_STORE_MIGRATION_FAILED');
    expect((error as FgcError).message).toMatch(/changed after it was applied/);
  });

  it('refuses a file that is not named NNN-<what>.sql', async () => {
    const bad = path.join(dir.path, 'bad-migrations');
    await mkdir(bad, { recursive: true });
    await writeFile(path.join(bad, 'create-things.sql'), 'SELECT 1;\n');
    await expect(loadMigrations(bad)).rejects.toThrow(/NNN-<what>\.sql/);
  });
});
