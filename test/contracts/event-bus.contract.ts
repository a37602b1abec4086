/**
 * Contract of the EventBus port (infra/event-bus/event-bus.ts), run against every adapter: the
 * embedded log and Kafka through kafkajs. Adapter-neutral on purpose: every test uses its own
 * topic and group, waits generously, and learns partition counts from receipts and assignments
 * instead of assuming them (a broker may auto-create topics with its own count).
 *
 * The factory is called once per suite. `restart`, when given, closes the bus and opens a new one
 * on the same storage (a process restart); tests that use it run without when it is absent.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BusMessage, ConsumedMessage, EventBus, MessageBatch, PartitionLag, PublishReceipt, Subscription, SubscribeOptions } from '../../infra/event-bus/event-bus.js';
import { FgcError, isFgcError } from '../../infra/errors.js';
import { uniqueName } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

export interface EventBusFixture {
  readonly bus: EventBus;
  /** Closes the bus and opens a new one on the same storage; later tests use the new bus. */
  readonly restart?: () => Promise<EventBus>;
  readonly cleanup: () => Promise<void>;
}

/** Generous: a Kafka group join alone can take seconds. */
const WAIT_MS = 30_000;
/** A rebalance round of a broker (the librdkafka mock holds each for the session timeout) on a loaded machine. */
const REBALANCE_MS = 60_000;
const TEST_MS = 150_000;
/** How long "nothing arrives" is watched before it counts as nothing. */
const QUIET_MS = 1_500;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A message whose value is JSON `{ key, seq }`, to check order per key. */
function sequenced(key: string, seq: number): BusMessage {
  return { key, value: Buffer.from(JSON.stringify({ key, seq })) };
}

function seqOf(message: ConsumedMessage): number {
  return (JSON.parse(message.value.toString('utf8')) as { seq: number }).seq;
}

/** Handled messages, in order, and every batch the handler was given. */
function recorder(): { messages: ConsumedMessage[]; batches: MessageBatch[]; handler: (batch: MessageBatch) => Promise<void> } {
  const messages: ConsumedMessage[] = [];
  const batches: MessageBatch[] = [];
  return {
    messages,
    batches,
    handler: (batch) => {
      batches.push(batch);
      messages.push(...batch.messages);
      return Promise.resolve();
    },
  };
}

function totalLag(lags: readonly PartitionLag[]): number {
  return lags.reduce((sum, l) => sum + l.lag, 0);
}

