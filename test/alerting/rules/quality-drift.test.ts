import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../../alerting/rules/fingerprint.js';
import { qualityDrift } from '../../../alerting/rules/quality-drift.js';
import { DEFAULT_RULE_CONFIG } from '../../../alerting/rules/rule-config.js';
import { NOW, baseEvent, qualityEvent, view, type Json } from './event-fixtures.js';

const config = DEFAULT_RULE_CONFIG.qualityDrift;

function observe(details: Json = {}, overrides: Json = {}) {
  const observations = qualityDrift(view(qualityEvent(details, overrides)), config, NOW);
  expect(observations).toHaveLength(1);
  return observations[0]!;
}

const violation = (period_start: string, rule = 'rule_4') => ({ rule, period_start, description: '8 points in a row above the centre line' });

describe('quality drift', () => {
  it('breaches when the limit is breached, critical when the current rate is over the UCL', () => {
    const o = observe({ current_rate: 0.041, limit_breached: true });
    expect(o).toMatchObject({ type: 'quality_drift', state: 'breach', severity: 'critical', value: 0.041, threshold: 0.032, entity_id: 'L3', site: 'MUC' });
    expect(o.fingerprint).toBe(fingerprintOf('acme', 'quality_drift', 'L3', 'MUC'));
    expect(o.title).toBe('Quality drift: line L3 at MUC');
    expect(o.message).toBe('Defect rate 4.1% against a control limit of 3.2% (centre 2%); top defect D-17.');
    expect(o.recommendation).toEqual({
      action: 'hold_lot',
      line: 'L3',
      text: 'Hold the open lots from line L3 at MUC and inspect them for defect D-17 before release (defect rate 4.1%, control limit 3.2%).',
    });
    expect(o.labels).toMatchObject({ line: 'L3', defect_code: 'D-17' });
  });

  it('is a warning when only the forecast bound crosses the limit', () => {
    const o = observe({ current_rate: 0.03, limit_breached: true });
    expect([o.state, o.severity]).toEqual(['breach', 'warning']);
    expect(o.message).toContain('the forecast upper bound crosses the limit');
    // Exactly at the UCL is not over it.
    expect(observe({ current_rate: 0.032, limit_breached: true }).severity).toBe('warning');
  });

  it('breaches on an SPC violation within the last 3 periods (last actual 2026-11-10), not on older ones', () => {
    const recent = observe({ spc_violations: [violation('2026-11-01'), violation('2026-11-08', 'rule_2')] });
    expect(recent.state).toBe('breach');
    expect(recent.message).toContain('SPC rule_2 on 2026-11-08: 8 points in a row above the centre line');
    expect(observe({ spc_violations: [violation('2026-11-07')] }).state).toBe('ok');
    const several = observe({ spc_violations: [violation('2026-11-09'), violation('2026-11-10')] });
    expect(several.message).toContain('on 2026-11-10: 8 points in a row above the centre line (+1 more)');
  });

  it('is ok only at or under centre + 2σ (σ = (UCL − centre) / 3), between above it', () => {
    // centre 0.02, UCL 0.032 → σ 0.004 → recovery 0.028.
    expect(observe({ current_rate: 0.028 }).state).toBe('ok');
    expect(observe({ current_rate: 0.0281 }).state).toBe('between');
    expect(observe({ current_rate: 0.033 }).state).toBe('between');
    expect(qualityDrift(view(qualityEvent({ current_rate: 0.0281 })), { ...config, recoverySigmas: 3 }, NOW)[0]!.state).toBe('ok');
  });

  it('names the sku for item entities and leaves out an empty defect code', () => {
    const o = observe({ limit_breached: true, top_defect_code: '' }, { entity_type: 'item_site', entity_id: 'FG-7', site: 'BER' });
    expect(o.recommendation).toEqual({
      action: 'hold_lot',
      sku: 'FG-7',
      text: 'Hold the open lots of FG-7 at BER and inspect them for the defects before release (defect rate 2%, control limit 3.2%).',
    });
    expect(o.labels).not.toHaveProperty('defect_code');
    expect(o.labels).toMatchObject({ sku: 'FG-7' });
  });

  it('counts every violation when the periods cannot be placed', () => {
    expect(observe({ spc_violations: [violation('2020-01-01')] }, { points: [] }).state).toBe('breach');
  });

  it('ignores non-quality events', () => {
    expect(qualityDrift(view(baseEvent()), config, NOW)).toEqual([]);
  });
});
