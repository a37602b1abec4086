import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../../forecasting/series/periods.js';
import { pChart, rateBounds, ruleFires, runRuleViolations, standardized, wilsonInterval, type RatePeriod, type RunRule } from '../../../forecasting/types/quality-spc.js';

const weeks = (rates: readonly number[], inspected = 10_000, from = '2024-01-01'): RatePeriod[] =>
  rates.map((r, i) => ({ periodStart: addDays(from, 7 * i), inspected, defects: r * inspected }));

/** A chart with centre 0.1 and sigma 0.003 at n = 10 000. */
const chart = pChart(weeks(Array.from({ length: 20 }, () => 0.1)));
const SIGMA = Math.sqrt((0.1 * 0.9) / 10_000);
/** Periods whose standardized values are exactly `zs`. */
const atZ = (zs: readonly number[]): RatePeriod[] => weeks(zs.map((z) => 0.1 + z * SIGMA));

describe('pChart', () => {
  it('reproduces Montgomery’s orange-juice can example (30 samples of 50, 347 nonconforming)', () => {
    // 17 samples with 12 and 13 with 11 defectives: Σ = 347, p̄ = 0.2313.
    const samples = Array.from({ length: 30 }, (_, i) => ({ periodStart: `s${i}`, inspected: 50, defects: i < 17 ? 12 : 11 }));
    const c = pChart(samples);
    expect(c.centerLine).toBeCloseTo(0.2313, 4);
    expect(c.ucl).toBeCloseTo(0.4102, 4);
    expect(c.lcl).toBeCloseTo(0.0524, 4);
    expect(c.averageSampleSize).toBe(50);
  });

  it('clips limits to [0, 1] and keeps a zero-defect baseline from a zero-width chart', () => {
    const low = pChart([{ periodStart: 'a', inspected: 20, defects: 1 }]);
    expect(low.lcl).toBe(0);
    expect(low.ucl).toBeGreaterThan(low.centerLine);
    const high = pChart([{ periodStart: 'a', inspected: 20, defects: 19 }]);
    expect(high.ucl).toBe(1);
    const zero = pChart([
      { periodStart: 'a', inspected: 500, defects: 0 },
      { periodStart: 'b', inspected: 500, defects: 0 },
    ]);
    expect(zero.centerLine).toBe(0);
    expect(zero.lcl).toBe(0);
    expect(zero.ucl).toBeCloseTo(3 * Math.sqrt(0.0005 * 0.9995 / 500), 12);
    expect(standardized([{ periodStart: 'c', inspected: 500, defects: 1 }], zero)[0]).toBeLessThan(100);
  });

  it('ignores periods without inspections and refuses an empty baseline', () => {
    expect(pChart([{ periodStart: 'a', inspected: 100, defects: 5 }, { periodStart: 'b', inspected: 0, defects: 0 }]).averageSampleSize).toBe(100);
    expect(() => pChart([])).toThrow(RangeError);
    expect(() => pChart([{ periodStart: 'a', inspected: 0, defects: 0 }])).toThrow(RangeError);
  });

  it('judges each period on its own sample size', () => {
    const [small, large] = standardized(
      [
        { periodStart: 'a', inspected: 100, defects: 11 },
        { periodStart: 'b', inspected: 10_000, defects: 1_100 },
      ],
      chart,
    );
    expect(small).toBeCloseTo(0.01 / Math.sqrt(0.09 / 100), 9);
    expect(large).toBeCloseTo(0.01 / SIGMA, 9);
  });
});

