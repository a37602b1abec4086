/**
 * The alerting acceptance suite (alerting-scenarios.ts) against real services: Kafka
 * (KAFKA_BROKERS, through kafkajs, topics and groups under a prefix of this run) and Redis
 * (REDIS_URL, keys under a prefix of this run, deleted afterwards), with chDB for storage and the
 * in-process SMTP / Slack / webhook receivers. Fails — never skips — without Kafka or Redis.
 */
import { Redis } from 'ioredis';
import { createRedisCoordination } from '../../../infra/coordination/redis-coordination.js';
import { createKafkaEventBus } from '../../../infra/event-bus/kafkajs-event-bus.js';
import { kafkaTestConfig, TEST_SESSION_TIMEOUT_MS } from '../../helpers/kafka-mock.js';
import { namespacedBus } from '../../helpers/namespaced-bus.js';
import { requireService } from '../../helpers/services.js';
import { tempDir, uniqueName } from '../../helpers/temp-dir.js';
import { openChdbStore, startAlertingHarness, type OpenBackend } from './alerting-harness.js';
import { describeAlertingAcceptance, HARNESS_START } from './alerting-scenarios.js';

const KAFKA_BROKERS = requireService('KAFKA_BROKERS', 'start a Kafka-protocol broker, e.g. bash .ci/start-kafka-mock.sh');
const REDIS_URL = requireService('REDIS_URL', 'start redis-server, e.g. redis-server --daemonize yes');
const RUN = uniqueName('alerting-acceptance');
const KEY_PREFIX = `${RUN}:`;

/** Deletes every Redis key this run created (lease fences never expire on their own). */
async function deleteRunKeys(): Promise<void> {
  const admin = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${KEY_PREFIX}*`, 'COUNT', 500);
      if (keys.length > 0) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
}

const openServices: OpenBackend = async (dataDir, logger) => {
  const store = await openChdbStore(dataDir, logger);
  const kafka = await createKafkaEventBus({ config: kafkaTestConfig(KAFKA_BROKERS), logger, sessionTimeoutMs: TEST_SESSION_TIMEOUT_MS });
  await kafka.ping();
  const bus = namespacedBus(kafka, RUN);
  const coordination = await createRedisCoordination({ url: REDIS_URL, keyPrefix: KEY_PREFIX, logger });
  return {
    label: 'kafka + redis',
    store,
    bus,
    coordination,
    async close() {
      await bus.close();
      await coordination.close();
      await store.close();
      await deleteRunKeys();
    },
  };
};

describeAlertingAcceptance('Kafka, Redis, chDB', async () => {
  const dir = await tempDir('forgecast-alerting-acceptance-');
  const harness = await startAlertingHarness(dir.path, openServices, { startAt: HARNESS_START });
  return {
    harness,
    cleanup: async () => {
      await harness.close();
      await dir.remove();
    },
  };
});
