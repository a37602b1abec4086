import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { createAnalyticsStore } from '../../../infra/clickhouse/clickhouse-analytics-store.js';
import { MIGRATIONS_DIR, migrate } from '../../../infra/clickhouse/migrations.js';
import { silentLogger } from '../../../infra/logger.js';
import { NORMALIZERS } from '../../../pipelines/normalize/normalizers.js';
import { sourceStats } from '../../../pipelines/read-model/source-stats.js';
import { createStaticReference } from '../../../pipelines/reference/tenant-reference.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { insertOutcome } from '../normalize/model-store.js';
import { rawRecord } from '../normalize/raw-records.js';

describe('source statistics without the dead-letter table', () => {
  let store: AnalyticsStore;
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    dir = await tempDir();
    // Migrations up to the unified model only: a database the pipelines' 005 has not reached.
    const upTo004 = path.join(dir.path, 'migrations');
    await mkdir(upTo004);
    for (const file of (await readdir(MIGRATIONS_DIR)).filter((f) => /^00[1-4]-.*\.sql$/.test(f))) await copyFile(path.join(MIGRATIONS_DIR, file), path.join(upTo004, file));
    store = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'source_stats_test', dataDir: path.join(dir.path, 'chdb'), logger: silentLogger() });
    await migrate(store, silentLogger(), upTo004);
  });
  afterAll(async () => {
    await store.close();
    await dir.remove();
  });

  it('counts stored rows per source and reports no dead letters', async () => {
    const reference = createStaticReference({});
    await insertOutcome(store, NORMALIZERS.work_orders(rawRecord('work_orders', { wo_id: 'W1' }), reference));
    await insertOutcome(store, NORMALIZERS.work_orders(rawRecord('work_orders', { wo_id: 'W2' }), reference));
    await insertOutcome(store, NORMALIZERS.work_orders(rawRecord('work_orders', { wo_id: 'W1' }, { source_id: 'mes_1' }), reference));
    expect(await store.query("SELECT name FROM system.tables WHERE database = currentDatabase() AND name = 'dead_letters'")).toEqual([]);
    const stats = await sourceStats(store, 'acme');
    expect(stats).toEqual([
      { source_id: 'erp_a', source_type: '', last_received_at: null, record_types: [{ record_type: 'work_orders', received: 0, accepted: 0, rejected: 0, stored: 2, dead_lettered: 0, last_received_at: null }] },
      { source_id: 'mes_1', source_type: '', last_received_at: null, record_types: [{ record_type: 'work_orders', received: 0, accepted: 0, rejected: 0, stored: 1, dead_lettered: 0, last_received_at: null }] },
    ]);
    expect(await sourceStats(store, 'nobody')).toEqual([]);
  });
});
