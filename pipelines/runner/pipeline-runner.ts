/**
 * The pipeline runner: consumes every raw topic (`forgecast.raw.*`) in one consumer group and sinks
 * each handler batch into the unified model through the ChunkProcessor (chunk-processor.ts).
 *
 * Runner lifecycle:
 *
 *   idle ──start()──► starting (topics ensured, subscribed) ──► running ──close()──► closing ──► closed
 *   running ──the subscription ends with a non-retriable error (a `stop` policy)──► failed
 *       (status() says why; close() still releases everything)
 *
 * Per topic-partition, as status() and GET /api/v1/pipelines report it:
 *
 *   running ──a handler attempt throws (retriable: store/registry down)──► retrying
 *       (the bus holds the partition and redelivers the SAME batch after 100 ms doubling to 10 s;
 *        other partitions go on) ──an attempt succeeds──► running
 *   any ──pause()──► paused ──resume()──► previous state
 *
 * Offsets are the bus's: it commits a batch only after the handler resolved, i.e. after every row,
 * dead letter and progress row of the batch is in ClickHouse. Background: consumer lag is polled
 * from the bus every `lagPollMs` into a gauge and status(); a BatchCompletion sweep writes batch
 * status events every `sweepMs`.
 */
import type { Registry } from 'prom-client';
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { isFgcError } from '../../infra/errors.js';
import type { EventBus, MessageBatch, PartitionLag, Subscription } from '../../infra/event-bus/event-bus.js';
import type { Logger } from '../../infra/logger.js';
import type { AvroSerde } from '../../infra/schema-registry/avro-serde.js';
import { DLQ_TOPIC, RAW_TOPIC_NAMES } from '../../schemas/topics.js';
import { DeadLetterStore } from '../dead-letters/dead-letter-store.js';
import type { Normalizers } from '../normalize/normalizer.js';
import { BatchCompletion } from './batch-completion.js';
import { ChunkProcessor, type ReferenceData } from './chunk-processor.js';
import { GroupSink } from './group-sink.js';
import { createPipelineMetrics } from './pipeline-metrics.js';
import { DEFAULT_POISON_POLICY, type PoisonPolicy } from './poison-policy.js';
import { SinkLedger } from './sink-ledger.js';

export const DEFAULT_GROUP_ID = 'forgecast-pipelines';
/**
 * Largest handler batch. ClickHouse wants few, large inserts (each insert makes a part per table,
 * merged later; thousands of rows per insert amortize the per-insert cost), while a batch is held
 * until every insert of it returns, so its size bounds the latency a record waits behind others.
 * The bus hands whatever is available up to this size: a trickle goes out at once in small
 * batches, a backlog in full ones. 5,000 raw records are ~1–2 MB of rows, ~50–100 ms of work.
 */
export const DEFAULT_MAX_BATCH_SIZE = 5_000;
/** Lag is a dashboard figure; polling every 5 s keeps it fresh without loading Kafka's admin API. */
const DEFAULT_LAG_POLL_MS = 5_000;
/** Completion events trail completion by at most this; one grouped query per sweep. */
const DEFAULT_SWEEP_MS = 2_000;

export type RunnerState = 'idle' | 'starting' | 'running' | 'closing' | 'closed' | 'failed';
export type PartitionStatus = 'running' | 'paused' | 'retrying';

export interface PartitionReport {
  readonly topic: string;
  readonly partition: number;
  readonly status: PartitionStatus;
  /** Messages not yet committed; null until the first lag poll. */
  readonly lag: number | null;
  readonly last_error: { readonly code: string; readonly message: string; readonly at: string; readonly attempt: number } | null;
  readonly last_batch_at: string | null;
}

export interface RunnerStatus {
  readonly state: RunnerState;
  readonly group_id: string;
  readonly error: string | null;
  readonly partitions: readonly PartitionReport[];
}

export interface PipelineRunnerOptions {
  readonly bus: EventBus;
  readonly serde: AvroSerde;
  readonly store: AnalyticsStore;
  readonly normalizers: Normalizers;
  readonly referenceData: ReferenceData;
  readonly logger: Logger;
  /** The registry /metrics serves; the runner adds its metrics to it. */
  readonly metrics: Registry;
  readonly groupId?: string;
  readonly maxBatchSize?: number;
  /** Redelivery backoff after a retriable failure (the bus's defaults: 100 ms doubling to 10 s). */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number };
  readonly policy?: PoisonPolicy;
  readonly lagPollMs?: number;
  readonly sweepMs?: number;
  readonly now?: () => number;
}

