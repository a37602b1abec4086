import { createAnalyticsStore } from '../../infra/clickhouse/clickhouse-analytics-store.js';
import { silentLogger } from '../../infra/logger.js';
import { tempDir } from '../helpers/temp-dir.js';
import { describeAnalyticsStoreContract } from './analytics-store.contract.js';

// chDB in process. With CLICKHOUSE_URL set (e.g. `docker compose up clickhouse`) the same suite
// runs against that server instead — no ClickHouse server is installable on the CI machines.
describeAnalyticsStoreContract(process.env.CLICKHOUSE_URL === undefined ? 'chdb' : 'clickhouse server', async () => {
  const dir = await tempDir();
  const store = await createAnalyticsStore({
    url: process.env.CLICKHOUSE_URL,
    user: process.env.CLICKHOUSE_USER ?? 'default',
    password: process.env.CLICKHOUSE_PASSWORD ?? '',
    database: 'contract_test',
    dataDir: dir.path,
    logger: silentLogger(),
  });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dir.remove();
    },
  };
});
