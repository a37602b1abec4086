import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crostonForecast, sbaForecast, tsbForecast, tsbRate } from '../../../forecasting/models/intermittent.js';
import { adidaBucket, adidaForecast, adidaRate, intermittentCombinationForecast, sesRate } from '../../../forecasting/models/intermittent-combination.js';
import type { ForecastInput, ForecastOutput } from '../../../forecasting/models/model.js';

const LEVELS = [80, 95];
/** A part selling 8 units every 4th period: rate 2 per period. */
const regular = (periods: number): number[] => Array.from({ length: periods }, (_, t) => (t % 4 === 3 ? 8 : 0));

function expectTidy(out: ForecastOutput, input: ForecastInput): void {
  expect(out.mean).toHaveLength(input.horizon);
  const sorted = [...input.levels].sort((a, b) => a - b);
  for (let k = 0; k < input.horizon; k += 1) {
    const m = out.mean[k]!;
    expect(Number.isFinite(m)).toBe(true);
    let prevLo = m;
    let prevHi = m;
    for (const level of sorted) {
      const lo = out.lower[String(level)]![k]!;
      const hi = out.upper[String(level)]![k]!;
      expect(lo <= prevLo && prevHi <= hi, `step ${k + 1} level ${level}: ${lo} ${prevLo} ${prevHi} ${hi}`).toBe(true);
      if (input.y.every((v) => v >= 0)) expect(lo).toBeGreaterThanOrEqual(0);
      prevLo = lo;
      prevHi = hi;
    }
  }
}

describe('member rates', () => {
  it('SES starts at the series mean and smooths every period', () => {
    const a = 0.5;
    // mean 5 → 5 + 0.5·(0 − 5) = 2.5 → 2.5 + 0.5·(10 − 2.5) = 6.25
    expect(sesRate([0, 10], a)).toBeCloseTo(6.25, 12);
    expect(sesRate([3, 3, 3])).toBeCloseTo(3, 12);
    expect(sesRate([])).toBeUndefined();
  });

  it('ADIDA sums whole buckets from the end, smooths the totals and divides back', () => {
    const y = [1, 0, 0, 3, 0, 0, 2, 0];
    // start at index 2: buckets [0,3,0] = 3 and [0,2,0] = 2; SES from their mean 2.5
    const level = 2.5 + 0.1 * (3 - 2.5);
    expect(adidaRate(y, 3)).toBeCloseTo((level + 0.1 * (2 - level)) / 3, 12);
    // bucket 1 is SES on the series itself
    expect(adidaRate(y, 1)).toBeCloseTo(sesRate(y)!, 12);
    // fewer observations than a bucket: the plain mean
    expect(adidaRate([0, 6], 5)).toBeCloseTo(3, 12);
    expect(adidaRate([], 2)).toBeUndefined();
  });

  it('ADIDA buckets by the mean demand interval', () => {
    expect(adidaBucket(regular(60))).toBe(4);
    expect(adidaBucket([5, 6, 7])).toBe(1);
    expect(adidaBucket([0, 0, 0])).toBe(1);
  });

  it('TSB starts at the sample means: a steady seller keeps its rate, one early order does not dominate', () => {
    expect(tsbRate([4, 4, 4, 4])).toBeCloseTo(4, 12);
    // probability from 1/4, three misses and one demand at β = 0.1; size stays 4
    let p = 0.25;
    for (const hit of [0, 0, 0, 1]) p += 0.1 * (hit - p);
    expect(tsbRate([0, 0, 0, 4])).toBeCloseTo(p * 4, 12);
    const spike = [400, ...regular(47)];
    expect(tsbRate(spike)!).toBeLessThan(tsbRate([...regular(47), 400])!);
  });
});

