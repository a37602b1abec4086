/**
 * Runs forecasting jobs, one runner per process; across replicas a job runs on one at a time.
 *
 * A run, step by step:
 *  1. take the job's coordination lease (`forecast-job:<name>`); someone else holds it → busy;
 *  2. a scheduled run also claims its cron slot (`forecast-job-slot:<name>:<slot>`), so a slot
 *     another replica already ran is not run again when this replica gets the lease later;
 *  3. record the run `queued` (forecast_runs, with the lease's fencing token), list the entities
 *     of every tenant (or the one asked for) per forecast type of the job — demand from the
 *     series source, inventory / supply / quality from their handler (a type without a handler
 *     in this process is skipped with a warning) — and record `running` with the total;
 *  4. forecast them with bounded concurrency (the fits run wherever the service's FitExecutor
 *     puts them: worker threads in the platform), publishing one event per version, recording
 *     progress (entities_done / failed) at most every PROGRESS_EVERY_MS and logging it — or, when
 *     distributed (services mode: a Kafka bus), publish them as tasks for the forecast-workers
 *     group of every forecasting process and follow their counters (distributed-run.ts);
 *  5. record `success` or `failed`, release the lease.
 * The lease is renewed every third of its TTL while the run goes on; a renewal that fails stops
 * the run (`failed`, FGC_FORECAST_JOB_LEASE_LOST): another replica may already be running it.
 * An entity that cannot be forecast (bad data, too short) counts as failed and the run goes on;
 * an infrastructure error (retriable: storage or bus down) fails the run.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { DEFAULT_TENANT } from '../../infra/auth/api-keys.js';
import type { Coordination, Lease } from '../../infra/coordination/coordination.js';
import { FgcError } from '../../infra/errors.js';
import type { EventBus } from '../../infra/event-bus/event-bus.js';
import type { Logger } from '../../infra/logger.js';
import type { Period } from '../series/periods.js';
import { isDemandEntityType, type EntityType, type SeriesSource } from '../series/series-source.js';
import type { ForecastType } from '../service/forecast-record.js';
import type { ForecastService } from '../service/forecast-service.js';
import type { TypedEntityRef } from '../types/forecast-type.js';
import type { ForecastStore } from '../service/forecast-store.js';
import { DEFAULT_LOOKBACK_DAYS, type JobSpec } from './cron-table.js';
import { runDistributed } from './distributed-run.js';
import { forecastEntity, type EntityTask } from './entity-forecast.js';
import { RUN_KEY_TTL_MS, runKeys } from './forecast-tasks.js';
import { FORECAST_EVENTS_TOPIC, type eventMessage } from './forecast-events.js';
import type { JobsApi, JobView, RunRecord, RunStatus, RunStore, RunTrigger } from './job-runs.js';

/** A replica that dies mid-run blocks the job for at most a minute; renewals every 20 s survive a slow query. */
const DEFAULT_LEASE_TTL_MS = 60_000;
/**
 * Forecasts in flight per run when the caller names none: enough to overlap ClickHouse round
 * trips. With fits on worker threads (the service's FitExecutor) the platform passes
 * 2 × workers instead (config `defaultForecastConcurrency`), so every worker stays busy.
 */
const DEFAULT_CONCURRENCY = 4;
/** Progress rows and log lines at most this often: visible in GET /api/v1/jobs without a row per entity. */
const PROGRESS_EVERY_MS = 5_000;
/** Events per publish call. */
const EVENT_BATCH = 100;
/** A claimed slot is remembered two days: longer than any catch-up looks back for a daily job. */
const SLOT_TTL_MS = 2 * 86_400_000;
/** Runs shown by GET /api/v1/jobs. */
const RUNS_LISTED = 20;
/** A distributed run reads its counters this often: progress within a second, a few Redis reads per second. */
const DEFAULT_TASK_POLL_MS = 500;
/**
 * A distributed run fails when no task finished for this long: far beyond one fit (seconds), so
 * only a run nobody consumes (or every member stuck) ends this way.
 */
const DEFAULT_TASK_TIMEOUT_MS = 10 * 60_000;

export interface JobRunnerOptions {
  readonly jobs: readonly JobSpec[];
  readonly service: ForecastService;
  readonly series: SeriesSource;
  readonly forecasts: ForecastStore;
  readonly runs: RunStore;
  readonly coordination: Coordination;
  /** Where forecast events go; without one, none are published. */
  readonly bus?: EventBus;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly holderId?: string;
  readonly leaseTtlMs?: number;
  readonly concurrency?: number;
  readonly lookbackDays?: Readonly<Record<Period, number>>;
  readonly newRunId?: () => string;
  /**
   * Spread runs over processes: tasks to the task topic, forecast by the forecast-workers group
   * (task-consumer.ts). Default: when the bus is Kafka (services mode); the embedded bus is one
   * process, so there runs are forecast here.
   */
  readonly distribute?: boolean;
  /** Distributed runs: how often the counters are read. */
  readonly taskPollMs?: number;
  /** Distributed runs: the run fails when no task finished for this long. */
  readonly taskTimeoutMs?: number;
}

