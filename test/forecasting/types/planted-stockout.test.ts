/**
 * ACCEPTANCE (forecasting issue): the inventory forecast finds the simulator's planted stockout.
 * The simulator (seed 42, a small world: 6 items × 1 site × 240 days, the least it allows) streams
 * its history through the real pipeline — ingestor → embedded bus → pipeline runner → chDB (the
 * pipelines' test harness) — and the forecasting service with the real handlers reads the unified
 * model. The inventory forecast of the planted item × site must put the stockout within ± 3 days of
 * the day the simulation itself runs out; and the planner API must answer a simulated item's
 * demand and inventory forecasts with 80 and 95 bounds on every point.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, historyStartFor, type GroundTruth } from '../../../connectors/simulator/index.js';
import { buildServer } from '../../../infra/http/server.js';
import { createMetricsRegistry } from '../../../infra/http/metrics.js';
import { silentLogger } from '../../../infra/logger.js';
import { forecastRoutes } from '../../../forecasting/http/forecast-routes.js';
import { listModels } from '../../../forecasting/models/registry.js';
import { dayNumber } from '../../../forecasting/series/periods.js';
import { createClickHouseSeriesSource } from '../../../forecasting/series/clickhouse-series-source.js';
import { createClickHouseForecastStore } from '../../../forecasting/service/clickhouse-forecast-store.js';
import { ForecastService } from '../../../forecasting/service/forecast-service.js';
import type { ForecastRecord } from '../../../forecasting/service/forecast-version.js';
import type { InventoryDetails } from '../../../forecasting/types/forecast-type.js';
import { createTypedHandlers } from '../../../forecasting/types/typed-handlers.js';
import { ADMIN_KEY, bearer } from '../../connectors/ingest/ingest-harness.js';
import { createPipelineHarness, type PipelineHarness } from '../../pipelines/runner/pipeline-harness.js';

const TENANT = 'default';
/** The first live day; history is the 240 days before it. */
const TODAY = '2025-06-01';
const HISTORY_DAYS = 240;

