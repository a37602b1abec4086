import { describe, expect, it } from 'vitest';
import { FgcError } from '../../../infra/errors.js';
import { addDays } from '../../../forecasting/series/periods.js';
import { ForecastService } from '../../../forecasting/service/forecast-service.js';
import type { ForecastRequest } from '../../../forecasting/service/forecast-record.js';
import type { TypedHandlers } from '../../../forecasting/service/forecast-service.js';
import type { InventoryDetails } from '../../../forecasting/types/forecast-type.js';
import { inventoryForecastHandler } from '../../../forecasting/types/inventory-forecast.js';
import { memorySeriesSource, simulatedItem, type DemandLine } from '../series/demand-fixture.js';
import { memoryInventorySource, siteFacts } from '../types/inventory-fixture.js';
import { memoryForecastStore } from './memory-forecast-store.js';

const END = '2024-06-30';
const base: ForecastRequest = { forecast_type: 'demand', period: 'daily', entity_id: 'A', entity_type: 'item', lookback_days: 365 };

function setup(lines: DemandLine[], now = Date.UTC(2024, 6, 1, 3), handlers?: TypedHandlers) {
  const store = memoryForecastStore();
  let id = 0;
  const clock = { now };
  const service = new ForecastService({ series: memorySeriesSource(lines), store, now: () => clock.now, newId: () => `v${++id}`, ...(handlers === undefined ? {} : { handlers }) });
  return { service, store, clock };
}

/** A service with the inventory handler over in-memory stock: A at P1 holds 500. */
function withInventory(lines: DemandLine[]) {
  const series = memorySeriesSource(lines);
  const inventory = inventoryForecastHandler({ series, source: memoryInventorySource(new Map([['acme|A|P1', siteFacts('P1', END, 500)], ['acme|A|', siteFacts('P1', END, 500)]])) });
  return setup(lines, Date.UTC(2024, 6, 1, 3), new Map([['inventory', inventory]]));
}

async function rejection(promise: Promise<unknown>): Promise<FgcError> {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FgcError);
  return error as FgcError;
}

