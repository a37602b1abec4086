/**
 * The planner API over chDB: demand rows inserted into demand_lines and stock into
 * inventory_snapshots / supply_lines (migration 004), forecasts stored in `forecasts` (006, 007),
 * served by a server built with the real HTTP shell and the service with every typed handler.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
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
import { listModels } from '../../../forecasting/models/registry.js';
import { createClickHouseSeriesSource } from '../../../forecasting/series/clickhouse-series-source.js';
import { createClickHouseForecastStore } from '../../../forecasting/service/clickhouse-forecast-store.js';
import type { ForecastRecord } from '../../../forecasting/service/forecast-version.js';
import { ForecastService } from '../../../forecasting/service/forecast-service.js';
import type { InventoryDetails } from '../../../forecasting/types/forecast-type.js';
import { createTypedHandlers } from '../../../forecasting/types/typed-handlers.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { insertDemand, simulatedItem } from '../series/demand-fixture.js';
import { insertItem, insertSnapshots, insertSupplyLines } from '../types/inventory-fixture.js';

const ADMIN_KEY = 'test-admin-key-0123456789';
const END = '2024-06-30';

function expectValidBands(record: ForecastRecord, levels: readonly number[]): void {
  expect(record.points.length).toBe(record.horizon);
  for (const p of record.points) {
    for (const level of levels) {
      const lo = p.lower[String(level)];
      const hi = p.upper[String(level)];
      expect(lo, `lower ${level} at ${p.period_start}`).toBeTypeOf('number');
      expect(hi, `upper ${level} at ${p.period_start}`).toBeTypeOf('number');
      expect(lo!).toBeGreaterThanOrEqual(0);
      expect(lo!).toBeLessThanOrEqual(p.value);
      expect(hi!).toBeGreaterThanOrEqual(p.value);
    }
    // Nested: the 95 % band contains the 80 % band.
    expect(p.lower['95']!).toBeLessThanOrEqual(p.lower['80']!);
    expect(p.upper['95']!).toBeGreaterThanOrEqual(p.upper['80']!);
    expect(p.upper['95']! - p.lower['95']!).toBeGreaterThan(0);
  }
}

describe('forecast routes', () => {
  let store: AnalyticsStore;
  let dir: { path: string; remove: () => Promise<void> };
  let app: FastifyInstance;
  let read: Record<string, string>;
  let write: Record<string, string>;
  let otherTenant: Record<string, string>;

  const count = async (table: string): Promise<number> => Number((await store.query<{ n: string }>(`SELECT count() AS n FROM ${table}`))[0]?.n);

  beforeAll(async () => {
    dir = await tempDir();
    store = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'forecast_routes_test', dataDir: dir.path, logger: silentLogger() });
    await migrate(store, silentLogger());
    await insertDemand(store, [...simulatedItem('acme', 'ITEM-1', 'P1', END, 730, 11), ...simulatedItem('acme', 'ITEM-1', 'P2', END, 365, 12)]);
    await insertSnapshots(store, [{ tenant: 'acme', sku: 'ITEM-1', site: 'P1', onHand: 1500, asOf: `${END} 23:59:00` }]);
    await insertSupplyLines(store, [{ tenant: 'acme', poId: 'PO-9', sku: 'ITEM-1', site: 'P1', supplierId: 'S1', qty: 2000, orderDate: '2024-06-20', promisedDate: '2024-07-10' }]);
    await insertItem(store, 'acme', 'ITEM-1', 12);
    const keys = new ApiKeys(store, ADMIN_KEY);
    const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });
    read = bearer((await keys.create({ tenant: 'acme', scopes: ['read'] })).key);
    write = bearer((await keys.create({ tenant: 'acme', scopes: ['read', 'write'] })).key);
    otherTenant = bearer((await keys.create({ tenant: 'globex', scopes: ['read', 'write'] })).key);
    const service = new ForecastService({ series: createClickHouseSeriesSource(store), store: createClickHouseForecastStore(store), handlers: createTypedHandlers(store) });
    app = await buildServer({
      logger: silentLogger(),
      bodyLimitBytes: 64 * 1024,
      rateLimitPerMinute: 10_000,
      health: { version: '0.0.0', mode: 'embedded', roles: ['api', 'forecasting'], systems: {} },
      readiness: [],
      apiKeys: keys,
      coordination: createMemoryCoordination(),
      metrics: createMetricsRegistry(),
      routes: async (a) => {
        await a.register(forecastRoutes, { service, models: listModels() });
      },
    });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
    await dir.remove();
  });

  it('ACCEPTANCE: a simulated item gets daily and weekly demand forecasts with nested, non-negative 80/95 bounds on every point', async () => {
    for (const [period, horizon, firstStart] of [['daily', 28, '2024-07-01'], ['weekly', 13, '2024-07-01']] as const) {
      const created = await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: write, payload: { forecast_type: 'demand', period, entity_id: 'ITEM-1', entity_type: 'item', lookback_days: 730 } });
      expect(created.statusCode, created.body).toBe(201);
      const record = created.json<ForecastRecord>();
      expect(record).toMatchObject({ entity_id: 'ITEM-1', entity_type: 'item', forecast_type: 'demand', period, data_as_of: END, levels: [80, 95], horizon });
      expect(record.points[0]?.period_start).toBe(firstStart);
      expect(record.version_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(record.model).not.toBe('');
      expectValidBands(record, [80, 95]);
      expect(record.accuracy.windows).toBeGreaterThan(0);
      for (const key of ['wape', 'mase', 'bias', 'coverage_95'] as const) expect(record.accuracy[key], key).toBeTypeOf('number');
      // Simulated demand is forecastable: the backtest WAPE stays well below a coin toss.
      expect(record.accuracy.wape!).toBeLessThan(0.5);

      const fetched = await app.inject({ url: `/api/v1/forecasts/ITEM-1/demand?period=${period}`, headers: read });
      expect(fetched.statusCode).toBe(200);
      expect(fetched.json()).toEqual(record);
    }
    const weeklySum = await app.inject({ url: '/api/v1/forecasts/ITEM-1/demand?period=weekly', headers: read });
    // Weekly points are each one ISO week after the last.
    expect(weeklySum.json<ForecastRecord>().points.map((p) => p.period_start).slice(0, 3)).toEqual(['2024-07-01', '2024-07-08', '2024-07-15']);
  });

  it('serves an item × site forecast, a given version, and lists the latest per series with a cursor', async () => {
    const first = await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: write, payload: { forecast_type: 'demand', period: 'weekly', entity_id: 'ITEM-1', entity_type: 'item_site', site: 'P2', lookback_days: 365, levels: [50, 90], horizon: 4 } });
    expect(first.statusCode, first.body).toBe(201);
    const v1 = first.json<ForecastRecord>();
    expect(v1).toMatchObject({ site: 'P2', levels: [50, 90], horizon: 4 });
    expect(Object.keys(v1.points[0]!.lower).sort()).toEqual(['50', '90']);
    const second = await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: write, payload: { forecast_type: 'demand', period: 'weekly', entity_id: 'ITEM-1', entity_type: 'item_site', site: 'P2', lookback_days: 365, model: 'seasonal-naive', horizon: 4 } });
    const v2 = second.json<ForecastRecord>();
    expect(v2.version_id).not.toBe(v1.version_id);

    const latest = await app.inject({ url: '/api/v1/forecasts/ITEM-1/demand?period=weekly&site=P2', headers: read });
    expect(latest.json<ForecastRecord>().version_id).toBe(v2.version_id);
    const old = await app.inject({ url: `/api/v1/forecasts/ITEM-1/demand?period=weekly&site=P2&version=${v1.version_id}`, headers: read });
    expect(old.json<ForecastRecord>()).toEqual(v1);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: LightMyRequestResponse = await app.inject({ url: `/api/v1/forecasts?forecast_type=demand&limit=1${cursor === null ? '' : `&cursor=${cursor}`}`, headers: read });
      expect(page.statusCode).toBe(200);
      const body: { forecasts: ForecastRecord[]; next_cursor: string | null } = page.json();
      seen.push(...body.forecasts.map((f) => `${f.period}|${f.site}|${f.version_id === v2.version_id ? 'v2' : f.version_id === v1.version_id ? 'v1' : 'x'}`));
      cursor = body.next_cursor;
    } while (cursor !== null);
    // Three series (item daily, item weekly, item×site weekly), each once, the latest version.
    expect(seen.sort()).toEqual(['daily||x', 'weekly|P2|v2', 'weekly||x']);
    const filtered = await app.inject({ url: '/api/v1/forecasts?site=P2', headers: read });
    expect(filtered.json<{ forecasts: ForecastRecord[] }>().forecasts.map((f) => f.version_id)).toEqual([v2.version_id]);
    const bad = await app.inject({ url: '/api/v1/forecasts?cursor=not-a-cursor', headers: read });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'FGC_FORECAST_INVALID_CURSOR' } });
  });

  it('answers the accuracy of a series', async () => {
    const response = await app.inject({ url: '/api/v1/forecasts/ITEM-1/demand/accuracy?period=daily', headers: read });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ backtest: { wape: number; windows: number }; realized: unknown; period: string }>();
    expect(body.period).toBe('daily');
    expect(body.backtest.windows).toBeGreaterThan(0);
    expect(body.backtest.wape).toBeTypeOf('number');
    expect(body.realized).toBeNull(); // no actual has arrived after the forecast yet
  });

  it('answers 404 for an unknown entity, a series never forecast and another tenant; 400 for a bad period', async () => {
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: write, payload: { forecast_type: 'demand', period: 'daily', entity_id: 'NOPE', entity_type: 'item', lookback_days: 90 } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'FGC_FORECAST_ENTITY_NOT_FOUND' } });
    const foreign = await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: otherTenant, payload: { forecast_type: 'demand', period: 'daily', entity_id: 'ITEM-1', entity_type: 'item', lookback_days: 90 } });
    expect(foreign.statusCode).toBe(404);
    const foreignRead = await app.inject({ url: '/api/v1/forecasts/ITEM-1/demand', headers: otherTenant });
    expect(foreignRead.statusCode).toBe(404);
    expect(foreignRead.json()).toMatchObject({ error: { code: 'FGC_FORECAST_NOT_FOUND' } });
    expect((await app.inject({ url: '/api/v1/forecasts/NOPE/demand', headers: read })).statusCode).toBe(404);

    const badPeriod = await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: write, payload: { forecast_type: 'demand', period: 'hourly', entity_id: 'ITEM-1', entity_type: 'item', lookback_days: 90 } });
    expect(badPeriod.statusCode).toBe(400);
    expect(badPeriod.json()).toMatchObject({ error: { code: 'FGC_HTTP_INVALID_REQUEST', details: [expect.objectContaining({ field: 'body.period' })] } });
    expect((await app.inject({ url: '/api/v1/forecasts/ITEM-1/demand?period=yearly', headers: read })).statusCode).toBe(400);
  });

  it('creates and serves an inventory forecast with its details, stored and read back through ClickHouse', async () => {
    const payload = { forecast_type: 'inventory', period: 'daily', entity_id: 'ITEM-1', entity_type: 'item_site', site: 'P1', lookback_days: 365, horizon: 21 };
    const created = await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: write, payload });
    expect(created.statusCode, created.body).toBe(201);
    const record = created.json<ForecastRecord>();
    expect(record).toMatchObject({ forecast_type: 'inventory', entity_type: 'item_site', site: 'P1', data_as_of: END, horizon: 21, levels: [80, 95] });
    expect(record.points).toHaveLength(21);
    const details = record.details as InventoryDetails;
    expect(details).toMatchObject({ kind: 'inventory', on_hand: 1500, lead_time_days: 12, open_receipts: [{ po_id: 'PO-9', qty: 2000, promised_date: '2024-07-10', expected_date: '2024-07-10' }] });
    // The receipt lifts stock on its day: by its quantity less that day's demand.
    const before = record.points.find((p) => p.period_start === '2024-07-09')!;
    const onDay = record.points.find((p) => p.period_start === '2024-07-10')!;
    expect(onDay.value - before.value).toBeGreaterThan(2000 - 2 * details.mean_daily_demand);
    expect(onDay.value - before.value).toBeLessThanOrEqual(2000);
    for (const p of record.points) expect(p.lower['95']!).toBeLessThanOrEqual(p.lower['80']!);
    const fetched = await app.inject({ url: '/api/v1/forecasts/ITEM-1/inventory?site=P1&period=daily', headers: read });
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(record);
    const version = await app.inject({ url: `/api/v1/forecasts/ITEM-1/inventory?entity_type=item_site&version=${record.version_id}`, headers: read });
    expect(version.json()).toEqual(record);
    const listed = await app.inject({ url: '/api/v1/forecasts?forecast_type=inventory', headers: read });
    expect(listed.json<{ forecasts: ForecastRecord[] }>().forecasts).toEqual([record]);
    // Demand versions read back with no details.
    expect((await app.inject({ url: '/api/v1/forecasts/ITEM-1/demand?period=daily', headers: read })).json<ForecastRecord>().details).toBeNull();
  });

  it('answers 404 for inventory of an unknown sku and 422 for an entity type inventory is not forecast for', async () => {
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: write, payload: { forecast_type: 'inventory', period: 'daily', entity_id: 'NOPE', entity_type: 'item_site', site: 'P1', lookback_days: 90 } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'FGC_FORECAST_ENTITY_NOT_FOUND' } });
    // ITEM-1 has demand at P2 but no stock there.
    const noStock = await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: write, payload: { forecast_type: 'inventory', period: 'daily', entity_id: 'ITEM-1', entity_type: 'item_site', site: 'P2', lookback_days: 90 } });
    expect(noStock.statusCode).toBe(404);
    const supplier = await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: write, payload: { forecast_type: 'inventory', period: 'daily', entity_id: 'ITEM-1', entity_type: 'supplier', lookback_days: 90 } });
    expect(supplier.statusCode).toBe(422);
    expect(supplier.json()).toMatchObject({ error: { code: 'FGC_FORECAST_TYPE_UNSUPPORTED', details: [{ field: 'entity_type' }] } });
    const foreign = await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: otherTenant, payload: { forecast_type: 'inventory', period: 'daily', entity_id: 'ITEM-1', entity_type: 'item_site', site: 'P1', lookback_days: 90 } });
    expect(foreign.statusCode).toBe(404);
  });

  it('answers 422 naming what is unsupported or inconsistent', async () => {
    const demandPerSupplier = await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: write, payload: { forecast_type: 'demand', period: 'daily', entity_id: 'ITEM-1', entity_type: 'supplier', lookback_days: 90 } });
    expect(demandPerSupplier.statusCode).toBe(422);
    expect(demandPerSupplier.json()).toMatchObject({ error: { code: 'FGC_FORECAST_TYPE_UNSUPPORTED', details: [{ field: 'entity_type' }] } });
    const noSite = await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: write, payload: { forecast_type: 'demand', period: 'daily', entity_id: 'ITEM-1', entity_type: 'item_site', lookback_days: 90 } });
    expect(noSite.json()).toMatchObject({ error: { code: 'FGC_FORECAST_INVALID_REQUEST', details: [{ field: 'site' }] } });
    const model = await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: write, payload: { forecast_type: 'demand', period: 'daily', entity_id: 'ITEM-1', entity_type: 'item', lookback_days: 90, model: 'prophet' } });
    expect(model.statusCode).toBe(422);
    const tooShort = await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: write, payload: { forecast_type: 'demand', period: 'quarterly', entity_id: 'ITEM-1', entity_type: 'item', lookback_days: 30 } });
    expect(tooShort.json()).toMatchObject({ error: { code: 'FGC_FORECAST_INVALID_REQUEST', details: [{ field: 'lookback_days' }] } });
  });

  it('needs the write scope to create and a key to read', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: read, payload: { forecast_type: 'demand', period: 'daily', entity_id: 'ITEM-1', entity_type: 'item', lookback_days: 90 } })).statusCode).toBe(403);
    expect((await app.inject({ url: '/api/v1/models' })).statusCode).toBe(401);
  });

  it('lists the model registry at /api/v1/models', async () => {
    const response = await app.inject({ url: '/api/v1/models', headers: read });
    expect(response.statusCode).toBe(200);
    const { models } = response.json<{ models: { name: string; version: string; description: string }[] }>();
    expect(models.map((m) => m.name)).toEqual(listModels().map((m) => m.name));
    expect(models[0]).toMatchObject({ name: 'auto', version: expect.any(String) as unknown, description: expect.stringContaining('selection') as unknown });
    expect(models.map((m) => m.name)).toEqual(expect.arrayContaining(['naive', 'ets-auto', 'theta', 'sba', 'tsb']));
  });

  it('/infer forecasts the numbers sent and stores nothing', async () => {
    const before = await count('forecasts');
    const series = Array.from({ length: 120 }, (_, t) => 100 + 20 * Math.sin((2 * Math.PI * t) / 12) + (t % 5));
    const response = await app.inject({ method: 'POST', url: '/api/v1/infer', headers: read, payload: { series, season: 12, horizon: 6, levels: [80, 95] } });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ model: string; points: { step: number; value: number; lower: Record<string, number>; upper: Record<string, number> }[] }>();
    expect(body.points.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const p of body.points) {
      expect(p.lower['95']!).toBeLessThanOrEqual(p.lower['80']!);
      expect(p.upper['80']!).toBeLessThanOrEqual(p.upper['95']!);
      expect(p.value).toBeGreaterThan(60);
      expect(p.value).toBeLessThan(140);
    }
    const named = await app.inject({ method: 'POST', url: '/api/v1/infer', headers: read, payload: { series: [1, 2, 3, 4, 5], horizon: 2, model: 'naive' } });
    expect(named.json()).toMatchObject({ model: 'naive', points: [{ step: 1, value: 5 }, { step: 2, value: 5 }] });
    expect(await count('forecasts')).toBe(before);
  });

  it('/infer refuses bad numbers naming the field, and oversized series', async () => {
    const text = await app.inject({ method: 'POST', url: '/api/v1/infer', headers: read, payload: { series: [1, 2, 'abc', 4], horizon: 2 } });
    expect(text.statusCode).toBe(400);
    expect(text.json()).toMatchObject({ error: { details: [expect.objectContaining({ field: 'body.series.2' })] } });
    const nan = await app.inject({ method: 'POST', url: '/api/v1/infer', headers: { ...read, 'content-type': 'application/json' }, payload: '{"series":[1,2,NaN],"horizon":2}' });
    expect(nan.statusCode).toBe(400);
    const huge = await app.inject({ method: 'POST', url: '/api/v1/infer', headers: { ...read, 'content-type': 'application/json' }, payload: '{"series":[1,2,1e999,4],"horizon":2}' });
    // 1e999 parses as Infinity, which the schema's number type refuses (ajv checks isFinite).
    expect(huge.statusCode).toBe(400);
    expect(huge.json()).toMatchObject({ error: { details: [expect.objectContaining({ field: 'body.series.2' })] } });
    const noHorizon = await app.inject({ method: 'POST', url: '/api/v1/infer', headers: read, payload: { series: [1, 2] } });
    expect(noHorizon.json()).toMatchObject({ error: { details: [expect.objectContaining({ field: 'body' })] } });
    const badModel = await app.inject({ method: 'POST', url: '/api/v1/infer', headers: read, payload: { series: [1, 2], horizon: 1, model: 'magic' } });
    expect(badModel.statusCode).toBe(400);
    const tooMany = await app.inject({ method: 'POST', url: '/api/v1/infer', headers: read, payload: { series: new Array<number>(100_001).fill(1), horizon: 1 } });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json()).toMatchObject({ error: { details: [expect.objectContaining({ field: 'body.series' })] } });
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/forecasts', '/api/v1/forecasts/{entity_id}/{forecast_type}', '/api/v1/forecasts/{entity_id}/{forecast_type}/accuracy', '/api/v1/models', '/api/v1/infer', '/api/v1/jobs', '/api/v1/jobs/{name}/run']));
    // The body documents which entity types each forecast type takes.
    const text = JSON.stringify(doc.paths['/api/v1/forecasts']);
    expect(text).toContain('inventory: item_site, item');
    expect(text).toContain('stockout_probability');
  });
});
