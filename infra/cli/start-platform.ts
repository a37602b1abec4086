/**
 * Starts the platform in this process: runtime (adapters, migrations), the background roles, and
 * — when the api role is on — the ingestion front door (routes, file drop, ERP poller) and the HTTP
 * server, which listens last so nothing is served before the platform is ready. Shared by `start`, `demo` and the end-to-end tests.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { ApiKeys } from '../auth/api-keys.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { buildServer } from '../http/server.js';
import { createMetricsRegistry } from '../http/metrics.js';
import { VERSION } from '../version.js';
import { createForecasting, startBackgroundRoles, type StartedRoles } from './roles.js';
import { forecastRoutes } from '../../forecasting/http/forecast-routes.js';
import { listModels } from '../../forecasting/models/registry.js';
import { registerPipelineRoutes } from '../../pipelines/runner/create-pipelines.js';
import { createIngestion, startIngestion, type Ingestion } from './ingestion.js';
import { readRoutes } from '../../pipelines/http/read-routes.js';
import { alertRoutes } from '../../alerting/http/alert-routes.js';
import { buildAlerting } from './alerting-role.js';

export interface RunningPlatform {
  readonly runtime: Runtime;
  readonly app: FastifyInstance | undefined;
  /** The ingestion front door, when the api role runs. */
  readonly ingestion: Ingestion | undefined;
  /** Base URL of the API, when the api role runs. */
  readonly url: string | undefined;
  /** What the background roles started in this process. */
  readonly started: StartedRoles;
}

export async function startPlatform(config: Config, logger: Logger): Promise<RunningPlatform> {
  const runtime = await createRuntime(config, logger);
  try {
    const routePlugins: ((app: FastifyInstance) => Promise<void>)[] = [];
    const metrics = createMetricsRegistry();
    const started = await startBackgroundRoles({ runtime, metrics });
    if (!config.roles.includes('api')) return { runtime, app: undefined, url: undefined, ingestion: undefined, started };

    const ingestion = await createIngestion(runtime);
    await startIngestion(runtime, ingestion, (register) => routePlugins.push(register));
    // The unified model's read side (items, inventory, sources) is served wherever the API runs.
    routePlugins.push(async (app) => {
      await app.register(readRoutes, { store: runtime.store });
      await registerPipelineRoutes(app, { bus: runtime.bus, store: runtime.store, logger: runtime.logger, runner: started.pipelineRunner });
    });
    // The planner API shares the forecasting role's service and jobs when that role runs here; an
    // api-only process builds its own for listing and manual runs (the job lease keeps it from
    // running a job another replica is running).
    const forecasting = started.forecasting ?? runtime.lifecycle.register('forecast-jobs-api', createForecasting(runtime), (f) => f.jobs.close());
    routePlugins.push(async (app) => {
      await app.register(forecastRoutes, { service: forecasting.service, models: listModels(), jobs: forecasting.jobs, inferBodyLimitBytes: config.forecasting.inferBodyLimitBytes });
    });
    // Alerts, silences, preferences and notifications: an api-only process builds the alerting parts
    // without starting the engine or the dispatcher (they run where the alerting role runs).
    const alerting = started.alerting ?? buildAlerting(runtime);
    routePlugins.push(async (app) => {
      await app.register(alertRoutes, alerting.routes);
    });

    const app = await buildServer({
      logger,
      bodyLimitBytes: config.http.bodyLimitBytes,
      rateLimitPerMinute: config.http.rateLimitPerMinute,
      health: { version: VERSION, mode: runtime.mode, roles: config.roles, systems: runtime.systems },
      readiness: runtime.readiness,
      apiKeys: new ApiKeys(runtime.store, config.adminKey),
      coordination: runtime.coordination,
      metrics,
      routes: async (instance) => {
        for (const register of routePlugins) await register(instance);
      },
    });
    // Registered last, so it closes first: stop taking requests before the adapters go away.
    runtime.lifecycle.register('http-server', app, (a) => a.close());
    const address = await app.listen({ port: config.port, host: config.host });
    const url = address.replace('127.0.0.1', 'localhost');
    logger.info({ url, mode: runtime.mode, roles: config.roles }, 'listening');
    return { runtime, app, url, ingestion, started };
  } catch (error) {
    await runtime.release().catch(() => undefined);
    throw error;
  }
}
