import { describe, expect, it } from 'vitest';
import { classicalDecomposition } from '../../forecasting/decomposition/classical-decomposition.js';
import { isSeasonal } from '../../forecasting/decomposition/seasonality-test.js';
import { normalQuantile } from '../../forecasting/intervals/normal-quantile.js';
import { formatDate, inferFrequency, parseDs, stepDate } from '../../forecasting/offline/time-index.js';

describe('ds parsing and calendar steps', () => {
  it('parses integers and real ISO dates only', () => {
    expect(parseDs('17')).toEqual({ key: 17 });
    expect(parseDs('2024-02-29')?.date?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseDs('2023-02-29')).toBeUndefined();
    expect(parseDs('2024-13-01')).toBeUndefined();
    expect(parseDs('yesterday')).toBeUndefined();
  });

  it('infers frequencies and keeps month ends', () => {
    const keys = (dates: string[]): number[] => dates.map((d) => parseDs(d)!.key);
    expect(inferFrequency(keys(['2024-01-31', '2024-02-29', '2024-03-31']))).toBe('monthly');
    expect(inferFrequency(keys(['2024-01-01', '2024-01-08', '2024-01-15']))).toBe('weekly');
    expect(inferFrequency(keys(['2020-01-01', '2021-01-01', '2022-01-01']))).toBe('yearly');
    expect(inferFrequency(keys(['2024-01-01', '2024-04-01', '2024-07-01']))).toBe('quarterly');
    expect(inferFrequency(keys(['2024-01-01', '2024-01-04']))).toBeUndefined();
    const jan31 = parseDs('2024-01-31')!.date!;
    expect([1, 2, 13].map((k) => formatDate(stepDate(jan31, 'monthly', k), false))).toEqual(['2024-02-29', '2024-03-31', '2025-02-28']);
    expect(formatDate(stepDate(parseDs('2024-02-29')!.date!, 'yearly', 1), false)).toBe('2025-02-28');
  });
});

describe('seasonality test and decomposition', () => {
  it('finds seasonality in a seasonal series, not in a trend or noise', () => {
    const seasonal = Array.from({ length: 48 }, (_, t) => 100 + 10 * Math.sin((2 * Math.PI * t) / 12));
    expect(isSeasonal(seasonal, 12)).toBe(true);
    expect(isSeasonal(Array.from({ length: 48 }, (_, t) => t), 12)).toBe(false);
    expect(isSeasonal(seasonal.slice(0, 30), 12)).toBe(false); // fewer than three seasons
  });

  it('recovers multiplicative indices that average to one', () => {
    const idx = [0.8, 1.2, 1.0, 1.0];
    const y = Array.from({ length: 40 }, (_, t) => 50 * (idx[t % 4] ?? 1));
    const dec = classicalDecomposition(y, 4, 'multiplicative');
    expect(dec.future(4).map((v) => Number(v.toFixed(6)))).toEqual(idx);
  });

  it('normal quantiles are accurate', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.9)).toBeCloseTo(1.281552, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
  });
});
