/**
 * The Kafka adapter of the event-bus port, through kafkajs: one producer shared by all publishes
 * (batched by ./kafkajs-publisher.ts), one admin client for topics, lag and health, and one
 * consumer per subscription (./kafkajs-subscription.ts holds the consumer loop and commit rule).
 *
 * Broker features are configurable rather than assumed (see ARCHITECTURE.md on the librdkafka mock
 * cluster, which refuses admin create/delete and idempotent producers): `createTopics` false makes
 * `ensureTopics` rely on the broker auto-creating topics and only wait for their metadata;
 * `idempotent` false drops the idempotent producer.
 */
import { Kafka, type Admin, type ITopicMetadata, type Producer } from 'kafkajs';
import type { Config } from '../config.js';
import { FgcError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BusMessage, EventBus, PartitionLag, PublishReceipt, SubscribeOptions, Subscription, TopicSpec } from './event-bus.js';
import { toBusError } from './kafkajs-errors.js';
import { createKafkaLogCreator, kafkaLogLevelFor } from './kafkajs-log-bridge.js';
import { LingeringPublisher, pinningPartitioner } from './kafkajs-publisher.js';
import { KafkaSubscription } from './kafkajs-subscription.js';

export interface KafkaEventBusOptions {
  readonly config: NonNullable<Config['kafka']>;
  readonly logger: Logger;
  /** Partitions of topics this bus creates when a TopicSpec names none (default 4, as the embedded log). */
  readonly defaultPartitions?: number;
  /**
   * Consumer session timeout: how long the group waits for a silent member before handing its
   * partitions to others (default 30 s, kafkajs' default; brokers accept 6 s to 30 min by default).
   * The librdkafka mock holds every rebalance of a non-empty group for this long minus 1 s, so
   * tests against it pass a small value.
   */
  readonly sessionTimeoutMs?: number;
}

const DEFAULT_PARTITIONS = 4; // same as FORGECAST_BUS_PARTITIONS and the mock's auto-created topics
const DEFAULT_SESSION_TIMEOUT_MS = 30_000; // kafkajs' default, see KafkaEventBusOptions

/** How long `ping` waits for the cluster (a health probe must answer well within a probe period). */
const PING_TIMEOUT_MS = 3_000;

/** How long `ensureTopics` waits for auto-created topics to show partitions with leaders. */
const TOPIC_METADATA_TIMEOUT_MS = 15_000;
const TOPIC_METADATA_POLL_MS = 100;

/**
 * Connection timeout (kafkajs default 1 s): a broker on another host may be slower to accept, while
 * a dead one is still reported within seconds.
 */
const CONNECTION_TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FgcError('FGC_BUS_UNAVAILABLE', `${what}: no answer within ${ms} ms`)), ms);
  });
  // The loser of the race must not surface as an unhandled rejection.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Kafka's rule for topic names (and the embedded log's): 1-249 of [A-Za-z0-9._-], not "." or "..". */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

function invalid(message: string): FgcError {
  return new FgcError('FGC_BUS_INVALID_REQUEST', message);
}

/**
 * Refuses what the embedded adapter refuses, with the same code, so a mistake fails the same way in
 * both modes (the broker would refuse most of it too, but only as an opaque publish failure).
 */
function assertTopic(name: unknown): void {
  if (typeof name !== 'string' || !TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw invalid(`invalid topic name ${JSON.stringify(name)}: use 1-249 of [A-Za-z0-9._-], not "." or ".."`);
  }
}

function assertMessages(messages: readonly BusMessage[]): void {
  if (!Array.isArray(messages)) throw invalid('publish expects an array of messages');
  for (const m of messages as readonly unknown[]) {
    const { key, value, headers } = (m ?? {}) as Partial<Record<keyof BusMessage, unknown>>;
    if (key !== null && typeof key !== 'string') throw invalid('message key must be a string or null');
    if (!Buffer.isBuffer(value)) throw invalid('message value must be a Buffer');
    if (headers !== undefined && (headers === null || typeof headers !== 'object' || Object.values(headers).some((v) => typeof v !== 'string'))) {
      throw invalid('message headers must map names to strings');
    }
  }
}