interface ActiveRun {
  record: RunRecord;
  done: Promise<RunRecord>;
  /** The last state write, so the next one follows it. */
  saving: Promise<void>;
}

export class ForecastJobRunner implements JobsApi {
  readonly #o: JobRunnerOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #holder: string;
  readonly #ttl: number;
  readonly #active = new Map<string, ActiveRun>();
  /** Jobs between the first check and their run being active: set synchronously, so two starts in one process cannot both pass. */
  readonly #starting = new Set<string>();
  readonly #closing = new AbortController();
  #topicReady = false;

  constructor(options: JobRunnerOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'forecast-jobs' });
    this.#now = options.now ?? Date.now;
    this.#holder = options.holderId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#ttl = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  }

  get jobs(): readonly JobSpec[] {
    return this.#o.jobs;
  }

  /** Runs currently executing in this process (resolved with the final record). */
  running(): Promise<RunRecord>[] {
    return [...this.#active.values()].map((a) => a.done);
  }

  async list(tenant: string): Promise<{ jobs: JobView[]; runs: RunRecord[] }> {
    const scope = tenant === DEFAULT_TENANT ? {} : { tenant };
    const stored = await this.#o.runs.list({ ...scope, limit: RUNS_LISTED });
    // Runs of this process show their live progress (entities_done ahead of the last progress row);
    // looked up after the query, and only when not older than the stored state.
    const live = new Map([...this.#active.values()].map((a) => [a.record.run_id, a.record]));
    const runs = stored.map((r) => {
      const mine = live.get(r.run_id);
      return mine !== undefined && mine.version >= r.version ? mine : r;
    });
    const jobs = await Promise.all(
      this.#o.jobs.map(async (job): Promise<JobView> => {
        const active = this.#active.get(job.name)?.record;
        const local = active !== undefined && (tenant === DEFAULT_TENANT || active.tenant_id === '' || active.tenant_id === tenant) ? active : undefined;
        const last = local ?? (await this.#o.runs.list({ ...scope, job: job.name, limit: 1 }))[0] ?? null;
        return { name: job.name, schedule: job.schedule, description: job.description, running: last?.status === 'running' || last?.status === 'queued', last_run: last };
      }),
    );
    return { jobs, runs };
  }

  async trigger(name: string, tenant: string): Promise<{ run_id: string; job: string; status: RunStatus; fencing_token: number }> {
    const started = await this.#start(name, tenant === DEFAULT_TENANT ? '' : tenant, 'manual', undefined);
    if (started === 'busy' || started === 'slot-taken') throw new FgcError('FGC_FORECAST_JOB_BUSY', `job ${name} is already running`);
    return { run_id: started.record.run_id, job: name, status: started.record.status, fencing_token: started.record.fencing_token };
  }

  /** A run for a cron slot; resolves with the final record, or undefined when another replica has (or had) it. */
  async runScheduled(name: string, slot: number, trigger: Extract<RunTrigger, 'schedule' | 'catch-up'>): Promise<RunRecord | undefined> {
    const started = await this.#start(name, '', trigger, slot);
    if (started === 'busy' || started === 'slot-taken') {
      this.#log.info({ job: name, slot: new Date(slot).toISOString(), why: started }, 'scheduled forecast run left to another replica');
      return undefined;
    }
    return started.done;
  }

  /** Stops runs in progress (each records `failed`) and waits for them. */
  async close(): Promise<void> {
    this.#closing.abort(new FgcError('FGC_FORECAST_JOB_LEASE_LOST', 'the forecasting role is shutting down'));
    await Promise.allSettled(this.running());
  }

  async #start(name: string, tenant: string, trigger: RunTrigger, slot: number | undefined): Promise<ActiveRun | 'busy' | 'slot-taken'> {
    const job = this.#o.jobs.find((j) => j.name === name);
    if (job === undefined) throw new FgcError('FGC_FORECAST_JOB_NOT_FOUND', `no forecast job "${name}"; jobs: ${this.#o.jobs.map((j) => j.name).join(', ')}`);
    // A lease its own holder asks for again is granted again, so this process checks itself first.
    if (this.#active.has(name) || this.#starting.has(name)) return 'busy';
    this.#starting.add(name);
    try {
      return await this.#begin(job, name, tenant, trigger, slot);
    } finally {
      this.#starting.delete(name);
    }
  }

  async #begin(job: JobSpec, name: string, tenant: string, trigger: RunTrigger, slot: number | undefined): Promise<ActiveRun | 'busy' | 'slot-taken'> {
    const { coordination } = this.#o;
    const lease = await coordination.acquireLease(`forecast-job:${name}`, this.#holder, this.#ttl);
    if (lease === null) return 'busy';
    const runId = (this.#o.newRunId ?? randomUUID)();
    if (slot !== undefined && !(await coordination.setIfAbsent(`forecast-job-slot:${name}:${slot}`, runId, SLOT_TTL_MS))) {
      await coordination.releaseLease(lease);
      return 'slot-taken';
    }
    const record: RunRecord = {
      run_id: runId,
      job: name,
      tenant_id: tenant,
      trigger,
      status: 'queued',
      scheduled_for: slot === undefined ? null : new Date(slot).toISOString(),
      started_at: new Date(this.#now()).toISOString(),
      finished_at: null,
      entities_total: 0,
      entities_done: 0,
      entities_failed: 0,
      error: '',
      holder: this.#holder,
      fencing_token: lease.token,
      version: 1,
    };
    const active: ActiveRun = { record, done: Promise.resolve(record), saving: Promise.resolve() };
    this.#active.set(name, active);
    try {
      await this.#o.runs.save(record);
    } catch (error) {
      this.#active.delete(name);
      await coordination.releaseLease(lease).catch(() => undefined);
      throw error;
    }
    active.done = this.#execute(job, active, lease).finally(() => this.#active.delete(name));
    return active;
  }

  /**
   * Records a state of the run. Writes are chained (each version after the previous one) and the
   * in-memory record takes the change only once it is stored, so what GET /api/v1/jobs shows from
   * memory is never ahead of forecast_runs in status.
   */
  async #save(active: ActiveRun, change: Partial<RunRecord>): Promise<void> {
    const write = active.saving.then(async () => {
      const version = active.record.version + 1;
      await this.#o.runs.save({ ...active.record, ...change, version });
      active.record = { ...active.record, ...change, version };
    });
    active.saving = write.catch(() => undefined);
    await write;
  }

  async #execute(job: JobSpec, active: ActiveRun, first: Lease): Promise<RunRecord> {
    const log = this.#log.child({ job: job.name, run_id: active.record.run_id, fencing_token: first.token });
    const { coordination } = this.#o;
    let lease = first;
    const lost = new AbortController();
    const signal = AbortSignal.any([lost.signal, this.#closing.signal]);
    const renew = async (): Promise<void> => {
      const renewed = await coordination.renewLease(lease, this.#ttl).catch((error: unknown) => {
        log.warn({ err: error }, 'could not renew the forecast job lease');
        return null;
      });
      if (renewed === null) {
        if (!lost.signal.aborted) lost.abort(new FgcError('FGC_FORECAST_JOB_LEASE_LOST', `lost the lease of job ${job.name}; stopping this run`));
        return;
      }
      lease = renewed;
    };
    let renewal: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      renewal = renew();
    }, Math.max(1, Math.floor(this.#ttl / 3)));
    timer.unref();
    const events: ReturnType<typeof eventMessage>[] = [];
    /** Set once tasks may be out with the group: a failed run then tells members to skip the rest. */
    let cancelOnFailure = false;
    try {
      const tasks = await this.#tasks(job, active.record.tenant_id, log);
      await this.#save(active, { status: 'running', entities_total: tasks.length });
      const bus = this.#o.bus;
      const distributed = bus !== undefined && (this.#o.distribute ?? bus.kind === 'kafka');
      log.info({ entities: tasks.length, tenant: active.record.tenant_id || 'all', trigger: active.record.trigger, distributed }, 'forecast run started');
      let lastProgress = this.#now();
      const progress = async (): Promise<void> => {
        if (this.#now() - lastProgress < PROGRESS_EVERY_MS) return;
        lastProgress = this.#now();
        await this.#save(active, {});
        log.info({ done: active.record.entities_done, total: tasks.length, failed: active.record.entities_failed }, 'forecast run progress');
      };
      if (distributed) {
        cancelOnFailure = true;
        await runDistributed({
          bus,
          coordination,
          runId: active.record.run_id,
          tasks,
          lookbackDays: (period) => this.#lookback(period),
          now: this.#now,
          pollMs: this.#o.taskPollMs ?? DEFAULT_TASK_POLL_MS,
          timeoutMs: this.#o.taskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS,
          signal,
          onProgress: async (done, failed) => {
            active.record = { ...active.record, entities_done: done, entities_failed: failed };
            await progress();
          },
        });
      } else {
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < tasks.length) {
            signal.throwIfAborted();
            const task = tasks[next]!;
            next += 1;
            const event = await forecastEntity({ service: this.#o.service, forecasts: this.#o.forecasts, logger: log }, task, active.record.run_id, this.#lookback(task.period));
            if (event !== undefined) events.push(event);
            active.record = { ...active.record, entities_done: active.record.entities_done + 1, entities_failed: active.record.entities_failed + (event === undefined ? 1 : 0) };
            if (events.length >= EVENT_BATCH) await this.#publish(events.splice(0, events.length));
            await progress();
          }
        };
        await Promise.all(Array.from({ length: Math.max(1, this.#o.concurrency ?? DEFAULT_CONCURRENCY) }, worker));
      }
      signal.throwIfAborted();
      await this.#publish(events.splice(0, events.length));
      await this.#save(active, { status: 'success', finished_at: new Date(this.#now()).toISOString() });
      log.info({ done: active.record.entities_done, failed: active.record.entities_failed }, 'forecast run finished');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.error({ err: error }, 'forecast run failed');
      if (cancelOnFailure) await coordination.set(runKeys(active.record.run_id).cancelled, '1', RUN_KEY_TTL_MS).catch((e: unknown) => log.warn({ err: e }, 'could not cancel the tasks of the failed run'));
      await this.#save(active, { status: 'failed', error: message, finished_at: new Date(this.#now()).toISOString() }).catch((e: unknown) => log.error({ err: e }, 'could not record the failed run'));
    } finally {
      clearInterval(timer);
      await renewal;
      if (!lost.signal.aborted) await coordination.releaseLease(lease).catch((e: unknown) => log.warn({ err: e }, 'could not release the forecast job lease'));
    }
    return active.record;
  }

  async #tasks(job: JobSpec, tenant: string, log: Logger): Promise<EntityTask[]> {
    const { series } = this.#o;
    const tenants = tenant === '' ? await series.tenants() : [tenant];
    const since = job.scope === 'new-data' ? ((await this.#o.runs.lastSuccessStart(job.name)) ?? 0) : undefined;
    const skipped = new Set<string>();
    const tasks: EntityTask[] = [];
    for (const t of tenants) {
      for (const spec of job.forecastTypes) {
        for (const type of spec.entityTypes) {
          const entities = await this.#entities(t, spec.forecastType, type, since, skipped);
          for (const entity of entities) for (const period of spec.periods) tasks.push({ tenant: t, forecastType: spec.forecastType, entity, period });
        }
      }
    }
    if (skipped.size > 0) log.warn({ skipped: [...skipped] }, 'forecast types or entity types of the job not served by this process; skipped');
    return tasks;
  }

  /** The entities of one forecast and entity type: all known, or those with data since `since`. */
  async #entities(tenant: string, forecastType: ForecastType, type: EntityType, since: number | undefined, skipped: Set<string>): Promise<TypedEntityRef[]> {
    if (forecastType === 'demand') {
      if (!isDemandEntityType(type)) {
        skipped.add(`demand per ${type}`);
        return [];
      }
      const { series } = this.#o;
      return since === undefined ? series.knownEntities(tenant, type) : series.entitiesWithNewData(tenant, type, since);
    }
    const handler = this.#o.service.typedHandler(forecastType);
    if (handler === undefined || !handler.entityTypes.includes(type)) {
      skipped.add(handler === undefined ? forecastType : `${forecastType} per ${type}`);
      return [];
    }
    // A handler that cannot tell what changed is run for everything it knows.
    if (since !== undefined && handler.entitiesWithNewData !== undefined) return handler.entitiesWithNewData(tenant, type, since);
    return handler.knownEntities(tenant, type);
  }

  #lookback(period: Period): number {
    return (this.#o.lookbackDays ?? DEFAULT_LOOKBACK_DAYS)[period];
  }

  async #publish(messages: ReturnType<typeof eventMessage>[]): Promise<void> {
    const bus = this.#o.bus;
    if (bus === undefined || messages.length === 0) return;
    if (!this.#topicReady) {
      await bus.ensureTopics([{ topic: FORECAST_EVENTS_TOPIC }]);
      this.#topicReady = true;
    }
    for (let i = 0; i < messages.length; i += EVENT_BATCH) await bus.publish(FORECAST_EVENTS_TOPIC, messages.slice(i, i + EVENT_BATCH));
  }
}
