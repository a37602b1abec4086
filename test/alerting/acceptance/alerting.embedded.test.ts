/**
 * The alerting acceptance suite (alerting-scenarios.ts) on the embedded adapters `npm test` runs
 * with: chDB, the embedded event bus in the temp data dir, in-process coordination.
 */
import path from 'node:path';
import { createMemoryCoordination } from '../../../infra/coordination/memory-coordination.js';
import { createEmbeddedEventBus } from '../../../infra/event-bus/embedded-event-bus.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { openChdbStore, startAlertingHarness, type OpenBackend } from './alerting-harness.js';
import { describeAlertingAcceptance, HARNESS_START } from './alerting-scenarios.js';

const openEmbedded: OpenBackend = async (dataDir, logger) => {
  const store = await openChdbStore(dataDir, logger);
  const bus = await createEmbeddedEventBus({ dir: path.join(dataDir, 'bus'), partitions: 4, fsync: false, logger });
  const coordination = createMemoryCoordination();
  return {
    label: 'embedded',
    store,
    bus,
    coordination,
    async close() {
      await bus.close();
      await coordination.close();
      await store.close();
    },
  };
};

describeAlertingAcceptance('embedded bus, in-process coordination, chDB', async () => {
  const dir = await tempDir('forgecast-alerting-acceptance-');
  const harness = await startAlertingHarness(dir.path, openEmbedded, { startAt: HARNESS_START });
  return {
    harness,
    cleanup: async () => {
      await harness.close();
      await dir.remove();
    },
  };
});
