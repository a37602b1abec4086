import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryCoordination } from '../../../infra/coordination/memory-coordination.js';
import type { ForecastEvent } from '../../../forecasting/jobs/forecast-events.js';
import { FORECAST_EVENTS_TOPIC } from '../../../forecasting/jobs/forecast-events.js';
import { addDays } from '../../../forecasting/series/periods.js';
import { waitFor } from '../../helpers/wait-for.js';
import { platform, replica } from './job-fixture.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function setup(options: { leaseTtlMs?: number; coordinationNow?: () => number } = {}) {
  const p = platform();
  const coordination = createMemoryCoordination(options.coordinationNow === undefined ? {} : { now: options.coordinationNow });
  const r = replica(p, coordination, 'r1', options.leaseTtlMs === undefined ? {} : { leaseTtlMs: options.leaseTtlMs });
  closers.push(async () => {
    p.gate.open();
    await r.runner.close();
    await coordination.close();
  });
  return { p, coordination, ...r };
}

describe('forecast job runner', () => {
  it('forecasts every known demand entity of every tenant, records the run with its token, publishes events', async () => {
    const { p, runner } = setup();
    const started = await runner.trigger('nightly', 'default');
    expect(started).toMatchObject({ job: 'nightly', status: 'queued', fencing_token: expect.any(Number) as unknown });
    await Promise.all(runner.running());
    const [run] = p.runs.latest();
    // acme: items A, B + item×sites A@P1, B@P2; globex: A + A@P1 → 6 entities × daily, weekly.
    expect(run).toMatchObject({ run_id: started.run_id, tenant_id: '', status: 'success', entities_total: 12, entities_done: 12, entities_failed: 0, fencing_token: started.fencing_token, trigger: 'manual' });
    expect(p.runs.rows.filter((r) => r.run_id === started.run_id).map((r) => [r.status, r.version])).toEqual([['queued', 1], ['running', 2], ['success', 3]]);
    expect(p.forecasts.records).toHaveLength(12);
    expect(p.forecasts.records.every((f) => f.run_id === started.run_id)).toBe(true);
    expect(new Set(p.forecasts.records.map((f) => f.tenant_id))).toEqual(new Set(['acme', 'globex']));
    expect(p.bus.published).toHaveLength(12);
    const first = p.bus.published[0]!;
    expect(first.topic).toBe(FORECAST_EVENTS_TOPIC);
    const event = JSON.parse(first.message.value.toString()) as ForecastEvent;
    expect(first.message.key).toBe(`${event.tenant_id}|${event.entity_id}`);
    expect(event).toMatchObject({ event_type: 'forecast.generated', previous_version_id: null, bound_breaches: [], stockout_date: null });
  });

  it('reports bound breaches of the previous version once actuals arrive outside its band', async () => {
    const { p, runner } = setup();
    await runner.trigger('nightly', 'acme');
    await Promise.all(runner.running());
    const previous = p.forecasts.records.find((f) => f.entity_type === 'item_site' && f.entity_id === 'A' && f.period === 'daily')!;
    // The next day brings a huge order of A at P1.
    p.lines.push({ tenant: 'acme', sku: 'A', site: 'P1', qty: previous.points[0]!.upper['95']! * 10 + 100, date: addDays('2024-06-30', 1) });
    p.bus.published.length = 0;
    await runner.trigger('nightly', 'acme');
    await Promise.all(runner.running());
    const events = p.bus.published.map((m) => JSON.parse(m.message.value.toString()) as ForecastEvent);
    const aP1 = events.find((e) => e.entity_type === 'item_site' && e.entity_id === 'A' && e.period === 'daily')!;
    expect(aP1.previous_version_id).toBe(previous.version_id);
    expect(aP1.bound_breaches).toEqual([expect.objectContaining({ period_start: '2024-07-01', level: 95, direction: 'above' })]);
    const bP2 = events.find((e) => e.entity_type === 'item_site' && e.entity_id === 'B' && e.period === 'daily')!;
    expect(bP2.bound_breaches.some((b) => b.direction === 'above' && b.actual > 1000)).toBe(false);
  });

  it("runs a tenant admin's request for that tenant only, and the hourly job for entities with new data", async () => {
    const { p, runner } = setup();
    await runner.trigger('nightly', 'globex');
    await Promise.all(runner.running());
    expect(p.runs.latest()[0]).toMatchObject({ tenant_id: 'globex', entities_total: 4 });
    expect(new Set(p.forecasts.records.map((f) => f.tenant_id))).toEqual(new Set(['globex']));
    // Hourly after a success: only what was received since then.
    const since = Date.now();
    await runner.trigger('hourly', 'default');
    await Promise.all(runner.running());
    p.lines.push({ tenant: 'acme', sku: 'B', site: 'P2', qty: 3, date: '2024-06-30', receivedAtMs: since + 60_000 });
    await runner.trigger('hourly', 'default');
    await Promise.all(runner.running());
    const hourly = p.runs.latest().filter((r) => r.job === 'hourly');
    // Newest first: B and B@P2 × 2 periods; the first run saw nothing received (the fixture's lines carry no receipt time).
    expect(hourly.map((r) => r.entities_total)).toEqual([4, 0]);
  });

  it('stops with status failed when the lease is lost mid-run', async () => {
    let coordinationNow = Date.now();
    const { p, runner, coordination } = setup({ leaseTtlMs: 90, coordinationNow: () => coordinationNow });
    p.gate.close();
    await runner.trigger('nightly', 'default');
    // Time passes on the coordination store beyond the TTL and another replica takes the lease.
    coordinationNow += 10_000;
    expect(await coordination.acquireLease('forecast-job:nightly', 'intruder', 60_000)).not.toBeNull();
    // A renewal tick (every 30 ms) finds the lease gone.
    const renewals: (unknown)[] = [];
    const renew = coordination.renewLease.bind(coordination);
    coordination.renewLease = async (...args) => {
      const result = await renew(...args);
      renewals.push(result);
      return result;
    };
    await waitFor('a failed renewal', () => renewals.includes(null), 5_000);
    p.gate.open();
    await Promise.all(runner.running());
    expect(p.runs.latest()[0]).toMatchObject({ status: 'failed', error: expect.stringContaining('lost the lease') as unknown });
  });

  it('refuses an unknown job', async () => {
    const { runner } = setup();
    await expect(runner.trigger('weekly-magic', 'default')).rejects.toMatchObject({ code: 'FGC_FORECAST_JOB_NOT_FOUND', status: 404 });
  });
});