describe('planted stockout, end to end', () => {
  let harness: PipelineHarness;
  let truth: GroundTruth;
  let service: ForecastService;
  let app: FastifyInstance;

  beforeAll(async () => {
    harness = await createPipelineHarness();
    await harness.startRunner();
    const simulator = createSimulator({
      ingestor: harness.ingest.ingestor,
      tenant: TENANT,
      seed: 42,
      items: 6,
      sites: 1,
      historyDays: HISTORY_DAYS,
      startDate: historyStartFor(TODAY, HISTORY_DAYS),
      logger: silentLogger(),
    });
    const stats = await simulator.runHistory();
    truth = simulator.groundTruth();
    await simulator.close();
    expect(stats.failedBatches).toBe(0);
    expect(stats.rejected).toBe(0);
    await harness.drained(undefined, 60_000);

    const store = harness.ingest.store;
    service = new ForecastService({ series: createClickHouseSeriesSource(store), store: createClickHouseForecastStore(store), handlers: createTypedHandlers(store) });
    app = await buildServer({
      logger: silentLogger(),
      bodyLimitBytes: 64 * 1024,
      rateLimitPerMinute: 10_000,
      health: { version: '0.0.0', mode: 'embedded', roles: ['api', 'forecasting'], systems: {} },
      readiness: [],
      apiKeys: harness.ingest.keys,
      coordination: harness.ingest.coordination,
      metrics: createMetricsRegistry(),
      routes: async (a) => {
        await a.register(forecastRoutes, { service, models: listModels() });
      },
    });
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await harness?.close();
  });

  it('predicts the stockout date of the planted item × site within ± 3 days', async () => {
    const { stockout } = truth;
    const record = await service.create(TENANT, { forecast_type: 'inventory', period: 'daily', entity_id: stockout.sku, entity_type: 'item_site', site: stockout.site, lookback_days: HISTORY_DAYS });
    const details = record.details as InventoryDetails;
    expect(details.kind).toBe('inventory');
    // The projection starts from the last history day's closing stock.
    expect(record.data_as_of).toBe(stockout.closeDate);
    expect(details.on_hand).toBeCloseTo(stockout.closingOnHand, 6);
    expect(record.points[0]?.period_start).toBe(TODAY);
    // The only open order is the manual one, promised after the stockout.
    expect(details.open_receipts.map((r) => r.po_id)).toEqual([stockout.openPo.poId]);
    expect(details.open_receipts[0]).toMatchObject({ qty: stockout.openPo.qty, promised_date: stockout.openPo.promisedDate });
    expect(details.lead_time_days).toBe(stockout.leadTimeDays);

    expect(details.stockout_date).not.toBeNull();
    const missedBy = dayNumber(details.stockout_date!) - dayNumber(stockout.stockoutDate);
    expect(Math.abs(missedBy), `predicted ${details.stockout_date}, simulated ${stockout.stockoutDate}`).toBeLessThanOrEqual(3);
    // Days of cover match the truth's cover (closing stock over recent demand) within a couple of days.
    expect(Math.abs(details.days_of_cover! - stockout.coverDays)).toBeLessThan(2.5);
    // A stockout within days and an order that cannot arrive in time: both probabilities are high,
    // the order date has passed, and the position is below the reorder point.
    expect(details.stockout_probability).toBeGreaterThan(0.8);
    expect(details.stockout_probability_within_lead_time).toBeGreaterThan(0.8);
    expect(dayNumber(details.recommended_order_date!)).toBeLessThan(dayNumber(TODAY));
    // The manual order is large enough: what is missing is time, not quantity — nothing more to order.
    expect(details.reorder_point).toBeGreaterThan(details.safety_stock);
    expect(details.on_hand + stockout.openPo.qty).toBeGreaterThan(details.reorder_point);
    expect(details.recommended_order_qty).toBe(0);
  });

  it('answers a simulated item’s demand and inventory forecasts with 80 and 95 bounds on every point (planner API)', async () => {
    const sku = truth.itemSites.find((s) => s.pattern === 'smooth' && s.sku !== truth.stockout.sku)?.sku ?? truth.stockout.sku;
    const site = truth.itemSites[0]!.site;
    for (const payload of [
      { forecast_type: 'demand', period: 'daily', entity_id: sku, entity_type: 'item', lookback_days: HISTORY_DAYS },
      { forecast_type: 'demand', period: 'weekly', entity_id: sku, entity_type: 'item_site', site, lookback_days: HISTORY_DAYS },
      { forecast_type: 'inventory', period: 'daily', entity_id: sku, entity_type: 'item_site', site, lookback_days: HISTORY_DAYS },
      { forecast_type: 'inventory', period: 'weekly', entity_id: sku, entity_type: 'item', lookback_days: HISTORY_DAYS },
    ]) {
      const created = await app.inject({ method: 'POST', url: '/api/v1/forecasts', headers: bearer(ADMIN_KEY), payload });
      expect(created.statusCode, created.body).toBe(201);
      const record = created.json<ForecastRecord>();
      expect(record.levels).toEqual([80, 95]);
      expect(record.points.length).toBe(record.horizon);
      for (const p of record.points) {
        for (const level of ['80', '95']) {
          expect(p.lower[level], `${payload.forecast_type} ${payload.period} lower ${level} at ${p.period_start}`).toBeTypeOf('number');
          expect(p.upper[level], `${payload.forecast_type} ${payload.period} upper ${level} at ${p.period_start}`).toBeTypeOf('number');
          expect(p.lower[level]!).toBeLessThanOrEqual(p.value);
          expect(p.upper[level]!).toBeGreaterThanOrEqual(p.value);
        }
        expect(p.lower['95']!).toBeLessThanOrEqual(p.lower['80']!);
        expect(p.upper['95']!).toBeGreaterThanOrEqual(p.upper['80']!);
      }
      expect(record.details === null).toBe(payload.forecast_type === 'demand');
      const query = new URLSearchParams({ period: payload.period, entity_type: payload.entity_type, ...(payload.site === undefined ? {} : { site: payload.site }) });
      const fetched = await app.inject({ url: `/api/v1/forecasts/${sku}/${payload.forecast_type}?${query.toString()}`, headers: bearer(ADMIN_KEY) });
      expect(fetched.statusCode).toBe(200);
      expect(fetched.json()).toEqual(record);
    }
  });
});
