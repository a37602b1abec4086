import { describe, expect, it } from 'vitest';
import { WEEKLY_FACTORS, weekday, parseIsoDate } from '../../../connectors/simulator/calendar.js';
import type { DemandPattern } from '../../../connectors/simulator/demand.js';
import { STATS_CONFIG, dailyDemand, historyOf, mean } from './fixtures.js';

describe('demand patterns (measured on the emitted sales order lines)', () => {
  const history = historyOf(STATS_CONFIG);
  const demand = dailyDemand(history);
  const weekdays = history.days.map((day) => weekday(parseIsoDate(day.date)));
  const ofPattern = (...patterns: DemandPattern[]): [string, number[]][] => {
    const keys = history.groundTruth.itemSites.filter((t) => patterns.includes(t.pattern)).map((t) => `${t.sku}@${t.site}`);
    expect(keys.length, patterns.join()).toBeGreaterThan(0);
    return keys.map((key) => [key, demand.get(key) ?? []]);
  };
  const adi = (series: readonly number[]): number => series.length / Math.max(1, series.filter((q) => q > 0).length);
  const cv2 = (series: readonly number[]): number => {
    const sizes = series.filter((q) => q > 0);
    const m = mean(sizes);
    return mean(sizes.map((q) => (q - m) ** 2)) / (m * m);
  };

  it('labels every item×site with one of the five patterns, and uses all five', () => {
    const truth = history.groundTruth.itemSites;
    expect(truth).toHaveLength(STATS_CONFIG.items * STATS_CONFIG.sites);
    expect(new Set(truth.map((t) => t.pattern))).toEqual(new Set(['smooth', 'intermittent', 'lumpy', 'promo', 'outlier']));
  });

  it('shows the designed weekly seasonality in smooth items', () => {
    const totals = Array.from({ length: 7 }, () => 0);
    const counts = Array.from({ length: 7 }, () => 0);
    for (const [, series] of ofPattern('smooth')) {
      series.forEach((q, i) => {
        const wd = weekdays[i] ?? 0;
        totals[wd]! += q;
        counts[wd]! += 1;
      });
    }
    const means = totals.map((t, wd) => t / (counts[wd] ?? 1));
    const overall = mean(means);
    means.forEach((m, wd) => expect(m / overall, `weekday ${wd}`).toBeCloseTo(WEEKLY_FACTORS[wd] ?? NaN, 1));
    // Monday clearly above Sunday, as designed (1.25 vs 0.1 of the shape).
    expect(means[0]! / means[6]!).toBeGreaterThan(5);
  });

  it('gives intermittent items many zero days (ADI > 1.32) with steady sizes (CV² < 0.49)', () => {
    for (const [key, series] of ofPattern('intermittent')) {
      expect(series.filter((q) => q === 0).length / series.length, key).toBeGreaterThan(0.5);
      expect(adi(series), key).toBeGreaterThan(1.32);
      expect(cv2(series), key).toBeLessThan(0.49);
    }
  });

  it('gives lumpy items many zero days and erratic sizes (CV² > 0.49)', () => {
    for (const [key, series] of ofPattern('lumpy')) {
      expect(adi(series), key).toBeGreaterThan(1.32);
      expect(cv2(series), key).toBeGreaterThan(0.49);
    }
  });

  it('keeps smooth items demanded nearly every day (ADI < 1.32)', () => {
    for (const [key, series] of ofPattern('smooth', 'promo', 'outlier')) expect(adi(series), key).toBeLessThan(1.32);
  });

  it('raises demand inside promotion windows', () => {
    const index = new Map(history.days.map((day, i) => [day.date, i]));
    let inside = 0;
    let windows = 0;
    for (const truth of history.groundTruth.itemSites.filter((t) => t.pattern === 'promo')) {
      const series = demand.get(`${truth.sku}@${truth.site}`) ?? [];
      for (const window of truth.promoWindows) {
        const from = index.get(window.from) ?? 0;
        const to = index.get(window.to) ?? 0;
        if (from < 28) continue;
        // Mean per day inside the window against the four weeks before it (whole weeks: same weekday mix).
        inside += mean(series.slice(from, to + 1)) / mean(series.slice(from - 28, from));
        windows += 1;
        expect(window.uplift).toBeGreaterThan(1.5);
      }
    }
    expect(windows).toBeGreaterThan(3);
    expect(inside / windows).toBeGreaterThan(1.4);
  });

  it('puts rare spikes on the recorded outlier days', () => {
    const index = new Map(history.days.map((day, i) => [day.date, i]));
    const ratios: number[] = [];
    for (const truth of history.groundTruth.itemSites.filter((t) => t.pattern === 'outlier')) {
      const series = demand.get(`${truth.sku}@${truth.site}`) ?? [];
      for (const outlier of truth.outliers) {
        const i = index.get(outlier.date) ?? 0;
        // Same weekday in the four weeks either side.
        const neighbours = [-28, -21, -14, -7, 7, 14, 21, 28].map((k) => series[i + k]).filter((q): q is number => q !== undefined);
        ratios.push((series[i] ?? 0) / Math.max(1, mean(neighbours)));
      }
      expect(truth.outliers.length / STATS_CONFIG.historyDays).toBeLessThan(0.02);
    }
    expect(ratios.length).toBeGreaterThan(2);
    expect(mean(ratios)).toBeGreaterThan(3);
  });
});
