/**
 * The event-bus contract against the embedded log, plus what only the embedded adapter has: its
 * partitioner, its files (segments, torn-tail recovery, persisted partition counts) and its
 * in-process group hand-over.
 */
import { appendFile, readFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedEventBus, type EmbeddedEventBusOptions } from '../../infra/event-bus/embedded-event-bus.js';
import type { BusMessage, ConsumedMessage, EventBus, MessageBatch, PublishReceipt } from '../../infra/event-bus/event-bus.js';
import { createKeyPartitioner, murmur2, partitionForKey } from '../../infra/event-bus/key-partitioner.js';
import { silentLogger } from '../../infra/logger.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { describeEventBusContract } from './event-bus.contract.js';

describeEventBusContract('embedded', async () => {
  const dir = await tempDir('forgecast-bus-contract-');
  const open = (): Promise<EventBus> => createEmbeddedEventBus({ dir: dir.path, partitions: 4, fsync: false, logger: silentLogger() });
  let bus = await open();
  return {
    bus,
    restart: async () => {
      await bus.close();
      bus = await open();
      return bus;
    },
    cleanup: async () => {
      await bus.close();
      await dir.remove();
    },
  };
});

const message = (key: string | null, text: string): BusMessage => ({ key, value: Buffer.from(text) });
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Everything a group reads from the start of `topic`, once `count` messages arrived. */
async function consumeAll(bus: EventBus, topic: string, count: number, groupId = `all-${Math.random()}`): Promise<ConsumedMessage[]> {
  const seen: ConsumedMessage[] = [];
  const subscription = await bus.subscribe({
    groupId,
    topics: [topic],
    handler: (batch) => {
      seen.push(...batch.messages);
      return Promise.resolve();
    },
  });
  await waitFor(`${count} messages of ${topic}`, () => seen.length >= count);
  await sleep(50);
  await subscription.close();
  return seen;
}

