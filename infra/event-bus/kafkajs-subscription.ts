/**
 * One subscription of the Kafka event bus: one kafkajs consumer in the given group.
 *
 * Consumer loop (kafkajs `eachBatch`, auto-resolve and auto-commit off):
 *   fetch ──► split the partition's batch into runs of ≤ maxBatchSize ──► for each run:
 *     handler ok ─────────────► commit offset (last + 1) ──► resolve locally ──► heartbeat ──► next run
 *     retriable error ────────► onHandlerError, back off (heartbeating), same run again
 *     non-retriable error ────► stop the subscription; `done` rejects FGC_BUS_HANDLER_FAILED
 *   Before each run and each retry: closing, paused, failed, or the partition revoked/seeked
 *   (kafkajs `isRunning()` / `isStale()`) ──► return without touching the offset, so the rest is
 *   fetched again from the last committed run, by this member or the partition's next owner.
 *
 * Commit rule: a run's offset is committed only after its handler resolved, and before the next
 * run starts, so a crash redelivers at most the run in hand (at-least-once). The commit goes
 * through the `commitOffsetsIfNecessary(offsets)` kafkajs hands to eachBatch, not
 * `consumer.commitOffsets`: the latter silently does nothing once the consumer is stopping, which
 * would drop the commit of the very batch `close()` promised to finish.
 *
 * A retrying run holds its partition in place (the same messages come back, in order); kafkajs
 * handles up to CONCURRENT_PARTITIONS partitions at once, so the others fetched alongside go on.
 */
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { FgcError, isRetriable } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ConsumedMessage, MessageBatch, SubscribeOptions, Subscription, TopicPartition } from './event-bus.js';
import { toBusError } from './kafkajs-errors.js';

const DEFAULT_MAX_BATCH_SIZE = 1_000; // the port's documented default
const DEFAULT_RETRY_INITIAL_MS = 100; // the port's documented default
const DEFAULT_RETRY_MAX_MS = 10_000; // the port's documented default

/**
 * Partitions handled at once per subscription. kafkajs' default of 1 would let one partition
 * retrying a failed run stall every other partition of the member; 16 exceeds the partitions a
 * member typically holds here (4 per topic) while bounding the handler's concurrency.
 */
const CONCURRENT_PARTITIONS = 16;

/**
 * Longest a fetch waits for data on an idle partition (kafkajs default 5 s). kafkajs only
 * heartbeats, notices rebalances and finishes `close()` between fetches, so this bounds how long a
 * new member waits to be given partitions and how long a close takes; an idle member pays one
 * small fetch per broker per second for it.
 */
const MAX_WAIT_TIME_MS = 1_000;

/** Heartbeat cadence (kafkajs default 3 s); a third of it is how late a rebalance is noticed. */
const HEARTBEAT_INTERVAL_MS = 1_000;

/** Longest single sleep during a retry backoff, so heartbeats keep the member in the group. */
const BACKOFF_SLICE_MS = 1_000;

function headersOf(message: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    // Kafka allows repeated header names; the port has one value per name, so the last wins.
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = Buffer.isBuffer(last) ? last.toString('utf8') : String(last);
  }
  return out;
}

function toConsumed(topic: string, partition: number, message: KafkaMessage): ConsumedMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null || message.key === undefined ? null : message.key.toString('utf8'),
    value: message.value ?? Buffer.alloc(0),
    headers: headersOf(message),
    timestamp: Number(message.timestamp),
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export interface SubscriptionContext {
  /** Scoped to the group by the bus. */
  readonly logger: Logger;
  readonly sessionTimeoutMs: number;
  /** Called once the subscription has ended, whatever the reason. */
  readonly onEnded: (subscription: KafkaSubscription) => void;
}

export class KafkaSubscription implements Subscription {
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (error: unknown) => void;
  private readonly consumer: Consumer;
  private readonly maxBatchSize: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  /** Aborted when the subscription starts to end, to cut retry backoffs short. */
  private readonly stopping = new AbortController();
  private userPaused = false;
  private assigned: readonly TopicPartition[] = [];
  private failure: FgcError | undefined;
  private ending: Promise<void> | undefined;

  private readonly logger: Logger;

