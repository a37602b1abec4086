import fc from 'fast-check';
import { cumulativeStdNormalProbability } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import {
  bucketPoints,
  cumulativeDemand,
  expectedReceiptDate,
  firstStockoutDay,
  median,
  projectOnHand,
  projectionDays,
  replenishment,
  sampleSd,
  stepSd,
  stockoutProbabilities,
  type DailyDemand,
} from '../../../forecasting/types/inventory-projection.js';

const Z80 = 1.2815515655446004;
const Z95 = 1.959963984540054;
const flat = (days: number, mean: number, sd: number): DailyDemand => ({ mean: new Array<number>(days).fill(mean), sd: new Array<number>(days).fill(sd) });

describe('cumulative demand', () => {
  it('adds means and combines sds by the correlation: independent, equicorrelated, fully correlated', () => {
    const demand = flat(4, 10, 2);
    expect(cumulativeDemand(demand, 0)).toEqual({ mean: [10, 20, 30, 40], sd: [2, Math.sqrt(8), Math.sqrt(12), 4] });
    expect(cumulativeDemand(demand, 1).sd).toEqual([2, 4, 6, 8]);
    // ρ = 0.5: Var_t = 0.5·4t + 0.5·(2t)² → t = 2: 4 + 8.
    expect(cumulativeDemand(demand, 0.5).sd[1]).toBeCloseTo(Math.sqrt(12), 12);
    // Out-of-range correlations are clamped, negative sds count as 0.
    expect(cumulativeDemand(demand, 7).sd).toEqual([2, 4, 6, 8]);
    expect(cumulativeDemand({ mean: [1, 1], sd: [-3, 2] }, 0).sd).toEqual([0, 2]);
  });

  it('reads a daily sd off a demand band: the wider half over z, the largest over the levels', () => {
    expect(stepSd({ value: 10, lower: { '80': 10 - Z80 * 2, '95': 10 - Z95 * 2 }, upper: { '80': 10 + Z80 * 2, '95': 10 + Z95 * 2 } }, [80, 95])).toBeCloseTo(2, 6);
    // A band cut at zero below: the upper half tells the spread.
    expect(stepSd({ value: 1, lower: { '95': 0 }, upper: { '95': 1 + Z95 * 3 } }, [95])).toBeCloseTo(3, 6);
    // Levels disagreeing: the wider reading wins.
    expect(stepSd({ value: 10, lower: {}, upper: { '80': 10 + Z80 * 2, '95': 10 + Z95 * 5 } }, [80, 95])).toBeCloseTo(5, 6);
    expect(stepSd({ value: 10, lower: {}, upper: {} }, [80, 95])).toBe(0);
    expect(stepSd({ value: 10, lower: { '80': Number.NaN }, upper: { '80': Number.POSITIVE_INFINITY } }, [80])).toBe(0);
  });
});

