/**
 * A job run spread over processes (services mode): the replica holding the run's lease publishes
 * one task per entity × forecast type × period to FORECAST_TASKS_TOPIC, the forecast-workers group
 * (task-consumer.ts, in every forecasting-role process, this one included) forecasts them, and
 * this side watches the run's coordination counters until every task has finished.
 *
 * The wait ends with the run failed (FGC_FORECAST_RUN_TIMEOUT) when no task finished for
 * `timeoutMs` — no member is consuming, or every one is stuck — and as soon as `signal` aborts
 * (lease lost, shutdown). A run that ends without its tasks is marked cancelled by the runner so
 * members skip what is left of it.
 */
import type { Coordination } from '../../infra/coordination/coordination.js';
import { FgcError } from '../../infra/errors.js';
import type { EventBus } from '../../infra/event-bus/event-bus.js';
import type { Period } from '../series/periods.js';
import type { EntityTask } from './entity-forecast.js';
import { FORECAST_TASKS_TOPIC, runKeys, taskMessage } from './forecast-tasks.js';

/** Tasks per publish call: a few hundred small JSON messages make one produce request. */
const PUBLISH_BATCH = 500;

export interface DistributedRunOptions {
  readonly bus: EventBus;
  readonly coordination: Coordination;
  readonly runId: string;
  readonly tasks: readonly EntityTask[];
  readonly lookbackDays: (period: Period) => number;
  readonly now: () => number;
  /** How often the counters are read. */
  readonly pollMs: number;
  /** The run fails when no task finished for this long. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Told the counts whenever they change. */
  readonly onProgress: (done: number, failed: number) => Promise<void>;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

async function count(coordination: Coordination, key: string): Promise<number> {
  const text = await coordination.get(key);
  const value = text === null ? 0 : Number(text);
  return Number.isSafeInteger(value) ? value : 0;
}

/** Publishes the run's tasks and resolves once every one has finished (forecast or failed). */
export async function runDistributed(o: DistributedRunOptions): Promise<void> {
  const { bus, coordination, runId, tasks, signal } = o;
  if (tasks.length === 0) return;
  await bus.ensureTopics([{ topic: FORECAST_TASKS_TOPIC }]);
  const messages = tasks.map((task, index) => taskMessage({ ...task, runId, index, lookbackDays: o.lookbackDays(task.period) }));
  for (let i = 0; i < messages.length; i += PUBLISH_BATCH) {
    signal.throwIfAborted();
    await bus.publish(FORECAST_TASKS_TOPIC, messages.slice(i, i + PUBLISH_BATCH));
  }
  const keys = runKeys(runId);
  let seen = -1;
  let lastChange = o.now();
  for (;;) {
    signal.throwIfAborted();
    const done = await count(coordination, keys.done);
    if (done !== seen) {
      seen = done;
      lastChange = o.now();
      await o.onProgress(Math.min(done, tasks.length), await count(coordination, keys.failed));
    }
    if (done >= tasks.length) return;
    if (o.now() - lastChange >= o.timeoutMs) {
      throw new FgcError('FGC_FORECAST_RUN_TIMEOUT', `no forecast task of run ${runId} finished in ${o.timeoutMs} ms (${done} of ${tasks.length} done); is a forecasting role consuming ${FORECAST_TASKS_TOPIC}?`);
    }
    await sleep(o.pollMs, signal);
  }
}
