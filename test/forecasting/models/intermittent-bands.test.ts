import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { demandQuantiles, intermittentOutput, sortedQuantile } from '../../../forecasting/models/intermittent-bands.js';

describe('sortedQuantile', () => {
  it('interpolates between order statistics and clamps p', () => {
    expect(sortedQuantile([1, 2, 3, 5], 0)).toBe(1);
    expect(sortedQuantile([1, 2, 3, 5], 1)).toBe(5);
    expect(sortedQuantile([1, 2, 3, 5], 0.5)).toBeCloseTo(2.5, 12);
    expect(sortedQuantile([1, 2, 3, 5], 2)).toBe(5);
    expect(sortedQuantile([1, 2, 3, 5], -1)).toBe(1);
    expect(sortedQuantile([], 0.5)).toBe(0);
  });
});

describe('demand distribution: zero with probability 1 − p, else a past size', () => {
  // Sizes 1, 2, 3, 2 (mean 2) in 16 periods.
  const y = [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 2];

  it('puts the probability of demand at rate / mean size', () => {
    const q = demandQuantiles(y, 0.5); // p = 0.25
    expect(q(0.5)).toBe(0);
    expect(q(0.75)).toBe(0);
    // 0.9 is 0.6 of the way through the sizes [1, 2, 2, 3]
    expect(q(0.9)).toBeCloseTo(sortedQuantile([1, 2, 2, 3], 0.6), 12);
    expect(q(1)).toBe(3);
  });

  it('a decayed rate (a part going obsolete) lowers the upper quantiles', () => {
    const alive = demandQuantiles(y, 0.5);
    const fading = demandQuantiles(y, 0.1); // p = 0.05
    expect(fading(0.9)).toBe(0);
    expect(alive(0.9)).toBeGreaterThan(0);
    expect(fading(0.975)).toBeLessThanOrEqual(alive(0.975));
  });

  it('caps the probability at 1 and handles no demand and returns', () => {
    expect(demandQuantiles(y, 10)(0)).toBe(1);
    expect(demandQuantiles([0, 0, 0], 0)(0.99)).toBe(0);
    const withReturns = demandQuantiles([3, -1, 0, 2], 1);
    expect(withReturns(0)).toBe(-1);
    expect(withReturns(1)).toBe(3);
  });

  it('is monotone in q for any non-negative demand and rate', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e9, noNaN: true })), { minLength: 1, maxLength: 80 }),
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        (values, rate) => {
          const q = demandQuantiles(values, rate);
          let prev = -Infinity;
          for (let p = 0; p <= 1.0001; p += 0.05) {
            const v = q(Math.min(1, p));
            expect(Number.isFinite(v)).toBe(true);
            // Relative tolerance for rounding, plus an absolute one: at subnormal magnitudes (5e-324) the relative term underflows to 0.
            expect(v).toBeGreaterThanOrEqual(prev - 1e-6 * Math.abs(prev) - 1e-300);
            expect(v).toBeGreaterThanOrEqual(0);
            prev = v;
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('intermittentOutput', () => {
  it('bands are the distribution quantiles around the flat rate, lower bound 0 when no demand is likely', () => {
    const y = [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 2];
    const out = intermittentOutput('x', { y, season: 1, horizon: 3, levels: [50, 80, 95] }, 0.5, 'why');
    expect(out.mean).toEqual([0.5, 0.5, 0.5]);
    expect(out.reason).toBe('why');
    expect(out.lower['95']).toEqual([0, 0, 0]);
    expect(out.lower['80']).toEqual([0, 0, 0]);
    // 50 %: quantiles 0.25 and 0.75 are both 0 → the band collapses to [0, mean]
    expect(out.upper['50']).toEqual([0.5, 0.5, 0.5]);
    expect(out.upper['95']![0]!).toBeCloseTo(sortedQuantile([1, 2, 2, 3], (0.975 - 0.75) / 0.25), 12);
    expect(out.upper['95']![0]!).toBeGreaterThanOrEqual(out.upper['80']![0]!);
  });
});