describe('embedded event bus', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let buses: EventBus[] = [];

  beforeEach(async () => {
    dir = await tempDir('forgecast-bus-');
  });
  afterEach(async () => {
    await Promise.allSettled(buses.map((b) => b.close()));
    buses = [];
    await dir.remove();
  });

  async function openBus(options: Partial<EmbeddedEventBusOptions> = {}): Promise<EventBus> {
    const bus = await createEmbeddedEventBus({ dir: dir.path, partitions: 4, fsync: false, logger: silentLogger(), ...options });
    buses.push(bus);
    return bus;
  }

  async function reopen(bus: EventBus, options: Partial<EmbeddedEventBusOptions> = {}): Promise<EventBus> {
    await bus.close();
    return openBus(options);
  }

  const segmentDir = (topic: string, partition: number): string => path.join(dir.path, 'topics', topic, String(partition));

  it("partitions keys with Kafka's murmur2 (the Java client's test vectors) and spreads null keys round-robin", async () => {
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of vectors) {
      expect(murmur2(Buffer.from(key)), key).toBe(hash);
      expect(partitionForKey(key, 7), key).toBe((hash & 0x7fffffff) % 7);
    }
    // Non-ASCII keys hash their UTF-8 bytes.
    expect(partitionForKey('é-key-ü', 1000)).toBe((murmur2(Buffer.from('é-key-ü', 'utf8')) & 0x7fffffff) % 1000);
    const roundRobin = createKeyPartitioner(3);
    expect(range(0, 7).map(() => roundRobin(null))).toEqual([0, 1, 2, 0, 1, 2, 0]);

    const bus = await openBus();
    const receipts = await bus.publish('murmur', vectors.map(([key]) => message(key, key)));
    expect(receipts.map((r) => r.partition)).toEqual(vectors.map(([, hash]) => (hash & 0x7fffffff) % 4));
  });

  it('keeps the partition count a topic was created with when reopened with another setting', async () => {
    let bus = await openBus({ partitions: 3 });
    await bus.ensureTopics([{ topic: 'fixed' }, { topic: 'explicit', partitions: 2 }]);
    bus = await reopen(bus, { partitions: 8 });
    const receipts = await bus.publish('fixed', range(0, 200).map((i) => message(`k${i}`, 'v')));
    expect(new Set(receipts.map((r) => r.partition))).toEqual(new Set([0, 1, 2]));
    expect((await bus.lag('g', ['fixed', 'explicit'])).map((l) => `${l.topic}[${l.partition}]`)).toEqual(['fixed[0]', 'fixed[1]', 'fixed[2]', 'explicit[0]', 'explicit[1]']);
    await bus.ensureTopics([{ topic: 'fixed', partitions: 5 }]);
    expect(await bus.lag('g', ['fixed'])).toHaveLength(3);
    // New topics get the new setting; unknown topics are not created by lag().
    await bus.publish('fresh', [message('k', 'v')]);
    expect(await bus.lag('g', ['fresh', 'never-created'])).toHaveLength(8);
  });

  it('rolls segments named by base offset and reads across them, also resuming mid-segment after a restart', async () => {
    let bus = await openBus({ segmentBytes: 4096 });
    const receipts: PublishReceipt[] = [];
    for (let call = 0; call < 10; call++) {
      receipts.push(...(await bus.publish('rolling', range(call * 30, call * 30 + 30).map((i) => message('one-key', `${i}`.padStart(100, '.'))))));
    }
    const partition = receipts[0]!.partition;
    expect(receipts.map((r) => r.offset)).toEqual(range(0, 300).map(String));
    const files = (await readdir(segmentDir('rolling', partition))).sort();
    // Each 30-message write (≈ 4.4 KB) fills a segment past 4,096 bytes, so the next write rolls.
    expect(files).toEqual(range(0, 10).map((i) => `${String(i * 30).padStart(20, '0')}.log`));

    const all = await consumeAll(bus, 'rolling', 300);
    expect(all.map((m) => Number(m.offset))).toEqual(range(0, 300));

    // A caught-up consumer follows the log across rolls as they happen.
    const live: ConsumedMessage[] = [];
    const follower = await bus.subscribe({
      groupId: 'live',
      topics: ['rolling-live'],
      handler: (batch) => {
        live.push(...batch.messages);
        return Promise.resolve();
      },
    });
    for (let call = 0; call < 10; call++) {
      await bus.publish('rolling-live', range(call * 30, call * 30 + 30).map((i) => message('one-key', `${i}`.padStart(100, '.'))));
      await waitFor(`live consumer at ${call * 30 + 30}`, () => live.length === call * 30 + 30);
    }
    await follower.close();
    expect(live.map((m) => Number(m.offset))).toEqual(range(0, 300));
    expect((await readdir(segmentDir('rolling-live', live[0]!.partition))).length).toBe(10);
    expect(all.map((m) => Number(m.value.toString().replace(/^\.+/, '')))).toEqual(range(0, 300));

    // A group that stops (non-retriable) at offset 145 commits 145: the middle of segment 120.
    const groupId = 'mid-segment';
    const stopping = await bus.subscribe({
      groupId,
      topics: ['rolling'],
      maxBatchSize: 5,
      handler: (batch: MessageBatch) => (batch.messages.some((m) => m.offset === '145') ? Promise.reject(new Error('stop here')) : Promise.resolve()),
      onHandlerError: () => undefined,
      retry: { initialMs: 1, maxMs: 1 },
    });
    // A plain Error is retriable (not an FgcError): it keeps redelivering 145..149 until closed.
    await waitFor('committed up to 145', async () => (await bus.lag(groupId, ['rolling'])).find((l) => l.partition === partition)!.committed === '145');
    await stopping.close();
    bus = await reopen(bus, { segmentBytes: 4096 });
    const rest = await consumeAll(bus, 'rolling', 155, groupId);
    expect(rest.map((m) => Number(m.offset))).toEqual(range(145, 300));
    expect((await bus.publish('rolling', [message('one-key', 'next')]))[0]!.offset).toBe('300');
  });

  it('truncates a torn tail on open — garbage, a partial frame, a whole frame with a bad CRC — keeping every whole message', async () => {
    const corruptions: Record<string, (file: string) => Promise<void>> = {
      garbage: (file) => appendFile(file, randomBytes(57)),
      'partial frame': async (file) => appendFile(file, (await readFile(file)).subarray(0, 30)),
      'bad CRC': async (file) => {
        // A copy of the first frame carrying the next offset (20), so only its CRC can reject it.
        const bytes = await readFile(file);
        const frame = Buffer.from(bytes.subarray(0, 8 + bytes.readUInt32LE(0)));
        frame.writeUInt32LE(20, 12);
        frame[frame.length - 1]! ^= 0xff;
        await appendFile(file, frame);
      },
    };
    let bus = await openBus();
    for (const [kind, corrupt] of Object.entries(corruptions)) {
      const topic = `torn-${kind.replace(/\W/g, '-')}`;
      const receipts = await bus.publish(topic, range(0, 20).map((i) => message('same-key', `${kind}-${i}`)));
      const partition = receipts[0]!.partition;
      const file = path.join(segmentDir(topic, partition), `${'0'.padStart(20, '0')}.log`);
      bus = await reopen(bus);
      const size = (await stat(file)).size;
      await corrupt(file);
      expect((await stat(file)).size, kind).toBeGreaterThan(size);
      bus = await reopen(bus);
      const next = await bus.publish(topic, [message('same-key', `${kind}-20`)]);
      expect(next[0]!.offset, kind).toBe('20');
      const all = await consumeAll(bus, topic, 21);
      expect(all.map((m) => m.value.toString()), kind).toEqual(range(0, 21).map((i) => `${kind}-${i}`));
    }

    // A write cut short inside the last frame: that frame (never acknowledged) goes, the rest stays.
    const receipts = await bus.publish('torn-cut', range(0, 10).map((i) => message('k', `cut-${i}`)));
    bus = await reopen(bus);
    const file = path.join(segmentDir('torn-cut', receipts[0]!.partition), `${'0'.padStart(20, '0')}.log`);
    await truncate(file, (await stat(file)).size - 5);
    bus = await reopen(bus);
    expect((await bus.publish('torn-cut', [message('k', 'again')]))[0]!.offset).toBe('9');
    expect((await consumeAll(bus, 'torn-cut', 10)).map((m) => m.value.toString())).toEqual([...range(0, 9).map((i) => `cut-${i}`), 'again']);
  });

  it('serializes concurrent publishes to one partition: gap-free offsets, each call contiguous, consumed in offset order', async () => {
    const bus = await openBus();
    const calls = await Promise.all(range(0, 50).map((call) => bus.publish('concurrent', range(0, 100).map((i) => message('hot', `${call}:${i}`)))));
    const offsets = calls.flat().map((r) => Number(r.offset));
    expect([...offsets].sort((a, b) => a - b)).toEqual(range(0, 5000));
    for (const receipts of calls) {
      const first = Number(receipts[0]!.offset);
      expect(receipts.map((r) => Number(r.offset))).toEqual(range(first, first + 100));
    }
    const byOffset = new Map(calls.flatMap((receipts, call) => receipts.map((r, i) => [r.offset, `${call}:${i}`] as const)));
    const all = await consumeAll(bus, 'concurrent', 5000);
    expect(all.map((m) => Number(m.offset))).toEqual(range(0, 5000));
    for (const m of all) expect(m.value.toString()).toBe(byOffset.get(m.offset));
  });

  it('hands a partition to a new member only after the old member finished and committed its in-flight batch', async () => {
    const bus = await openBus();
    await bus.ensureTopics([{ topic: 'handover', partitions: 2 }]);
    const receipts = await bus.publish('handover', range(0, 40).map((i) => message(`key-${i}`, `first-${i}`)));
    expect(new Set(receipts.map((r) => r.partition))).toEqual(new Set([0, 1]));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seenByA: ConsumedMessage[] = [];
    const a = await bus.subscribe({
      groupId: 'handover',
      topics: ['handover'],
      handler: async (batch) => {
        await gate;
        seenByA.push(...batch.messages);
      },
    });
    const seenByB: ConsumedMessage[] = [];
    try {
      await waitFor('A holds both partitions', () => a.assignments().length === 2);
      await sleep(50);
      const b = await bus.subscribe({
        groupId: 'handover',
        topics: ['handover'],
        handler: (batch) => {
          seenByB.push(...batch.messages);
          return Promise.resolve();
        },
      });
      expect(a.assignments().map((t) => t.partition)).toEqual([0]);
      expect(b.assignments().map((t) => t.partition)).toEqual([1]);
      await sleep(300);
      expect(seenByB, 'B waits while A still handles partition 1').toEqual([]);
    } finally {
      // Never leave A blocked: closing the bus waits for its in-flight batch.
      release();
    }
    await waitFor('A finishes both batches', () => seenByA.length === 40);
    const later = await bus.publish('handover', range(0, 40).map((i) => message(`key-${i}`, `second-${i}`)));
    const laterOn1 = later.filter((r) => r.partition === 1).length;
    await waitFor('B gets the new messages of partition 1', () => seenByB.length >= laterOn1);
    await sleep(100);
    expect(seenByB.map((m) => m.value.toString().split('-')[0])).toEqual(Array<string>(laterOn1).fill('second'));
    await a.close();
  });

  it('wakes an idle consumer on append instead of waiting for the poll fallback', async () => {
    const bus = await openBus();
    const arrivals: number[] = [];
    const subscription = await bus.subscribe({
      groupId: 'prompt',
      topics: ['prompt'],
      handler: () => {
        arrivals.push(performance.now());
        return Promise.resolve();
      },
    });
    const latencies: number[] = [];
    for (let round = 0; round < 5; round++) {
      await sleep(120); // idle: the consumer is waiting
      const sent = performance.now();
      await bus.publish('prompt', [message('k', `${round}`)]);
      await waitFor(`delivery ${round}`, () => arrivals.length > round, 5_000, 2);
      latencies.push(arrivals[round]! - sent);
    }
    await subscription.close();
    // The poll fallback is 500 ms: polling alone would rarely deliver four of five this fast.
    expect(latencies.filter((ms) => ms < 150).length, `latencies ${latencies.map((ms) => ms.toFixed(1)).join(', ')} ms`).toBeGreaterThanOrEqual(4);
  });

  it('refuses invalid topics, use after close and a second bus on one directory; fsync mode works the same', async () => {
    const bus = await openBus({ fsync: true });
    await expect(openBus()).rejects.toMatchObject({ code: 'FGC_BUS_UNAVAILABLE' });
    await expect(bus.publish('../escape', [message('k', 'v')])).rejects.toMatchObject({ code: 'FGC_BUS_INVALID_REQUEST' });
    await expect(bus.ensureTopics([{ topic: 'bad/name' }])).rejects.toMatchObject({ code: 'FGC_BUS_INVALID_REQUEST' });
    await expect(bus.publish('ok', [{ key: 'k', value: 'not a buffer' as unknown as Buffer }])).rejects.toMatchObject({ code: 'FGC_BUS_INVALID_REQUEST' });

    const receipts = await bus.publish('durable', range(0, 50).map((i) => message(`k${i % 5}`, `v${i}`)));
    expect(receipts).toHaveLength(50);
    expect(await consumeAll(bus, 'durable', 50)).toHaveLength(50);
    await bus.ping();
    await bus.close();
    await expect(bus.publish('durable', [message('k', 'v')])).rejects.toMatchObject({ code: 'FGC_BUS_CLOSED' });
    await expect(bus.ping()).rejects.toMatchObject({ code: 'FGC_BUS_UNAVAILABLE' });
    // A temp file a crash left mid-way through an offsets write is cleared on open.
    const stale = path.join(dir.path, 'groups', 'g.json.4242.1.tmp');
    await writeFile(stale, '{"half":');
    const again = await openBus();
    await expect(stat(stale)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await consumeAll(again, 'durable', 50)).toHaveLength(50);
  });
});
