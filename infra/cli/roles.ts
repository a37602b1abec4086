/**
 * Roles a process can run (`FORGECAST_ROLES`). The entry points are the only place that wires
 * domain code to the runtime; each role registers its long-running parts with the lifecycle, so
 * shutdown stops them (finishing and committing their in-flight batch) before the adapters close.
 * The alerting role's parts are assembled in alerting-role.ts.
 */
import type { Registry } from 'prom-client';
import type { Runtime } from '../runtime.js';
import { createPipelines } from '../../pipelines/runner/create-pipelines.js';
import type { PipelineRunner } from '../../pipelines/runner/pipeline-runner.js';
import { createClickHouseSeriesSource } from '../../forecasting/series/clickhouse-series-source.js';
import { createClickHouseForecastStore } from '../../forecasting/service/clickhouse-forecast-store.js';
import { ForecastService } from '../../forecasting/service/forecast-service.js';
import { createFitExecutor } from '../../forecasting/service/fit-executor.js';
import { createTypedHandlers } from '../../forecasting/types/typed-handlers.js';
import { createClickHouseRunStore } from '../../forecasting/jobs/clickhouse-run-store.js';
import { ForecastJobRunner } from '../../forecasting/jobs/job-runner.js';
import { ForecastTaskConsumer } from '../../forecasting/jobs/task-consumer.js';
import { ForecastScheduler } from '../../forecasting/jobs/scheduler.js';
import { parseJobTable } from '../../forecasting/jobs/cron-table.js';
import type { Alerting } from '../../alerting/create-alerting.js';
import { startAlerting } from './alerting-role.js';

export interface RoleContext {
  readonly runtime: Runtime;
  /** The registry /metrics serves; roles add their metrics to it. */
  readonly metrics: Registry;
}

/** What the background roles started, for the api role to expose. */
export interface StartedRoles {
  readonly pipelineRunner: PipelineRunner | undefined;
  /** The forecasting role's service and jobs, when it runs in this process. */
  readonly forecasting: Forecasting | undefined;
  /** The alerting parts (engine and dispatcher running), when the alerting role runs here. */
  readonly alerting: Alerting | undefined;
}

export interface Forecasting {
  readonly service: ForecastService;
  readonly jobs: ForecastJobRunner;
  /**
   * Services mode (Kafka bus): this process's member of the forecast-workers group, built but not
   * started — the forecasting role starts it; runs of any replica then spread over every
   * forecasting process. Undefined on the embedded bus (runs forecast where they run).
   */
  readonly tasks: ForecastTaskConsumer | undefined;
}

/**
 * The forecast service (demand, plus the inventory, supply and quality handlers) and job runner
 * over the runtime's ports (the api role builds them too, for the planner API). Demand and
 * inventory fits run on `FORGECAST_FORECAST_WORKERS` threads (started on the first fit); the
 * executor is registered with the lifecycle here, before the caller registers the runner, so
 * shutdown stops runs first and then the threads.
 */
export function createForecasting(runtime: Runtime): Forecasting {
  const { store, config } = runtime;
  const series = createClickHouseSeriesSource(store);
  const forecasts = createClickHouseForecastStore(store);
  const fit = runtime.lifecycle.register('forecast-fit-workers', createFitExecutor({ workers: config.forecasting.workers }), (f) => f.close());
  runtime.logger.info({ component: 'forecasting', fit_workers: fit.workers, concurrency: config.forecasting.concurrency }, fit.workers > 0 ? 'forecast fits run on worker threads' : 'forecast fits run on the main thread');
  const service = new ForecastService({ series, store: forecasts, handlers: createTypedHandlers(store, { inventory: { fit } }), fit });
  const jobs = new ForecastJobRunner({
    jobs: parseJobTable(config.forecasting.jobs),
    service,
    series,
    forecasts,
    runs: createClickHouseRunStore(store),
    coordination: runtime.coordination,
    bus: runtime.bus,
    logger: runtime.logger,
    concurrency: config.forecasting.concurrency,
    leaseTtlMs: config.forecasting.leaseTtlMs,
  });
  const tasks = runtime.bus.kind === 'kafka'
    ? new ForecastTaskConsumer({ bus: runtime.bus, coordination: runtime.coordination, service, forecasts, logger: runtime.logger, concurrency: config.forecasting.concurrency })
    : undefined;
  return { service, jobs, tasks };
}

async function startForecasting({ runtime }: RoleContext): Promise<Forecasting> {
  const forecasting = createForecasting(runtime);
  const { jobs, tasks } = forecasting;
  // Released after the runner (which cancels its runs' remaining tasks) and before the fit threads.
  if (tasks !== undefined) await runtime.lifecycle.register('forecast-task-consumer', tasks, (t) => t.close()).start();
  runtime.lifecycle.register('forecast-jobs', jobs, (j) => j.close());
  const scheduler = new ForecastScheduler({ jobs: parseJobTable(runtime.config.forecasting.jobs), runner: jobs, runs: createClickHouseRunStore(runtime.store), logger: runtime.logger });
  // Registered after the runner, so it stops first: no new run starts while runs finish.
  runtime.lifecycle.register('forecast-scheduler', scheduler, (s) => s.stop());
  await scheduler.start();
  return forecasting;
}

async function startPipelines({ runtime, metrics }: RoleContext): Promise<PipelineRunner> {
  const { runner } = createPipelines({ bus: runtime.bus, serde: runtime.serde, store: runtime.store, logger: runtime.logger, metrics });
  runtime.lifecycle.use('pipelines', runner);
  await runner.start();
  return runner;
}

/** Starts the background roles this process runs (everything but the api role). */
export async function startBackgroundRoles(context: RoleContext): Promise<StartedRoles> {
  const { roles } = context.runtime.config;
  const pipelineRunner = roles.includes('pipelines') ? await startPipelines(context) : undefined;
  const forecasting = roles.includes('forecasting') ? await startForecasting(context) : undefined;
  const alerting = roles.includes('alerting') ? await startAlerting(context.runtime) : undefined;
  return { pipelineRunner, forecasting, alerting };
}
