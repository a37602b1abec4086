/**
 * The SIGKILL-between-enqueue-and-send acceptance (alerting-crash.suite.ts) with the child on Kafka
 * (the outbox topic) and Redis (leases, under a key prefix of its own); storage stays chDB.
 */
import { randomUUID } from 'node:crypto';
import { requireService } from '../../helpers/services.js';
import { describeAlertingCrash } from './alerting-crash.suite.js';

describeAlertingCrash({
  label: 'Kafka + Redis',
  env: () => ({
    KAFKA_BROKERS: requireService('KAFKA_BROKERS', 'a Kafka-protocol broker, e.g. .ci/start-kafka-mock.sh'),
    REDIS_URL: requireService('REDIS_URL', 'redis-server, e.g. redis://127.0.0.1:6379'),
    REDIS_KEY_PREFIX: `fgc-test-${randomUUID().slice(0, 8)}:`,
    KAFKA_IDEMPOTENT: process.env.KAFKA_IDEMPOTENT ?? 'false',
    KAFKA_CREATE_TOPICS: process.env.KAFKA_CREATE_TOPICS ?? 'false',
    // The killed member's partitions are handed over after this (the broker's minimum), not 30 s.
    KAFKA_SESSION_TIMEOUT_MS: '6000',
  }),
  // The killed process's due-poller lease (15 s) lapses first, and the groups rebalance.
  redeliveryMs: 60_000,
});
