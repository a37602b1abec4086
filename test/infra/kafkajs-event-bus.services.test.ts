/**
 * What only the kafkajs adapter has, against a Kafka-protocol broker (KAFKA_BROKERS): receipts
 * computed from per-partition base offsets, the producer's linger batching, the kafkajs log bridge,
 * heartbeats during a retry backoff, and how it reports a broker that is gone. The shared behaviour
 * is in test/contracts/event-bus.kafka.services.test.ts. Fails — never skips — without a broker.
 */
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { Config } from '../../infra/config.js';
import { FgcError } from '../../infra/errors.js';
import type { BusMessage, ConsumedMessage, EventBus, PublishReceipt } from '../../infra/event-bus/event-bus.js';
import { createKafkaEventBus } from '../../infra/event-bus/kafkajs-event-bus.js';
import { MAX_REQUEST_BYTES } from '../../infra/event-bus/kafkajs-publisher.js';
import { partitionForKey } from '../../infra/event-bus/key-partitioner.js';
import { createLogger, silentLogger, type Logger } from '../../infra/logger.js';
import { kafkaTestConfig, startKafkaMock, TEST_SESSION_TIMEOUT_MS } from '../helpers/kafka-mock.js';
import { requireService } from '../helpers/services.js';
import { uniqueName } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const KAFKA_BROKERS = requireService('KAFKA_BROKERS', 'start a Kafka-protocol broker, e.g. bash .ci/start-kafka-mock.sh');

const WAIT_MS = 30_000;
const TEST_MS = 90_000;

const kafkaConfig = (overrides: Partial<NonNullable<Config['kafka']>> = {}): NonNullable<Config['kafka']> => kafkaTestConfig(KAFKA_BROKERS, overrides);

function openBus(options: { logger?: Logger; kafka?: Partial<NonNullable<Config['kafka']>> } = {}): Promise<EventBus> {
  return createKafkaEventBus({ config: kafkaConfig(options.kafka), logger: options.logger ?? silentLogger(), sessionTimeoutMs: TEST_SESSION_TIMEOUT_MS });
}

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A logger whose lines land in an array. */
function capturingLogger(level: 'debug' | 'warn'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as LogLine);
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}

/** kafkajs logs every request it writes at debug level as "Request <Api>(key: …, version: …)". */
const isProduceRequest = (l: LogLine): boolean => l.kafkajs === 'Connection' && l.msg.startsWith('Request Produce(');
const produceRequests = (lines: readonly LogLine[]): number => lines.filter(isProduceRequest).length;
/** Bytes of each produce request written (kafkajs logs `size` with the request line). */
const produceRequestSizes = (lines: readonly LogLine[]): number[] => lines.filter(isProduceRequest).map((l) => Number(l.size));
/** The Java producer's default max.request.size: what one produce request may carry by default. */
const KAFKA_DEFAULT_MAX_REQUEST_BYTES = 1_048_576;

/** Reads the whole topic with a fresh group and returns the messages by "partition:offset". */
async function readAll(bus: EventBus, topic: string, count: number): Promise<Map<string, ConsumedMessage>> {
  const seen = new Map<string, ConsumedMessage>();
  const subscription = await bus.subscribe({
    groupId: uniqueName('kafkajs-test'),
    topics: [topic],
    handler: (batch) => {
      for (const m of batch.messages) seen.set(`${m.partition}:${m.offset}`, m);
      return Promise.resolve();
    },
  });
  try {
    await waitFor(`${count} messages`, () => seen.size >= count, WAIT_MS);
  } finally {
    await subscription.close();
  }
  return seen;
}

async function newTopic(bus: EventBus): Promise<string> {
  const topic = uniqueName('kafkajs-bus');
  await bus.ensureTopics([{ topic }]);
  return topic;
}

// Checked while the file loads, so a missing broker fails the file with one clear error.
const probe = await openBus();
await probe.ping();
await probe.close();

