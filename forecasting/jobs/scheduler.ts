/**
 * The forecast scheduler: thin glue between the pure cron table (cron-table.ts), an injected
 * clock and timer, and the job runner. All decisions are `dueRuns`; this module only keeps time.
 *
 * States:
 *   stopped ──start()──► starting: reads each job's last handled slot from the run store; a job
 *                         never run starts from "now" (nothing to catch up on a first start)
 *   starting ─────────► checking (catch-up): dueRuns over (last slot, now] — at most one run per job
 *   checking ─────────► idle: each due run handed to the runner (not awaited: a long nightly run
 *                         must not hold up the hourly job), timer armed for the next minute
 *   idle ──timer──────► checking: dueRuns over (last check, now]
 *   any ──stop()──────► stopped: timer cleared, runs in flight awaited
 * The runner takes the job's lease and claims the slot, so replicas ticking at the same minute
 * (or catching up the same missed slot after a shared outage) run each slot once.
 */
import type { Logger } from '../../infra/logger.js';
import { buildCronTable, dueRuns, type CronJob, type JobSpec } from './cron-table.js';
import type { RunRecord, RunStore, RunTrigger } from './job-runs.js';

/** The scheduler's view of time; tests pass a fake one. */
export interface SchedulerClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What the scheduler needs of the runner. */
export interface ScheduledRunner {
  runScheduled(job: string, slot: number, trigger: Extract<RunTrigger, 'schedule' | 'catch-up'>): Promise<RunRecord | undefined>;
}

export interface SchedulerOptions {
  readonly jobs: readonly JobSpec[];
  readonly runner: ScheduledRunner;
  readonly runs: Pick<RunStore, 'lastScheduledSlot'>;
  readonly clock?: SchedulerClock;
  readonly logger: Logger;
}

const MINUTE = 60_000;
/** Ticks land just after the minute starts, so a clock a little behind still sees the slot. */
const TICK_OFFSET_MS = 50;

export type SchedulerState = 'stopped' | 'starting' | 'running';

export class ForecastScheduler {
  readonly #table: CronJob[];
  readonly #o: SchedulerOptions;
  readonly #clock: SchedulerClock;
  readonly #log: Logger;
  readonly #since = new Map<string, number>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #timer: unknown;
  #state: SchedulerState = 'stopped';

  constructor(options: SchedulerOptions) {
    this.#table = buildCronTable(options.jobs);
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger.child({ component: 'forecast-scheduler' });
  }

  get state(): SchedulerState {
    return this.#state;
  }

  /** Runs started and not yet finished, for tests and shutdown. */
  inFlight(): Promise<unknown>[] {
    return [...this.#inFlight];
  }

  async start(): Promise<void> {
    if (this.#state !== 'stopped') return;
    this.#state = 'starting';
    const now = this.#clock.now();
    for (const job of this.#table) {
      const last = await this.#o.runs.lastScheduledSlot(job.name);
      this.#since.set(job.name, last ?? now);
    }
    if (this.#state !== 'starting') return; // stopped meanwhile
    this.#state = 'running';
    this.#log.info({ jobs: this.#table.map((j) => `${j.name} (${j.schedule})`) }, 'forecast scheduler started');
    this.#check('catch-up');
  }

  async stop(): Promise<void> {
    this.#state = 'stopped';
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled(this.inFlight());
  }

  #check(trigger: Extract<RunTrigger, 'schedule' | 'catch-up'>): void {
    if (this.#state !== 'running') return;
    const now = this.#clock.now();
    for (const due of dueRuns(this.#table, this.#since, now)) {
      this.#log.info({ job: due.job, slot: new Date(due.slot).toISOString(), trigger }, 'forecast job due');
      const run = this.#o.runner
        .runScheduled(due.job, due.slot, trigger)
        .catch((error: unknown) => this.#log.error({ err: error, job: due.job }, 'scheduled forecast run could not start'))
        .finally(() => this.#inFlight.delete(run));
      this.#inFlight.add(run);
    }
    for (const job of this.#table) this.#since.set(job.name, now);
    const wait = MINUTE - (now % MINUTE) + TICK_OFFSET_MS;
    this.#timer = this.#clock.setTimeout(() => this.#check('schedule'), wait);
  }
}
