/**
 * The ingest acceptance scenarios against real servers: the stream is Kafka (kafkajs on the
 * broker in KAFKA_BROKERS) and coordination is Redis (REDIS_URL); storage stays chDB (no
 * ClickHouse server is installable on these machines). Fails, never skips, without them.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createRedisCoordination } from '../../../infra/coordination/redis-coordination.js';
import { createKafkaEventBus } from '../../../infra/event-bus/kafkajs-event-bus.js';
import { silentLogger } from '../../../infra/logger.js';
import { kafkaTestConfig } from '../../helpers/kafka-mock.js';
import { namespacedBus } from '../../helpers/namespaced-bus.js';
import { requireService } from '../../helpers/services.js';
import { uniqueName } from '../../helpers/temp-dir.js';
import { createIngestHarness, type IngestHarness } from '../ingest/ingest-harness.js';
import { mixedBatchScenario, seedRequestScenario } from './ingest-acceptance.js';

const brokers = requireService('KAFKA_BROKERS', 'start a Kafka-protocol broker, e.g. bash .ci/start-kafka-mock.sh');
const redisUrl = requireService('REDIS_URL', 'start redis-server, e.g. redis-server --daemonize yes');

let h: IngestHarness;
let ingestKey: string;
beforeAll(async () => {
  h = await createIngestHarness({
    // Own topic names: other services test files share this broker at the same time.
    bus: async () => namespacedBus(await createKafkaEventBus({ config: kafkaTestConfig(brokers), logger: silentLogger(), defaultPartitions: 4 }), uniqueName('ingest')),
    coordination: () => createRedisCoordination({ url: redisUrl, keyPrefix: `${uniqueName('ingest')}:`, logger: silentLogger() }),
  });
  ingestKey = (await h.keys.create({ tenant: 'acme', scopes: ['ingest', 'read'] })).key;
}, 60_000);
afterAll(() => h.close());

describe('POST /api/v1/ingest on Kafka + Redis', () => {
  it('takes the seed request of SPEC.md (202) and shows the batch', () => seedRequestScenario(h), 60_000);
  it('accepts a 1,000-record mixed batch partially with exact errors; each valid record once on Kafka; replay and conflict', () => mixedBatchScenario(h, ingestKey), 120_000);
});