describe('kafkajs event bus', () => {
  it('gives each message of concurrent calls the partition and offset it was stored at, keys placed as Kafka’s Java client does', async () => {
    const bus = await openBus();
    try {
      const topic = await newTopic(bus);
      const calls = Array.from({ length: 20 }, (_, call) =>
        Array.from({ length: 25 }, (_, i): BusMessage => ({ key: i % 4 === 0 ? null : `part-${(call * 7 + i) % 31}`, value: Buffer.from(`${call}/${i}`) })),
      );
      const receipts = await Promise.all(calls.map((messages) => bus.publish(topic, messages)));
      const partitions = (await bus.lag(uniqueName('count'), [topic])).length;
      const stored = await readAll(bus, topic, 500);
      expect(stored.size).toBe(500);
      calls.forEach((messages, call) => {
        expect(receipts[call]).toHaveLength(messages.length);
        messages.forEach((message, i) => {
          const receipt = receipts[call]![i]!;
          expect(receipt.topic).toBe(topic);
          expect(stored.get(`${receipt.partition}:${receipt.offset}`)?.value.toString(), `${call}/${i}`).toBe(message.value.toString());
          if (message.key !== null) expect(receipt.partition, message.key).toBe(partitionForKey(message.key, partitions));
        });
      });
      // Keyless messages are spread, not piled on one partition.
      const keyless = receipts.flatMap((r, call) => r.filter((_, i) => calls[call]![i]!.key === null));
      expect(new Set(keyless.map((r) => r.partition)).size).toBeGreaterThan(1);
    } finally {
      await bus.close();
    }
  }, TEST_MS);

  it('splits a call larger than one request and still returns receipts in input order', async () => {
    const { logger, lines } = capturingLogger('debug');
    // Uncompressed, so that the logged request sizes are the payload's.
    const bus = await openBus({ logger, kafka: { compression: 'none' } });
    try {
      const topic = await newTopic(bus);
      const partitions = (await bus.lag(uniqueName('count'), [topic])).length;
      const value = Buffer.alloc(1024, 1);
      const messages = Array.from({ length: 5_000 }, (_, i): BusMessage => ({ key: `big-${i % 50}`, value, headers: { i: String(i) } }));
      const payload = messages.length * value.length;
      const minimumRequests = Math.ceil(payload / MAX_REQUEST_BYTES);
      // An unsplit send makes one request per leader: never more than the topic's partitions.
      expect(minimumRequests).toBeGreaterThan(partitions);
      const from = lines.length;
      const receipts = await bus.publish(topic, messages);
      const sizes = (): number[] => produceRequestSizes(lines.slice(from));
      // kafkajs logs a request as it writes it; wait until the lines of all of them are in.
      await vi.waitFor(() => expect(sizes().reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(payload));
      expect(sizes().length).toBeGreaterThanOrEqual(minimumRequests);
      for (const size of sizes()) expect(size).toBeLessThanOrEqual(KAFKA_DEFAULT_MAX_REQUEST_BYTES);
      const last = new Map<number, bigint>();
      for (const r of receipts) {
        const offset = BigInt(r.offset);
        // This call is the topic's only writer: each partition's offsets run on without gaps.
        expect(offset).toBe((last.get(r.partition) ?? offset - 1n) + 1n);
        last.set(r.partition, offset);
      }
      const stored = await readAll(bus, topic, messages.length);
      receipts.forEach((r, i) => expect(stored.get(`${r.partition}:${r.offset}`)?.headers.i).toBe(String(i)));
    } finally {
      await bus.close();
    }
  }, TEST_MS);

  it('gathers concurrent publishes into one produce request per leader; awaited publishes go one by one', async () => {
    const { logger, lines } = capturingLogger('debug');
    const bus = await openBus({ logger, kafka: { lingerMs: 50 } });
    try {
      const topic = await newTopic(bus);
      const partitions = (await bus.lag(uniqueName('count'), [topic])).length;
      let before = produceRequests(lines);
      const receipts = await Promise.all(Array.from({ length: 200 }, (_, i) => bus.publish(topic, [{ key: `k${i}`, value: Buffer.from(String(i)) }])));
      expect(receipts.flat()).toHaveLength(200);
      const gathered = produceRequests(lines) - before;
      expect(gathered).toBeGreaterThan(0);
      expect(gathered).toBeLessThanOrEqual(partitions);

      before = produceRequests(lines);
      for (let i = 0; i < 10; i++) await bus.publish(topic, [{ key: `k${i}`, value: Buffer.from('one by one') }]);
      expect(produceRequests(lines) - before).toBe(10);
    } finally {
      await bus.close();
    }
  }, TEST_MS);

  it('holds a lone publish for lingerMs, but sends a request at once when it is full', async () => {
    const bus = await openBus({ kafka: { lingerMs: 1_500 } });
    try {
      const topic = await newTopic(bus);
      let started = Date.now();
      await bus.publish(topic, [{ key: 'lone', value: Buffer.from('x') }]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);

      const value = Buffer.alloc(1024, 2);
      const nearlyFull = (): BusMessage[] => Array.from({ length: Math.floor(MAX_REQUEST_BYTES / 1_100) }, (_, i) => ({ key: `near-${i}`, value }));
      started = Date.now();
      await bus.publish(topic, nearlyFull());
      expect(Date.now() - started, 'a request just under the limit lingers').toBeGreaterThanOrEqual(1_400);

      started = Date.now();
      const elapsed = (): number => Date.now() - started;
      const first = bus.publish(topic, nearlyFull()).then(elapsed);
      // This one tips the queue over the limit: the first call leaves at once, it waits its turn.
      const second = bus.publish(topic, Array.from({ length: 100 }, (_, i) => ({ key: `tip-${i}`, value }))).then(elapsed);
      expect(await first).toBeLessThan(1_000);
      expect(await second).toBeGreaterThanOrEqual(1_400);
    } finally {
      await bus.close();
    }
  }, TEST_MS);

  it('bridges kafkajs logs into the injected logger, scoped and filtered by its level', async () => {
    const debug = capturingLogger('debug');
    const warn = capturingLogger('warn');
    for (const { logger } of [debug, warn]) {
      const bus = await openBus({ logger });
      const topic = await newTopic(bus);
      await bus.publish(topic, [{ key: 'log', value: Buffer.from('x') }]);
      await readAll(bus, topic, 1);
      await bus.close();
    }
    const bridged = debug.lines.filter((l) => typeof l.kafkajs === 'string');
    expect(bridged.length).toBeGreaterThan(0);
    for (const line of bridged) {
      expect(line).toMatchObject({ service: 'forgecast', component: 'event-bus', adapter: 'kafka' });
      expect(line).not.toHaveProperty('timestamp');
    }
    expect(bridged.some((l) => l.level === 20)).toBe(true); // kafkajs DEBUG → pino debug
    expect(bridged.some((l) => l.level === 30 && l.msg === 'Consumer has joined the group')).toBe(true); // INFO → info
    expect(warn.lines.every((l) => l.level >= 40)).toBe(true);
  }, TEST_MS);

  it('keeps heartbeating through a retry backoff longer than the session timeout, so the member keeps its partitions', async () => {
    // One broker: kafkajs also heartbeats when a fetch from another broker comes back empty, which
    // would keep the member alive even if the backoff did not.
    const mock = await startKafkaMock({ brokers: 1 });
    const { logger, lines } = capturingLogger('debug');
    const bus = await createKafkaEventBus({ config: kafkaConfig({ brokers: mock.brokers.split(',') }), logger, sessionTimeoutMs: TEST_SESSION_TIMEOUT_MS });
    try {
      const topic = await newTopic(bus);
      const groupId = uniqueName('kafkajs-backoff');
      await bus.publish(topic, [{ key: 'slow', value: Buffer.from('x') }]);
      const attempts: number[] = [];
      let handled = 0;
      const subscription = await bus.subscribe({
        groupId,
        topics: [topic],
        retry: { initialMs: TEST_SESSION_TIMEOUT_MS + 3_000 },
        handler: () => {
          if (attempts.length === 0) return Promise.reject(new Error('downstream hiccup'));
          handled += 1;
          return Promise.resolve();
        },
        onHandlerError: (_error, _batch, attempt) => attempts.push(attempt),
      });
      await waitFor('the retried batch', () => handled === 1, WAIT_MS);
      await waitFor('the commit', async () => (await bus.lag(groupId, [topic])).every((l) => l.lag === 0), WAIT_MS);
      expect(attempts).toEqual([1]);
      const joins = lines.filter((l) => l.groupId === groupId && l.msg === 'joined consumer group');
      expect(joins, 'no rebalance while backing off').toHaveLength(1);
      await subscription.close();
    } finally {
      await bus.close();
      await mock.stop();
    }
  }, TEST_MS);

  it('closes promptly in the middle of a retry backoff, leaving the batch uncommitted', async () => {
    const bus = await openBus();
    try {
      const topic = await newTopic(bus);
      const groupId = uniqueName('kafkajs-close');
      await bus.publish(topic, [{ key: 'stuck', value: Buffer.from('x') }]);
      let attempts = 0;
      const subscription = await bus.subscribe({
        groupId,
        topics: [topic],
        retry: { initialMs: 60_000 },
        handler: () => Promise.reject(new Error('still down')),
        onHandlerError: () => {
          attempts += 1;
        },
      });
      await waitFor('the first failure', () => attempts === 1, WAIT_MS);
      const started = Date.now();
      await subscription.close();
      await expect(subscription.done).resolves.toBeUndefined();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(attempts).toBe(1);
      expect((await bus.lag(groupId, [topic])).reduce((sum, l) => sum + l.lag, 0)).toBe(1);
    } finally {
      await bus.close();
    }
  }, TEST_MS);
  it('refuses malformed requests with FGC_BUS_INVALID_REQUEST, as the embedded adapter does', async () => {
    const bus = await openBus();
    try {
      const handler = (): Promise<void> => Promise.resolve();
      const refusals: Promise<unknown>[] = [
        bus.ensureTopics([{ topic: 'bad/name' }]),
        bus.ensureTopics([{ topic: 'fine', partitions: 0 }]),
        bus.publish('..', [{ key: null, value: Buffer.from('x') }]),
        bus.publish('fine', [{ key: 42, value: Buffer.from('x') } as unknown as BusMessage]),
        bus.publish('fine', [{ key: null, value: 'text' } as unknown as BusMessage]),
        bus.publish('fine', [{ key: null, value: Buffer.from('x'), headers: { n: 1 } } as unknown as BusMessage]),
        bus.subscribe({ groupId: 'g', topics: [], handler }),
        bus.subscribe({ groupId: '', topics: ['fine'], handler }),
        bus.subscribe({ groupId: 'g', topics: ['fine'], handler, maxBatchSize: 0 }),
        bus.subscribe({ groupId: 'g', topics: ['fine'], handler, retry: { initialMs: -1 } }),
      ];
      for (const refusal of refusals) await expect(refusal).rejects.toMatchObject({ code: 'FGC_BUS_INVALID_REQUEST', retriable: false });
    } finally {
      await bus.close();
    }
    await expect(bus.ping()).rejects.toMatchObject({ code: 'FGC_BUS_UNAVAILABLE' });
  }, TEST_MS);
});

describe('kafkajs event bus without a broker', () => {
  it('fails start-up with FGC_BUS_UNAVAILABLE naming the brokers when nothing listens', async () => {
    const error: unknown = await createKafkaEventBus({ config: kafkaConfig({ brokers: ['127.0.0.1:1'] }), logger: silentLogger() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FgcError);
    expect(error).toMatchObject({ code: 'FGC_BUS_UNAVAILABLE', retriable: true });
    expect((error as FgcError).message).toContain('127.0.0.1:1');
    expect((error as FgcError).message).toContain('ECONNREFUSED');
  }, TEST_MS);

  it('reports a broker that went away: ping FGC_BUS_UNAVAILABLE within seconds, publish FGC_BUS_PUBLISH_FAILED, both retriable', async () => {
    // A private mock cluster, since this test ends it.
    const mock = await startKafkaMock();
    const bus = await createKafkaEventBus({ config: kafkaConfig({ brokers: mock.brokers.split(',') }), logger: silentLogger() });
    try {
      const topic = await newTopic(bus);
      const receipts: PublishReceipt[] = await bus.publish(topic, [{ key: 'a', value: Buffer.from('before') }]);
      expect(receipts).toHaveLength(1);
      await mock.stop();
      const started = Date.now();
      await expect(bus.ping()).rejects.toMatchObject({ code: 'FGC_BUS_UNAVAILABLE', retriable: true });
      expect(Date.now() - started).toBeLessThan(5_000);
      await expect(bus.publish(topic, [{ key: 'a', value: Buffer.from('after') }])).rejects.toMatchObject({ code: 'FGC_BUS_PUBLISH_FAILED', retriable: true });
    } finally {
      await bus.close();
      await mock.stop();
    }
    await expect(bus.publish('any', [{ key: null, value: Buffer.from('x') }])).rejects.toMatchObject({ code: 'FGC_BUS_CLOSED' });
  }, TEST_MS);
});
