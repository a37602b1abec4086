/**
 * The bus benchmark: how many messages per second the event bus takes in and hands out, measured
 * through the port exactly as connectors and pipelines use it, so the embedded log and Kafka are
 * compared like with like.
 *
 * Produce: `messages` messages of `messageBytes` bytes over KEYS keys, published in chunks of
 * CHUNK messages with IN_FLIGHT calls outstanding (a connector publishing its batches), timed from
 * the first call until every call resolved — i.e. until everything is durably acknowledged.
 * Consume: one new subscription reads the topic from the beginning, timed from `subscribe` until
 * the handler has seen every message; that includes joining the group (negligible embedded, a
 * rebalance round for Kafka — run more messages there to see the steady rate).
 *
 * Every run uses its own topic and group, so runs never see each other's messages.
 */
import { randomUUID } from 'node:crypto';
import type { BusMessage, EventBus, MessageBatch } from '../../event-bus/event-bus.js';

export interface BusBenchOptions {
  readonly messages: number;
  readonly messageBytes: number;
  readonly mode: 'embedded' | 'kafka';
}

export interface BusBenchResult {
  readonly bench: 'bus';
  readonly mode: 'embedded' | 'kafka';
  readonly messages: number;
  readonly produce_per_s: number;
  readonly consume_per_s: number;
}

/** Messages per publish call: a typical connector batch. */
const CHUNK = 500;
/** Publish calls outstanding at once, as a connector with several sources in flight has. */
const IN_FLIGHT = 8;
/** Distinct keys: enough to spread over every partition, few enough to repeat (ordering matters per key). */
const KEYS = 1_000;
/** Gives up on consumption after this long rather than hang the CLI on a broken bus. */
const CONSUME_TIMEOUT_MS = 300_000;

function perSecond(count: number, ms: number): number {
  return Math.round(count / (Math.max(ms, 0.001) / 1000));
}

/** Subscribes a new group to `topic` and times it until `messages` messages were handled. */
async function consumeEverything(bus: EventBus, topic: string, groupId: string, messages: number): Promise<{ seen: number; ms: number }> {
  let seen = 0;
  let allSeen!: () => void;
  const everything = new Promise<void>((resolve) => (allSeen = resolve));
  const handler = (batch: MessageBatch): Promise<void> => {
    seen += batch.messages.length;
    if (seen >= messages) allSeen();
    return Promise.resolve();
  };
  let timer: NodeJS.Timeout | undefined;
  const start = performance.now();
  const subscription = await bus.subscribe({ groupId, topics: [topic], handler });
  let ms: number;
  try {
    await Promise.race([
      everything,
      subscription.done.then(() => {
        throw new Error('bus bench: the subscription ended before every message was seen');
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`bus bench: saw ${seen} of ${messages} messages in ${CONSUME_TIMEOUT_MS} ms`)), CONSUME_TIMEOUT_MS);
      }),
    ]);
    ms = performance.now() - start;
  } finally {
    clearTimeout(timer);
    await subscription.close();
  }
  // Counted after close: a duplicate delivered late still shows.
  return { seen, ms };
}

export async function runBusBench(bus: EventBus, options: BusBenchOptions): Promise<BusBenchResult> {
  const { messages, messageBytes, mode } = options;
  if (!Number.isInteger(messages) || messages < 1) throw new Error(`messages must be a positive integer, got ${messages}`);
  const suffix = `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
  const topic = `forgecast.bench.bus-${suffix}`;
  const groupId = `forgecast-bench-bus-${suffix}`;
  await bus.ensureTopics([{ topic }]);

  // One payload shared by all messages: the figure measures the bus, not payload generation.
  const value = Buffer.alloc(messageBytes, 0x61);
  const keys = Array.from({ length: KEYS }, (_, i) => `key-${i}`);
  let acknowledged = 0;
  let next = 0;
  const producer = async (): Promise<void> => {
    while (next < messages) {
      const from = next;
      const to = Math.min(messages, from + CHUNK);
      next = to;
      const chunk: BusMessage[] = [];
      for (let i = from; i < to; i++) chunk.push({ key: keys[i % KEYS]!, value });
      const receipts = await bus.publish(topic, chunk);
      acknowledged += receipts.length;
    }
  };
  const produceStart = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, producer));
  const produceMs = performance.now() - produceStart;
  if (acknowledged !== messages) throw new Error(`bus bench: ${acknowledged} of ${messages} messages acknowledged`);

  const { seen, ms: consumeMs } = await consumeEverything(bus, topic, groupId, messages);
  // No failures happened, so at-least-once must have delivered exactly once.
  if (seen !== messages) throw new Error(`bus bench: consumed ${seen} messages, published ${messages}`);
  return { bench: 'bus', mode, messages, produce_per_s: perSecond(messages, produceMs), consume_per_s: perSecond(messages, consumeMs) };
}
