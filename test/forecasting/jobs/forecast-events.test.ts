import { describe, expect, it } from 'vitest';
import { FORECAST_EVENT_SCHEMA_VERSION, eventMessage, forecastEvent } from '../../../forecasting/jobs/forecast-events.js';
import type { ForecastRecord } from '../../../forecasting/service/forecast-version.js';
import type { InventoryDetails, QualityDetails } from '../../../forecasting/types/forecast-type.js';

const point = (period_start: string, value: number) => ({ period_start, value, lower: { '80': value - 5, '95': value - 10 }, upper: { '80': value + 5, '95': value + 10 } });

function version(overrides: Partial<ForecastRecord>): ForecastRecord {
  return {
    tenant_id: 'acme',
    entity_id: 'A',
    entity_type: 'item_site',
    forecast_type: 'demand',
    period: 'daily',
    site: 'P1',
    model: 'theta',
    model_requested: 'auto',
    reason: '',
    version_id: 'v2',
    generated_at: '2024-07-02T02:00:00.000Z',
    data_as_of: '2024-07-01',
    lookback_days: 730,
    horizon: 2,
    levels: [80, 95],
    points: [point('2024-07-02', 100), point('2024-07-03', 100)],
    accuracy: { wape: 0.1, mase: 0.8, bias: 0, coverage_95: 0.95, coverage: { '80': 0.8, '95': 0.95 }, msis: 5, windows: 3, horizon: 2 },
    run_id: 'r2',
    details: null,
    ...overrides,
  };
}

const inventory: InventoryDetails = {
  kind: 'inventory',
  on_hand: 40,
  on_hand_as_of: '2024-07-01T23:59:00.000Z',
  open_receipts: [{ po_id: 'PO-1', qty: 100, promised_date: '2024-07-09', expected_date: '2024-07-10' }],
  mean_daily_demand: 10,
  days_of_cover: 4,
  stockout_date: '2024-07-05',
  stockout_probability: 0.93,
  stockout_probability_within_lead_time: 0.9,
  lead_time_days: 9,
  service_level: 0.95,
  safety_stock: 15,
  reorder_point: 105,
  recommended_order_qty: 0,
  recommended_order_date: '2024-06-26',
};

describe('forecast events', () => {
  const previous = version({ version_id: 'v1', points: [point('2024-07-01', 100)] });
  const actuals = new Map([['2024-07-01', 500]]);

  it('keeps bound breaches for demand and carries no details', () => {
    const event = forecastEvent(version({}), previous, actuals);
    expect(event).toMatchObject({ schema_version: FORECAST_EVENT_SCHEMA_VERSION, previous_version_id: 'v1', details: null, stockout_date: null, stockout_probability: null });
    expect(FORECAST_EVENT_SCHEMA_VERSION).toBe(2);
    expect(event.bound_breaches).toEqual([{ period_start: '2024-07-01', actual: 500, forecast: 100, level: 95, lower: 90, upper: 110, direction: 'above' }]);
  });

  it('lifts the stockout date and probability of an inventory version and carries its details', () => {
    const event = forecastEvent(version({ forecast_type: 'inventory', details: inventory }), version({ forecast_type: 'inventory', version_id: 'v1', details: inventory }), actuals);
    expect(event).toMatchObject({ forecast_type: 'inventory', stockout_date: '2024-07-05', stockout_probability: 0.93, bound_breaches: [], details: inventory });
    const none = forecastEvent(version({ forecast_type: 'inventory', details: { ...inventory, stockout_date: null, stockout_probability: 0.01 } }), undefined, actuals);
    expect(none).toMatchObject({ stockout_date: null, stockout_probability: 0.01 });
    const message = eventMessage(event);
    expect(message.key).toBe('acme|A');
    expect(message.headers).toMatchObject({ 'schema-version': '2' });
    expect(JSON.parse(message.value.toString())).toEqual(event);
  });

  it('carries other types’ details without stockout fields', () => {
    const quality: QualityDetails = { kind: 'quality', current_rate: 0.08, center_line: 0.02, ucl: 0.05, lcl: 0, average_sample_size: 200, spc_violations: [], limit_breached: true, top_defect_code: 'DIM' };
    const event = forecastEvent(version({ forecast_type: 'quality', entity_type: 'line', details: quality }), previous, actuals);
    expect(event).toMatchObject({ details: quality, stockout_date: null, stockout_probability: null, bound_breaches: [] });
  });
});