function assertSubscribeOptions(options: SubscribeOptions): void {
  if (!Array.isArray(options.topics) || options.topics.length === 0) throw invalid('subscribe needs at least one topic');
  options.topics.forEach(assertTopic);
  if (typeof options.groupId !== 'string' || options.groupId === '') throw invalid('groupId must be a non-empty string');
  if (typeof options.handler !== 'function') throw invalid('subscribe needs a handler');
  const { maxBatchSize } = options;
  if (maxBatchSize !== undefined && !(Number.isInteger(maxBatchSize) && maxBatchSize >= 1)) throw invalid('maxBatchSize must be a positive integer');
  for (const ms of [options.retry?.initialMs, options.retry?.maxMs]) {
    if (ms !== undefined && !(typeof ms === 'number' && Number.isFinite(ms) && ms >= 0)) throw invalid('retry delays must be finite numbers ≥ 0');
  }
}

const ready = (t: ITopicMetadata | undefined): boolean => t !== undefined && t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0);

class KafkaEventBus implements EventBus {
  readonly kind = 'kafka' as const;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly admin: Admin,
    private readonly publisher: LingeringPublisher,
    private readonly options: KafkaEventBusOptions,
  ) {}

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    this.assertOpen();
    for (const spec of topics) {
      assertTopic(spec.topic);
      if (spec.partitions !== undefined && !(Number.isInteger(spec.partitions) && spec.partitions >= 1)) throw invalid(`partitions of ${spec.topic} must be a positive integer`);
    }
    if (topics.length === 0) return;
    const { config, logger } = this.options;
    const names = [...new Set(topics.map((t) => t.topic))];
    try {
      if (config.createTopics) {
        const created = await this.admin.createTopics({
          waitForLeaders: true,
          // One entry per topic (kafkajs refuses repeats); the last spec of a topic wins.
          topics: [...new Map(topics.map((t) => [t.topic, t])).values()].map((t) => ({
            topic: t.topic,
            numPartitions: t.partitions ?? this.options.defaultPartitions ?? DEFAULT_PARTITIONS,
            replicationFactor: config.replicationFactor,
          })),
        });
        logger.info({ topics: names, created }, 'ensured Kafka topics');
      } else {
        // Without admin rights the broker creates topics itself: the producer's metadata request
        // (auto-creation allowed, unlike kafkajs' admin client) asks for them, then we wait until
        // every topic shows partitions with leaders, so the first publish and subscribe find them.
        await this.producer.sendBatch({ topicMessages: names.map((topic) => ({ topic, messages: [] })) });
      }
      const metadata = await this.waitForTopics(names);
      for (const spec of topics) {
        const actual = metadata.find((t) => t.name === spec.topic)?.partitions.length;
        if (spec.partitions !== undefined && actual !== spec.partitions) {
          logger.warn({ topic: spec.topic, wanted: spec.partitions, actual }, 'Kafka topic exists with another partition count; keeping it');
        }
      }
    } catch (error) {
      throw toBusError('FGC_BUS_UNAVAILABLE', `Ensuring Kafka topics ${names.join(', ')} failed`, error);
    }
  }

  async publish(topic: string, messages: readonly BusMessage[]): Promise<PublishReceipt[]> {
    assertTopic(topic);
    assertMessages(messages);
    return this.publisher.publish(topic, messages);
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    assertSubscribeOptions(options);
    const logger = this.options.logger.child({ groupId: options.groupId });
    const subscription = new KafkaSubscription(this.kafka, options, {
      logger,
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? this.options.config.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
      onEnded: (s) => this.subscriptions.delete(s),
    });
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (error) {
      this.subscriptions.delete(subscription);
      throw error;
    }
    return subscription;
  }

  async lag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
    this.assertOpen();
    try {
      const committed = await this.admin.fetchOffsets({ groupId, topics: [...topics] });
      const out: PartitionLag[] = [];
      for (const topic of topics) {
        const ends = await this.admin.fetchTopicOffsets(topic);
        const byPartition = new Map(committed.find((c) => c.topic === topic)?.partitions.map((p) => [p.partition, p.offset]) ?? []);
        for (const end of [...ends].sort((a, b) => a.partition - b.partition)) {
          const raw = byPartition.get(end.partition);
          // Kafka answers -1 for "nothing committed"; the port says '0'.
          const next = raw === undefined || BigInt(raw) < 0n ? 0n : BigInt(raw);
          const high = BigInt(end.high);
          // A group that never committed reads from the log start, not from 0, once retention cut it.
          const from = next > BigInt(end.low) ? next : BigInt(end.low);
          out.push({ topic, partition: end.partition, committed: next.toString(), end: high.toString(), lag: Number(high > from ? high - from : 0n) });
        }
      }
      return out;
    } catch (error) {
      throw toBusError('FGC_BUS_UNAVAILABLE', `Reading the lag of group ${groupId} failed`, error);
    }
  }

  async ping(): Promise<void> {
    // The port promises FGC_BUS_UNAVAILABLE for any bus that does not answer, a closed one included.
    if (this.closing !== undefined) throw new FgcError('FGC_BUS_UNAVAILABLE', 'The Kafka event bus is closed');
    try {
      await withTimeout(this.admin.describeCluster(), PING_TIMEOUT_MS, 'Kafka ping');
    } catch (error) {
      throw toBusError('FGC_BUS_UNAVAILABLE', 'Kafka did not answer', error);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Subscriptions first: their in-flight handlers may still publish (dead letters, follow-ups).
      await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
      await this.publisher.close();
      const results = await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
      for (const r of results) if (r.status === 'rejected') this.options.logger.warn({ err: r.reason }, 'disconnecting from Kafka failed');
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new FgcError('FGC_BUS_CLOSED', 'The Kafka event bus is closed');
  }

  private async waitForTopics(names: readonly string[]): Promise<ITopicMetadata[]> {
    const deadline = Date.now() + TOPIC_METADATA_TIMEOUT_MS;
    for (;;) {
      let last: unknown;
      try {
        const { topics } = await this.admin.fetchTopicMetadata({ topics: [...names] });
        if (names.every((name) => ready(topics.find((t) => t.name === name)))) return topics;
      } catch (error) {
        last = error; // e.g. UNKNOWN_TOPIC_OR_PARTITION while the broker is still creating it
      }
      if (Date.now() > deadline) {
        throw new FgcError('FGC_BUS_UNAVAILABLE', `Kafka topics ${names.join(', ')} did not appear within ${TOPIC_METADATA_TIMEOUT_MS} ms`, { cause: last });
      }
      await new Promise((resolve) => setTimeout(resolve, TOPIC_METADATA_POLL_MS));
    }
  }
}

