/**
 * The embedded event bus: a durable, partitioned, append-only log in the data directory that gives
 * the semantics of the event-bus port (see event-bus.ts) without a broker. It is the stream of a
 * fresh machine; Kafka (kafkajs-event-bus.ts) is the stream of a deployment, and both pass the one
 * contract suite in test/contracts/event-bus.contract.ts.
 *
 * On disk (`dir` is `<FORGECAST_DATA_DIR>/bus` in the runtime):
 *
 *   topics/<topic>/topic.json               partition count, fixed at creation   (embedded-topic.ts)
 *   topics/<topic>/<partition>/<base>.log   segments of CRC-framed messages      (embedded-log-partition.ts,
 *                                                                                  embedded-log-frame.ts)
 *   groups/<group>.json                     committed offsets per group          (embedded-consumer-group.ts)
 *
 * How the port's promises are kept:
 * - Durability: `publish` resolves after the bytes were written to the segment file (in the page
 *   cache, so they survive `kill -9`); with `fsync` also after `fdatasync` (they survive power loss).
 * - Order per key: partition = positive(murmur2(key)) % partitions, as Kafka's Java client
 *   (key-partitioner.ts); null keys round-robin. Offsets are sequential per partition, and one
 *   partition is consumed by one member at a time, batch after batch.
 * - At-least-once: a group's offset advances only after the handler resolved for a batch; after a
 *   crash the group resumes from the persisted offset, which never leads what was handled.
 * - Crash safety: a torn tail (a write cut short by a kill) fails the frame CRC and is truncated
 *   when the partition is opened; the small JSON files are replaced atomically (infra/durable-files.ts).
 * - Consumer groups are per process: members of one group in this process share the partitions
 *   (embedded-consumer-group.ts). The runtime's data-directory lock (../data-dir-lock.ts) keeps a
 *   second process off the same directory; this module refuses to open a directory twice in one
 *   process. The consumer loop and its states are in embedded-subscription.ts.
 * - Throughput: a publish call becomes one buffer and one write per partition, concurrent calls are
 *   coalesced into a single write; consumers read 1 MiB chunks and decode values as views into them.
 *
 * Known limits: no retention (segments are kept until the topic directory is removed) and no
 * consumption across processes.
 */
