/**
 * The event-bus contract against a Kafka-protocol broker (KAFKA_BROKERS) through the kafkajs
 * adapter. Fails — never skips — without a reachable broker.
 *
 * Settings come from the environment like in production, with fallbacks that suit the librdkafka
 * mock cluster of .ci/start-kafka-mock.sh (see kafkaTestConfig in ../helpers/kafka-mock.ts).
 */
import type { EventBus } from '../../infra/event-bus/event-bus.js';
import { createKafkaEventBus } from '../../infra/event-bus/kafkajs-event-bus.js';
import { silentLogger } from '../../infra/logger.js';
import { kafkaTestConfig, TEST_SESSION_TIMEOUT_MS } from '../helpers/kafka-mock.js';
import { requireService } from '../helpers/services.js';
import { describeEventBusContract } from './event-bus.contract.js';

const KAFKA_BROKERS = requireService('KAFKA_BROKERS', 'start a Kafka-protocol broker, e.g. bash .ci/start-kafka-mock.sh');

const config = kafkaTestConfig(KAFKA_BROKERS);
const open = (): Promise<EventBus> => createKafkaEventBus({ config, logger: silentLogger(), sessionTimeoutMs: TEST_SESSION_TIMEOUT_MS });

// Checked while the file loads: without a reachable broker the file fails with one clear error
// (a failing beforeAll would instead list every test as skipped).
const probe = await open();
await probe.ping();
await probe.close();

describeEventBusContract('kafka', async () => {
  let bus = await open();
  return {
    bus,
    // A process restart: a new client on the same broker, whose log and group offsets persist.
    restart: async () => {
      await bus.close();
      bus = await open();
      return bus;
    },
    // Topics stay: the mock cannot delete them and they are uniquely named per test.
    cleanup: () => bus.close(),
  };
});
