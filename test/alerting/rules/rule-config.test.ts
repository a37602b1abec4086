import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALERT_TYPES } from '../../../alerting/alert-model.js';
import { fingerprintOf } from '../../../alerting/rules/fingerprint.js';
import { addDays, daysBetween, lastActualPeriod, shiftPeriod } from '../../../alerting/rules/period-steps.js';
import { DEFAULT_RULE_CONFIG, ruleConfig, staleThresholdsFor } from '../../../alerting/rules/rule-config.js';
import { percent, quantity } from '../../../alerting/rules/rule-text.js';

describe('rule configuration', () => {
  it('has the documented defaults, frozen', () => {
    expect(DEFAULT_RULE_CONFIG.stockoutRisk).toEqual({ breachProbability: 0.5, recoveryProbability: 0.3, criticalProbability: 0.8 });
    expect(DEFAULT_RULE_CONFIG.demandAnomaly).toEqual({ bandLevel: 95, infoBelowRelativeMiss: 0.1 });
    expect(DEFAULT_RULE_CONFIG.lateSupplier.criticalDaysPastDue).toBe(7);
    expect(DEFAULT_RULE_CONFIG.staleSource).toMatchObject({ thresholdHours: 24, criticalHours: 72 });
    expect(Object.isFrozen(DEFAULT_RULE_CONFIG.stockoutRisk)).toBe(true);
    expect(ruleConfig()).toEqual(DEFAULT_RULE_CONFIG);
  });

  it('applies partial overrides section by section', () => {
    const c = ruleConfig({ stockoutRisk: { breachProbability: 0.6 }, staleSource: { perSource: { drop: { thresholdHours: 168 } } } });
    expect(c.stockoutRisk).toEqual({ breachProbability: 0.6, recoveryProbability: 0.3, criticalProbability: 0.8 });
    expect(c.staleSource.thresholdHours).toBe(24);
    expect(staleThresholdsFor(c.staleSource, 'drop')).toEqual({ thresholdHours: 168, recoveryHours: 168, criticalHours: 504 });
    expect(staleThresholdsFor(c.staleSource, 'erp')).toEqual({ thresholdHours: 24, recoveryHours: 24, criticalHours: 72 });
    // An inherited object key is not an override.
    expect(staleThresholdsFor(c.staleSource, 'constructor').thresholdHours).toBe(24);
  });

  it('refuses settings that break the hysteresis or make no sense, naming the setting', () => {
    const bad: [Parameters<typeof ruleConfig>[0], RegExp][] = [
      [{ stockoutRisk: { recoveryProbability: 0.6 } }, /stockoutRisk\.recoveryProbability must not exceed breachProbability/],
      [{ stockoutRisk: { breachProbability: 1.2 } }, /stockoutRisk\.breachProbability must be a probability/],
      [{ stockoutRisk: { criticalProbability: Number.NaN } }, /stockoutRisk\.criticalProbability/],
      [{ demandAnomaly: { bandLevel: 100 } }, /demandAnomaly\.bandLevel must be a percentage/],
      [{ demandAnomaly: { infoBelowRelativeMiss: -1 } }, /demandAnomaly\.infoBelowRelativeMiss must be a non-negative number/],
      [{ qualityDrift: { recentPeriods: 0 } }, /qualityDrift\.recentPeriods must be a whole number/],
      [{ qualityDrift: { recoverySigmas: 4 } }, /qualityDrift\.recoverySigmas must not exceed 3/],
      [{ lateSupplier: { criticalDaysPastDue: 0 } }, /lateSupplier\.criticalDaysPastDue must be a positive number/],
      [{ staleSource: { recoveryHours: 30 } }, /staleSource\.recoveryHours must not exceed thresholdHours/],
      [{ staleSource: { criticalHours: 12 } }, /staleSource\.criticalHours must not be below thresholdHours/],
      [{ staleSource: { perSource: { drop: { thresholdHours: -1 } } } }, /staleSource\.perSource\.drop\.thresholdHours must be a positive number/],
    ];
    for (const [overrides, pattern] of bad) {
      expect(() => ruleConfig(overrides), pattern.source).toThrow(pattern);
    }
  });
});

describe('fingerprints', () => {
  it('are 16 hex digits, stable, and differ per tenant, type, entity, site and qualifier', () => {
    const f = fingerprintOf('acme', 'stockout_risk', 'FG-1', 'MUC');
    expect(f).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprintOf('acme', 'stockout_risk', 'FG-1', 'MUC')).toBe(f);
    const others = [
      fingerprintOf('other', 'stockout_risk', 'FG-1', 'MUC'),
      fingerprintOf('acme', 'demand_anomaly', 'FG-1', 'MUC'),
      fingerprintOf('acme', 'stockout_risk', 'FG-2', 'MUC'),
      fingerprintOf('acme', 'stockout_risk', 'FG-1', ''),
      fingerprintOf('acme', 'stockout_risk', 'FG-1', 'MUC', 'daily'),
    ];
    expect(new Set([f, ...others]).size).toBe(6);
  });

  it('cannot be forged by moving a separator between parts', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.constantFrom(...ALERT_TYPES), (a, b, c, type) => {
        expect(fingerprintOf(a, type, `${b}|${c}`, '')).not.toBe(fingerprintOf(a, type, b, `|${c}`));
      }),
      { numRuns: 200 },
    );
  });
});

describe('period steps and wording', () => {
  it('steps days, weeks, months and quarters, and knows nothing of other periods', () => {
    expect(shiftPeriod('2026-03-01', 'daily', -1)).toBe('2026-02-28');
    expect(shiftPeriod('2024-03-01', 'daily', -1)).toBe('2024-02-29');
    expect(shiftPeriod('2026-01-05', 'weekly', -1)).toBe('2025-12-29');
    expect(shiftPeriod('2026-01-01', 'monthly', -1)).toBe('2025-12-01');
    expect(shiftPeriod('2026-01-01', 'quarterly', -2)).toBe('2025-07-01');
    expect(shiftPeriod('2026-01-01', 'hourly', -1)).toBeUndefined();
    expect(shiftPeriod('garbage', 'daily', -1)).toBeUndefined();
    expect(lastActualPeriod([], 'daily')).toBeUndefined();
    expect(lastActualPeriod([{ period_start: '2026-11-16' }], 'weekly')).toBe('2026-11-09');
    expect(daysBetween('2026-11-20', '2026-12-01')).toBe(11);
    expect(addDays('2026-12-25', 14)).toBe('2027-01-08');
  });

  it('formats quantities and shares the way supervisors read them', () => {
    expect([quantity(340), quantity(8.456), quantity(0.1 + 0.2)]).toEqual(['340', '8.46', '0.3']);
    expect([percent(0.62), percent(0.041), percent(0.0004), percent(1)]).toEqual(['62%', '4.1%', '0.04%', '100%']);
  });
});