describe('ForecastService', () => {
  it('creates a demand forecast version: dates after the data, bounds per level, backtest, stored', async () => {
    const { service, store } = setup(simulatedItem('acme', 'A', 'P1', END, 400));
    const record = await service.create('acme', { ...base, horizon: 10, levels: [95, 80, 80] });
    expect(record).toMatchObject({ tenant_id: 'acme', version_id: 'v1', generated_at: '2024-07-01T03:00:00.000Z', data_as_of: END, levels: [80, 95], horizon: 10, model_requested: 'auto', run_id: '' });
    expect(record.points.map((p) => p.period_start)).toEqual(Array.from({ length: 10 }, (_, i) => addDays('2024-07-01', i)));
    expect(record.reason).not.toBe('');
    expect(record.accuracy.windows).toBe(3);
    expect(record.accuracy.horizon).toBe(10);
    expect(store.records).toEqual([record]);
  });

  it('keeps every bound non-negative and nested for demand a model would forecast below zero', async () => {
    // Steeply falling demand: a trend model extrapolates below zero.
    const lines = Array.from({ length: 60 }, (_, i) => ({ tenant: 'acme', sku: 'A', site: 'P1', qty: Math.max(0, 600 - 10 * i + (i % 3)), date: addDays(END, i - 59) }));
    const { service } = setup(lines);
    const record = await service.create('acme', { ...base, lookback_days: 60, horizon: 30, model: 'holt' });
    for (const p of record.points) {
      expect(p.value).toBeGreaterThanOrEqual(0);
      expect(p.lower['95']!).toBeGreaterThanOrEqual(0);
      expect(p.lower['95']!).toBeLessThanOrEqual(p.lower['80']!);
      expect(p.lower['80']!).toBeLessThanOrEqual(p.value);
      expect(p.upper['80']!).toBeLessThanOrEqual(p.upper['95']!);
    }
  });

  it('answers 404 for an unknown entity and 422 for unsupported types, each naming the field', async () => {
    const { service } = setup(simulatedItem('acme', 'A', 'P1', END, 100));
    expect((await rejection(service.create('acme', { ...base, entity_id: 'B' }))).code).toBe('FGC_FORECAST_ENTITY_NOT_FOUND');
    expect((await rejection(service.create('other', base))).code).toBe('FGC_FORECAST_ENTITY_NOT_FOUND');
    for (const type of ['inventory', 'supply', 'quality'] as const) {
      const e = await rejection(service.create('acme', { ...base, forecast_type: type }));
      expect(e).toMatchObject({ code: 'FGC_FORECAST_TYPE_UNSUPPORTED', status: 422, details: [{ field: 'forecast_type' }] });
    }
    expect(await rejection(service.create('acme', { ...base, entity_type: 'supplier' }))).toMatchObject({ code: 'FGC_FORECAST_TYPE_UNSUPPORTED', details: [{ field: 'entity_type' }] });
    expect(await rejection(service.create('acme', { ...base, site: 'P1' }))).toMatchObject({ code: 'FGC_FORECAST_INVALID_REQUEST', details: [{ field: 'site' }] });
    expect(await rejection(service.create('acme', { ...base, horizon: 400 }))).toMatchObject({ code: 'FGC_FORECAST_INVALID_REQUEST', details: [{ field: 'horizon' }] });
    expect(await rejection(service.get('acme', { entityId: 'A', forecastType: 'demand' }))).toMatchObject({ code: 'FGC_FORECAST_NOT_FOUND', status: 404 });
  });

  it('dispatches inventory to its handler and stores the version with its details', async () => {
    const { service, store } = withInventory(simulatedItem('acme', 'A', 'P1', END, 200));
    const record = await service.create('acme', { forecast_type: 'inventory', period: 'daily', entity_id: 'A', entity_type: 'item_site', site: ' P1 ', lookback_days: 200, horizon: 7 }, { runId: 'r1' });
    expect(record).toMatchObject({ forecast_type: 'inventory', entity_type: 'item_site', site: 'P1', data_as_of: END, horizon: 7, levels: [80, 95], run_id: 'r1', version_id: 'v1' });
    expect(record.points.map((p) => p.period_start)).toEqual(Array.from({ length: 7 }, (_, i) => addDays('2024-07-01', i)));
    expect(record.details).toMatchObject({ kind: 'inventory', on_hand: 500 });
    expect((record.details as InventoryDetails).mean_daily_demand).toBeGreaterThan(0);
    expect(store.records).toEqual([record]);
    expect(await service.get('acme', { entityId: 'A', forecastType: 'inventory', site: 'P1' })).toEqual(record);
    // Realized accuracy compares demand actuals; an inventory series reports its backtest only.
    const report = await service.accuracy('acme', { entityId: 'A', forecastType: 'inventory' });
    expect(report).toMatchObject({ forecast_type: 'inventory', realized: null, backtest: record.accuracy });
    // Demand versions carry no details.
    expect((await service.create('acme', { ...base, lookback_days: 200, horizon: 3 })).details).toBeNull();
    expect(service.entityTypes()).toEqual({ demand: ['item', 'item_site', 'site'], inventory: ['item_site', 'item'] });
  });

  it('answers 404 for inventory of an unknown sku and 422 for an entity type inventory has not', async () => {
    const { service, store } = withInventory(simulatedItem('acme', 'A', 'P1', END, 100));
    const inventory = { ...base, forecast_type: 'inventory' as const, entity_type: 'item_site' as const, site: 'P1' };
    expect(await rejection(service.create('acme', { ...inventory, entity_id: 'NOPE' }))).toMatchObject({ code: 'FGC_FORECAST_ENTITY_NOT_FOUND', status: 404 });
    expect(await rejection(service.create('globex', inventory))).toMatchObject({ code: 'FGC_FORECAST_ENTITY_NOT_FOUND' });
    for (const entity_type of ['supplier', 'line', 'site'] as const) {
      const e = await rejection(service.create('acme', { ...inventory, entity_type, site: '' }));
      expect(e, entity_type).toMatchObject({ code: 'FGC_FORECAST_TYPE_UNSUPPORTED', status: 422, details: [{ field: 'entity_type' }] });
    }
    expect(await rejection(service.create('acme', { ...inventory, site: '' }))).toMatchObject({ code: 'FGC_FORECAST_INVALID_REQUEST', details: [{ field: 'site' }] });
    expect(await rejection(service.create('acme', { ...inventory, entity_type: 'item' }))).toMatchObject({ code: 'FGC_FORECAST_INVALID_REQUEST', details: [{ field: 'site' }] });
    expect(await rejection(service.create('acme', { ...inventory, horizon: 367 }))).toMatchObject({ code: 'FGC_FORECAST_INVALID_REQUEST', details: [{ field: 'horizon' }] });
    // Types without a handler in this service stay unsupported.
    expect(await rejection(service.create('acme', { ...base, forecast_type: 'supply', entity_type: 'supplier' }))).toMatchObject({ code: 'FGC_FORECAST_TYPE_UNSUPPORTED', details: [{ field: 'forecast_type' }] });
    expect(store.records).toEqual([]);
  });

  it('reports realized accuracy of earlier versions once their periods have actuals', async () => {
    const history = simulatedItem('acme', 'A', 'P1', END, 200);
    const { service, clock } = setup(history);
    const first = await service.create('acme', { ...base, lookback_days: 200, horizon: 7 });
    // A week later the actuals of the first version's days have arrived: exactly the forecast values
    // for six days, far above the 95 % band on the seventh.
    const later = first.points.map((p, i) => ({ tenant: 'acme', sku: 'A', site: 'P1', qty: i === 6 ? p.upper['95']! * 3 + 10 : p.value, date: p.period_start }));
    const next = setup([...history, ...later], Date.UTC(2024, 6, 8, 3));
    await next.store.save(first);
    clock.now = Date.UTC(2024, 6, 8, 3);
    await next.service.create('acme', { ...base, lookback_days: 200, horizon: 7 });
    const report = await next.service.accuracy('acme', { entityId: 'A', forecastType: 'demand', period: 'daily' });
    expect(report.data_as_of).toBe('2024-07-07');
    expect(report.realized).toMatchObject({ points: 7, versions: 1, coverage_95: 6 / 7 });
    expect(report.realized!.wape!).toBeGreaterThan(0);
    expect(report.realized!.bias!).toBeLessThan(0); // the miss was under-forecasting
  });
});