describe('Western Electric rules', () => {
  const fires = (rule: RunRule, zs: readonly number[]): number => {
    const periods = atZ(zs);
    return ruleFires(rule, standardized(periods, chart), periods.map((p) => p.defects / p.inspected), zs.length - 1);
  };

  it('1: a point beyond 3 sigma', () => {
    expect(fires('beyond-3-sigma', [0, 0, 3.5])).toBe(1);
    expect(fires('beyond-3-sigma', [0, 0, -3.2])).toBe(-1);
    expect(fires('beyond-3-sigma', [0, 0, 2.9])).toBe(0);
  });

  it('2: two of three beyond 2 sigma on the same side', () => {
    expect(fires('2-of-3-beyond-2-sigma', [0, 2.5, 0.5, 2.5])).toBe(1);
    expect(fires('2-of-3-beyond-2-sigma', [0, -2.5, -2.1])).toBe(-1);
    expect(fires('2-of-3-beyond-2-sigma', [2.5, 0.5, 0.5, 2.5])).toBe(0);
    expect(fires('2-of-3-beyond-2-sigma', [0, -2.5, 0, 2.5])).toBe(0);
    expect(fires('2-of-3-beyond-2-sigma', [2.5, 2.5, 0])).toBe(0);
  });

  it('3: four of five beyond 1 sigma on the same side', () => {
    expect(fires('4-of-5-beyond-1-sigma', [1.5, 1.5, 0.5, 1.5, 1.5])).toBe(1);
    expect(fires('4-of-5-beyond-1-sigma', [1.5, 0.5, 0.5, 1.5, 1.5])).toBe(0);
    expect(fires('4-of-5-beyond-1-sigma', [1.5, -1.5, 1.5, 1.5, 1.5])).toBe(1);
    expect(fires('4-of-5-beyond-1-sigma', [1.5, 1.5, 1.5])).toBe(0);
  });

  it('4: eight in a row on one side', () => {
    expect(fires('8-on-one-side', Array.from({ length: 8 }, () => 0.5))).toBe(1);
    expect(fires('8-on-one-side', Array.from({ length: 9 }, () => -0.3))).toBe(-1);
    expect(fires('8-on-one-side', [-0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])).toBe(0);
    expect(fires('8-on-one-side', Array.from({ length: 7 }, () => 0.5))).toBe(0);
  });

  it('5: six in a row increasing', () => {
    expect(fires('6-increasing', [-2, -1.5, -1, -0.5, 0, 0.5])).toBe(1);
    expect(fires('6-increasing', [-2, -1.5, -1, -1, 0, 0.5])).toBe(0);
    expect(fires('6-increasing', [-1.5, -1, -0.5, 0, 0.5])).toBe(0);
    expect(fires('6-increasing', [0.5, 0, -0.5, -1, -1.5, -2])).toBe(0);
  });

  it('lists each violated rule once, at its latest period, only over the recent periods', () => {
    const zs = [...Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 0.4 : -0.4)), 0.5, 1, 1.5, 2.5, 3.5, 4.5];
    const periods = atZ(zs);
    const v = runRuleViolations(periods, chart, 8);
    expect(v.map((x) => x.rule)).toEqual(['beyond-3-sigma', '2-of-3-beyond-2-sigma', '4-of-5-beyond-1-sigma', '6-increasing']);
    expect(v.every((x) => x.period_start === periods[periods.length - 1]!.periodStart)).toBe(true);
    expect(v[0]!.description).toContain('above');
    expect(v[0]!.description).toContain('2 of the last 8');
    // The same shift, but the recent window ends before it: nothing.
    expect(runRuleViolations(periods.slice(0, 12), chart, 8)).toEqual([]);
    // An early excursion outside the recent window is not reported.
    expect(runRuleViolations(atZ([5, ...Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 0.4 : -0.4))]), chart, 8)).toEqual([]);
  });
});

describe('rate bounds', () => {
  it('Wilson interval: textbook values', () => {
    const mid = wilsonInterval(0.5, 100, 1.959964);
    expect(mid.lower).toBeCloseTo(0.4038, 4);
    expect(mid.upper).toBeCloseTo(0.5962, 4);
    const zero = wilsonInterval(0, 100, 1.959964);
    expect(zero.lower).toBe(0);
    expect(zero.upper).toBeCloseTo(3.841459 / 103.841459, 6);
    const one = wilsonInterval(1, 100, 1.959964);
    expect(one.upper).toBe(1);
    expect(one.lower).toBeCloseTo(100 / 103.841459, 6);
  });

  it('stays inside [0, 1] at rates near 0 and 1, with room above a zero rate', () => {
    for (const p of [0, 1e-9, 0.001, 0.999, 1 - 1e-9, 1]) {
      for (const sd of [0, 0.01, 0.5, 10]) {
        const b = rateBounds(p, sd, 80, 95);
        expect(b.lower).toBeGreaterThanOrEqual(0);
        expect(b.upper).toBeLessThanOrEqual(1);
        expect(b.lower).toBeLessThanOrEqual(p);
        expect(b.upper).toBeGreaterThanOrEqual(p);
      }
    }
    expect(rateBounds(0, 0, 80, 95).upper).toBeGreaterThan(0);
    expect(rateBounds(1, 0, 80, 95).lower).toBeLessThan(1);
  });

  it('takes the binomial spread as a floor and the model spread when larger', () => {
    const binomial = rateBounds(0.05, 0, 1000, 95);
    expect(rateBounds(0.05, 0.001, 1000, 95)).toEqual(binomial);
    const wide = rateBounds(0.05, 0.03, 1000, 95);
    expect(wide.upper - wide.lower).toBeGreaterThan(2 * (binomial.upper - binomial.lower));
    expect(rateBounds(0.05, Number.NaN, 1000, 95)).toEqual(binomial);
    expect(rateBounds(0.05, 0, 0, 95)).toEqual({ lower: 0, upper: 1 });
  });

  it('orders bounds, nests levels and stays in [0, 1] (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -0.5, max: 1.5, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.double({ min: 0.5, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: 98 }),
        (mean, sd, n, level) => {
          const p = Math.min(1, Math.max(0, mean));
          const narrow = rateBounds(mean, sd, n, level);
          const wide = rateBounds(mean, sd, n, level + 1);
          expect(narrow.lower).toBeGreaterThanOrEqual(0);
          expect(narrow.upper).toBeLessThanOrEqual(1);
          expect(narrow.lower).toBeLessThanOrEqual(p);
          expect(narrow.upper).toBeGreaterThanOrEqual(p);
          expect(wide.lower).toBeLessThanOrEqual(narrow.lower + 1e-12);
          expect(wide.upper).toBeGreaterThanOrEqual(narrow.upper - 1e-12);
        },
      ),
    );
  });
});
