/**
 * A subscription of the embedded bus: one member of a consumer group, running one consumer loop
 * per assigned partition. Partitions are consumed concurrently; within a partition strictly one
 * batch at a time, in offset order.
 *
 * The consumer loop of one partition (PartitionWorker):
 *
 *   claiming ──(previous owner released)──► positioning ──(reader at committed offset)──► fetching
 *   fetching ──paused, or nothing new──► waiting ──(append / resume / stop / 500 ms poll)──► fetching
 *   fetching ──batch read──► handling
 *   handling ──resolved──► commit (next offset) ──► fetching
 *   handling ──retriable error──► backing off (initialMs doubling to maxMs) ──► handling (same batch)
 *   handling ──non-retriable error──► failed: the subscription stops, `done` rejects FGC_BUS_HANDLER_FAILED
 *   any state ──stop (close / revoked by a rebalance)──► the in-flight handler call finishes and
 *       commits if it succeeded; a batch waiting for its retry is left uncommitted (the next owner
 *       redelivers it) ──► release the partition to the next owner
 *
 * Waking is by notification: the partition log calls every worker after each append, so a caught-
 * up consumer sees a new message within one event-loop turn. The 500 ms poll is only a fallback.
 */
import type { BatchHandler, ConsumedMessage, MessageBatch, Subscription, SubscribeOptions, TopicPartition } from './event-bus.js';
import type { Logger } from '../logger.js';
import { FgcError, isRetriable } from '../errors.js';
import type { ConsumerGroup, GroupMember } from './embedded-consumer-group.js';
import type { EmbeddedTopic } from './embedded-topic.js';
import { PartitionReader } from './embedded-log-reader.js';

/** Default largest batch (the port's documented default). */
const DEFAULT_MAX_BATCH = 1_000;
/** The port's documented backoff: 100 ms doubling to 10 s. */
const DEFAULT_RETRY_INITIAL_MS = 100;
const DEFAULT_RETRY_MAX_MS = 10_000;
/** Fallback poll while waiting; appends in this process notify at once, so this only bounds a missed wake-up. */
const IDLE_POLL_MS = 500;

/** What a subscription needs from the bus that created it. */
export interface SubscriptionContext {
  readonly group: ConsumerGroup;
  /** An already opened topic, by name. */
  readonly topic: (name: string) => EmbeddedTopic;
  readonly logger: Logger;
  /** Called once the subscription has ended, for the bus's bookkeeping. */
  readonly onEnded: (subscription: EmbeddedSubscription) => void;
}

/** A one-slot wake-up: `notify` before `wait` is remembered, so no wake-up is lost. */
class Wakeup {
  #pending = false;
  #resolve: (() => void) | undefined;

  notify(): void {
    const resolve = this.#resolve;
    if (resolve === undefined) {
      this.#pending = true;
      return;
    }
    this.#resolve = undefined;
    resolve();
  }

  wait(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#resolve = undefined;
        resolve();
      }, ms);
      this.#resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

let memberSequence = 0;

export class EmbeddedSubscription implements Subscription, GroupMember {
  readonly memberId = `member-${++memberSequence}`;
  readonly topics: readonly string[];
  readonly done: Promise<void>;
  readonly handler: BatchHandler;
  readonly maxBatchSize: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  readonly #onHandlerError: SubscribeOptions['onHandlerError'];
  readonly #workers = new Map<string, PartitionWorker>();
  /** Revoked workers still finishing their batch; `close` waits for them too. */
  readonly #stopping = new Set<Promise<void>>();
  #assignment: readonly TopicPartition[] = [];
  #paused = false;
  #ending: Promise<void> | undefined;
  /** The first fatal error; `done` rejects with it even when it struck while closing. */
  #fatal: unknown;
  #resolveDone!: () => void;
  #rejectDone!: (error: unknown) => void;

