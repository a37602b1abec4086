import { describe, expect, it } from 'vitest';
import { combinationForecast, combShdForecast } from '../../forecasting/models/combination.js';
import { dampedTrend, etsAuto, holt, holtWintersAdditive, holtWintersMultiplicative, ses } from '../../forecasting/models/exponential-smoothing.js';
import { classifyDemand, crostonForecast, crostonRate, sbaForecast, tsbForecast } from '../../forecasting/models/intermittent.js';
import type { ForecastInput } from '../../forecasting/models/model.js';
import { multiSeasonalForecast } from '../../forecasting/models/multi-seasonal.js';
import { naive2Forecast, naiveForecast, seasonalNaiveForecast } from '../../forecasting/models/naive.js';
import { thetaForecast } from '../../forecasting/models/theta.js';

const LEVELS = [80, 95];
const pattern = [10, 14, 20, 12, 8, 6, 9, 11, 15, 18, 13, 7];
const seasonal = (cycles: number): number[] => Array.from({ length: cycles * 12 }, (_, t) => 100 + (pattern[t % 12] ?? 0));
const maxAbsDiff = (a: readonly number[], b: readonly number[]): number => Math.max(...a.map((v, i) => Math.abs(v - (b[i] ?? Number.NaN))));
/** Deterministic noise in [-1, 1]. */
const noise = (t: number): number => Math.sin(t * 12.9898) * 43758.5453 % 1;

describe('naive family', () => {
  it('naive repeats the last value with widening random-walk bands', () => {
    const out = naiveForecast({ y: [100, 103, 102, 105], season: 1, horizon: 3, levels: LEVELS })!;
    expect(out.mean).toEqual([105, 105, 105]);
    const width = (k: number): number => out.upper['95']![k]! - out.lower['95']![k]!;
    expect(width(1)).toBeGreaterThan(width(0));
    expect(width(2) / width(0)).toBeCloseTo(Math.sqrt(3), 6);
  });

  it('seasonal naive forecasts a pure seasonal series exactly', () => {
    const y = seasonal(4);
    const out = seasonalNaiveForecast({ y, season: 12, horizon: 24, levels: LEVELS })!;
    expect(maxAbsDiff(out.mean, seasonal(2).map((v) => v))).toBe(0);
  });

  it('naive2 reseasonalises a multiplicative seasonal series', () => {
    const y = Array.from({ length: 60 }, (_, t) => 100 * (1 + 0.3 * Math.sin((2 * Math.PI * t) / 12)));
    const out = naive2Forecast({ y, season: 12, horizon: 12, levels: LEVELS })!;
    const truth = Array.from({ length: 12 }, (_, k) => 100 * (1 + 0.3 * Math.sin((2 * Math.PI * (60 + k)) / 12)));
    expect(maxAbsDiff(out.mean, truth)).toBeLessThan(2);
  });
});

describe('exponential smoothing', () => {
  const line = Array.from({ length: 40 }, (_, t) => 10 + 2 * t + 0.01 * noise(t));

  it('Holt extrapolates a linear trend', () => {
    const out = holt.forecast({ y: line, season: 1, horizon: 5, levels: LEVELS })!;
    expect(maxAbsDiff(out.mean, [90, 92, 94, 96, 98])).toBeLessThan(0.2);
  });

  it('SES forecasts a constant series as that constant', () => {
    const out = ses.forecast({ y: new Array<number>(20).fill(7), season: 1, horizon: 4, levels: LEVELS })!;
    expect(maxAbsDiff(out.mean, [7, 7, 7, 7])).toBeLessThan(1e-6);
  });

  it('damped trend grows less than Holt', () => {
    const noisy = line.map((v, t) => v + 3 * noise(t));
    const d = dampedTrend.forecast({ y: noisy, season: 1, horizon: 20, levels: LEVELS })!;
    const h = holt.forecast({ y: noisy, season: 1, horizon: 20, levels: LEVELS })!;
    expect(d.mean[19]! - d.mean[0]!).toBeLessThan(h.mean[19]! - h.mean[0]!);
  });

  it('Holt-Winters forecasts a pure seasonal series nearly exactly', () => {
    const y = seasonal(5);
    for (const model of [holtWintersAdditive, holtWintersMultiplicative]) {
      const out = model.forecast({ y, season: 12, horizon: 12, levels: LEVELS })!;
      expect(maxAbsDiff(out.mean, seasonal(1)), model.name).toBeLessThan(1);
    }
  });

  it('Holt-Winters does not apply without a season', () => {
    expect(holtWintersAdditive.forecast({ y: seasonal(5), season: 1, horizon: 3, levels: LEVELS })).toBeUndefined();
  });

  it('ets-auto records the spec it chose', () => {
    const out = etsAuto.forecast({ y: seasonal(5), season: 12, horizon: 3, levels: LEVELS })!;
    expect(out.reason).toMatch(/^ets\(.,.+,[AM]\) by AICc$/);
  });
});

