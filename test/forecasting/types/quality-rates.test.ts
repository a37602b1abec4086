import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forecastRates, rateBacktest } from '../../../forecasting/types/quality-forecast.js';
import type { RatePeriod } from '../../../forecasting/types/quality-spc.js';

const periodsOf = (rates: readonly number[], inspected = 1000): RatePeriod[] => rates.map((r, i) => ({ periodStart: `p${i}`, inspected, defects: r * inspected }));

describe('forecastRates', () => {
  it('keeps 0 ≤ lower ≤ mean ≤ upper ≤ 1 and nests levels for any rate history (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 24 }),
        fc.double({ min: 1, max: 5000, noNaN: true }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('naive', 'auto', 'theta'),
        (rates, n, horizon, model) => {
          const f = forecastRates(rates, n, horizon, [50, 80], model);
          expect(f.mean).toHaveLength(horizon);
          for (let k = 0; k < horizon; k += 1) {
            const m = f.mean[k]!;
            const levels = ['50', '80', '95'];
            let lo = m;
            let hi = m;
            for (const key of levels) {
              const l = f.lower[key]![k]!;
              const u = f.upper[key]![k]!;
              expect(l).toBeGreaterThanOrEqual(0);
              expect(u).toBeLessThanOrEqual(1);
              expect(l).toBeLessThanOrEqual(lo);
              expect(u).toBeGreaterThanOrEqual(hi);
              lo = l;
              hi = u;
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('puts room above a zero rate and below a rate of one', () => {
    const zero = forecastRates([0, 0, 0, 0, 0, 0], 50, 2, [80, 95], 'naive');
    expect(zero.mean).toEqual([0, 0]);
    expect(zero.lower['95']).toEqual([0, 0]);
    expect(zero.upper['95']![0]!).toBeGreaterThan(0.03);
    const one = forecastRates([1, 1, 1, 1], 50, 1, [95], 'naive');
    expect(one.upper['95']).toEqual([1]);
    expect(one.lower['95']![0]!).toBeLessThan(0.97);
  });

  it('widens with the model’s uncertainty beyond the binomial floor', () => {
    const calm = forecastRates([0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05], 1000, 1, [95], 'naive');
    const wild = forecastRates([0.01, 0.09, 0.01, 0.09, 0.01, 0.09, 0.01, 0.05], 1000, 1, [95], 'naive');
    const width = (f: typeof calm): number => f.upper['95']![0]! - f.lower['95']![0]!;
    // Calm history: the binomial 95 % band of 5 % at n = 1000 (about ±1.35 points).
    expect(width(calm)).toBeGreaterThan(0.025);
    expect(width(calm)).toBeLessThan(0.03);
    expect(width(wild)).toBeGreaterThan(2 * width(calm));
  });

  it('refuses an unknown model like every forecast does', () => {
    expect(() => forecastRates([0.1, 0.2], 10, 1, [95], 'no-such-model')).toThrow(/unknown model/);
  });
});

describe('rateBacktest', () => {
  it('scores up to three origins and is null when the history is too short', () => {
    const flat = rateBacktest(periodsOf(Array.from({ length: 40 }, () => 0.03)), 4, [80, 95], 'naive', 8);
    expect(flat).toMatchObject({ windows: 3, horizon: 4, wape: 0, bias: 0, coverage_95: 1 });
    expect(rateBacktest(periodsOf([0.1, 0.2, 0.1]), 4, [95], 'naive', 8)).toMatchObject({ windows: 0, wape: null, coverage_95: null });
  });

  it('sees a step up as under-forecast and lost coverage', () => {
    const rates = [...Array.from({ length: 32 }, () => 0.02), ...Array.from({ length: 8 }, () => 0.1)];
    const acc = rateBacktest(periodsOf(rates), 8, [95], 'naive', 8);
    // Origins at 32 (the step held out), 24 and 16 (flat): one window in three misses by 8 points.
    expect(acc.windows).toBe(3);
    expect(acc.bias!).toBeCloseTo(-0.08 / 3, 12);
    expect(acc.coverage_95!).toBeCloseTo(2 / 3, 12);
  });
});
