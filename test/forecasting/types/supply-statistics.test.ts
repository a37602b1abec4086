import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  conditionalMedian,
  decayWeight,
  leadTimeBacktestWindows,
  leadTimeSummary,
  openLineLateProbability,
  quantileBands,
  shrunkProbability,
  weightedMoments,
  weightedQuantile,
  type WeightedValue,
} from '../../../forecasting/types/supply-statistics.js';
import { scoreBacktest } from '../../../forecasting/types/typed-series.js';

const equal = (xs: readonly number[]): WeightedValue[] => xs.map((value) => ({ value, weight: 1 }));
const weighted = fc.array(fc.record({ value: fc.integer({ min: 0, max: 400 }), weight: fc.double({ min: 0.001, max: 1, noNaN: true }) }), { minLength: 1, maxLength: 60 });

describe('decayWeight', () => {
  it('halves per half-life and treats future dates as today', () => {
    expect(decayWeight(0, 90)).toBe(1);
    expect(decayWeight(90, 90)).toBeCloseTo(0.5, 12);
    expect(decayWeight(180, 90)).toBeCloseTo(0.25, 12);
    expect(decayWeight(-10, 90)).toBe(1);
    expect(() => decayWeight(1, 0)).toThrow(RangeError);
    expect(() => decayWeight(1, Number.NaN)).toThrow(RangeError);
  });
});

describe('weightedQuantile', () => {
  it('is the inverse empirical CDF with equal weights', () => {
    const xs = equal([7, 3, 10, 1, 5, 2, 9, 4, 6, 8]);
    expect(weightedQuantile(xs, 0)).toBe(1);
    expect(weightedQuantile(xs, 0.5)).toBe(5);
    expect(weightedQuantile(xs, 0.8)).toBe(8);
    expect(weightedQuantile(xs, 0.95)).toBe(10);
    expect(weightedQuantile(xs, 1)).toBe(10);
  });

  it('follows the weights', () => {
    const xs: WeightedValue[] = [
      { value: 1, weight: 3 },
      { value: 10, weight: 1 },
    ];
    expect(weightedQuantile(xs, 0.75)).toBe(1);
    expect(weightedQuantile(xs, 0.76)).toBe(10);
    // A duplicate value adds up its weights.
    expect(weightedQuantile([...xs, { value: 10, weight: 3 }], 0.5)).toBe(10);
  });

  it('is NaN without usable values and ignores non-finite or weightless ones', () => {
    expect(weightedQuantile([], 0.5)).toBeNaN();
    expect(weightedQuantile([{ value: 3, weight: 0 }], 0.5)).toBeNaN();
    expect(weightedQuantile([{ value: Number.NaN, weight: 1 }, { value: 4, weight: 1 }, { value: 99, weight: -1 }], 0.99)).toBe(4);
    expect(() => weightedQuantile(equal([1]), 1.5)).toThrow(RangeError);
  });

  it('is monotone in q and always an observed value (property)', () => {
    fc.assert(
      fc.property(weighted, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const qa = weightedQuantile(xs, lo);
        const qb = weightedQuantile(xs, hi);
        expect(qa).toBeLessThanOrEqual(qb);
        expect(xs.map((x) => x.value)).toContain(qb);
      }),
    );
  });
});

describe('weightedMoments and leadTimeSummary', () => {
  it('equal weights give the sample mean and sd', () => {
    const m = weightedMoments(equal([2, 4, 4, 4, 5, 5, 7, 9]));
    expect(m.mean).toBe(5);
    expect(m.sd).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(m.effectiveSize).toBeCloseTo(8, 12);
  });

  it('weights pull the mean, one observation has sd 0, none gives NaN', () => {
    expect(weightedMoments([{ value: 10, weight: 1 }, { value: 20, weight: 3 }]).mean).toBe(17.5);
    expect(weightedMoments(equal([12])).sd).toBe(0);
    expect(weightedMoments([]).mean).toBeNaN();
  });

  it('summarises lead times', () => {
    const s = leadTimeSummary(equal([10, 12, 14, 16, 18, 20, 22, 24, 26, 28]));
    expect(s).toMatchObject({ mean: 19, p50: 18, p80: 24, p95: 28 });
  });
});

describe('shrunkProbability', () => {
  it('is the Beta posterior mean', () => {
    expect(shrunkProbability(3, 3, 0.1, 5)).toBeCloseTo(3.5 / 8, 12);
    expect(shrunkProbability(0, 0, 0.2, 5)).toBe(0.2);
    expect(shrunkProbability(900, 1000, 0.1, 5)).toBeCloseTo(900.5 / 1005, 12);
    expect(shrunkProbability(2, 4, 0.3, 0)).toBe(0.5);
  });

  it('stays between the observed share and the prior, and rejects a bad prior', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1000, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (total, share, prior) => {
        const p = shrunkProbability(share * total, total, prior, 5);
        const observed = total > 0 ? share : prior;
        expect(p).toBeGreaterThanOrEqual(Math.min(observed, prior) - 1e-12);
        expect(p).toBeLessThanOrEqual(Math.max(observed, prior) + 1e-12);
      }),
    );
    expect(() => shrunkProbability(1, 1, 1.2, 5)).toThrow(RangeError);
  });
});