import { access, constants, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { BusMessage, EventBus, PartitionLag, PublishReceipt, SubscribeOptions, Subscription, TopicSpec } from './event-bus.js';
import type { Logger } from '../logger.js';
import { FgcError } from '../errors.js';
import { ConsumerGroup } from './embedded-consumer-group.js';
import { DEFAULT_SEGMENT_BYTES } from './embedded-log-partition.js';
import { EmbeddedSubscription } from './embedded-subscription.js';
import { removeStaleTempFiles } from '../durable-files.js';
import { assertTopicName, openTopic, type EmbeddedTopic } from './embedded-topic.js';

export interface EmbeddedEventBusOptions {
  /** Directory of the log; created when missing. */
  readonly dir: string;
  /** Partitions of topics this bus creates (FORGECAST_BUS_PARTITIONS); existing topics keep theirs. */
  readonly partitions: number;
  /** `fdatasync` every append before acknowledging it (FORGECAST_BUS_FSYNC). */
  readonly fsync: boolean;
  readonly logger: Logger;
  /** Size at which a segment rolls (default 32 MiB, see embedded-log-partition.ts); tests lower it. */
  readonly segmentBytes?: number;
}

/** Directories opened by a live bus in this process: two buses appending to one log would corrupt it. */
const openDirs = new Set<string>();

function invalid(message: string): FgcError {
  return new FgcError('FGC_BUS_INVALID_REQUEST', message);
}

/** `Array.isArray` without narrowing: the typed parameter must still be checked for JS callers. */
function isArray(value: unknown): boolean {
  return Array.isArray(value);
}

function positiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

/** Opens the embedded bus over `options.dir`. */
export async function createEmbeddedEventBus(options: EmbeddedEventBusOptions): Promise<EventBus> {
  if (!positiveInteger(options.partitions)) throw invalid(`partitions must be a positive integer, got ${String(options.partitions)}`);
  const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  if (!positiveInteger(segmentBytes)) throw invalid(`segmentBytes must be a positive integer, got ${String(segmentBytes)}`);
  const dir = path.resolve(options.dir);
  if (openDirs.has(dir)) throw new FgcError('FGC_BUS_UNAVAILABLE', `${dir} is already open by another embedded event bus in this process`);
  openDirs.add(dir);
  try {
    await mkdir(path.join(dir, 'topics'), { recursive: true });
    await mkdir(path.join(dir, 'groups'), { recursive: true });
    // Only this bus writes here (the runtime's data-directory lock keeps other processes away).
    await removeStaleTempFiles(path.join(dir, 'groups'));
  } catch (cause) {
    openDirs.delete(dir);
    throw new FgcError('FGC_BUS_UNAVAILABLE', `cannot open the embedded log in ${dir}`, { cause });
  }
  options.logger.debug({ dir, partitions: options.partitions, fsync: options.fsync, segmentBytes }, 'embedded bus: opened');
  return new EmbeddedEventBus(dir, options.partitions, options.fsync, segmentBytes, options.logger);
}

class EmbeddedEventBus implements EventBus {
  readonly kind = 'embedded' as const;
  readonly #topics = new Map<string, EmbeddedTopic>();
  readonly #opening = new Map<string, Promise<EmbeddedTopic | undefined>>();
  readonly #groups = new Map<string, Promise<ConsumerGroup>>();
  readonly #subscriptions = new Set<EmbeddedSubscription>();
  #closing: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly defaultPartitions: number,
    private readonly fsync: boolean,
    private readonly segmentBytes: number,
    private readonly logger: Logger,
  ) {}

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new FgcError('FGC_BUS_CLOSED', 'the embedded event bus is closed');
  }

  /** The open topic, opening it (and creating it with `createWith` partitions) when needed. */
  async #topic(name: string, createWith: number | undefined): Promise<EmbeddedTopic | undefined> {
    const known = this.#topics.get(name);
    if (known !== undefined) return known;
    let pending = this.#opening.get(name);
    if (pending === undefined) {
      pending = openTopic(name, { root: path.join(this.dir, 'topics'), createWith, fsync: this.fsync, segmentBytes: this.segmentBytes, logger: this.logger })
        .then((topic) => {
          if (topic !== undefined) this.#topics.set(name, topic);
          return topic;
        })
        .finally(() => this.#opening.delete(name));
      this.#opening.set(name, pending);
    }
    const topic = await pending;
    // A concurrent open that was not allowed to create found nothing: this caller may create.
    if (topic === undefined && createWith !== undefined) return this.#topic(name, createWith);
    return topic;
  }

  /** Opens or auto-creates a topic with the default partition count, as Kafka's auto-create does. */
  async #useTopic(name: string): Promise<EmbeddedTopic> {
    const topic = await this.#topic(name, this.defaultPartitions);
    this.#assertOpen();
    return topic!;
  }

  #group(groupId: string): Promise<ConsumerGroup> {
    let group = this.#groups.get(groupId);
    if (group === undefined) {
      group = ConsumerGroup.load(path.join(this.dir, 'groups'), groupId, this.fsync, this.logger);
      this.#groups.set(groupId, group);
      // A failed load is not cached: the next call tries again.
      group.catch(() => this.#groups.delete(groupId));
    }
    return group;
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    this.#assertOpen();
    for (const spec of topics) {
      if (spec.partitions !== undefined && !positiveInteger(spec.partitions)) throw invalid(`partitions of ${spec.topic} must be a positive integer`);
      await this.#topic(spec.topic, spec.partitions ?? this.defaultPartitions);
    }
    this.#assertOpen();
  }

  async publish(topicName: string, messages: readonly BusMessage[]): Promise<PublishReceipt[]> {
    this.#assertOpen();
    assertTopicName(topicName);
    if (!isArray(messages)) throw invalid('publish expects an array of messages');
    const topic = this.#topics.get(topicName) ?? (await this.#useTopic(topicName));
    const count = messages.length;
    if (count === 0) return [];
    const partitions = topic.partitions;
    // Split the call by partition, remembering each message's place, so every partition gets one
    // append (one buffer, one write) and receipts come back in input order.
    const partitionOf = new Int32Array(count);
    const indexInPartition = new Int32Array(count);
    const perPartition: BusMessage[][] = partitions.map(() => []);
    for (let i = 0; i < count; i++) {
      const message = messages[i]!;
      const key = message.key;
      if (key !== null && typeof key !== 'string') throw invalid('message key must be a string or null');
      const partition = topic.partitionFor(key);
      const bucket = perPartition[partition]!;
      partitionOf[i] = partition;
      indexInPartition[i] = bucket.length;
      bucket.push(message);
    }
    const bases = await Promise.all(perPartition.map((bucket, p) => (bucket.length === 0 ? Promise.resolve(0) : partitions[p]!.append(bucket))));
    const receipts = new Array<PublishReceipt>(count);
    for (let i = 0; i < count; i++) {
      const partition = partitionOf[i]!;
      receipts[i] = { topic: topicName, partition, offset: String(bases[partition]! + indexInPartition[i]!) };
    }
    return receipts;
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.#assertOpen();
    if (!isArray(options.topics) || options.topics.length === 0) throw invalid('subscribe needs at least one topic');
    if (typeof options.handler !== 'function') throw invalid('subscribe needs a handler');
    if (options.maxBatchSize !== undefined && !positiveInteger(options.maxBatchSize)) throw invalid('maxBatchSize must be a positive integer');
    const { initialMs, maxMs } = options.retry ?? {};
    for (const ms of [initialMs, maxMs]) {
      if (ms !== undefined && !(typeof ms === 'number' && ms >= 0 && Number.isFinite(ms))) throw invalid('retry delays must be finite numbers ≥ 0');
    }
    for (const name of options.topics) await this.#useTopic(name);
    const group = await this.#group(options.groupId);
    this.#assertOpen();
    const subscription = new EmbeddedSubscription(options, {
      group,
      topic: (name) => this.#topics.get(name)!,
      logger: this.logger,
      onEnded: (ended) => this.#subscriptions.delete(ended),
    });
    this.#subscriptions.add(subscription);
    group.join(subscription, (name) => this.#topics.get(name)!.partitions.length);
    return subscription;
  }

  async lag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
    this.#assertOpen();
    const group = await this.#group(groupId);
    const lags: PartitionLag[] = [];
    for (const name of topics) {
      // Read-only: an unknown topic has no partitions to report and is not created.
      const topic = await this.#topic(name, undefined);
      if (topic === undefined) continue;
      topic.partitions.forEach((log, partition) => {
        const end = log.endOffset;
        const committed = group.committed(name, partition) ?? 0;
        lags.push({ topic: name, partition, committed: String(committed), end: String(end), lag: Math.max(0, end - committed) });
      });
    }
    return lags;
  }

  async ping(): Promise<void> {
    if (this.#closing !== undefined) throw new FgcError('FGC_BUS_UNAVAILABLE', 'the embedded event bus is closed');
    for (const topic of this.#topics.values()) {
      for (const log of topic.partitions) {
        if (log.failure !== undefined) throw new FgcError('FGC_BUS_UNAVAILABLE', `${topic.name}[${log.partition}] refuses appends`, { cause: log.failure });
      }
    }
    try {
      await access(this.dir, constants.W_OK);
      await access(path.join(this.dir, 'topics'), constants.W_OK);
    } catch (cause) {
      throw new FgcError('FGC_BUS_UNAVAILABLE', `the embedded log directory ${this.dir} is not writable`, { cause });
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  /** Subscriptions first (each finishes its batch and commits), then offsets, then the log files. */
  async #closeAll(): Promise<void> {
    const failures: unknown[] = [];
    const collect = (results: PromiseSettledResult<unknown>[]): void => {
      for (const result of results) if (result.status === 'rejected') failures.push(result.reason);
    };
    collect(await Promise.allSettled([...this.#subscriptions].map((s) => s.close())));
    const groups = (await Promise.allSettled(this.#groups.values())).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    collect(await Promise.allSettled(groups.map((g) => g.flush())));
    await Promise.allSettled([...this.#opening.values()]);
    collect(await Promise.allSettled([...this.#topics.values()].flatMap((t) => t.partitions.map((p) => p.close()))));
    openDirs.delete(this.dir);
    for (const failure of failures) this.logger.error({ err: failure }, 'embedded bus: error while closing');
    this.logger.debug({ dir: this.dir }, 'embedded bus: closed');
    if (failures.length > 0) throw failures[0];
  }
}