export interface PipelineRunner extends AsyncDisposable {
  start(): Promise<void>;
  pause(): void;
  resume(): void;
  status(): RunnerStatus;
  /** Polls lag and sweeps batch completion now (tests and shutdown use it). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

interface PartitionState {
  status: 'running' | 'retrying';
  lag: number | null;
  lastError: PartitionReport['last_error'];
  lastBatchAt: string | null;
}

export function createPipelineRunner(options: PipelineRunnerOptions): PipelineRunner {
  const groupId = options.groupId ?? DEFAULT_GROUP_ID;
  const now = options.now ?? Date.now;
  const log = options.logger.child({ component: 'pipeline-runner', groupId });
  const metrics = createPipelineMetrics(options.metrics);
  const sink = new GroupSink({
    store: options.store,
    bus: options.bus,
    deadLetters: new DeadLetterStore(options.store, now),
    metrics,
    now,
    onWriteError: (error, table, what) => processor.onWriteError(error, table, what),
  });
  const processor: ChunkProcessor = new ChunkProcessor({
    serde: options.serde,
    normalizers: options.normalizers,
    referenceData: options.referenceData,
    sink,
    ledger: new SinkLedger(options.store),
    policy: options.policy ?? DEFAULT_POISON_POLICY,
    metrics,
    logger: log,
    now,
  });
  const completion = new BatchCompletion(options.store, log, now);
  const partitions = new Map<string, PartitionState>();
  let state: RunnerState = 'idle';
  let failure: string | null = null;
  let paused = false;
  let subscription: Subscription | undefined;
  const timers: NodeJS.Timeout[] = [];

  const partitionState = (topic: string, partition: number): PartitionState => {
    const key = `${topic}:${partition}`;
    let s = partitions.get(key);
    if (s === undefined) {
      s = { status: 'running', lag: null, lastError: null, lastBatchAt: null };
      partitions.set(key, s);
    }
    return s;
  };

  const handler = async (batch: MessageBatch): Promise<void> => {
    await processor.handle(batch);
    const s = partitionState(batch.topic, batch.partition);
    s.status = 'running';
    s.lastBatchAt = new Date(now()).toISOString();
  };

  const onHandlerError = (error: unknown, batch: MessageBatch, attempt: number): void => {
    const s = partitionState(batch.topic, batch.partition);
    const code = isFgcError(error) ? error.code : 'UNKNOWN';
    const message = error instanceof Error ? error.message : String(error);
    s.status = 'retrying';
    s.lastError = { code, message, at: new Date(now()).toISOString(), attempt };
    metrics.handlerErrors.inc({ topic: batch.topic, partition: String(batch.partition), code });
    // First attempts at debug level would hide an outage; repeated ones at warn would flood the log.
    const level = attempt === 1 || attempt % 10 === 0 ? 'warn' : 'debug';
    log[level]({ err: error, topic: batch.topic, partition: batch.partition, attempt, first: batch.messages[0]?.offset }, 'pipeline batch failed; the bus redelivers it after a backoff');
  };

  const pollLag = async (): Promise<void> => {
    let lags: PartitionLag[];
    try {
      lags = await options.bus.lag(groupId, RAW_TOPIC_NAMES);
    } catch (error) {
      log.debug({ err: error }, 'consumer lag poll failed');
      return;
    }
    for (const l of lags) {
      partitionState(l.topic, l.partition).lag = l.lag;
      metrics.lag.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
    }
  };

  const sweep = async (): Promise<void> => {
    try {
      await completion.sweep();
    } catch (error) {
      log.warn({ err: error }, 'batch completion sweep failed; the next one retries');
    }
  };

  const every = (ms: number, task: () => Promise<void>): void => {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      void task().finally(() => (running = false));
    }, ms);
    timer.unref();
    timers.push(timer);
  };

  const runner: PipelineRunner = {
    async start() {
      if (state !== 'idle') throw new Error(`the pipeline runner cannot start from state ${state}`);
      state = 'starting';
      await options.bus.ensureTopics([...RAW_TOPIC_NAMES, DLQ_TOPIC].map((topic) => ({ topic })));
      subscription = await options.bus.subscribe({
        groupId,
        topics: RAW_TOPIC_NAMES,
        handler,
        maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
        retry: options.retry,
        onHandlerError,
      });
      if (paused) subscription.pause();
      subscription.done.catch((error: unknown) => {
        state = 'failed';
        failure = error instanceof Error ? error.message : String(error);
        log.error({ err: error }, 'the pipeline subscription stopped; restart the pipelines role after fixing the cause');
      });
      every(options.lagPollMs ?? DEFAULT_LAG_POLL_MS, pollLag);
      every(options.sweepMs ?? DEFAULT_SWEEP_MS, sweep);
      void pollLag();
      state = 'running';
      log.info({ topics: RAW_TOPIC_NAMES.length, maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE }, 'pipeline runner started');
    },
    pause() {
      paused = true;
      subscription?.pause();
    },
    resume() {
      paused = false;
      subscription?.resume();
    },
    status() {
      const assigned = subscription?.assignments() ?? [];
      for (const tp of assigned) partitionState(tp.topic, tp.partition);
      const reports = [...partitions.entries()]
        .map(([key, s]): PartitionReport => {
          const at = key.lastIndexOf(':');
          return {
            topic: key.slice(0, at),
            partition: Number(key.slice(at + 1)),
            status: paused ? 'paused' : s.status,
            lag: s.lag,
            last_error: s.lastError,
            last_batch_at: s.lastBatchAt,
          };
        })
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      return { state, group_id: groupId, error: failure, partitions: reports };
    },
    async refresh() {
      await pollLag();
      await sweep();
    },
    async close() {
      if (state === 'closed' || state === 'closing') return;
      state = 'closing';
      for (const timer of timers) clearInterval(timer);
      try {
        await subscription?.close();
      } catch (error) {
        log.warn({ err: error }, 'the pipeline subscription ended with an error');
      }
      state = 'closed';
      log.info('pipeline runner closed');
    },
    async [Symbol.asyncDispose]() {
      await runner.close();
    },
  };
  return runner;
}
