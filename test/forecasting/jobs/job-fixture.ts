/** Runners, schedulers and their shared stores for the jobs tests, over in-memory ports. */
import type { Coordination } from '../../../infra/coordination/coordination.js';
import type { BusMessage, EventBus } from '../../../infra/event-bus/event-bus.js';
import { silentLogger } from '../../../infra/logger.js';
import { DEFAULT_JOBS } from '../../../forecasting/jobs/cron-table.js';
import { ForecastJobRunner } from '../../../forecasting/jobs/job-runner.js';
import { ForecastScheduler, type SchedulerClock } from '../../../forecasting/jobs/scheduler.js';
import type { SeriesSource } from '../../../forecasting/series/series-source.js';
import { ForecastService, type TypedHandlers } from '../../../forecasting/service/forecast-service.js';
import { memorySeriesSource, simulatedItem, type DemandLine } from '../series/demand-fixture.js';
import { memoryForecastStore } from '../service/memory-forecast-store.js';
import { memoryRunStore } from './memory-run-store.js';

export const END = '2024-06-30';

/** A gate tests open to let blocked forecasts go on. */
export class Gate {
  #open = true;
  #waiters: (() => void)[] = [];
  close(): void {
    this.#open = false;
  }
  open(): void {
    this.#open = true;
    for (const w of this.#waiters.splice(0)) w();
  }
  wait(): Promise<void> {
    return this.#open ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve));
  }
}

export function capturingBus(): EventBus & { readonly published: { topic: string; message: BusMessage }[] } {
  const published: { topic: string; message: BusMessage }[] = [];
  return {
    kind: 'embedded',
    published,
    ensureTopics: async () => undefined,
    publish: async (topic, messages) => {
      for (const message of messages) published.push({ topic, message });
      return messages.map((_, i) => ({ topic, partition: 0, offset: String(published.length - messages.length + i) }));
    },
    subscribe: () => Promise.reject(new Error('not in this test')),
    lag: async () => [],
    ping: async () => undefined,
    close: async () => undefined,
  };
}

/** Shared "platform": demand data, forecasts, runs and a bus — what replicas share. */
export function platform(lines: DemandLine[] = [...simulatedItem('acme', 'A', 'P1', END, 120, 3), ...simulatedItem('acme', 'B', 'P2', END, 120, 4), ...simulatedItem('globex', 'A', 'P1', END, 120, 5)]) {
  const gate = new Gate();
  const base = memorySeriesSource(lines);
  // Every series read waits at the gate, so a test can hold a run in the middle.
  const series: SeriesSource = { ...base, demandSeries: async (...args) => (await gate.wait(), base.demandSeries(...args)) };
  const forecasts = memoryForecastStore();
  const runs = memoryRunStore();
  const bus = capturingBus();
  return { lines, gate, series, forecasts, runs, bus };
}

export function replica(p: ReturnType<typeof platform>, coordination: Coordination, name: string, options: { clock?: SchedulerClock; leaseTtlMs?: number; handlers?: TypedHandlers } = {}) {
  const now = options.clock === undefined ? Date.now : () => options.clock!.now();
  const service = new ForecastService({ series: p.series, store: p.forecasts, now, ...(options.handlers === undefined ? {} : { handlers: options.handlers }) });
  let runs = 0;
  const runner = new ForecastJobRunner({
    jobs: DEFAULT_JOBS,
    service,
    series: p.series,
    forecasts: p.forecasts,
    runs: p.runs,
    coordination,
    bus: p.bus,
    logger: silentLogger(),
    now,
    holderId: name,
    concurrency: 2,
    newRunId: () => `${name}-run-${++runs}`,
    ...(options.leaseTtlMs === undefined ? {} : { leaseTtlMs: options.leaseTtlMs }),
  });
  const scheduler = new ForecastScheduler({ jobs: DEFAULT_JOBS, runner, runs: p.runs, logger: silentLogger(), ...(options.clock === undefined ? {} : { clock: options.clock }) });
  return { runner, scheduler };
}
