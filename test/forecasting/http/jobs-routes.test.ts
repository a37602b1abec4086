/** GET /api/v1/jobs and POST /api/v1/jobs/{name}/run over chDB, with runs recorded in forecast_runs. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../../infra/auth/api-keys.js';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { createAnalyticsStore } from '../../../infra/clickhouse/clickhouse-analytics-store.js';
import { migrate } from '../../../infra/clickhouse/migrations.js';
import { createMemoryCoordination } from '../../../infra/coordination/memory-coordination.js';
import { createMetricsRegistry } from '../../../infra/http/metrics.js';
import { buildServer } from '../../../infra/http/server.js';
import { silentLogger } from '../../../infra/logger.js';
import { forecastRoutes } from '../../../forecasting/http/forecast-routes.js';
import { createClickHouseRunStore } from '../../../forecasting/jobs/clickhouse-run-store.js';
import { DEFAULT_JOBS } from '../../../forecasting/jobs/cron-table.js';
import { ForecastJobRunner } from '../../../forecasting/jobs/job-runner.js';
import type { RunRecord, RunStore } from '../../../forecasting/jobs/job-runs.js';
import { listModels } from '../../../forecasting/models/registry.js';
import { createClickHouseSeriesSource } from '../../../forecasting/series/clickhouse-series-source.js';
import { createClickHouseForecastStore } from '../../../forecasting/service/clickhouse-forecast-store.js';
import { ForecastService } from '../../../forecasting/service/forecast-service.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { capturingBus } from '../jobs/job-fixture.js';
import { insertDemand, simulatedItem } from '../series/demand-fixture.js';

const ADMIN_KEY = 'test-admin-key-0123456789';

describe('jobs routes', () => {
  let store: AnalyticsStore;
  let dir: { path: string; remove: () => Promise<void> };
  let app: FastifyInstance;
  let runner: ForecastJobRunner;
  let runs: RunStore;
  let acmeAdmin: Record<string, string>;
  let acmeRead: Record<string, string>;
  const bus = capturingBus();
  const admin = { authorization: `Bearer ${ADMIN_KEY}` };

  beforeAll(async () => {
    dir = await tempDir();
    store = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'jobs_routes_test', dataDir: dir.path, logger: silentLogger() });
    await migrate(store, silentLogger());
    await insertDemand(store, [...simulatedItem('acme', 'A', 'P1', '2024-06-30', 200, 1), ...simulatedItem('globex', 'G', 'P9', '2024-06-30', 200, 2)]);
    const keys = new ApiKeys(store, ADMIN_KEY);
    acmeAdmin = { authorization: `Bearer ${(await keys.create({ tenant: 'acme', scopes: ['admin'] })).key}` };
    acmeRead = { authorization: `Bearer ${(await keys.create({ tenant: 'acme', scopes: ['read', 'write'] })).key}` };
    const series = createClickHouseSeriesSource(store);
    const forecasts = createClickHouseForecastStore(store);
    runs = createClickHouseRunStore(store);
    const service = new ForecastService({ series, store: forecasts });
    runner = new ForecastJobRunner({ jobs: DEFAULT_JOBS, service, series, forecasts, runs, coordination: createMemoryCoordination(), bus, logger: silentLogger() });
    app = await buildServer({
      logger: silentLogger(),
      bodyLimitBytes: 64 * 1024,
      rateLimitPerMinute: 10_000,
      health: { version: '0.0.0', mode: 'embedded', roles: ['forecasting'], systems: {} },
      readiness: [],
      apiKeys: keys,
      coordination: createMemoryCoordination(),
      metrics: createMetricsRegistry(),
      routes: async (a) => {
        await a.register(forecastRoutes, { service, models: listModels(), jobs: runner });
      },
    });
  });
  afterAll(async () => {
    await runner.close();
    await app.close();
    await store.close();
    await dir.remove();
  });

  it('lists the jobs for admins only', async () => {
    expect((await app.inject({ url: '/api/v1/jobs', headers: acmeRead })).statusCode).toBe(403);
    const response = await app.inject({ url: '/api/v1/jobs', headers: admin });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ jobs: [{ name: 'nightly', schedule: '0 2 * * *', running: false, last_run: null }, { name: 'hourly', schedule: '5 * * * *' }], runs: [] });
  });

  it('runs a job on request (202 with the run id) and shows its progress and result', async () => {
    const started = await app.inject({ method: 'POST', url: '/api/v1/jobs/nightly/run', headers: admin });
    expect(started.statusCode, started.body).toBe(202);
    const { run_id: runId } = started.json<{ run_id: string; status: string }>();
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    const finished = await waitFor('the run to finish', async () => {
      const body = (await app.inject({ url: '/api/v1/jobs', headers: admin })).json<{ jobs: { name: string; last_run: RunRecord | null }[]; runs: RunRecord[] }>();
      const last = body.jobs.find((j) => j.name === 'nightly')?.last_run;
      return last?.status === 'success' ? body : undefined;
    }, 20_000);
    // Two tenants × (item, item×site) × (daily, weekly).
    expect(finished.runs[0]).toMatchObject({ run_id: runId, job: 'nightly', tenant_id: '', trigger: 'manual', status: 'success', entities_total: 8, entities_done: 8, entities_failed: 0, error: '' });
    expect(finished.runs[0]!.fencing_token).toBeGreaterThan(0);
    expect(finished.runs[0]!.finished_at).not.toBeNull();
    expect(bus.published).toHaveLength(8);
    // The forecasts it stored are served to planners.
    const forecast = await app.inject({ url: '/api/v1/forecasts/A/demand?period=weekly&site=', headers: acmeRead });
    expect(forecast.statusCode).toBe(200);
    expect(forecast.json()).toMatchObject({ entity_id: 'A', entity_type: 'item', run_id: runId });
  });

  it("scopes a tenant admin's run and run list to that tenant", async () => {
    const started = await app.inject({ method: 'POST', url: '/api/v1/jobs/nightly/run', headers: acmeAdmin });
    expect(started.statusCode).toBe(202);
    await Promise.all(runner.running());
    const list = (await app.inject({ url: '/api/v1/jobs', headers: acmeAdmin })).json<{ runs: RunRecord[] }>();
    expect(list.runs.map((r) => r.tenant_id)).toEqual(['acme', '']);
    expect(list.runs[0]).toMatchObject({ entities_total: 4, status: 'success' });
  });

  it('answers 404 for an unknown job', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/jobs/nope/run', headers: admin });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'FGC_FORECAST_JOB_NOT_FOUND' } });
  });

  it('remembers scheduled slots and successes in forecast_runs', async () => {
    const slot = Date.parse('2024-07-01T02:00:00Z');
    expect(await runs.lastScheduledSlot('hourly')).toBeUndefined();
    const run = await runner.runScheduled('hourly', slot, 'catch-up');
    expect(run).toMatchObject({ status: 'success', scheduled_for: '2024-07-01T02:00:00.000Z', trigger: 'catch-up' });
    expect(await runs.lastScheduledSlot('hourly')).toBe(slot);
    expect(await runs.lastSuccessStart('hourly')).toBe(Date.parse(run!.started_at));
    expect(await runner.runScheduled('hourly', slot, 'schedule')).toBeUndefined(); // the slot was run
  });
});
