import { describe, expect, it } from 'vitest';
import { demandAnomaly } from '../../../alerting/rules/demand-anomaly.js';
import { fingerprintOf } from '../../../alerting/rules/fingerprint.js';
import { DEFAULT_RULE_CONFIG } from '../../../alerting/rules/rule-config.js';
import { NOW, baseEvent, breach, inventoryEvent, view, type Json } from './event-fixtures.js';

const config = DEFAULT_RULE_CONFIG.demandAnomaly;

function observe(overrides: Json) {
  const observations = demandAnomaly(view(baseEvent(overrides)), config, NOW);
  expect(observations).toHaveLength(1);
  return observations[0]!;
}

describe('demand anomaly', () => {
  it('breaches when the last actual period (the day before the first point) is outside the 95% band', () => {
    const o = observe({ bound_breaches: [breach('2026-11-08', 20), breach('2026-11-10', 180)] });
    expect(o).toMatchObject({ type: 'demand_anomaly', state: 'breach', severity: 'warning', value: 180, threshold: 130, entity_id: 'FG-10003', site: 'MUC', data_as_of: '2026-11-10' });
    expect(o.message).toBe("Actual demand 180 for the day of 2026-11-10 was above the previous forecast's 95% band (70–130); forecast 100, missed beyond the band by 50% of the forecast.");
    expect(o.recommendation).toMatchObject({ action: 'review_forecast', sku: 'FG-10003' });
    expect(o.recommendation.text).toBe(
      'Review the daily demand forecast of FG-10003 at MUC: demand of 180 for the day of 2026-11-10 was above the 95% band (70–130); check for a new customer, a promotion or a pull-in and adjust plans.',
    );
    expect(o.labels).toMatchObject({ sku: 'FG-10003', period: 'daily', version_id: 'v-2', previous_version_id: 'v-1' });
  });

  it('reports a miss below the band with the lower bound as threshold', () => {
    const o = observe({ bound_breaches: [breach('2026-11-10', 10)] });
    expect([o.state, o.value, o.threshold]).toEqual(['breach', 10, 70]);
    expect(o.recommendation.text).toContain('below the 95% band');
    expect(o.recommendation.text).toContain('a lost order');
  });

  it('is ok without breaches, between when only earlier periods breached', () => {
    expect(observe({ bound_breaches: [] }).state).toBe('ok');
    expect(observe({ bound_breaches: [breach('2026-11-09', 180)] }).state).toBe('between');
  });

  it('counts only breaches at the configured band or wider', () => {
    expect(observe({ bound_breaches: [breach('2026-11-10', 125, { level: 80, lower: 80, upper: 120 })] }).state).toBe('ok');
    expect(observe({ bound_breaches: [breach('2026-11-10', 200, { level: 99, lower: 60, upper: 150 })] }).state).toBe('breach');
  });

  it('is info when the miss is under the configured share of the forecast, warning from it on', () => {
    // 10% of the forecast 100 beyond the upper bound 130 is 140.
    expect(observe({ bound_breaches: [breach('2026-11-10', 139.9)] }).severity).toBe('info');
    expect(observe({ bound_breaches: [breach('2026-11-10', 140)] }).severity).toBe('warning');
    expect(observe({ bound_breaches: [breach('2026-11-10', 5, { forecast: 0, lower: 0, upper: 2, direction: 'above' })] }).severity).toBe('warning');
    const lenient = demandAnomaly(view(baseEvent({ bound_breaches: [breach('2026-11-10', 180)] })), { ...config, infoBelowRelativeMiss: 1 }, NOW)[0]!;
    expect(lenient.severity).toBe('info');
  });

  it('places the last actual period for weekly, monthly and quarterly forecasts', () => {
    const weekly = (start: string) => [{ period_start: start, value: 100, lower: { '95': 70 }, upper: { '95': 130 } }];
    expect(observe({ period: 'weekly', points: weekly('2026-11-16'), bound_breaches: [breach('2026-11-09', 180)] }).state).toBe('breach');
    expect(observe({ period: 'weekly', points: weekly('2026-11-16'), bound_breaches: [breach('2026-11-02', 180)] }).state).toBe('between');
    expect(observe({ period: 'monthly', points: weekly('2026-03-01'), bound_breaches: [breach('2026-02-01', 180)] }).state).toBe('breach');
    expect(observe({ period: 'quarterly', points: weekly('2026-01-01'), bound_breaches: [breach('2025-10-01', 180)] }).state).toBe('breach');
    expect(observe({ period: 'weekly', points: weekly('2026-11-16'), bound_breaches: [breach('2026-11-09', 180)] }).message).toContain('for the week of 2026-11-09');
  });

  it('falls back to the latest breach when the period cannot be placed (no points)', () => {
    expect(observe({ points: [], bound_breaches: [breach('2026-11-03', 180), breach('2026-11-05', 10)] })).toMatchObject({ state: 'breach', value: 10 });
  });

  it('keeps daily and weekly forecasts of one entity apart, and site entities without a sku', () => {
    const daily = observe({ bound_breaches: [breach('2026-11-10', 180)] });
    const weekly = observe({ period: 'weekly', points: [], bound_breaches: [breach('2026-11-09', 180)] });
    expect(daily.fingerprint).toBe(fingerprintOf('acme', 'demand_anomaly', 'FG-10003', 'MUC', 'daily'));
    expect(weekly.fingerprint).not.toBe(daily.fingerprint);
    const site = observe({ entity_type: 'site', entity_id: 'MUC', site: '', bound_breaches: [breach('2026-11-10', 180)] });
    expect(site.labels).not.toHaveProperty('sku');
    expect(site.recommendation).not.toHaveProperty('sku');
    expect(site.title).toBe('Demand outside forecast: MUC (daily)');
  });

  it('ignores non-demand events', () => {
    expect(demandAnomaly(view(inventoryEvent()), config, NOW)).toEqual([]);
  });
});
