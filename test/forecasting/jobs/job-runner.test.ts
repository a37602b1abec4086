import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryCoordination } from '../../../infra/coordination/memory-coordination.js';
import type { ForecastEvent } from '../../../forecasting/jobs/forecast-events.js';
import { FORECAST_EVENTS_TOPIC } from '../../../forecasting/jobs/forecast-events.js';
import { addDays } from '../../../forecasting/series/periods.js';
import type { TypedHandlers } from '../../../forecasting/service/forecast-service.js';
import type { InventoryDetails, TypedEntityRef } from '../../../forecasting/types/forecast-type.js';
import { inventoryForecastHandler } from '../../../forecasting/types/inventory-forecast.js';
import { waitFor } from '../../helpers/wait-for.js';
import { memoryInventorySource, siteFacts } from '../types/inventory-fixture.js';
import { END, platform, replica } from './job-fixture.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function setup(options: { leaseTtlMs?: number; coordinationNow?: () => number; handlers?: (p: ReturnType<typeof platform>) => TypedHandlers } = {}) {
  const p = platform();
  const coordination = createMemoryCoordination(options.coordinationNow === undefined ? {} : { now: options.coordinationNow });
  const r = replica(p, coordination, 'r1', { ...(options.leaseTtlMs === undefined ? {} : { leaseTtlMs: options.leaseTtlMs }), ...(options.handlers === undefined ? {} : { handlers: options.handlers(p) }) });
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
    expect(event).toMatchObject({ schema_version: 2, event_type: 'forecast.generated', forecast_type: 'demand', previous_version_id: null, bound_breaches: [], stockout_date: null, stockout_probability: null, details: null });
  });

  /** The inventory handler over the platform's demand: acme's A@P1 is out of stock, B@P2 holds plenty; `changed` lists what the hourly job sees as new. */
  const inventory = (changed: TypedEntityRef[] = []) => (p: ReturnType<typeof platform>): TypedHandlers => {
    const facts = new Map([['acme|A|P1', siteFacts('P1', END, 0)], ['acme|B|P2', siteFacts('P2', END, 1e9)]]);
    return new Map([['inventory', inventoryForecastHandler({ series: p.series, source: memoryInventorySource(facts, () => changed) })]]);
  };

  it('runs inventory forecasts too and publishes their details with the stockout fields', async () => {
    const { p, runner } = setup({ handlers: inventory() });
    const started = await runner.trigger('nightly', 'acme');
    await Promise.all(runner.running());
    // acme: demand of A, B, A@P1, B@P2 × daily, weekly + inventory of A@P1, B@P2 daily; supply and
    // quality have no handler in this service and are skipped.
    expect(p.runs.latest()[0]).toMatchObject({ run_id: started.run_id, status: 'success', entities_total: 10, entities_done: 10, entities_failed: 0 });
    const stored = p.forecasts.records.filter((f) => f.forecast_type === 'inventory');
    expect(stored.map((f) => `${f.entity_id}@${f.site}:${f.period}`).sort()).toEqual(['A@P1:daily', 'B@P2:daily']);
    const events = p.bus.published.map((m) => JSON.parse(m.message.value.toString()) as ForecastEvent);
    expect(events).toHaveLength(10);
    const out = events.find((e) => e.forecast_type === 'inventory' && e.entity_id === 'A')!;
    const details = out.details as InventoryDetails;
    expect(details).toEqual(stored.find((f) => f.entity_id === 'A')!.details);
    expect(out).toMatchObject({ schema_version: 2, entity_type: 'item_site', site: 'P1', run_id: started.run_id, bound_breaches: [], stockout_date: addDays(END, 1), stockout_probability: 1 });
    expect(details).toMatchObject({ kind: 'inventory', on_hand: 0, stockout_date: addDays(END, 1), stockout_probability: 1 });
    const plenty = events.find((e) => e.forecast_type === 'inventory' && e.entity_id === 'B')!;
    expect(plenty).toMatchObject({ stockout_date: null, stockout_probability: 0, details: { kind: 'inventory', stockout_date: null } });
    for (const e of events.filter((x) => x.forecast_type === 'demand')) expect(e).toMatchObject({ details: null, stockout_date: null, stockout_probability: null });
    // The next run names the version before.
    p.bus.published.length = 0;
    await runner.trigger('nightly', 'acme');
    await Promise.all(runner.running());
    const again = p.bus.published.map((m) => JSON.parse(m.message.value.toString()) as ForecastEvent).find((e) => e.forecast_type === 'inventory' && e.entity_id === 'A')!;
    expect(again.previous_version_id).toBe(stored.find((f) => f.entity_id === 'A')!.version_id);
  });

  it('runs the hourly inventory forecast for the entities whose data changed', async () => {
    const { p, runner } = setup({ handlers: inventory([{ entityType: 'item_site', entityId: 'B', site: 'P2' }]) });
    await runner.trigger('hourly', 'acme');
    await Promise.all(runner.running());
    // No demand line carries a receipt time (nothing new for demand); B@P2's stock changed.
    expect(p.runs.latest()[0]).toMatchObject({ job: 'hourly', status: 'success', entities_total: 1 });
    expect(p.forecasts.records.map((f) => `${f.forecast_type}:${f.entity_id}@${f.site}`)).toEqual(['inventory:B@P2']);
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
