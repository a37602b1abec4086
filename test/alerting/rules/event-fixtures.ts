/**
 * Forecast events as the producer (forecasting/jobs/forecast-events.ts) writes them, as plain JSON
 * objects, so tests can break one field at a time. `view` runs them through the real parser.
 */
import { parseForecastEvent, type ForecastEventView } from '../../../alerting/rules/forecast-event.js';

export type Json = Record<string, unknown>;

export const DATA_AS_OF = '2026-11-10';
export const NOW = Date.parse('2026-11-11T06:00:00Z');

/** Daily points starting the day after DATA_AS_OF. */
export function dailyPoints(n: number, value = 100): Json[] {
  return Array.from({ length: n }, (_, i) => ({
    period_start: new Date(Date.parse(`${DATA_AS_OF}T00:00:00Z`) + (i + 1) * 86_400_000).toISOString().slice(0, 10),
    value,
    lower: { '80': value * 0.8, '95': value * 0.7 },
    upper: { '80': value * 1.2, '95': value * 1.3 },
  }));
}

export function baseEvent(overrides: Json = {}): Json {
  return {
    schema_version: 2,
    event_type: 'forecast.generated',
    tenant_id: 'acme',
    entity_type: 'item_site',
    entity_id: 'FG-10003',
    site: 'MUC',
    forecast_type: 'demand',
    period: 'daily',
    version_id: 'v-2',
    previous_version_id: 'v-1',
    run_id: 'run-1',
    generated_at: '2026-11-11T02:00:00.000Z',
    data_as_of: DATA_AS_OF,
    model: 'ets',
    levels: [80, 95],
    points: dailyPoints(14),
    accuracy: { wape: 0.2, mase: 0.9, bias: 1, coverage_95: 0.94, coverage: { '80': 0.8, '95': 0.94 }, msis: 3, windows: 4, horizon: 14 },
    bound_breaches: [],
    stockout_date: null,
    stockout_probability: null,
    details: null,
    ...overrides,
  };
}

export function breach(period_start: string, actual: number, overrides: Json = {}): Json {
  return { period_start, actual, forecast: 100, level: 95, lower: 70, upper: 130, direction: actual > 130 ? 'above' : 'below', ...overrides };
}

export function inventoryDetails(overrides: Json = {}): Json {
  return {
    kind: 'inventory',
    on_hand: 120,
    on_hand_as_of: '2026-11-10T18:00:00Z',
    open_receipts: [],
    mean_daily_demand: 8.5,
    days_of_cover: 14.1,
    stockout_date: '2026-11-27',
    stockout_probability: 0.7,
    stockout_probability_within_lead_time: 0.62,
    lead_time_days: 14,
    service_level: 0.95,
    safety_stock: 40,
    reorder_point: 160,
    recommended_order_qty: 339.2,
    recommended_order_date: '2026-11-25',
    ...overrides,
  };
}

export function inventoryEvent(details: Json = {}, overrides: Json = {}): Json {
  const d = inventoryDetails(details);
  return baseEvent({ forecast_type: 'inventory', details: d, stockout_date: d['stockout_date'], stockout_probability: d['stockout_probability'], ...overrides });
}

export function openOrder(overrides: Json = {}): Json {
  return { po_id: 'PO-1', sku: 'RM-1', site: 'MUC', order_date: '2026-10-01', promised_date: '2026-11-20', expected_date: '2026-11-20', days_past_due: 0, late_probability: 0.2, ...overrides };
}

export function supplyEvent(orders: Json[], overrides: Json = {}): Json {
  return baseEvent({
    forecast_type: 'supply',
    entity_type: 'supplier',
    entity_id: 'SUP-01',
    site: '',
    details: {
      kind: 'supply',
      supplier_id: 'SUP-01',
      orders_observed: 40,
      lead_time_days: { mean: 20, sd: 4, p50: 19, p80: 23, p95: 28 },
      late_probability: 0.3,
      mean_delay_days: 1.5,
      open_orders: orders,
    },
    ...overrides,
  });
}

export function qualityDetails(overrides: Json = {}): Json {
  return {
    kind: 'quality',
    current_rate: 0.02,
    center_line: 0.02,
    ucl: 0.032,
    lcl: 0.008,
    average_sample_size: 1200,
    spc_violations: [],
    limit_breached: false,
    top_defect_code: 'D-17',
    ...overrides,
  };
}

export function qualityEvent(details: Json = {}, overrides: Json = {}): Json {
  return baseEvent({ forecast_type: 'quality', entity_type: 'line', entity_id: 'L3', details: qualityDetails(details), ...overrides });
}

export function view(event: Json): ForecastEventView {
  return parseForecastEvent(JSON.stringify(event));
}
