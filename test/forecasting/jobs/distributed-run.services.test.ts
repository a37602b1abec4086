/**
 * Distributed job runs with the stream on Kafka (KAFKA_BROKERS) and coordination on Redis
 * (REDIS_URL): two replicas, each with its own Kafka client and Redis connection, share the
 * forecast-workers group. Topics and groups are namespaced per run, Redis keys prefixed (and
 * deleted afterwards). Fails — never skips — without the servers.
 */
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import type { Coordination } from '../../../infra/coordination/coordination.js';
import { createRedisCoordination } from '../../../infra/coordination/redis-coordination.js';
import type { EventBus } from '../../../infra/event-bus/event-bus.js';
import { createKafkaEventBus } from '../../../infra/event-bus/kafkajs-event-bus.js';
import { silentLogger } from '../../../infra/logger.js';
import { kafkaTestConfig, TEST_SESSION_TIMEOUT_MS } from '../../helpers/kafka-mock.js';
import { namespacedBus } from '../../helpers/namespaced-bus.js';
import { requireService } from '../../helpers/services.js';
import { uniqueName } from '../../helpers/temp-dir.js';
import { describeDistributedRunSuite } from './distributed-run.suite.js';

const brokers = requireService('KAFKA_BROKERS', 'start a Kafka-protocol broker, e.g. bash .ci/start-kafka-mock.sh');
const redisUrl = requireService('REDIS_URL', 'start redis-server, e.g. redis-server --daemonize yes');
const NAMESPACE = uniqueName('forecast-tasks');
const PREFIX = `${NAMESPACE}:`;
const opened: { bus: EventBus; coordination: Coordination }[] = [];

afterAll(async () => {
  for (const { bus, coordination } of opened) {
    await bus.close();
    await coordination.close();
  }
  const admin = new Redis(redisUrl, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  await admin.connect();
  const keys = await admin.keys(`${PREFIX}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
}, 60_000);

describeDistributedRunSuite(
  'Kafka + Redis',
  async () => {
    const bus = namespacedBus(await createKafkaEventBus({ config: kafkaTestConfig(brokers), logger: silentLogger(), defaultPartitions: 4, sessionTimeoutMs: TEST_SESSION_TIMEOUT_MS }), NAMESPACE);
    const coordination = await createRedisCoordination({ url: redisUrl, keyPrefix: PREFIX, logger: silentLogger() });
    opened.push({ bus, coordination });
    return { bus, coordination };
  },
  // A member joining or leaving costs the mock a rebalance of about the session timeout.
  { waitMs: 45_000 },
);
