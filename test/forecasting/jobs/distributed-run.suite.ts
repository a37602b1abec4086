/**
 * Distributed job runs (a run's tasks spread over the forecast-workers group), run against every
 * bus + coordination pair: embedded (distributed-run.test.ts) and Kafka + Redis
 * (distributed-run.services.test.ts). Two replicas share the data stores (as replicas share
 * ClickHouse); each has its own runner and its own member of the group.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Coordination } from '../../../infra/coordination/coordination.js';
import type { BusMessage, EventBus, PublishReceipt } from '../../../infra/event-bus/event-bus.js';
import { silentLogger } from '../../../infra/logger.js';
import { DEFAULT_JOBS } from '../../../forecasting/jobs/cron-table.js';
import { FORECAST_EVENTS_TOPIC, type ForecastEvent } from '../../../forecasting/jobs/forecast-events.js';
import { FORECAST_TASKS_TOPIC, FORECAST_WORKERS_GROUP, runKeys, taskMessage } from '../../../forecasting/jobs/forecast-tasks.js';
import { ForecastJobRunner } from '../../../forecasting/jobs/job-runner.js';
import { ForecastTaskConsumer } from '../../../forecasting/jobs/task-consumer.js';
import { ForecastService } from '../../../forecasting/service/forecast-service.js';
import type { ForecastRecord } from '../../../forecasting/service/forecast-version.js';
import { waitFor } from '../../helpers/wait-for.js';
import { platform } from './job-fixture.js';

/** What a replica connects to: its own bus and coordination clients (the embedded ones may be shared). */
export interface ReplicaConnections {
  readonly bus: EventBus;
  readonly coordination: Coordination;
}

export interface DistributedSuiteOptions {
  /** How long the group may take to settle (a Kafka rebalance takes seconds). */
  readonly waitMs: number;
}

/** Counts the events a bus publishes to the forecast-events topic. */
function counting(bus: EventBus): EventBus & { events: ForecastEvent[] } {
  const events: ForecastEvent[] = [];
  return {
    kind: bus.kind,
    events,
    ensureTopics: (topics) => bus.ensureTopics(topics),
    publish: async (topic: string, messages: readonly BusMessage[]): Promise<PublishReceipt[]> => {
      const receipts = await bus.publish(topic, messages);
      if (topic === FORECAST_EVENTS_TOPIC) events.push(...messages.map((m) => JSON.parse(m.value.toString()) as ForecastEvent));
      return receipts;
    },
    subscribe: (options) => bus.subscribe(options),
    lag: (groupId, topics) => bus.lag(groupId, topics),
    ping: () => bus.ping(),
    close: () => bus.close(),
  };
}

const seriesKey = (r: ForecastRecord): string => `${r.tenant_id}|${r.entity_type}|${r.entity_id}|${r.site}|${r.period}`;

