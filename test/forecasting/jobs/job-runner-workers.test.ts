import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryCoordination } from '../../../infra/coordination/memory-coordination.js';
import { defaultForecastConcurrency } from '../../../infra/config.js';
import { silentLogger } from '../../../infra/logger.js';
import { DEFAULT_JOBS } from '../../../forecasting/jobs/cron-table.js';
import type { ForecastEvent } from '../../../forecasting/jobs/forecast-events.js';
import { ForecastJobRunner } from '../../../forecasting/jobs/job-runner.js';
import { inProcessFitExecutor, workerThreadFitExecutor, type FitExecutor } from '../../../forecasting/service/fit-executor.js';
import { ForecastService } from '../../../forecasting/service/forecast-service.js';
import type { ForecastRecord } from '../../../forecasting/service/forecast-version.js';
import { inventoryForecastHandler } from '../../../forecasting/types/inventory-forecast.js';
import { memoryInventorySource, siteFacts } from '../types/inventory-fixture.js';
import { END, platform } from './job-fixture.js';

const NOW = Date.parse('2024-07-01T02:00:00Z');
const threads = workerThreadFitExecutor(2);
afterAll(async () => {
  await threads.close();
});

/** Counts the fits that go through an executor, so the test knows the threads did the work. */
function counted(executor: FitExecutor): FitExecutor & { calls: number } {
  const out = { workers: executor.workers, calls: 0, fit: (input: Parameters<FitExecutor['fit']>[0]) => ((out.calls += 1), executor.fit(input)), forecast: (input: Parameters<FitExecutor['forecast']>[0]) => executor.forecast(input), close: () => executor.close() };
  return out;
}

/** One nightly run over the shared fixture data, with demand and inventory fits on `executor`. */
async function nightly(executor: FitExecutor, concurrency: number) {
  const p = platform();
  const coordination = createMemoryCoordination();
  const facts = new Map([['acme|A|P1', siteFacts('P1', END, 0)], ['acme|B|P2', siteFacts('P2', END, 1e9)]]);
  let id = 0;
  const service = new ForecastService({
    series: p.series,
    store: p.forecasts,
    now: () => NOW,
    newId: () => `v${++id}`,
    fit: executor,
    handlers: new Map([['inventory', inventoryForecastHandler({ series: p.series, source: memoryInventorySource(facts) }, { fit: executor })]]),
  });
  const runner = new ForecastJobRunner({ jobs: DEFAULT_JOBS, service, series: p.series, forecasts: p.forecasts, runs: p.runs, coordination, bus: p.bus, logger: silentLogger(), now: () => NOW, concurrency, newRunId: () => 'run-1' });
  await runner.trigger('nightly', 'default');
  await Promise.all(runner.running());
  await runner.close();
  await coordination.close();
  return p;
}

/** A version without what differs by arrival order (its id), keyed by its series. */
function byKey(records: readonly ForecastRecord[]): Map<string, Omit<ForecastRecord, 'version_id'>> {
  return new Map(records.map(({ version_id: _, ...rest }) => [`${rest.tenant_id}|${rest.forecast_type}|${rest.entity_type}|${rest.entity_id}|${rest.site}|${rest.period}`, rest]));
}

describe('forecast job runs with fits on worker threads', () => {
  it('store the same versions and publish the same events as a run fitting in process', async () => {
    const local = counted(inProcessFitExecutor());
    const remote = counted(threads);
    const [a, b] = [await nightly(local, 1), await nightly(remote, defaultForecastConcurrency(remote.workers))];
    for (const p of [a, b]) expect(p.runs.latest()[0]).toMatchObject({ status: 'success', entities_total: 14, entities_done: 14, entities_failed: 0 });
    // 12 demand versions (6 entities × daily, weekly) + 2 inventory, every one fitted by its executor.
    expect(b.forecasts.records).toHaveLength(14);
    expect(remote.calls).toBe(14);
    expect(local.calls).toBe(14);
    const [expected, actual] = [byKey(a.forecasts.records), byKey(b.forecasts.records)];
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, record] of actual) expect(record, key).toEqual(expected.get(key));
    expect(actual.get('acme|inventory|item_site|A|P1|daily')).toMatchObject({ details: { kind: 'inventory', on_hand: 0 } });
    const events = (p: typeof a) =>
      p.bus.published
        .map((m) => JSON.parse(m.message.value.toString()) as ForecastEvent & { version_id?: string })
        .map(({ version_id: _, ...rest }) => rest)
        .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    expect(events(b)).toEqual(events(a));
    expect(events(b)).toHaveLength(14);
  });

  it('keep every thread busy by default: two entities in flight per worker, never fewer than four', () => {
    expect(defaultForecastConcurrency(0)).toBe(4);
    expect(defaultForecastConcurrency(1)).toBe(4);
    expect(defaultForecastConcurrency(2)).toBe(4);
    expect(defaultForecastConcurrency(7)).toBe(14);
  });
});