  constructor(
    kafka: Kafka,
    private readonly options: SubscribeOptions,
    private readonly context: SubscriptionContext,
  ) {
    this.logger = context.logger;
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // Owners that never await `done` must not get an unhandled rejection for it.
    this.done.catch(() => undefined);
    this.maxBatchSize = Math.max(1, options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE);
    this.retryInitialMs = Math.max(1, options.retry?.initialMs ?? DEFAULT_RETRY_INITIAL_MS);
    this.retryMaxMs = Math.max(this.retryInitialMs, options.retry?.maxMs ?? DEFAULT_RETRY_MAX_MS);
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: context.sessionTimeoutMs,
      maxWaitTimeInMs: MAX_WAIT_TIME_MS,
      // kafkajs refuses an interval not below the session timeout.
      heartbeatInterval: Math.min(HEARTBEAT_INTERVAL_MS, Math.floor(context.sessionTimeoutMs / 3)),
      allowAutoTopicCreation: true,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assigned = Object.entries(payload.memberAssignment)
        .flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })))
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      // A consumer restarted after a crash starts with fresh pause state: re-apply ours.
      if (this.userPaused) this.applyPause(true);
      this.logger.debug({ assignments: this.assigned }, 'joined consumer group');
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.assigned = [];
      if (payload.restart) {
        this.logger.warn({ err: payload.error }, 'Kafka consumer crashed; kafkajs restarts it');
        return;
      }
      this.fail(toBusError('FGC_BUS_UNAVAILABLE', `Kafka consumer of group ${options.groupId} crashed`, payload.error));
    });
  }

  /** Connects, joins the group and starts fetching; resolves once the first assignment is known. */
  async start(): Promise<void> {
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: CONCURRENT_PARTITIONS,
        eachBatch: (payload) => this.eachBatch(payload),
      });
    } catch (error) {
      await this.consumer.disconnect().catch(() => undefined);
      throw toBusError('FGC_BUS_UNAVAILABLE', `Subscribing group ${this.options.groupId} to ${this.options.topics.join(', ')} failed`, error);
    }
  }

  pause(): void {
    this.userPaused = true;
    this.applyPause(true);
  }

  resume(): void {
    this.userPaused = false;
    if (this.failure === undefined) this.applyPause(false);
  }

  assignments(): readonly TopicPartition[] {
    return this.assigned;
  }

  close(): Promise<void> {
    return this.end(undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private applyPause(paused: boolean): void {
    const topics = this.options.topics.map((topic) => ({ topic }));
    try {
      if (paused) this.consumer.pause(topics);
      else this.consumer.resume(topics);
    } catch (error) {
      // Only between a crash and kafkajs' restart; GROUP_JOIN re-applies the pause.
      this.logger.debug({ err: error }, 'pause/resume deferred until the consumer restarts');
    }
  }

  /** Ends the subscription once: disconnects (letting in-flight runs finish and commit), settles `done`. */
  private end(failure: FgcError | undefined): Promise<void> {
    this.ending ??= (async () => {
      this.stopping.abort();
      try {
        await this.consumer.disconnect();
      } catch (error) {
        this.logger.warn({ err: error }, 'disconnecting the Kafka consumer failed');
      }
      this.assigned = [];
      this.context.onEnded(this);
      if (failure === undefined) this.resolveDone();
      else this.rejectDone(failure);
    })();
    return this.ending;
  }

  private fail(failure: FgcError): void {
    if (this.failure !== undefined || this.ending !== undefined) return;
    this.failure = failure;
    this.logger.error({ err: failure }, 'subscription stopped');
    // Not awaited: kafkajs' disconnect waits for every in-flight eachBatch, including the caller's.
    void this.end(failure);
  }

  private shouldGoOn(payload: EachBatchPayload): boolean {
    return !this.stopping.signal.aborted && !this.userPaused && payload.isRunning() && !payload.isStale();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { topic, partition } = payload.batch;
    const all = payload.batch.messages;
    for (let start = 0; start < all.length; start += this.maxBatchSize) {
      if (!this.shouldGoOn(payload)) return;
      const run = all.slice(start, start + this.maxBatchSize);
      const batch: MessageBatch = { topic, partition, messages: run.map((m) => toConsumed(topic, partition, m)) };
      if (!(await this.deliver(batch, payload))) return;
      const last = run[run.length - 1]!.offset;
      await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: (BigInt(last) + 1n).toString() }] }] });
      payload.resolveOffset(last);
      await payload.heartbeat();
    }
  }

  /** Runs the handler until it succeeds (true) or the run must be left for redelivery (false). */
  private async deliver(batch: MessageBatch, payload: EachBatchPayload): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.handler(batch);
        return true;
      } catch (error) {
        this.report(error, batch, attempt);
        if (!isRetriable(error)) {
          const first = batch.messages[0]?.offset ?? '?';
          const reason = error instanceof Error ? error.message : String(error);
          this.fail(new FgcError('FGC_BUS_HANDLER_FAILED', `Handler of group ${this.options.groupId} failed on ${batch.topic}[${batch.partition}] at offset ${first}: ${reason}`, { cause: error }));
          return false;
        }
        const delay = Math.min(this.retryInitialMs * 2 ** Math.min(attempt - 1, 30), this.retryMaxMs);
        if (!(await this.backOff(delay, payload))) return false;
      }
    }
  }

  private async backOff(delayMs: number, payload: EachBatchPayload): Promise<boolean> {
    const until = Date.now() + delayMs;
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(left, BACKOFF_SLICE_MS), this.stopping.signal);
      // A rebalance surfaces here as a thrown kafkajs error; it propagates so kafkajs re-joins.
      if (this.stopping.signal.aborted || !payload.isRunning() || payload.isStale()) return false;
      await payload.heartbeat();
    }
    // A pause does not cut a retrying run short: like a run in the handler, it is in flight.
    return !this.stopping.signal.aborted && payload.isRunning() && !payload.isStale();
  }

  private report(error: unknown, batch: MessageBatch, attempt: number): void {
    this.logger.warn({ err: error, topic: batch.topic, partition: batch.partition, attempt }, 'handler failed');
    try {
      this.options.onHandlerError?.(error, batch, attempt);
    } catch (hookError) {
      this.logger.error({ err: hookError }, 'onHandlerError threw');
    }
  }
}
