/**
 * ACCEPTANCE under `test:services`: the pipeline crash test (pipeline-crash.suite.ts) with the
 * stream on Kafka (KAFKA_BROKERS; KAFKA_IDEMPOTENT / KAFKA_CREATE_TOPICS as the environment says,
 * false for the librdkafka mock by default) and storage on chDB in the child's data directory (no
 * ClickHouse server is installable here). Fails, never skips, without a broker.
 *
 * Isolation: the broker is shared with every other services test, and the platform's topic names
 * are fixed, so the child namespaces its topics and consumer group with a prefix unique to this
 * run (FORGECAST_CRASH_TOPIC_PREFIX, read by fixtures/pipeline-crash-child.ts only).
 *
 * Size: FORGECAST_CRASH_RECORDS (default 100,000, the acceptance figure). The librdkafka mock keeps
 * at most 5 MiB (and 100,000 produce batches) per partition and drops the oldest beyond that; the
 * 100,000 records spread over 8 topics × 4 partitions: measured, ~3,100 messages of 110-125 bytes
 * of Avro per partition, ~0.5 MiB with keys and record overhead before gzip — a tenth of the limit,
 * so nothing is evicted, which the last check below proves: a group that never committed still
 * sees every partition from offset 0. (About 900,000 records would reach the limit.)
 */
import { expect } from 'vitest';
import { createKafkaEventBus } from '../../infra/event-bus/kafkajs-event-bus.js';
import { silentLogger } from '../../infra/logger.js';
import { DLQ_TOPIC, RAW_TOPIC_NAMES } from '../../schemas/topics.js';
import { kafkaTestConfig } from '../helpers/kafka-mock.js';
import { namespacedBus } from '../helpers/namespaced-bus.js';
import { requireService } from '../helpers/services.js';
import { uniqueName } from '../helpers/temp-dir.js';
import { describePipelineCrashSuite } from './pipeline-crash.suite.js';

const brokers = requireService('KAFKA_BROKERS', 'start a Kafka-protocol broker, e.g. bash .ci/start-kafka-mock.sh');
const prefix = uniqueName('crash');
const records = Number(process.env.FORGECAST_CRASH_RECORDS ?? 100_000);

describePipelineCrashSuite({
  mode: 'Kafka + chDB',
  records,
  expectMode: 'services',
  childEnv: {
    KAFKA_BROKERS: brokers,
    KAFKA_IDEMPOTENT: process.env.KAFKA_IDEMPOTENT ?? 'false',
    KAFKA_CREATE_TOPICS: process.env.KAFKA_CREATE_TOPICS ?? 'false',
    FORGECAST_CRASH_TOPIC_PREFIX: prefix,
  },
  // Each restart costs a consumer-group rebalance on top of the embedded run's time.
  drainTimeoutMs: 180_000,
  timeoutMs: 480_000,
  afterChecks: async () => {
    const bus = namespacedBus(await createKafkaEventBus({ config: kafkaTestConfig(brokers), logger: silentLogger() }), prefix);
    try {
      const raw = await bus.lag(uniqueName('never-committed'), RAW_TOPIC_NAMES);
      expect(raw).toHaveLength(RAW_TOPIC_NAMES.length * 4);
      // Nothing evicted: the whole log is still there (lag from the log start = the end offset).
      for (const p of raw) expect({ topic: p.topic, partition: p.partition, lag: p.lag }).toEqual({ topic: p.topic, partition: p.partition, lag: Number(p.end) });
      // At least every record (batches whose response was lost were published again).
      expect(raw.reduce((sum, p) => sum + p.lag, 0)).toBeGreaterThanOrEqual(records);
      const dlq = await bus.lag(uniqueName('never-committed'), [DLQ_TOPIC]);
      expect(dlq.reduce((sum, p) => sum + Number(p.end), 0)).toBe(0);
    } finally {
      await bus.close();
    }
  },
});
