/**
 * The pipeline runner's acceptance suite with the stream on Kafka (KAFKA_BROKERS) and coordination
 * on Redis (REDIS_URL); storage stays chDB (no ClickHouse server is installable here). Fails, never
 * skips, without the servers. Topics are namespaced per run: other files share the broker.
 */
import { createRedisCoordination } from '../../../infra/coordination/redis-coordination.js';
import { createKafkaEventBus } from '../../../infra/event-bus/kafkajs-event-bus.js';
import { silentLogger } from '../../../infra/logger.js';
import { kafkaTestConfig, TEST_SESSION_TIMEOUT_MS } from '../../helpers/kafka-mock.js';
import { namespacedBus } from '../../helpers/namespaced-bus.js';
import { requireService } from '../../helpers/services.js';
import { uniqueName } from '../../helpers/temp-dir.js';
import { createPipelineHarness } from './pipeline-harness.js';
import { describePipelineRunnerSuite } from './pipeline-runner.suite.js';

const brokers = requireService('KAFKA_BROKERS', 'start a Kafka-protocol broker, e.g. bash .ci/start-kafka-mock.sh');
const redisUrl = requireService('REDIS_URL', 'start redis-server, e.g. redis-server --daemonize yes');

describePipelineRunnerSuite('Kafka + Redis + chDB', () =>
  createPipelineHarness({
    bus: async () => namespacedBus(await createKafkaEventBus({ config: kafkaTestConfig(brokers), logger: silentLogger(), defaultPartitions: 4, sessionTimeoutMs: TEST_SESSION_TIMEOUT_MS }), uniqueName('pipelines')),
    coordination: () => createRedisCoordination({ url: redisUrl, keyPrefix: `${uniqueName('pipelines')}:`, logger: silentLogger() }),
  }),
  // Kafka waits longer for catch-up; the ClickHouse outage lasts the acceptance figure, 30 s.
  { waitMs: 45_000, outageMs: 30_000 },
);