describe('projectOnHand', () => {
  it('projects on hand − cumulative demand with bounds from the cumulative sd', () => {
    const days = projectOnHand({ onHand: 100, demand: flat(4, 10, 2), receipts: [], levels: [95, 80], correlation: 0 });
    expect(days.map((d) => d.value)).toEqual([90, 80, 70, 60]);
    expect(days.map((d) => d.cumulativeDemand)).toEqual([10, 20, 30, 40]);
    const last = days[3]!;
    expect(last.lower['95']).toBeCloseTo(100 - (40 + Z95 * 4), 6);
    expect(last.upper['95']).toBeCloseTo(100 - (40 - Z95 * 4), 6);
    expect(last.lower['80']).toBeCloseTo(100 - (40 + Z80 * 4), 6);
    expect(Object.keys(last.lower)).toEqual(['80', '95']);
  });

  it('never lets the low cumulative demand fall below zero or below an earlier day', () => {
    // Day 1: 1 ± 5 → the low cumulative demand would be negative; on-hand cannot rise above on hand + receipts.
    const days = projectOnHand({ onHand: 10, demand: { mean: [1, 0, 0], sd: [5, 5, 5] }, receipts: [], levels: [95], correlation: 0 });
    for (const d of days) expect(d.upper['95']).toBe(10);
    expect(days.map((d) => d.value)).toEqual([9, 9, 9]);
  });

  it('lifts the projection by a receipt from its day on, and ignores receipts outside the horizon', () => {
    const demand = flat(5, 10, 1);
    const without = projectOnHand({ onHand: 30, demand, receipts: [], levels: [80], correlation: 0.05 });
    const withReceipt = projectOnHand({ onHand: 30, demand, receipts: [{ day: 3, qty: 50 }, { day: 9, qty: 1000 }, { day: 0, qty: 1000 }, { day: 2.5, qty: 1000 }], levels: [80], correlation: 0.05 });
    expect(withReceipt.map((d, i) => d.value - without[i]!.value)).toEqual([0, 0, 50, 50, 50]);
    expect(withReceipt.map((d) => d.receipts)).toEqual([0, 0, 50, 50, 50]);
    expect(withReceipt[2]!.lower['80']! - without[2]!.lower['80']!).toBeCloseTo(50, 6);
    expect(firstStockoutDay(without)).toBe(2); // 30 − 30 = 0 on day 3
    expect(firstStockoutDay(withReceipt)).toBeUndefined();
  });

  it('handles no days, no demand and stock already out', () => {
    expect(projectOnHand({ onHand: 5, demand: { mean: [], sd: [] }, receipts: [], levels: [80, 95], correlation: 0 })).toEqual([]);
    const none = projectOnHand({ onHand: 0, demand: flat(3, 0, 0), receipts: [], levels: [80, 95], correlation: 0 });
    expect(none.map((d) => [d.value, d.lower['95'], d.upper['95']])).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
    expect(firstStockoutDay(none)).toBe(0);
  });

  const demandArb = fc.integer({ min: 1, max: 60 }).chain((n) =>
    fc.record({
      mean: fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: n, maxLength: n }),
      sd: fc.array(fc.double({ min: 0, max: 1e3, noNaN: true }), { minLength: n, maxLength: n }),
    }),
  );
  const rhoArb = fc.double({ min: 0, max: 1, noNaN: true });

  it('nests the bands: lower95 ≤ lower80 ≤ value ≤ upper80 ≤ upper95 on every day (property)', () => {
    fc.assert(
      fc.property(demandArb, fc.double({ min: -1e5, max: 1e6, noNaN: true }), rhoArb, fc.array(fc.record({ day: fc.integer({ min: -2, max: 70 }), qty: fc.double({ min: 0, max: 1e5, noNaN: true }) }), { maxLength: 5 }), (demand, onHand, rho, receipts) => {
        for (const d of projectOnHand({ onHand, demand, receipts, levels: [80, 95], correlation: rho })) {
          const eps = 1e-6 * (1 + Math.abs(d.value));
          expect(d.lower['95']!).toBeLessThanOrEqual(d.lower['80']! + eps);
          expect(d.lower['80']!).toBeLessThanOrEqual(d.value + eps);
          expect(d.value).toBeLessThanOrEqual(d.upper['80']! + eps);
          expect(d.upper['80']!).toBeLessThanOrEqual(d.upper['95']! + eps);
        }
      }),
    );
  });

  it('only falls over time without receipts: value and every bound are non-increasing (property)', () => {
    fc.assert(
      fc.property(demandArb, fc.double({ min: 0, max: 1e6, noNaN: true }), rhoArb, (demand, onHand, rho) => {
        const days = projectOnHand({ onHand, demand, receipts: [], levels: [80, 95], correlation: rho });
        for (let t = 1; t < days.length; t += 1) {
          const [a, b] = [days[t - 1]!, days[t]!];
          const eps = 1e-6 * (1 + Math.abs(a.value));
          expect(b.value).toBeLessThanOrEqual(a.value + eps);
          for (const level of ['80', '95']) {
            expect(b.lower[level]!).toBeLessThanOrEqual(a.lower[level]! + eps);
            expect(b.upper[level]!).toBeLessThanOrEqual(a.upper[level]! + eps);
          }
        }
      }),
    );
  });

  it('adds a receipt exactly from its day on (property)', () => {
    fc.assert(
      fc.property(demandArb, fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1e5, noNaN: true }), rhoArb, (demand, day, qty, rho) => {
        const base = projectOnHand({ onHand: 100, demand, receipts: [], levels: [95], correlation: rho });
        const lifted = projectOnHand({ onHand: 100, demand, receipts: [{ day, qty }], levels: [95], correlation: rho });
        base.forEach((d, i) => expect(lifted[i]!.value - d.value).toBeCloseTo(i + 1 >= day ? qty : 0, 3));
      }),
    );
  });
});

describe('stockout probabilities', () => {
  it('agree with the normal approximation of cumulative demand when no receipt comes', () => {
    // 10 days of 10 ± 3, ρ = 0.2: Var(C10) = 0.8·90 + 0.2·30² = 252; on hand 90.
    const sd = Math.sqrt(252);
    const expected = 1 - cumulativeStdNormalProbability((90 - 100) / sd);
    const [p10, p5] = stockoutProbabilities({ onHand: 90, demand: flat(10, 10, 3), receipts: [], correlation: 0.2, within: [10, 5], paths: 4000, seed: 1 });
    expect(p10!).toBeCloseTo(expected, 1);
    expect(Math.abs(p10! - expected)).toBeLessThan(0.03);
    // Five days hold 50 ± 12 of demand against 90 on hand: practically never out.
    expect(p5!).toBeLessThan(0.01);
  });

  it('is 0 or 1 without uncertainty, lowered by a receipt in time, reproducible by seed', () => {
    const certain = { onHand: 25, demand: flat(5, 10, 0), receipts: [], correlation: 0.05, paths: 50, seed: 3 };
    expect(stockoutProbabilities({ ...certain, within: [2, 3, 5, 0] })).toEqual([0, 1, 1, 0]);
    expect(stockoutProbabilities({ ...certain, receipts: [{ day: 3, qty: 100 }], within: [5] })).toEqual([0]);
    const risky = { onHand: 30, demand: flat(10, 10, 4), receipts: [], correlation: 0.05, within: [10], paths: 2000, seed: 9 };
    const [before] = stockoutProbabilities(risky);
    const [after] = stockoutProbabilities({ ...risky, receipts: [{ day: 2, qty: 40 }] });
    expect(after!).toBeLessThan(before!);
    expect(stockoutProbabilities(risky)).toEqual([before]);
    expect(stockoutProbabilities({ ...risky, within: [] })).toEqual([]);
  });

  it('grows with the window and stays in [0, 1] (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -50, max: 500, noNaN: true }), fc.double({ min: 0, max: 30, noNaN: true }), fc.double({ min: 0, max: 20, noNaN: true }), (onHand, mu, sigma) => {
        const ps = stockoutProbabilities({ onHand, demand: flat(20, mu, sigma), receipts: [{ day: 10, qty: 100 }], correlation: 0.1, within: [1, 5, 10, 20, 40], paths: 200, seed: 5 });
        ps.forEach((p, i) => {
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
          if (i > 0) expect(p).toBeGreaterThanOrEqual(ps[i - 1]!);
        });
      }),
      { numRuns: 50 },
    );
  });
});

