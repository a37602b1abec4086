/**
 * The forecast-workers group member (services mode): every forecasting-role process takes tasks
 * from FORECAST_TASKS_TOPIC (group FORECAST_WORKERS_GROUP), forecasts each one (store the
 * version, publish its forecast event) and counts it on the run's coordination counters, which
 * the replica holding the run's lease watches (job-runner.ts).
 *
 * Per task, in order:
 *  1. the run was cancelled (it failed) or the task is already marked finished (a redelivery
 *     after a crash or rebalance) → skip;
 *  2. claim it (`claim:<i>`, CLAIM_TTL_MS); claimed by another member (a duplicate delivery during a
 *     rebalance) → FGC_FORECAST_TASK_CLAIMED, retriable: the bus redelivers the batch after a
 *     backoff, by when the other member has marked it finished (step 1 skips it) or died (its
 *     claim lapses and this member takes over);
 *  3. forecast, publish the event, mark the task finished (`task:<i>`, set once) and, only when
 *     this call marked it, add it to `done` (and `failed`): each task counts once.
 * An infrastructure error (storage, bus, Redis down) is retriable and redelivers the batch;
 * tasks already finished in it are skipped the second time. A message that is not a task is
 * logged and skipped: it can never succeed.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Coordination } from '../../infra/coordination/coordination.js';
import { FgcError } from '../../infra/errors.js';
import type { ConsumedMessage, EventBus, MessageBatch, Subscription, TopicPartition } from '../../infra/event-bus/event-bus.js';
import type { Logger } from '../../infra/logger.js';
import type { ForecastService } from '../service/forecast-service.js';
import type { ForecastStore } from '../service/forecast-store.js';
import { forecastEntity } from './entity-forecast.js';
import { FORECAST_EVENTS_TOPIC } from './forecast-events.js';
import { FORECAST_TASKS_TOPIC, FORECAST_WORKERS_GROUP, RUN_KEY_TTL_MS, parseTaskMessage, runKeys, type TaskMessage } from './forecast-tasks.js';

/** A claim outlives any single fit by far; a member that died holding one blocks its task this long at most. */
const CLAIM_TTL_MS = 5 * 60_000;
/**
 * Tasks per handler batch. Small, because kafkajs heartbeats only between batches: every partition
 * a member holds (4 or so) hands over a batch at once, all sharing the fit threads, and the lot must
 * finish well inside the session timeout (30 s) — 8 tasks × 4 partitions at ~1 s a fit on a few
 * threads is seconds. Offsets commit often too, so a crash redoes few tasks (skipped as finished).
 */
const MAX_BATCH = 8;
/** Tasks forecast at once when not configured (the platform passes 2 × fit workers). */
const DEFAULT_CONCURRENCY = 4;

export interface TaskConsumerOptions {
  readonly bus: EventBus;
  readonly coordination: Coordination;
  readonly service: ForecastService;
  readonly forecasts: ForecastStore;
  readonly logger: Logger;
  /** Tasks of one batch forecast at once. */
  readonly concurrency?: number;
  readonly holderId?: string;
  /** Redelivery backoff after a retriable error (the bus defaults otherwise). */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number };
}

export class ForecastTaskConsumer {
  readonly #o: TaskConsumerOptions;
  readonly #log: Logger;
  readonly #holder: string;
  #subscription: Subscription | undefined;

  constructor(options: TaskConsumerOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'forecast-task-consumer' });
    this.#holder = options.holderId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /** Joins the group; resolves once subscribed. */
  async start(): Promise<void> {
    if (this.#subscription !== undefined) return;
    const { bus } = this.#o;
    await bus.ensureTopics([{ topic: FORECAST_TASKS_TOPIC }, { topic: FORECAST_EVENTS_TOPIC }]);
    this.#subscription = await bus.subscribe({
      groupId: FORECAST_WORKERS_GROUP,
      topics: [FORECAST_TASKS_TOPIC],
      maxBatchSize: MAX_BATCH,
      handler: (batch) => this.#handle(batch),
      onHandlerError: (error, batch, attempt) => this.#log.warn({ err: error, partition: batch.partition, attempt }, 'forecast task batch will be redelivered'),
      ...(this.#o.retry === undefined ? {} : { retry: this.#o.retry }),
    });
    this.#subscription.done.catch((error: unknown) => this.#log.error({ err: error }, 'forecast task consumer stopped'));
    this.#log.info({ group: FORECAST_WORKERS_GROUP }, 'taking forecast tasks');
  }

  /** Task partitions this member holds now (none before start or after close). */
  assignments(): readonly TopicPartition[] {
    return this.#subscription?.assignments() ?? [];
  }

  /** Leaves the group after the in-flight batch. */
  async close(): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    await subscription?.close();
  }

  async #handle(batch: MessageBatch): Promise<void> {
    const tasks: TaskMessage[] = [];
    for (const message of batch.messages) {
      const task = this.#parse(message);
      if (task !== undefined) tasks.push(task);
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < tasks.length) {
        const task = tasks[next]!;
        next += 1;
        await this.#run(task);
      }
    };
    const settled = await Promise.allSettled(Array.from({ length: Math.max(1, this.#o.concurrency ?? DEFAULT_CONCURRENCY) }, worker));
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  #parse(message: ConsumedMessage): TaskMessage | undefined {
    const task = parseTaskMessage(message.value);
    if (typeof task !== 'string') return task;
    this.#log.error({ partition: message.partition, offset: message.offset, problem: task }, 'skipping a forecast task message that is not a task');
    return undefined;
  }

  async #run(task: TaskMessage): Promise<void> {
    const { coordination } = this.#o;
    const keys = runKeys(task.runId);
    if ((await coordination.get(keys.cancelled)) !== null || (await coordination.get(keys.task(task.index))) !== null) return;
    const claim = keys.claim(task.index);
    if (!(await coordination.setIfAbsent(claim, this.#holder, CLAIM_TTL_MS)) && (await coordination.get(claim)) !== this.#holder) {
      throw new FgcError('FGC_FORECAST_TASK_CLAIMED', `task ${task.index} of run ${task.runId} is being forecast by another member`);
    }
    const log = this.#log.child({ run_id: task.runId, task: task.index });
    try {
      const event = await forecastEntity({ service: this.#o.service, forecasts: this.#o.forecasts, logger: log }, task, task.runId, task.lookbackDays);
      if (event !== undefined) await this.#o.bus.publish(FORECAST_EVENTS_TOPIC, [event]);
      if (await coordination.setIfAbsent(keys.task(task.index), event === undefined ? 'failed' : 'done', RUN_KEY_TTL_MS)) {
        if (event === undefined) await coordination.incr(keys.failed, 1, RUN_KEY_TTL_MS);
        await coordination.incr(keys.done, 1, RUN_KEY_TTL_MS);
      }
    } finally {
      // Finished or failed: either way the next delivery may go ahead (and step 1 skips a finished task).
      await coordination.del(claim).catch((error: unknown) => log.warn({ err: error }, 'could not release the task claim; it lapses by itself'));
    }
  }
}