describe('theta and combinations', () => {
  it('theta follows a trend with half the slope added to SES', () => {
    const y = Array.from({ length: 30 }, (_, t) => 50 + t + noise(t));
    const out = thetaForecast({ y, season: 1, horizon: 10, levels: LEVELS })!;
    expect(out.mean[9]!).toBeGreaterThan(out.mean[0]!);
    expect(out.mean[0]!).toBeGreaterThan(75);
  });

  it('theta seasonally adjusts a seasonal series', () => {
    const out = thetaForecast({ y: seasonal(5), season: 12, horizon: 12, levels: LEVELS })!;
    expect(out.reason).toContain('seasonally adjusted');
    expect(maxAbsDiff(out.mean, seasonal(1))).toBeLessThan(2);
  });

  it('combinations lie between their members and name them', () => {
    const y = Array.from({ length: 48 }, (_, t) => 100 + t + 5 * noise(t));
    const input: ForecastInput = { y, season: 12, horizon: 6, levels: LEVELS };
    const c = combinationForecast(input)!;
    expect(c.reason).toBe('mean of ets-auto, theta');
    expect(combShdForecast(input)!.reason).toBe('mean of ses, holt, damped-trend');
  });
});

describe('intermittent demand', () => {
  const y = Array.from({ length: 60 }, (_, t) => (t % 4 === 3 ? 8 : 0));

  it('Croston forecasts mean demand / mean interval', () => {
    expect(crostonRate(y)).toBeCloseTo(2, 6);
    expect(crostonForecast({ y, season: 1, horizon: 3, levels: LEVELS })!.mean).toEqual([2, 2, 2].map((v) => expect.closeTo(v, 6) as unknown as number));
  });

  it('SBA is Croston deflated by 1 − α/2; TSB decays after demand stops', () => {
    expect(sbaForecast({ y, season: 1, horizon: 1, levels: LEVELS })!.mean[0]).toBeCloseTo(2 * 0.95, 6);
    const stopped = [...y, ...new Array<number>(40).fill(0)];
    expect(tsbForecast({ y: stopped, season: 1, horizon: 1, levels: LEVELS })!.mean[0]!).toBeLessThan(0.5);
    expect(crostonForecast({ y: stopped, season: 1, horizon: 1, levels: LEVELS })!.mean[0]!).toBeGreaterThan(1.5);
  });

  it('classifies by ADI 1.32 and CV² 0.49', () => {
    expect(classifyDemand(y).demandClass).toBe('intermittent');
    expect(classifyDemand([1, 9, 0, 0, 1, 0, 0, 20]).demandClass).toBe('lumpy');
    expect(classifyDemand([5, 6, 5, 4, 5, 6]).demandClass).toBe('smooth');
    expect(classifyDemand([1, 20, 2, 30, 1, 25]).demandClass).toBe('erratic');
  });
});

describe('multiple seasonalities', () => {
  it('forecasts a day-and-week hourly pattern far better than seasonal naive at 24', () => {
    const at = (t: number): number => 100 + 30 * Math.sin((2 * Math.PI * t) / 24) + (Math.floor(t / 24) % 7 >= 5 ? -40 : 0);
    const y = Array.from({ length: 24 * 7 * 5 }, (_, t) => at(t));
    const truth = Array.from({ length: 48 }, (_, k) => at(y.length + k));
    const input: ForecastInput = { y, season: 24, extraSeasons: [168], horizon: 48, levels: LEVELS };
    const ms = multiSeasonalForecast(input)!;
    const sn = seasonalNaiveForecast(input)!;
    expect(maxAbsDiff(ms.mean, truth)).toBeLessThan(3);
    expect(maxAbsDiff(sn.mean, truth)).toBeGreaterThan(30);
    expect(ms.reason).toContain('periods 24+168');
  });
});
