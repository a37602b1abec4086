/**
 * The producer side of the Kafka event bus: gathers concurrent `publish` calls into few produce
 * requests and hands every caller one receipt per message, in input order.
 *
 * Why linger: kafkajs sends one produce request per `send`, and a request per message would cap
 * throughput at one broker round trip per message whatever the caller does. Callers such as HTTP
 * ingest publish a handful of records per request, so batching cannot be left to them. Like Java's
 * `linger.ms`, the first queued message waits up to `lingerMs` for company; a full request leaves
 * at once.
 *
 * State machine (one request in flight at a time):
 *   idle ──publish──► lingering ──timer / request full──► sending ──response──► idle or sending
 *                                                                                (if queue is full)
 * While a request is in flight new publishes queue up, so under load requests grow by themselves
 * and latency stays at about one round trip. Only one request is ever in flight, which keeps the
 * messages of one `publish` call, and of calls awaited one after the other, in order on their
 * partitions even when kafkajs retries a request (kafkajs' idempotent mode demands the same).
 *
 * Receipts: the broker answers with the base offset per partition; messages of a partition are
 * stored consecutively in the order they appear in the request, so a message's offset is the base
 * plus its position in that partition's slice. To know each message's partition the partitioner
 * pins its choice on the message object it is handed (kafkajs passes ours through). Pinning also
 * keeps a retried request from re-spreading keyless messages round-robin differently from the
 * first attempt, which would lose some and duplicate others on the brokers that already answered.
 */