  constructor(
    options: SubscribeOptions,
    readonly context: SubscriptionContext,
  ) {
    this.topics = [...new Set(options.topics)];
    this.handler = options.handler;
    this.maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH;
    this.retryInitialMs = options.retry?.initialMs ?? DEFAULT_RETRY_INITIAL_MS;
    this.retryMaxMs = options.retry?.maxMs ?? DEFAULT_RETRY_MAX_MS;
    this.#onHandlerError = options.onHandlerError;
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolveDone = resolve;
      this.#rejectDone = reject;
    });
    // A fatal error is logged below; callers that never look at `done` must not crash the process
    // with an unhandled rejection. Awaiting `done` still sees the rejection.
    this.done.catch(() => undefined);
  }

  get paused(): boolean {
    return this.#paused;
  }

  get active(): boolean {
    return this.#ending === undefined;
  }

  assign(partitions: readonly TopicPartition[]): void {
    if (!this.active) return;
    this.#assignment = Object.freeze(partitions.map((tp) => Object.freeze({ ...tp })));
    const wanted = new Set(partitions.map((tp) => `${tp.partition}@${tp.topic}`));
    for (const [k, worker] of this.#workers) {
      if (wanted.has(k)) continue;
      this.#workers.delete(k);
      const stopped = worker.stop();
      this.#stopping.add(stopped);
      void stopped.finally(() => this.#stopping.delete(stopped));
    }
    for (const tp of partitions) {
      const k = `${tp.partition}@${tp.topic}`;
      if (!this.#workers.has(k)) this.#workers.set(k, new PartitionWorker(this, tp.topic, tp.partition));
    }
  }

  assignments(): readonly TopicPartition[] {
    return this.#assignment;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    for (const worker of this.#workers.values()) worker.wake();
  }

  /** Tells `onHandlerError`, which must not throw; if it does, that is logged and ignored. */
  reportHandlerError(error: unknown, batch: MessageBatch, attempt: number): void {
    try {
      this.#onHandlerError?.(error, batch, attempt);
    } catch (hookError) {
      this.context.logger.warn({ err: hookError }, 'embedded bus: onHandlerError threw');
    }
  }

  /** Ends the subscription because of `error`: `done` rejects with it once everything stopped. */
  fail(error: unknown): void {
    this.context.logger.warn({ err: error, groupId: this.context.group.groupId, member: this.memberId }, 'embedded bus: subscription stopped by a fatal error');
    this.#fatal ??= error;
    // `done` carries the outcome; a flush failure on the way out is already folded into it.
    this.#end().catch(() => undefined);
  }

  close(): Promise<void> {
    return this.#end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #end(): Promise<void> {
    this.#ending ??= (async () => {
      const { group, topic } = this.context;
      // Leave first: the others are assigned our partitions at once and take each over as soon as
      // our worker for it has finished its batch (see PartitionClaim).
      group.leave(this, (name) => topic(name).partitions.length);
      const workers = [...this.#workers.values()];
      this.#workers.clear();
      this.#assignment = [];
      await Promise.all([...workers.map((w) => w.stop()), ...this.#stopping]);
      let flushError: unknown;
      try {
        await group.flush();
      } catch (error) {
        flushError = error;
      }
      this.context.onEnded(this);
      const failure = this.#fatal ?? flushError;
      if (failure === undefined) this.#resolveDone();
      else this.#rejectDone(failure);
      if (flushError !== undefined) throw flushError as Error;
    })();
    return this.#ending;
  }
}

function handlerFailed(error: unknown, batch: MessageBatch): FgcError {
  const first = batch.messages[0]?.offset;
  const last = batch.messages[batch.messages.length - 1]?.offset;
  const reason = error instanceof Error ? error.message : String(error);
  return new FgcError('FGC_BUS_HANDLER_FAILED', `handler failed on ${batch.topic}[${batch.partition}] offsets ${first}-${last}: ${reason}`, { cause: error });
}

/** The consumer loop of one assigned partition (see the module comment for its states). */
class PartitionWorker {
  readonly #wakeup = new Wakeup();
  readonly #finished: Promise<void>;
  #stopRequested = false;

  constructor(
    private readonly subscription: EmbeddedSubscription,
    private readonly topic: string,
    private readonly partition: number,
  ) {
    this.#finished = this.#run();
  }

  wake(): void {
    this.#wakeup.notify();
  }

  /** Asks the loop to stop; settles once the partition is released. */
  stop(): Promise<void> {
    this.#stopRequested = true;
    this.#wakeup.notify();
    return this.#finished;
  }

  async #run(): Promise<void> {
    const { group, logger } = this.subscription.context;
    const claim = group.claim(this.topic, this.partition);
    let reader: PartitionReader | undefined;
    let unsubscribe: (() => void) | undefined;
    try {
      await claim.ready;
      if (this.#stopRequested) return;
      const log = this.subscription.context.topic(this.topic).partitions[this.partition]!;
      unsubscribe = log.onAppend(() => this.#wakeup.notify());
      const committed = group.committed(this.topic, this.partition) ?? 0;
      if (committed > log.endOffset) {
        logger.warn({ topic: this.topic, partition: this.partition, committed, end: log.endOffset },
          'embedded bus: committed offset lies beyond the end of the log (appends lost to a power failure without fsync?); resuming at the end');
      }
      reader = await PartitionReader.open(log, committed);
      logger.debug({ groupId: group.groupId, member: this.subscription.memberId, topic: this.topic, partition: this.partition, from: reader.nextOffset }, 'embedded bus: consuming partition');
      await this.#consume(reader);
    } catch (error) {
      this.subscription.fail(error);
    } finally {
      unsubscribe?.();
      await reader?.close().catch((error: unknown) => logger.warn({ err: error }, 'embedded bus: closing a reader failed'));
      claim.release();
    }
  }

  async #consume(reader: PartitionReader): Promise<void> {
    const subscription = this.subscription;
    const { group, logger } = subscription.context;
    let batch: MessageBatch | undefined;
    let batchEnd = 0;
    let attempt = 0;
    let readFailures = 0;
    while (!this.#stopRequested) {
      if (batch === undefined) {
        if (subscription.paused) {
          await this.#wakeup.wait(IDLE_POLL_MS);
          continue;
        }
        let messages: ConsumedMessage[];
        try {
          messages = await reader.read(subscription.maxBatchSize);
          readFailures = 0;
        } catch (error) {
          if (!isRetriable(error)) throw error;
          readFailures++;
          logger.warn({ err: error, topic: this.topic, partition: this.partition, attempt: readFailures }, 'embedded bus: reading the log failed; retrying');
          await this.#sleep(this.#backoff(readFailures));
          continue;
        }
        if (messages.length === 0) {
          await this.#wakeup.wait(IDLE_POLL_MS);
          continue;
        }
        batch = { topic: this.topic, partition: this.partition, messages };
        batchEnd = reader.nextOffset;
      }
      try {
        await subscription.handler(batch);
      } catch (error) {
        attempt++;
        subscription.reportHandlerError(error, batch, attempt);
        if (!isRetriable(error)) {
          subscription.fail(handlerFailed(error, batch));
          return;
        }
        const delay = this.#backoff(attempt);
        logger.debug({ topic: this.topic, partition: this.partition, attempt, delayMs: delay }, 'embedded bus: handler failed (retriable); redelivering the batch after backoff');
        await this.#sleep(delay);
        continue;
      }
      group.commit(this.topic, this.partition, batchEnd);
      batch = undefined;
      attempt = 0;
    }
  }

  #backoff(attempt: number): number {
    const { retryInitialMs, retryMaxMs } = this.subscription;
    return Math.min(retryMaxMs, retryInitialMs * 2 ** Math.min(attempt - 1, 30));
  }

  /** Sleeps `ms`, cut short only by a stop request. */
  async #sleep(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.#stopRequested && Date.now() < until) await this.#wakeup.wait(until - Date.now());
  }
}
