/**
 * The ClickHouse cursor store on chDB (the real engine in process), over the shipped migrations:
 * the contract, a damaged row, and a poller restart that resumes from the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouseCursorStore } from '../../../connectors/erp-rest/clickhouse-cursor-store.js';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { createAnalyticsStore } from '../../../infra/clickhouse/clickhouse-analytics-store.js';
import { migrate } from '../../../infra/clickhouse/migrations.js';
import type { FgcError } from '../../../infra/errors.js';
import { silentLogger } from '../../../infra/logger.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { describeCursorStoreContract } from './cursor-store.contract.js';
import { startFakeErp } from './fake-erp-server.js';
import { hour, itemsEntity, pollerRig, sourcesJson, TOKEN } from './poller-fixture.js';

let analytics: AnalyticsStore;
let dir: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  dir = await tempDir('forgecast-erp-chdb-');
  analytics = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'erp_cursor_test', dataDir: dir.path, logger: silentLogger() });
  const { applied } = await migrate(analytics, silentLogger());
  expect(applied).toContain('003-erp-cursors');
});
afterAll(async () => {
  await analytics.close();
  await dir.remove();
});

describeCursorStoreContract('ClickHouse (chDB)', async () => {
  await analytics.command('TRUNCATE TABLE erp_cursors');
  return {
    store: createClickHouseCursorStore(analytics),
    reopen: () => Promise.resolve(createClickHouseCursorStore(analytics)),
    cleanup: () => Promise.resolve(),
  };
});

describe('ClickHouse cursor store specifics', () => {
  it('a damaged state row is FGC_ERP_CURSOR_CORRUPT', async () => {
    await analytics.insert('erp_cursors', [{ tenant_id: 'acme', source_id: 'broken', entity: 'items', revision: 1, state: '{"format":1', saved_at: '2024-01-01 00:00:00.000' }]);
    const error = await createClickHouseCursorStore(analytics)
      .load({ tenant: 'acme', sourceId: 'broken', entity: 'items' })
      .catch((e: unknown) => e);
    expect((error as FgcError).code).toBe('FGC_ERP_CURSOR_CORRUPT');
  });

  it('a restarted poller resumes from the cursor in the table', async () => {
    await analytics.command('TRUNCATE TABLE erp_cursors');
    const erp = await startFakeErp({ token: TOKEN });
    try {
      for (let i = 1; i <= 3; i++) erp.put('items', { id: `I00${i}`, updated_at: hour(i), sku: `SKU-${i}` });
      const json = sourcesJson(erp.baseUrl, [itemsEntity()]);
      const first = await pollerRig({ sourcesJson: json, dataDir: dir.path, cursorStore: createClickHouseCursorStore(analytics) });
      await first.poller.syncOnce();
      await first.poller.close();
      expect(first.ingestor.records()).toHaveLength(3);

      const second = await pollerRig({ sourcesJson: json, dataDir: dir.path, cursorStore: createClickHouseCursorStore(analytics) });
      const asked = erp.requests.length;
      await second.poller.syncOnce();
      await second.poller.close();
      expect(erp.requests[asked]!.query.get('updated_since')).toBe(hour(2, 55));
      expect(second.ingestor.calls).toHaveLength(0);
    } finally {
      await erp.close();
    }
  });
});