describe('quantileBands', () => {
  it('takes the central quantiles per level', () => {
    const xs = equal(Array.from({ length: 20 }, (_, i) => i + 1));
    const b = quantileBands(xs, 10.5, [80, 95]);
    expect(b.lower).toEqual({ '80': 2, '95': 1 });
    expect(b.upper).toEqual({ '80': 18, '95': 20 });
  });

  it('keeps lower ≤ value ≤ upper, nests levels, never negative (property)', () => {
    fc.assert(
      fc.property(weighted, fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 4 }), (xs, levels) => {
        const value = weightedMoments(xs).mean;
        const b = quantileBands(xs, value, levels);
        const sorted = [...levels].sort((a, c) => a - c);
        sorted.forEach((level, i) => {
          const lo = b.lower[String(level)]!;
          const hi = b.upper[String(level)]!;
          expect(lo).toBeGreaterThanOrEqual(0);
          expect(lo).toBeLessThanOrEqual(value + 1e-9);
          expect(hi).toBeGreaterThanOrEqual(value - 1e-9);
          const wider = sorted[i + 1];
          if (wider !== undefined) {
            expect(b.lower[String(wider)]!).toBeLessThanOrEqual(lo);
            expect(b.upper[String(wider)]!).toBeGreaterThanOrEqual(hi);
          }
        });
      }),
    );
  });
});

describe('open lines', () => {
  const delays: WeightedValue[] = [
    { value: -5, weight: 1 },
    { value: -1, weight: 1 },
    { value: 0, weight: 2 },
    { value: 6, weight: 1 },
  ];

  it('a line past its promise is late for sure; one not yet due follows Bayes', () => {
    expect(openLineLateProbability(0.2, delays, -1)).toBe(1);
    // On-time share arriving within 1 day before the promise: (1 + 2) / 4.
    expect(openLineLateProbability(0.2, delays, 1)).toBeCloseTo(0.2 / (0.2 + 0.8 * 0.75), 12);
    expect(openLineLateProbability(0.2, delays, 0)).toBeCloseTo(0.2 / (0.2 + 0.8 * 0.5), 12);
    expect(openLineLateProbability(0.2, delays, 30)).toBeCloseTo(0.2, 12);
    expect(openLineLateProbability(0.3, [], 4)).toBe(0.3);
    expect(openLineLateProbability(0, delays, 2)).toBe(0);
  });

  it('is at least the late rate and falls as the promise gets further away (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), weighted, fc.integer({ min: 0, max: 60 }), (p, xs, u) => {
        const shifted = xs.map((x) => ({ value: x.value - 200, weight: x.weight }));
        const now = openLineLateProbability(p, shifted, u);
        expect(now).toBeGreaterThanOrEqual(p - 1e-12);
        expect(now).toBeLessThanOrEqual(1);
        expect(openLineLateProbability(p, shifted, u + 1)).toBeLessThanOrEqual(now + 1e-12);
      }),
    );
  });

  it('expects what lines at least as late took', () => {
    expect(conditionalMedian(delays, -100)).toBe(0);
    expect(conditionalMedian(delays, 1)).toBe(6);
    expect(conditionalMedian(delays, 7)).toBeUndefined();
  });
});

describe('leadTimeBacktestWindows', () => {
  it('predicts each order from the receipts before it; a constant lead time scores perfectly', () => {
    const receipts = Array.from({ length: 20 }, (_, i) => ({ orderDay: i * 7, receivedDay: i * 7 + 10 }));
    const windows = leadTimeBacktestWindows(receipts, { halfLifeDays: 90, levels: [80, 95], minHistory: 5, maxOrders: 200 });
    // Order i (day 7i) has receipts of orders j with 7j + 10 < 7i, i.e. j ≤ i − 2: five needs i ≥ 6.
    expect(windows).toHaveLength(14);
    const acc = scoreBacktest(windows, [80, 95], 1);
    expect(acc).toMatchObject({ coverage_95: 1, windows: 14, horizon: 1 });
    expect(acc.wape).toBeCloseTo(0, 12);
    expect(acc.bias).toBeCloseTo(0, 12);
    expect(acc.mase).toBeNull();
  });

  it('scores a jump in lead time as error, bias and lost coverage', () => {
    const receipts = Array.from({ length: 30 }, (_, i) => ({ orderDay: i * 7, receivedDay: i * 7 + (i < 20 ? 10 + (i % 3) : 30) }));
    const windows = leadTimeBacktestWindows(receipts, { halfLifeDays: 90, levels: [95], minHistory: 5, maxOrders: 8 });
    expect(windows).toHaveLength(8);
    const acc = scoreBacktest(windows, [95], 1);
    expect(acc.bias!).toBeLessThan(-5);
    // The first orders after the jump fall outside the band; later ones are caught as receipts of 30 days arrive.
    expect(acc.coverage_95!).toBeLessThan(0.9);
    expect(acc.wape!).toBeGreaterThan(0.2);
    expect(acc.mase!).toBeGreaterThan(1);
  });

  it('has no window without enough history', () => {
    expect(leadTimeBacktestWindows([{ orderDay: 0, receivedDay: 5 }], { halfLifeDays: 90, levels: [95], minHistory: 5, maxOrders: 10 })).toEqual([]);
    expect(scoreBacktest([], [80, 95], 1)).toMatchObject({ wape: null, windows: 0, coverage: { '80': null, '95': null } });
  });
});