/** Per key, the sequence numbers in the order they were handled. */
function sequencesByKey(messages: readonly ConsumedMessage[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const m of messages) {
    const list = byKey.get(m.key ?? '') ?? [];
    list.push(seqOf(m));
    byKey.set(m.key ?? '', list);
  }
  return byKey;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const tp = (m: { partition: number; offset: string }): string => `${m.partition}:${m.offset}`;

export function describeEventBusContract(name: string, factory: () => Promise<EventBusFixture>): void {
  describe(`EventBus contract: ${name}`, () => {
    let fixture: EventBusFixture;
    let bus: EventBus;
    let open: Subscription[] = [];

    beforeAll(async () => {
      fixture = await factory();
      bus = fixture.bus;
    });
    afterEach(async () => {
      // A subscription a failed test left running must not leak into the next test.
      await Promise.allSettled(open.map((s) => s.close()));
      open = [];
    });
    afterAll(async () => {
      await fixture.cleanup();
    });

    async function newTopic(): Promise<string> {
      const topic = uniqueName('contract-bus');
      await bus.ensureTopics([{ topic, partitions: 4 }]);
      return topic;
    }

    async function subscribe(options: SubscribeOptions): Promise<Subscription> {
      const subscription = await bus.subscribe(options);
      open.push(subscription);
      return subscription;
    }

    async function restartIfPossible(): Promise<void> {
      if (fixture.restart === undefined) return;
      await Promise.allSettled(open.map((s) => s.close()));
      open = [];
      bus = await fixture.restart();
    }

    it('answers ping and names its kind', async () => {
      await expect(bus.ping()).resolves.toBeUndefined();
      expect(['embedded', 'kafka']).toContain(bus.kind);
      await expect(bus.publish(await newTopic(), [])).resolves.toEqual([]);
    });

    it('round-trips key, value bytes, headers and timestamp; receipts point at the stored messages', async () => {
      const topic = await newTopic();
      const sent: BusMessage[] = [
        { key: 'Schraube-ü-✓', value: Buffer.from([0, 1, 2, 127, 128, 254, 255, 0]), headers: { 'content-type': 'application/vnd.forgecast+avro', 'x-trace': 'abc ✓ 螺丝' } },
        { key: null, value: Buffer.from('a message without a key') },
        { key: 'large', value: Buffer.alloc(64 * 1024, 7), headers: {} },
      ];
      const before = Date.now();
      const receipts = await bus.publish(topic, sent);
      const after = Date.now();
      expect(receipts).toHaveLength(3);
      for (const receipt of receipts) {
        expect(receipt.topic).toBe(topic);
        expect(Number.isInteger(receipt.partition) && receipt.partition >= 0).toBe(true);
        expect(receipt.offset).toMatch(/^\d+$/);
      }

      const seen = recorder();
      await subscribe({ groupId: uniqueName('contract-group'), topics: [topic], handler: seen.handler });
      await waitFor('all three messages', () => seen.messages.length >= 3, WAIT_MS);
      expect(seen.messages).toHaveLength(3);
      for (const batch of seen.batches) {
        expect(batch.topic).toBe(topic);
        for (const m of batch.messages) expect([m.topic, m.partition]).toEqual([topic, batch.partition]);
      }
      sent.forEach((message, i) => {
        const receipt = receipts[i]!;
        const got = seen.messages.find((m) => tp(m) === tp(receipt));
        expect(got, `message ${i} at ${tp(receipt)}`).toBeDefined();
        expect(got!.key).toBe(message.key);
        expect(got!.value.toString('hex')).toBe(message.value.toString('hex'));
        expect(got!.headers).toEqual(message.headers ?? {});
        // Clocks of broker and test process may differ a little.
        expect(got!.timestamp).toBeGreaterThanOrEqual(before - 60_000);
        expect(got!.timestamp).toBeLessThanOrEqual(after + 60_000);
      });
    }, TEST_MS);

    it('keeps one partition and the publish order per key, across many keys', async () => {
      const topic = await newTopic();
      const keys = range(0, 40).map((i) => `order-key-${i}`);
      const receipts: PublishReceipt[] = [];
      const sent: BusMessage[] = [];
      for (let call = 0; call < 10; call++) {
        // Keys interleaved inside each call; calls one after the other.
        const messages = range(call * 5, call * 5 + 5).flatMap((seq) => keys.map((key) => sequenced(key, seq)));
        receipts.push(...(await bus.publish(topic, messages)));
        sent.push(...messages);
      }
      const partitionOfKey = new Map<string, number>();
      const lastOffset = new Map<number, bigint>();
      receipts.forEach((receipt, i) => {
        const key = sent[i]!.key!;
        expect(partitionOfKey.get(key) ?? receipt.partition, `partition of ${key}`).toBe(receipt.partition);
        partitionOfKey.set(key, receipt.partition);
        const offset = BigInt(receipt.offset);
        expect(offset > (lastOffset.get(receipt.partition) ?? -1n), `offsets grow in publish order on partition ${receipt.partition}`).toBe(true);
        lastOffset.set(receipt.partition, offset);
      });

      const seen = recorder();
      await subscribe({ groupId: uniqueName('contract-group'), topics: [topic], handler: seen.handler });
      await waitFor('2,000 messages', () => seen.messages.length >= 2_000, WAIT_MS);
      const byKey = sequencesByKey(seen.messages);
      expect(byKey.size).toBe(40);
      for (const key of keys) expect(byKey.get(key), key).toEqual(range(0, 50));
      for (const m of seen.messages) expect(m.partition).toBe(partitionOfKey.get(m.key!));
      for (const batch of seen.batches) {
        const offsets = batch.messages.map((m) => BigInt(m.offset));
        for (let i = 1; i < offsets.length; i++) expect(offsets[i]! > offsets[i - 1]!, 'offsets ascend within a batch').toBe(true);
      }
    }, TEST_MS);

    it('redelivers a batch after a retriable handler error, holding back only that partition', async () => {
      const topic = await newTopic();
      const stuck = await bus.publish(topic, range(0, 10).map((seq) => sequenced('stuck', seq)));
      const stuckPartition = stuck[0]!.partition;
      const others = await bus.publish(topic, range(0, 40).map((i) => sequenced(`free-${i}`, 0)));
      const freeElsewhere = others.filter((r) => r.partition !== stuckPartition).map(tp);

      let failing = true;
      const handled: ConsumedMessage[] = [];
      const failures: { attempt: number; partition: number; first: string; error: unknown }[] = [];
      await subscribe({
        groupId: uniqueName('contract-group'),
        topics: [topic],
        retry: { initialMs: 50, maxMs: 200 },
        handler: (batch) => {
          if (failing && batch.partition === stuckPartition) return Promise.reject(new Error('transient outage'));
          handled.push(...batch.messages);
          return Promise.resolve();
        },
        onHandlerError: (error, batch, attempt) => {
          failures.push({ attempt, partition: batch.partition, first: batch.messages[0]!.offset, error });
        },
      });

      await waitFor('three failed attempts on the stuck partition', () => failures.length >= 3, WAIT_MS);
      // Meanwhile every other partition went on.
      await waitFor('messages on other partitions', () => freeElsewhere.every((k) => handled.some((m) => tp(m) === k)), WAIT_MS);
      expect(handled.some((m) => m.partition === stuckPartition)).toBe(false);
      expect(failures.slice(0, 3).map((f) => f.attempt)).toEqual([1, 2, 3]);
      expect(new Set(failures.map((f) => f.first)).size, 'redelivery starts at the same offset').toBe(1);
      expect(failures.every((f) => f.partition === stuckPartition && (f.error as Error).message === 'transient outage')).toBe(true);

      failing = false;
      await waitFor('all 50 messages handled', () => handled.length >= 50, WAIT_MS);
      expect(sequencesByKey(handled).get('stuck')).toEqual(range(0, 10));
      expect(new Set(handled.map(tp)).size).toBe(handled.length);
    }, TEST_MS);

    it('stops on a non-retriable handler error: done rejects FGC_BUS_HANDLER_FAILED with the cause, nothing committed', async () => {
      const topic = await newTopic();
      const groupId = uniqueName('contract-group');
      await bus.publish(topic, range(0, 3).map((seq) => sequenced('poison', seq)));
      const poison = new FgcError('FGC_SERDE_DECODE_FAILED', 'cannot decode this record');
      let calls = 0;
      const attempts: number[] = [];
      const subscription = await subscribe({
        groupId,
        topics: [topic],
        retry: { initialMs: 10, maxMs: 10 },
        handler: () => {
          calls += 1;
          return Promise.reject(poison);
        },
        onHandlerError: (_error, _batch, attempt) => attempts.push(attempt),
      });
      const failure = await subscription.done.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isFgcError(failure)).toBe(true);
      expect((failure as FgcError).code).toBe('FGC_BUS_HANDLER_FAILED');
      expect((failure as FgcError).cause).toBe(poison);
      expect(calls).toBe(1);
      expect(attempts).toEqual([1]);
      expect(totalLag(await bus.lag(groupId, [topic]))).toBe(3);
    }, TEST_MS);

    it('redelivers the uncommitted batch of a member that died to the next member of the group (across a restart when available)', async () => {
      const topic = await newTopic();
      const groupId = uniqueName('contract-group');
      await bus.publish(topic, range(0, 5).map((seq) => sequenced('job', seq)));
      const first: ConsumedMessage[] = [];
      const dying = await subscribe({
        groupId,
        topics: [topic],
        handler: (batch) => {
          first.push(...batch.messages);
          // Handles 0..4; dies (non-retriable) on anything later, before it could commit.
          return batch.messages.some((m) => seqOf(m) >= 5) ? Promise.reject(new FgcError('FGC_SERDE_DECODE_FAILED', 'member dies')) : Promise.resolve();
        },
      });
      await waitFor('0..4 committed', async () => totalLag(await bus.lag(groupId, [topic])) === 0 && first.length >= 5, WAIT_MS);
      await bus.publish(topic, range(5, 10).map((seq) => sequenced('job', seq)));
      await expect(dying.done).rejects.toMatchObject({ code: 'FGC_BUS_HANDLER_FAILED' });
      expect(first.map(seqOf)).toContain(5);

      await restartIfPossible();
      const second = recorder();
      await subscribe({ groupId, topics: [topic], handler: second.handler });
      await waitFor('5..9 redelivered', () => second.messages.length >= 5, WAIT_MS);
      await sleep(200);
      expect(second.messages.map(seqOf)).toEqual(range(5, 10));
    }, TEST_MS);

    it('resumes from committed offsets: after close (and restart) the group sees only new messages; a new group sees all', async () => {
      const topic = await newTopic();
      const groupId = uniqueName('contract-group');
      const keys = range(0, 10).map((i) => `resume-${i}`);
      await bus.publish(topic, range(0, 3).flatMap((seq) => keys.map((key) => sequenced(key, seq))));
      const before = recorder();
      const subscription = await subscribe({ groupId, topics: [topic], handler: before.handler });
      await waitFor('first 30 messages', () => before.messages.length >= 30, WAIT_MS);
      await subscription.close();
      await expect(subscription.done).resolves.toBeUndefined();
      const lags = await bus.lag(groupId, [topic]);
      expect(totalLag(lags)).toBe(0);
      expect(lags.every((l) => l.committed === l.end)).toBe(true);

      await restartIfPossible();
      await bus.publish(topic, range(3, 6).flatMap((seq) => keys.map((key) => sequenced(key, seq))));
      const after = recorder();
      await subscribe({ groupId, topics: [topic], handler: after.handler });
      await waitFor('the 30 new messages', () => after.messages.length >= 30, WAIT_MS);
      // Every key's new messages came; per partition order means old ones would have come first.
      for (const key of keys) expect(sequencesByKey(after.messages).get(key), key).toEqual([3, 4, 5]);

      const fresh = recorder();
      await subscribe({ groupId: uniqueName('contract-group'), topics: [topic], handler: fresh.handler });
      await waitFor('all 60 messages for a new group', () => fresh.messages.length >= 60, WAIT_MS);
      for (const key of keys) expect(sequencesByKey(fresh.messages).get(key), key).toEqual(range(0, 6));
    }, TEST_MS);

    it('shares the partitions between two members of a group, each message seen once, and rebalances when one leaves', async () => {
      const topic = await newTopic();
      const groupId = uniqueName('contract-group');
      const a = recorder();
      const b = recorder();
      const memberA = await subscribe({ groupId, topics: [topic], handler: a.handler });
      await waitFor('A assigned', () => memberA.assignments().length > 0, WAIT_MS);
      // Alone in the group, A holds every partition of the topic.
      const partitionCount = memberA.assignments().length;
      const memberB = await subscribe({ groupId, topics: [topic], handler: b.handler });
      const key = (t: { partition: number }): number => t.partition;
      await waitFor('assignments split', () => {
        const ofA = memberA.assignments().map(key);
        const ofB = memberB.assignments().map(key);
        const disjoint = ofA.every((p) => !ofB.includes(p));
        const complete = new Set([...ofA, ...ofB]).size === partitionCount;
        return disjoint && complete && (partitionCount < 2 || (ofA.length > 0 && ofB.length > 0));
      }, REBALANCE_MS);
      expect(memberA.assignments().every((t) => t.topic === topic)).toBe(true);

      const receipts = await bus.publish(topic, range(0, 400).map((i) => sequenced(`share-${i % 50}`, Math.floor(i / 50))));
      await waitFor('400 messages between the two', () => a.messages.length + b.messages.length >= 400, WAIT_MS);
      const all = [...a.messages, ...b.messages];
      expect(new Set(all.map(tp)).size).toBe(400);
      expect(new Set(all.map(tp))).toEqual(new Set(receipts.map(tp)));
      const partsA = new Set(memberA.assignments().map(key));
      expect(a.messages.every((m) => partsA.has(m.partition))).toBe(true);
      expect(b.messages.every((m) => !partsA.has(m.partition))).toBe(true);
      for (const [k, seqs] of sequencesByKey(all)) expect(seqs, k).toEqual(range(0, 8));

      await memberB.close();
      const seenByB = b.messages.length;
      await waitFor('A takes every partition back', () => memberA.assignments().length === partitionCount, REBALANCE_MS);
      const more = await bus.publish(topic, range(0, 50).map((i) => sequenced(`share-${i}`, 8)));
      await waitFor('A sees the new messages', () => more.every((r) => a.messages.some((m) => tp(m) === tp(r))), WAIT_MS);
      expect(b.messages).toHaveLength(seenByB);
      expect(new Set([...a.messages, ...b.messages].map(tp)).size).toBe(450);
    }, TEST_MS);

    it('delivers from every topic of a multi-topic subscription, each batch from one topic and partition', async () => {
      const [orders, receipts] = [await newTopic(), await newTopic()];
      await bus.publish(orders, range(0, 30).map((i) => sequenced(`order-${i % 3}`, Math.floor(i / 3))));
      await bus.publish(receipts, range(0, 20).map((i) => sequenced(`receipt-${i % 2}`, Math.floor(i / 2))));
      const seen = recorder();
      const subscription = await subscribe({ groupId: uniqueName('contract-group'), topics: [orders, receipts], handler: seen.handler });
      await waitFor('50 messages from two topics', () => seen.messages.length >= 50, WAIT_MS);
      expect(new Set(subscription.assignments().map((t) => t.topic))).toEqual(new Set([orders, receipts]));
      for (const batch of seen.batches) expect(batch.messages.every((m) => m.topic === batch.topic && m.partition === batch.partition)).toBe(true);
      expect(seen.messages.filter((m) => m.topic === orders)).toHaveLength(30);
      expect(seen.messages.filter((m) => m.topic === receipts)).toHaveLength(20);
      const byKey = sequencesByKey(seen.messages);
      for (const key of ['order-0', 'order-1', 'order-2']) expect(byKey.get(key), key).toEqual(range(0, 10));
      for (const key of ['receipt-0', 'receipt-1']) expect(byKey.get(key), key).toEqual(range(0, 10));
    }, TEST_MS);

    it('pause() stops delivery and resume() continues it', async () => {
      const topic = await newTopic();
      const seen = recorder();
      const subscription = await subscribe({ groupId: uniqueName('contract-group'), topics: [topic], handler: seen.handler });
      await bus.publish(topic, [sequenced('p', 0)]);
      await waitFor('the first message', () => seen.messages.length === 1, WAIT_MS);
      subscription.pause();
      await bus.publish(topic, range(1, 21).map((seq) => sequenced('p', seq)));
      await sleep(QUIET_MS);
      expect(seen.messages).toHaveLength(1);
      subscription.resume();
      await waitFor('the 20 held messages', () => seen.messages.length >= 21, WAIT_MS);
      expect(seen.messages.map(seqOf)).toEqual(range(0, 21));
    }, TEST_MS);

    it('reports lag of published-but-unconsumed messages per partition, down to zero once consumed', async () => {
      const topic = await newTopic();
      const groupId = uniqueName('contract-group');
      const receipts = await bus.publish(topic, range(0, 25).map((i) => sequenced(`lag-${i}`, 0)));
      const lags = await bus.lag(groupId, [topic]);
      expect(totalLag(lags)).toBe(25);
      for (const l of lags) {
        expect(l.topic).toBe(topic);
        expect(l.committed).toBe('0');
        const published = receipts.filter((r) => r.partition === l.partition).length;
        expect(Number(l.end) - Number(l.committed)).toBe(published);
        expect(l.lag).toBe(published);
      }
      expect(new Set(receipts.map((r) => r.partition)).size).toBeLessThanOrEqual(lags.length);

      const seen = recorder();
      await subscribe({ groupId, topics: [topic], handler: seen.handler });
      await waitFor('lag drops to zero', async () => totalLag(await bus.lag(groupId, [topic])) === 0, WAIT_MS);
      expect((await bus.lag(groupId, [topic])).every((l) => l.committed === l.end)).toBe(true);
      expect(seen.messages).toHaveLength(25);
    }, TEST_MS);

    it('close() lets the in-flight batch finish and commits it before done resolves', async () => {
      const topic = await newTopic();
      const groupId = uniqueName('contract-group');
      await bus.publish(topic, range(0, 5).map((seq) => sequenced('slow', seq)));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const inFlight: MessageBatch[] = [];
      const subscription = await subscribe({
        groupId,
        topics: [topic],
        handler: async (batch) => {
          inFlight.push(batch);
          await gate;
        },
      });
      let closed = false;
      let closing: Promise<unknown> | undefined;
      try {
        await waitFor('a batch in flight', () => inFlight.length > 0, WAIT_MS);
        closing = subscription.close().then(() => (closed = true));
        await sleep(300);
        expect(closed, 'close waits for the handler').toBe(false);
      } finally {
        // Never leave the handler blocked: closing would wait for it forever.
        release();
      }
      await closing;
      await expect(subscription.done).resolves.toBeUndefined();
      const batch = inFlight[0]!;
      const last = BigInt(batch.messages[batch.messages.length - 1]!.offset);
      const lag = (await bus.lag(groupId, [topic])).find((l) => l.partition === batch.partition)!;
      expect(BigInt(lag.committed)).toBeGreaterThanOrEqual(last + 1n);
    }, TEST_MS);
  });
}