describe('replenishment', () => {
  const base = { demand: flat(30, 10, 2), correlation: 0, leadTimeDays: 4, leadTimeSdDays: 0, reviewDays: 7, serviceLevel: 0.95 };
  const z = 1.6448536269514722;

  it('sets safety stock and reorder point for the lead time and orders up to lead time + review', () => {
    const r = replenishment({ ...base, position: 30 });
    expect(r.safetyStock).toBeCloseTo(z * 4, 6);
    expect(r.reorderPoint).toBeCloseTo(40 + z * 4, 6);
    const upTo = 110 + z * 2 * Math.sqrt(11);
    expect(r.recommendedOrderQty).toBeGreaterThanOrEqual(upTo - 30);
    expect(r.recommendedOrderQty).toBeLessThan(upTo - 30 + 0.011);
    expect(replenishment({ ...base, position: 50 }).recommendedOrderQty).toBe(0);
  });

  it('widens safety stock for lead-time spread and service level', () => {
    expect(replenishment({ ...base, position: 0, leadTimeSdDays: 1 }).safetyStock).toBeCloseTo(z * Math.sqrt(16 + 100), 6);
    expect(replenishment({ ...base, position: 0, serviceLevel: 0.99 }).safetyStock).toBeGreaterThan(replenishment({ ...base, position: 0 }).safetyStock);
    // No lead time: nothing to cover.
    expect(replenishment({ ...base, position: 0, leadTimeDays: 0, reviewDays: 0 })).toEqual({ safetyStock: 0, reorderPoint: 0, recommendedOrderQty: 0 });
  });
});

describe('buckets, receipt dates and small statistics', () => {
  it('counts the days to the end of the last bucket, the first bucket holding the first day', () => {
    expect(projectionDays('2024-07-03', 'daily', 5)).toBe(5);
    expect(projectionDays('2024-07-03', 'weekly', 2)).toBe(12); // Wed 3rd → Sun 14th
    expect(projectionDays('2024-07-03', 'monthly', 1)).toBe(29);
    expect(projectionDays('2024-12-31', 'quarterly', 1)).toBe(1);
  });

  it('takes each bucket’s value at its last day', () => {
    const days = projectOnHand({ onHand: 100, demand: flat(12, 1, 0), receipts: [], levels: [80], correlation: 0 });
    const weekly = bucketPoints(days, '2024-07-03', 'weekly', 2);
    expect(weekly.map((p) => [p.period_start, p.value])).toEqual([['2024-07-01', 95], ['2024-07-08', 88]]);
    expect(bucketPoints(days, '2024-07-03', 'daily', 3).map((p) => p.period_start)).toEqual(['2024-07-03', '2024-07-04', '2024-07-05']);
    expect(bucketPoints([], '2024-07-03', 'daily', 3)).toEqual([]);
  });

  it('expects an open line at its promise moved by the supplier delay, or order date + lead time, never before the first day', () => {
    expect(expectedReceiptDate({ orderDate: '2024-06-20', promisedDate: '2024-07-10' }, 2.4, 14, '2024-07-01')).toBe('2024-07-12');
    expect(expectedReceiptDate({ orderDate: '2024-06-20', promisedDate: '2024-07-10' }, -1.6, 14, '2024-07-01')).toBe('2024-07-08');
    expect(expectedReceiptDate({ orderDate: '2024-06-20', promisedDate: '2024-07-10' }, null, 14, '2024-07-01')).toBe('2024-07-10');
    expect(expectedReceiptDate({ orderDate: '2024-07-01', promisedDate: null }, 5, 14, '2024-07-01')).toBe('2024-07-15');
    expect(expectedReceiptDate({ orderDate: '2024-05-01', promisedDate: '2024-05-20' }, 3, 14, '2024-07-01')).toBe('2024-07-01');
  });

  it('computes medians and sample sds', () => {
    expect(median([])).toBeUndefined();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(sampleSd([7])).toBe(0);
    expect(sampleSd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138, 3);
  });
});