export function describeDistributedRunSuite(label: string, connect: (replica: string) => Promise<ReplicaConnections>, options: DistributedSuiteOptions): void {
  describe(`distributed forecast runs (${label})`, () => {
    const p = platform();
    const replicas: { name: string; bus: EventBus & { events: ForecastEvent[] }; coordination: Coordination; runner: ForecastJobRunner; consumer: ForecastTaskConsumer }[] = [];

    beforeAll(async () => {
      for (const name of ['replica-a', 'replica-b']) {
        const c = await connect(name);
        const bus = counting(c.bus);
        const service = new ForecastService({ series: p.series, store: p.forecasts });
        let runs = 0;
        const runner = new ForecastJobRunner({
          jobs: DEFAULT_JOBS,
          service,
          series: p.series,
          forecasts: p.forecasts,
          runs: p.runs,
          coordination: c.coordination,
          bus,
          logger: silentLogger(),
          holderId: name,
          distribute: true,
          taskPollMs: 20,
          taskTimeoutMs: options.waitMs,
          newRunId: () => `${name}-run-${++runs}-${Date.now()}`,
        });
        const consumer = new ForecastTaskConsumer({ bus, coordination: c.coordination, service, forecasts: p.forecasts, logger: silentLogger(), holderId: name, concurrency: 2, retry: { initialMs: 50, maxMs: 500 } });
        await consumer.start();
        replicas.push({ name, bus, coordination: c.coordination, runner, consumer });
      }
      // Both members hold task partitions before any task is published (a Kafka rebalance takes a while).
      await waitFor('both members to hold task partitions', () => replicas.every((r) => r.consumer.assignments().length > 0), options.waitMs, 50);
    }, 120_000);

    afterAll(async () => {
      for (const r of replicas) {
        await r.runner.close();
        await r.consumer.close();
      }
    }, 120_000);

    it('forecasts every task once in effect over both members and records the run as a success', async () => {
      const [a, b] = [replicas[0]!, replicas[1]!];
      p.gate.close();
      const started = await a.runner.trigger('nightly', 'default');
      // The lease keeps the other replica off the job while this run goes on.
      await expect(b.runner.trigger('nightly', 'default')).rejects.toMatchObject({ code: 'FGC_FORECAST_JOB_BUSY' });
      p.gate.open();
      const [final] = await Promise.all(a.runner.running());
      // acme: items A, B + A@P1, B@P2; globex: A + A@P1 → 6 entities × daily, weekly.
      expect(final).toMatchObject({ run_id: started.run_id, status: 'success', entities_total: 12, entities_done: 12, entities_failed: 0, error: '' });
      const versions = p.forecasts.records.filter((r) => r.run_id === started.run_id);
      expect(versions).toHaveLength(12);
      const perSeries = new Map<string, number>();
      for (const v of versions) perSeries.set(seriesKey(v), (perSeries.get(seriesKey(v)) ?? 0) + 1);
      expect([...perSeries.values()].every((n) => n === 1)).toBe(true);
      expect(perSeries.size).toBe(12);
      // One event per version, from whichever member forecast it; both members took a share.
      const events = [...a.bus.events, ...b.bus.events].filter((e) => e.run_id === started.run_id);
      expect(a.bus.events.length).toBeGreaterThan(0);
      expect(b.bus.events.length).toBeGreaterThan(0);
      expect(events.map((e) => e.version_id).sort()).toEqual(versions.map((v) => v.version_id).sort());
      expect(await a.coordination.get(runKeys(started.run_id).done)).toBe('12');
      expect(await a.coordination.get(runKeys(started.run_id).cancelled)).toBeNull();
    }, 120_000);

    it('skips a task delivered again after it finished, and a message that is not a task', async () => {
      const [a, b] = [replicas[0]!, replicas[1]!];
      const started = await b.runner.trigger('nightly', 'acme');
      const [final] = await Promise.all(b.runner.running());
      expect(final).toMatchObject({ status: 'success', entities_total: 8, entities_done: 8 });
      const before = p.forecasts.records.length;
      // A redelivery (crash before the commit) of task 0, and poison.
      const redelivered = taskMessage({ runId: started.run_id, index: 0, tenant: 'acme', forecastType: 'demand', entity: { entityType: 'item', entityId: 'A', site: '' }, period: 'daily', lookbackDays: 730 });
      await a.bus.publish(FORECAST_TASKS_TOPIC, [{ key: 'junk', value: Buffer.from('{not json') }, { key: 'junk', value: Buffer.from(JSON.stringify({ v: 1, run_id: 'x' })) }, redelivered]);
      await waitFor('the group to consume everything', async () => (await a.bus.lag(FORECAST_WORKERS_GROUP, [FORECAST_TASKS_TOPIC])).every((l) => l.lag === 0), options.waitMs, 50);
      expect(p.forecasts.records).toHaveLength(before);
      expect(await a.coordination.get(runKeys(started.run_id).done)).toBe('8');
      // The group still takes work: another run completes.
      await a.runner.trigger('nightly', 'globex');
      const [next] = await Promise.all(a.runner.running());
      expect(next).toMatchObject({ status: 'success', entities_total: 4, entities_done: 4 });
    }, 120_000);
  });
}
