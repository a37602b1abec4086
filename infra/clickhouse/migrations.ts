/**
 * ClickHouse migrations: numbered files `schemas/clickhouse/NNN-<what>.sql`, applied in order,
 * each once, recorded in `schema_migrations` with a checksum. A migration edited after it was
 * applied stops start-up (write a new one instead). Statements inside a file are separated by a
 * `;` at the end of a line. DDL is written with IF NOT EXISTS so two processes migrating at the
 * same moment (several roles starting together) both succeed.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { FgcError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AnalyticsStore } from './analytics-store.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../schemas/clickhouse/', import.meta.url));

const FILE_NAME = /^(\d{3})-([a-z0-9-]+)\.sql$/;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly statements: readonly string[];
}

/** Splits a migration file into statements, dropping `--` comment lines. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (match === null) throw new FgcError('FGC_STORE_MIGRATION_FAILED', `migration file ${file} is not named NNN-<what>.sql`);
    const sql = await readFile(`${dir}/${file}`, 'utf8');
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) throw new FgcError('FGC_STORE_MIGRATION_FAILED', `two migrations numbered ${match[1]}`);
    migrations.push({ version, name: match[2]!, checksum: createHash('sha256').update(sql).digest('hex'), statements: splitStatements(sql) });
  }
  return migrations;
}

export interface MigrationResult {
  readonly applied: readonly string[];
  readonly alreadyApplied: number;
}

export async function migrate(store: AnalyticsStore, logger: Logger, dir: string = MIGRATIONS_DIR): Promise<MigrationResult> {
  const log = logger.child({ component: 'migrations' });
  await store.command(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version`);
  const done = new Map(
    (await store.query<{ version: number; checksum: string }>('SELECT version, argMax(checksum, applied_at) AS checksum FROM schema_migrations GROUP BY version')).map(
      (r) => [Number(r.version), r.checksum],
    ),
  );
  const applied: string[] = [];
  for (const migration of await loadMigrations(dir)) {
    const label = `${String(migration.version).padStart(3, '0')}-${migration.name}`;
    const recorded = done.get(migration.version);
    if (recorded !== undefined) {
      if (recorded !== migration.checksum) {
        throw new FgcError('FGC_STORE_MIGRATION_FAILED', `migration ${label} changed after it was applied; add a new migration instead`);
      }
      continue;
    }
    for (const [index, statement] of migration.statements.entries()) {
      try {
        await store.command(statement);
      } catch (error) {
        throw new FgcError('FGC_STORE_MIGRATION_FAILED', `migration ${label}, statement ${index + 1}: ${(error as Error).message}`, { cause: error });
      }
    }
    await store.insert('schema_migrations', [{ version: migration.version, name: migration.name, checksum: migration.checksum }]);
    log.info({ migration: label }, 'migration applied');
    applied.push(label);
  }
  return { applied, alreadyApplied: done.size };
}
