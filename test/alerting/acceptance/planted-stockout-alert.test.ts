/**
 * ACCEPTANCE (alerting issue, first item), end to end on real parts: the simulator's planted
 * stockout streams through the real pipeline (ingestor → embedded bus → pipeline runner → chDB),
 * a forecast job run (the real job runner, forecast service and inventory handler) publishes its
 * events, and the alerting role's parts (createAlerting over the same store, bus and coordination)
 * turn them into notifications. Within 10 s of the run finishing, the subscribed supervisor has
 * exactly one email, one Slack message and one signed webhook, each about the planted item × site.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, historyStartFor, type GroundTruth } from '../../../connectors/simulator/index.js';
import { createClickHouseRunStore } from '../../../forecasting/jobs/clickhouse-run-store.js';
import { DEFAULT_TYPE_JOBS, type JobSpec } from '../../../forecasting/jobs/cron-table.js';
import { ForecastJobRunner } from '../../../forecasting/jobs/job-runner.js';
import { createClickHouseSeriesSource } from '../../../forecasting/series/clickhouse-series-source.js';
import { createClickHouseForecastStore } from '../../../forecasting/service/clickhouse-forecast-store.js';
import { ForecastService } from '../../../forecasting/service/forecast-service.js';
import { createTypedHandlers } from '../../../forecasting/types/typed-handlers.js';
import { silentLogger } from '../../../infra/logger.js';
import { createPipelineHarness, type PipelineHarness } from '../../pipelines/runner/pipeline-harness.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startAlertingHarness, type AlertingHarness, type Recipient } from './alerting-harness.js';

const TENANT = 'default';
const TODAY = '2025-06-01';
const HISTORY_DAYS = 240;
/** The run the test triggers: inventory of every item × site, daily (what raises stockout alerts). */
const JOB: JobSpec = { name: 'stockout-check', schedule: '0 2 * * *', description: 'inventory only', scope: 'all', forecastTypes: [{ ...DEFAULT_TYPE_JOBS.inventory, entityTypes: ['item_site'], periods: ['daily'] }] };

describe('planted stockout → one email, one Slack message and one signed webhook', () => {
  let pipeline: PipelineHarness;
  let alerting: AlertingHarness;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let truth: GroundTruth;
  let supervisor: Recipient;

  beforeAll(async () => {
    pipeline = await createPipelineHarness();
    await pipeline.startRunner();
    const simulator = createSimulator({ ingestor: pipeline.ingest.ingestor, tenant: TENANT, seed: 42, items: 6, sites: 1, historyDays: HISTORY_DAYS, startDate: historyStartFor(TODAY, HISTORY_DAYS), logger: silentLogger() });
    const stats = await simulator.runHistory();
    truth = simulator.groundTruth();
    await simulator.close();
    expect(stats.failedBatches).toBe(0);
    await pipeline.drained(undefined, 60_000);

    dir = await tempDir('forgecast-planted-alert-');
    const { store, bus, coordination } = pipeline.ingest;
    // Alerting runs over the pipeline's store, bus and coordination; they are closed with the pipeline.
    alerting = await startAlertingHarness(dir.path, async () => ({ label: 'embedded (pipeline harness)', store, bus, coordination, close: async () => undefined }), { startAt: Date.parse(`${TODAY}T09:00:00Z`) });
    supervisor = alerting.recipient(TENANT, 'supervisor');
    await alerting.subscribe(supervisor, { min_severity: 'warning' });
  }, 120_000);

  afterAll(async () => {
    await alerting?.close();
    await pipeline?.close();
    await dir?.remove();
  });

  it('delivers the stockout within 10 s of the forecast run, once per channel', async () => {
    const { store, bus, coordination } = pipeline.ingest;
    const series = createClickHouseSeriesSource(store);
    const forecasts = createClickHouseForecastStore(store);
    const service = new ForecastService({ series, store: forecasts, handlers: createTypedHandlers(store) });
    const runner = new ForecastJobRunner({ jobs: [JOB], service, series, forecasts, runs: createClickHouseRunStore(store), coordination, bus, logger: silentLogger(), lookbackDays: { daily: HISTORY_DAYS, weekly: HISTORY_DAYS, monthly: HISTORY_DAYS, quarterly: HISTORY_DAYS } });
    const run = await runner.trigger(JOB.name, TENANT);
    const [finished] = await Promise.all(runner.running());
    expect(finished?.run_id).toBe(run.run_id);
    expect(finished?.status).toBe('success');
    const ranAt = Date.now();

    const { sku, site } = truth.stockout;
    const about = (text: string): boolean => text.includes(sku) && text.includes(site);
    await waitFor('a message on every channel', () => alerting.smtp.to(supervisor.email).length >= 1 && alerting.slack.okCalls(supervisor.slack).length >= 1 && alerting.webhooks.accepted(supervisor.webhookPath).length >= 1, 10_000);
    const within = Date.now() - ranAt;
    expect(within).toBeLessThanOrEqual(10_000);
    await alerting.settle(TENANT);

    const alerts = (await alerting.alerts(TENANT)).filter((a) => a.type === 'stockout_risk' && a.entity_id === sku && a.site === site);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.status).toBe('firing');

    const emails = alerting.smtp.to(supervisor.email);
    expect(emails).toHaveLength(1);
    expect(about(emails[0]?.raw ?? '')).toBe(true);
    const posts = alerting.slack.okCalls(supervisor.slack).filter((c) => c.method === 'chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(about(JSON.stringify(posts[0]?.args))).toBe(true);
    const hooks = alerting.webhooks.requests(supervisor.webhookPath);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]?.verified).toBe(true);
    const payloadAlerts = (hooks[0]?.body.alerts ?? []) as { type: string; entity_id: string; site: string }[];
    expect(payloadAlerts.some((a) => a.type === 'stockout_risk' && a.entity_id === sku && a.site === site)).toBe(true);
  }, 60_000);
});