import { CompressionTypes, Partitioners, type ICustomPartitioner, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import { FgcError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BusMessage, PublishReceipt } from './event-bus.js';
import { toBusError } from './kafkajs-errors.js';

/**
 * Upper bound of one produce request, estimated from uncompressed record sizes. Kafka's default
 * `message.max.bytes` (1,048,588) applies to each partition's record batch, so staying under 1 MB
 * for the whole request can never trip it, whatever the key spread. Larger single messages are
 * sent alone and refused by the broker with a non-retriable error.
 */
export const MAX_REQUEST_BYTES = 1_000_000;

/** Rough framing cost of one record (length varints, attributes, deltas, header count). */
const RECORD_OVERHEAD_BYTES = 24;

/**
 * kafkajs' DefaultPartitioner (murmur2 of the key, as the Java client, so other clients agree on
 * where a key lives; round-robin for keyless messages), with its choice pinned on the message.
 */
export const pinningPartitioner: ICustomPartitioner = () => {
  const inner = Partitioners.DefaultPartitioner();
  return (args) => {
    const partition = inner(args);
    args.message.partition = partition;
    return partition;
  };
};

interface Job {
  readonly receipts: PublishReceipt[];
  remaining: number;
  failed: boolean;
  readonly resolve: (receipts: PublishReceipt[]) => void;
  readonly reject: (error: unknown) => void;
}

/** A run of one job's messages small enough for one request. */
interface Part {
  readonly job: Job;
  readonly topic: string;
  readonly messages: readonly BusMessage[];
  /** Index of `messages[0]` in the job's input. */
  readonly firstIndex: number;
  readonly bytes: number;
  readonly queuedAt: number;
}

interface Slot {
  readonly part: Part;
  readonly index: number;
  readonly message: Message;
}

export interface PublisherOptions {
  readonly producer: Producer;
  readonly lingerMs: number;
  readonly compression: 'none' | 'gzip';
  readonly logger: Logger;
}

function estimateBytes(message: BusMessage): number {
  let bytes = RECORD_OVERHEAD_BYTES + message.value.length + (message.key === null ? 0 : Buffer.byteLength(message.key));
  for (const [name, value] of Object.entries(message.headers ?? {})) bytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 2;
  return bytes;
}

function toKafkaMessage(message: BusMessage): Message {
  // A fresh object per attempt at a request: the partitioner pins its choice on it.
  return { key: message.key, value: message.value, headers: message.headers === undefined ? undefined : { ...message.headers } };
}

const partitionKey = (topic: string, partition: number): string => `${partition}\u0000${topic}`;

export class LingeringPublisher {
  private readonly queue: Part[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending = false;
  private closed = false;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly options: PublisherOptions) {}

  publish(topic: string, messages: readonly BusMessage[]): Promise<PublishReceipt[]> {
    if (this.closed) return Promise.reject(new FgcError('FGC_BUS_CLOSED', 'The Kafka event bus is closed'));
    if (messages.length === 0) return Promise.resolve([]);
    return new Promise<PublishReceipt[]>((resolve, reject) => {
      const job: Job = { receipts: new Array<PublishReceipt>(messages.length), remaining: messages.length, failed: false, resolve, reject };
      const now = Date.now();
      let first = 0;
      let bytes = 0;
      for (let i = 0; i < messages.length; i++) {
        const size = estimateBytes(messages[i]!);
        if (i > first && bytes + size > MAX_REQUEST_BYTES) {
          this.enqueue({ job, topic, messages: messages.slice(first, i), firstIndex: first, bytes, queuedAt: now });
          first = i;
          bytes = 0;
        }
        bytes += size;
      }
      this.enqueue({ job, topic, messages: first === 0 ? messages : messages.slice(first), firstIndex: first, bytes, queuedAt: now });
      this.schedule();
    });
  }

  /** Refuses new publishes, sends what is queued without waiting out the linger, and waits for it. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.queue.length === 0 && !this.sending) return;
    await new Promise<void>((resolve) => {
      this.drainWaiters.push(resolve);
      this.schedule();
    });
  }

  private enqueue(part: Part): void {
    this.queue.push(part);
    this.queuedBytes += part.bytes;
  }

  private schedule(): void {
    if (this.sending || this.queue.length === 0) return;
    const head = this.queue[0]!;
    const full = this.queuedBytes >= MAX_REQUEST_BYTES;
    const wait = full || this.closed ? 0 : head.queuedAt + this.options.lingerMs - Date.now();
    if (wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, wait);
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    // The rest of this tick's publishes still join: callers issuing many publishes in a loop
    // would otherwise send the first alone even with lingerMs 0.
    this.sending = true;
    setImmediate(() => void this.flush());
  }

  private take(): Part[] {
    let bytes = 0;
    let count = 0;
    for (const part of this.queue) {
      if (count > 0 && bytes + part.bytes > MAX_REQUEST_BYTES) break;
      bytes += part.bytes;
      count += 1;
    }
    // One splice, not a shift per part: thousands of single-message calls may be queued.
    const taken = this.queue.splice(0, count);
    this.queuedBytes -= bytes;
    return taken.filter((part) => !part.job.failed); // an earlier part of its call already failed it
  }

  private async flush(): Promise<void> {
    this.sending = true;
    try {
      const request = this.take();
      if (request.length > 0) await this.send(request);
    } finally {
      this.sending = false;
      if (this.queue.length > 0) this.schedule();
      else for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }

  private async send(request: readonly Part[]): Promise<void> {
    const slots: Slot[] = [];
    try {
      const byTopic = new Map<string, Message[]>();
      for (const part of request) {
        let list = byTopic.get(part.topic);
        if (list === undefined) byTopic.set(part.topic, (list = []));
        for (let index = 0; index < part.messages.length; index++) {
          const message = toKafkaMessage(part.messages[index]!);
          list.push(message);
          slots.push({ part, index, message });
        }
      }
      const results = await this.options.producer.sendBatch({
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        acks: -1, // every in-sync replica: `publish` promises durability, not just leader receipt
        compression: this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      });
      this.settle(slots, results);
    } catch (error) {
      const count = request.reduce((sum, part) => sum + part.messages.length, 0);
      const failure = toBusError('FGC_BUS_PUBLISH_FAILED', `Publishing ${count} message(s) to Kafka failed`, error);
      for (const job of new Set(request.map((p) => p.job))) {
        if (job.failed) continue;
        job.failed = true;
        job.reject(failure);
      }
    }
  }

  /** Turns per-partition base offsets into per-message receipts; throws if an answer is missing. */
  private settle(slots: readonly Slot[], results: readonly RecordMetadata[]): void {
    const base = new Map<string, bigint>();
    for (const r of results) {
      if (r.baseOffset === undefined || r.errorCode !== 0) {
        throw new FgcError('FGC_BUS_PUBLISH_FAILED', `Kafka answered ${r.topicName}[${r.partition}] with error code ${r.errorCode}`);
      }
      base.set(partitionKey(r.topicName, r.partition), BigInt(r.baseOffset));
    }
    const position = new Map<string, bigint>();
    const receipts: PublishReceipt[] = [];
    for (const { part, message } of slots) {
      const { partition } = message;
      const key = partition === undefined ? undefined : partitionKey(part.topic, partition);
      const first = key === undefined ? undefined : base.get(key);
      if (partition === undefined || key === undefined || first === undefined) {
        // kafkajs skips partitions without a known leader; never report such messages as stored.
        throw new FgcError('FGC_BUS_PUBLISH_FAILED', `Kafka did not acknowledge ${part.topic}[${partition ?? '?'}]`, { retriable: true });
      }
      const at = position.get(key) ?? 0n;
      position.set(key, at + 1n);
      receipts.push({ topic: part.topic, partition, offset: (first + at).toString() });
    }
    slots.forEach(({ part, index }, i) => {
      part.job.receipts[part.firstIndex + index] = receipts[i]!;
    });
    for (const part of new Set(slots.map((s) => s.part))) {
      part.job.remaining -= part.messages.length;
      if (part.job.remaining === 0 && !part.job.failed) part.job.resolve(part.job.receipts);
    }
  }
}
