import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCoordination } from '../../../infra/coordination/memory-coordination.js';
import { createEmbeddedEventBus } from '../../../infra/event-bus/embedded-event-bus.js';
import type { EventBus } from '../../../infra/event-bus/event-bus.js';
import { silentLogger } from '../../../infra/logger.js';
import { DEFAULT_JOBS } from '../../../forecasting/jobs/cron-table.js';
import { parseTaskMessage, runKeys, taskMessage, type TaskMessage } from '../../../forecasting/jobs/forecast-tasks.js';
import { ForecastJobRunner } from '../../../forecasting/jobs/job-runner.js';
import { ForecastTaskConsumer } from '../../../forecasting/jobs/task-consumer.js';
import type { SeriesSource } from '../../../forecasting/series/series-source.js';
import { ForecastService } from '../../../forecasting/service/forecast-service.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { describeDistributedRunSuite } from './distributed-run.suite.js';
import { platform } from './job-fixture.js';

const dir = await tempDir('fgc-distributed-run-');
const bus = await createEmbeddedEventBus({ dir: dir.path, partitions: 4, fsync: false, logger: silentLogger() });
const coordination = createMemoryCoordination();
afterAll(async () => {
  await bus.close();
  await coordination.close();
  await dir.remove();
});

// Both replicas on the one embedded bus and store of this process: members of one group here share its partitions.
describeDistributedRunSuite('embedded bus + in-process coordination', async () => ({ bus, coordination }), { waitMs: 10_000 });

const TASK: TaskMessage = { runId: 'run-1', index: 3, tenant: 'acme', forecastType: 'inventory', entity: { entityType: 'item_site', entityId: 'ITEM-ü/1', site: 'P1' }, period: 'weekly', lookbackDays: 365 };

describe('forecast task messages', () => {
  it('round-trip, without a key (spread round-robin over the partitions)', () => {
    const message = taskMessage(TASK);
    expect(message.key).toBeNull();
    expect(parseTaskMessage(message.value)).toEqual(TASK);
  });

  const bad: Record<string, unknown> = {
    'an unknown version': { v: 2 },
    'a missing run id': { run_id: '' },
    'a negative index': { index: -1 },
    'a fractional index': { index: 1.5 },
    'an unknown forecast type': { forecast_type: 'weather' },
    'an unknown entity type': { entity_type: 'planet' },
    'an empty entity id': { entity_id: '' },
    'a numeric site': { site: 7 },
    'an unknown period': { period: 'hourly' },
    'a zero lookback': { lookback_days: 0 },
    'a string lookback': { lookback_days: '30' },
  };
  for (const [name, change] of Object.entries(bad)) {
    it(`refuse ${name}`, () => {
      const json = { ...(JSON.parse(taskMessage(TASK).value.toString()) as object), ...(change as object) };
      expect(typeof parseTaskMessage(Buffer.from(JSON.stringify(json)))).toBe('string');
    });
  }

  it('refuse what is not a JSON object', () => {
    for (const text of ['', 'null', '[]', '42', '"task"', '{', '\u0000\u0001']) expect(typeof parseTaskMessage(Buffer.from(text))).toBe('string');
  });
});

describe('distributed runs that cannot finish', () => {
  let bus2: EventBus;
  const dir2 = tempDir('fgc-distributed-timeout-');
  beforeAll(async () => {
    bus2 = await createEmbeddedEventBus({ dir: (await dir2).path, partitions: 2, fsync: false, logger: silentLogger() });
  });
  afterAll(async () => {
    await bus2.close();
    await (await dir2).remove();
  });

  it('count an entity that cannot be forecast as failed, fail a run nobody consumes after the timeout, and cancel its tasks', async () => {
    const p = platform();
    const coord = createMemoryCoordination();
    // B at P2 has no demand any more by the time its task is forecast: that entity fails, the run goes on.
    const series: SeriesSource = { ...p.series, demandSeries: async (tenant, entity, ...rest) => (entity.entityId === 'B' && entity.site === 'P2' ? undefined : p.series.demandSeries(tenant, entity, ...rest)) };
    const service = new ForecastService({ series, store: p.forecasts });
    let runs = 0;
    const runner = new ForecastJobRunner({ jobs: DEFAULT_JOBS, service, series, forecasts: p.forecasts, runs: p.runs, coordination: coord, bus: bus2, logger: silentLogger(), distribute: true, taskPollMs: 10, taskTimeoutMs: 300, newRunId: () => `run-${++runs}` });
    const consumer = new ForecastTaskConsumer({ bus: bus2, coordination: coord, service, forecasts: p.forecasts, logger: silentLogger(), retry: { initialMs: 20, maxMs: 100 } });
    await consumer.start();
    try {
      await runner.trigger('nightly', 'acme');
      const [first] = await Promise.all(runner.running());
      expect(first).toMatchObject({ status: 'success', entities_total: 8, entities_done: 8, entities_failed: 2 });
      expect(p.forecasts.records).toHaveLength(6);

      // Nobody consumes: the run fails once no task finished for the timeout, and is cancelled.
      await consumer.close();
      await runner.trigger('nightly', 'globex');
      const [second] = await Promise.all(runner.running());
      expect(second).toMatchObject({ run_id: 'run-2', status: 'failed', entities_total: 4, entities_done: 0 });
      expect(second?.error).toMatch(/no forecast task of run run-2 finished/);
      expect(await coord.get(runKeys('run-2').cancelled)).toBe('1');
      // A member joining later skips the cancelled run's tasks: no version appears.
      const late = new ForecastTaskConsumer({ bus: bus2, coordination: coord, service, forecasts: p.forecasts, logger: silentLogger() });
      await late.start();
      await waitFor('the late member to drain the topic', async () => (await bus2.lag('forgecast-forecast-workers', ['forgecast.forecast-tasks'])).every((l) => l.lag === 0));
      await late.close();
      expect(p.forecasts.records.filter((r) => r.run_id === 'run-2')).toEqual([]);
      expect(await coord.get(runKeys('run-2').done)).toBeNull();
    } finally {
      await runner.close();
      await consumer.close();
      await coord.close();
    }
  });
});