/** Connects a producer and an admin client; rejects with FGC_BUS_UNAVAILABLE when Kafka does not answer. */
export async function createKafkaEventBus(options: KafkaEventBusOptions): Promise<EventBus> {
  const { config } = options;
  const logger = options.logger.child({ component: 'event-bus', adapter: 'kafka' });
  const kafka = new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    logLevel: kafkaLogLevelFor(logger),
    logCreator: createKafkaLogCreator(logger),
  });
  const producer = kafka.producer({
    createPartitioner: pinningPartitioner,
    allowAutoTopicCreation: true,
    idempotent: config.idempotent,
    // kafkajs requires one request in flight per broker for idempotence; the publisher sends one
    // at a time anyway.
    ...(config.idempotent ? { maxInFlightRequests: 1 } : {}),
  });
  const admin = kafka.admin();
  try {
    await Promise.all([producer.connect(), admin.connect()]);
  } catch (error) {
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    throw toBusError('FGC_BUS_UNAVAILABLE', `Connecting to Kafka at ${config.brokers.join(',')} failed`, error);
  }
  const publisher = new LingeringPublisher({ producer, lingerMs: config.lingerMs, compression: config.compression, logger });
  logger.info({ brokers: config.brokers, idempotent: config.idempotent, compression: config.compression, lingerMs: config.lingerMs }, 'connected to Kafka');
  return new KafkaEventBus(kafka, producer, admin, publisher, { ...options, logger });
}
