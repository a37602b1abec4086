/**
 * The rules end to end from raw event bytes, including a contract check against the real producer
 * (forecasting/jobs/forecast-events.ts): what forecasting publishes, alerting must read. Tests may
 * import across domains; the alerting source never does.
 */
import { describe, expect, it } from 'vitest';
import { forecastObservations } from '../../../alerting/rules/forecast-rules.js';
import { DEFAULT_RULE_CONFIG } from '../../../alerting/rules/rule-config.js';
import { alertRules } from '../../../alerting/rules/rule-set.js';
import { eventMessage, forecastEvent } from '../../../forecasting/jobs/forecast-events.js';
import type { ForecastRecord } from '../../../forecasting/service/forecast-version.js';
import type { ForecastDetails } from '../../../forecasting/types/forecast-type.js';
import { FgcError } from '../../../infra/errors.js';
import { NOW, baseEvent, breach, inventoryEvent, openOrder, qualityEvent, supplyEvent, view } from './event-fixtures.js';

function record(overrides: Partial<ForecastRecord>): ForecastRecord {
  return {
    tenant_id: 'acme',
    entity_id: 'FG-10003',
    entity_type: 'item_site',
    forecast_type: 'demand',
    period: 'daily',
    site: 'MUC',
    model: 'ets',
    model_requested: 'auto',
    reason: 'lowest backtest error',
    version_id: 'v-2',
    generated_at: '2026-11-11T02:00:00.000Z',
    data_as_of: '2026-11-10',
    lookback_days: 730,
    horizon: 2,
    levels: [80, 95],
    points: [
      { period_start: '2026-11-11', value: 100, lower: { '80': 80, '95': 70 }, upper: { '80': 120, '95': 130 } },
      { period_start: '2026-11-12', value: 100, lower: { '80': 80, '95': 70 }, upper: { '80': 120, '95': 130 } },
    ],
    accuracy: { wape: 0.2, mase: 0.9, bias: 1, coverage_95: 0.94, coverage: { '80': 0.8, '95': 0.94 }, msis: 3, windows: 4, horizon: 2 },
    run_id: 'run-1',
    details: null,
    ...overrides,
  };
}

describe('the producer contract', () => {
  it('reads a demand event the producer builds, with its bound breaches', () => {
    const previous = record({
      version_id: 'v-1',
      points: [{ period_start: '2026-11-10', value: 100, lower: { '80': 80, '95': 70 }, upper: { '80': 120, '95': 130 } }],
    });
    const message = eventMessage(forecastEvent(record({}), previous, new Map([['2026-11-10', 200]])));
    const observations = alertRules(DEFAULT_RULE_CONFIG, () => NOW).forecastEvent(message.value);
    expect(observations).toHaveLength(1);
    expect(observations[0]).toMatchObject({ type: 'demand_anomaly', state: 'breach', value: 200, threshold: 130, observed_at: NOW });
  });

  it('reads an inventory event the producer builds', () => {
    const details: ForecastDetails = {
      kind: 'inventory',
      on_hand: 120,
      on_hand_as_of: '2026-11-10T18:00:00Z',
      open_receipts: [{ po_id: 'PO-1', qty: 50, promised_date: null, expected_date: '2026-11-30' }],
      mean_daily_demand: 8.5,
      days_of_cover: 14.1,
      stockout_date: '2026-11-20',
      stockout_probability: 0.9,
      stockout_probability_within_lead_time: 0.85,
      lead_time_days: 14,
      service_level: 0.95,
      safety_stock: 40,
      reorder_point: 160,
      recommended_order_qty: 340,
      recommended_order_date: '2026-11-06',
    };
    const message = eventMessage(forecastEvent(record({ forecast_type: 'inventory', details }), undefined, new Map()));
    const [o] = alertRules(DEFAULT_RULE_CONFIG, () => NOW).forecastEvent(message.value);
    expect(o).toMatchObject({ type: 'stockout_risk', state: 'breach', severity: 'critical', value: 0.85, recommendation: { action: 'order', order_qty: 340, order_by: '2026-11-06' } });
  });
});

describe('forecastObservations', () => {
  it('sends each forecast type to its rule', () => {
    const types = (e: Record<string, unknown>) => forecastObservations(view(e), DEFAULT_RULE_CONFIG, NOW).map((o) => o.type);
    expect(types(baseEvent({ bound_breaches: [breach('2026-11-10', 180)] }))).toEqual(['demand_anomaly']);
    expect(types(inventoryEvent())).toEqual(['stockout_risk']);
    expect(types(qualityEvent())).toEqual(['quality_drift']);
    expect(types(supplyEvent([openOrder()]))).toEqual(['late_supplier']);
  });

  it('yields nothing for other event types or unknown forecast types', () => {
    expect(forecastObservations(view(baseEvent({ event_type: 'forecast.deleted', bound_breaches: [breach('2026-11-10', 180)] })), DEFAULT_RULE_CONFIG, NOW)).toEqual([]);
    expect(forecastObservations(view(baseEvent({ forecast_type: 'capacity' })), DEFAULT_RULE_CONFIG, NOW)).toEqual([]);
  });
});

describe('alertRules', () => {
  it('throws FGC_ALERT_EVENT_INVALID on a malformed event value', () => {
    const rules = alertRules();
    expect(() => rules.forecastEvent(Buffer.from('{"schema_version":2}'))).toThrow(FgcError);
    expect(() => rules.forecastEvent('not json')).toThrow(/not valid JSON/);
  });

  it('evaluates source freshness with the configured thresholds', () => {
    const rules = alertRules(DEFAULT_RULE_CONFIG, () => 0);
    const [o] = rules.sourceFreshness([{ tenant_id: 'acme', source_id: 'erp', record_type: '', last_received_at: '2026-11-10T00:00:00Z' }], Date.parse('2026-11-11T06:00:00Z'));
    expect(o).toMatchObject({ type: 'stale_source', state: 'breach', value: 30, observed_at: Date.parse('2026-11-11T06:00:00Z') });
  });
});
