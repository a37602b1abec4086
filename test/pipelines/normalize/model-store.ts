/**
 * A chDB store with every migration applied, for tests of the unified model, and a way to insert
 * a normalizer's rows as the sink would (one insert per table, optionally with a token).
 */
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { createAnalyticsStore } from '../../../infra/clickhouse/clickhouse-analytics-store.js';
import { migrate } from '../../../infra/clickhouse/migrations.js';
import { silentLogger } from '../../../infra/logger.js';
import type { NormalizeOutcome } from '../../../pipelines/normalize/normalizer.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { rowsOf } from './raw-records.js';

export interface ModelStore {
  readonly store: AnalyticsStore;
  close(): Promise<void>;
}

export async function openModelStore(database: string): Promise<ModelStore> {
  const dir = await tempDir();
  const store = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database, dataDir: dir.path, logger: silentLogger() });
  await migrate(store, silentLogger());
  return {
    store,
    close: async () => {
      await store.close();
      await dir.remove();
    },
  };
}

/** Inserts every table's rows of a successful outcome. */
export async function insertOutcome(store: AnalyticsStore, outcome: NormalizeOutcome, token?: string): Promise<void> {
  for (const [table, rows] of Object.entries(rowsOf(outcome))) {
    await store.insert(table, rows, token === undefined ? {} : { deduplicationToken: `${token}:${table}` });
  }
}