describe('intermittent combination', () => {
  it('forecasts the mean of SES, TSB (β 0.2) and ADIDA, flat over the horizon', () => {
    const y = [0, 3, 0, 0, 1, 0, 0, 0, 5, 0, 2, 0, 0, 0, 0, 4, 0, 1];
    const out = intermittentCombinationForecast({ y, season: 12, horizon: 5, levels: LEVELS })!;
    const expected = (sesRate(y)! + tsbRate(y, 0.1, 0.2)! + adidaRate(y, adidaBucket(y))!) / 3;
    expect(out.model).toBe('intermittent-combination');
    expect(out.reason).toBe('mean of ses, tsb, adida');
    for (const m of out.mean) expect(m).toBeCloseTo(expected, 12);
  });

  it('keeps the rate of a steady part and drops when the part stops selling (obsolescence)', () => {
    const active = intermittentCombinationForecast({ y: regular(60), season: 12, horizon: 3, levels: LEVELS })!;
    expect(active.mean[0]!).toBeGreaterThan(1.5);
    expect(active.mean[0]!).toBeLessThan(2.5);
    const stopped = [...regular(48), ...new Array<number>(24).fill(0)];
    const input: ForecastInput = { y: stopped, season: 12, horizon: 3, levels: LEVELS };
    const out = intermittentCombinationForecast(input)!;
    const sba = sbaForecast(input)!;
    // SBA only updates on demand: it still forecasts the old rate two years after the last sale.
    expect(sba.mean[0]!).toBeGreaterThan(1.5);
    expect(out.mean[0]!).toBeLessThan(0.5 * sba.mean[0]!);
    // Longer silence, lower forecast.
    const longer = intermittentCombinationForecast({ ...input, y: [...stopped, ...new Array<number>(12).fill(0)] })!;
    expect(longer.mean[0]!).toBeLessThan(out.mean[0]!);
    expectTidy(out, input);
  });

  it('forecasts zero with zero bands before any demand, nothing for an empty series', () => {
    const input: ForecastInput = { y: new Array<number>(30).fill(0), season: 12, horizon: 4, levels: LEVELS };
    const out = intermittentCombinationForecast(input)!;
    expect(out.mean).toEqual([0, 0, 0, 0]);
    expect(out.upper['95']).toEqual([0, 0, 0, 0]);
    expect(out.reason).toContain('no demand yet');
    expect(intermittentCombinationForecast({ ...input, y: [] })).toBeUndefined();
    expect(adidaForecast({ ...input, y: [] })).toBeUndefined();
    expect(adidaForecast(input)!.mean).toEqual([0, 0, 0, 0]);
  });

  it('scales with the data: huge and tiny quantities give proportional forecasts and bands', () => {
    const y = [0, 3, 0, 0, 1, 0, 0, 0, 5, 0, 2, 0, 0, 0, 0, 4, 0, 1];
    const base = intermittentCombinationForecast({ y, season: 1, horizon: 2, levels: LEVELS })!;
    for (const factor of [1e12, 1e-9]) {
      const scaled = intermittentCombinationForecast({ y: y.map((v) => v * factor), season: 1, horizon: 2, levels: LEVELS })!;
      expect(scaled.mean[0]! / factor).toBeCloseTo(base.mean[0]!, 9);
      expect(scaled.upper['95']![0]! / factor).toBeCloseTo(base.upper['95']![0]!, 9);
    }
  });

  it('ADIDA reports its bucket', () => {
    const out = adidaForecast({ y: regular(40), season: 12, horizon: 2, levels: LEVELS })!;
    expect(out.reason).toBe('buckets of 4 periods');
    expect(out.mean[0]!).toBeGreaterThan(1.5);
  });
});

describe('every intermittent model on arbitrary demand', () => {
  const models = { croston: crostonForecast, sba: sbaForecast, tsb: tsbForecast, adida: adidaForecast, 'intermittent-combination': intermittentCombinationForecast };
  const demand = fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) }), { minLength: 1, maxLength: 120 });
  const levels = fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 4 });

  for (const [name, forecast] of Object.entries(models)) {
    it(`${name}: finite, non-negative, nested bands, mean within the data's range`, () => {
      fc.assert(
        fc.property(demand, fc.integer({ min: 1, max: 30 }), levels, (y, horizon, lv) => {
          const input: ForecastInput = { y, season: 12, horizon, levels: lv };
          const out = forecast(input)!;
          expectTidy(out, input);
          for (const m of out.mean) expect(m).toBeLessThanOrEqual(Math.max(...y) + 1e-9);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('series with returns (negative values) still get ordered bands', () => {
    const y = [0, 5, 0, -2, 0, 0, 3, 0, -1, 0, 4, 0];
    for (const forecast of Object.values(models)) {
      const input: ForecastInput = { y, season: 1, horizon: 3, levels: LEVELS };
      const out = forecast(input)!;
      expectTidy(out, input);
      expect(out.lower['95']![0]!).toBeLessThan(0);
    }
  });
});
