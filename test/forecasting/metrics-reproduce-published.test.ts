/**
 * Acceptance: our metric code reproduces the published M4 figures (README table of the shared
 * benchmark data) from the organisers' own reference forecasts, to three decimals. Fails — never
 * skips — when the shared folder is missing: CI has `shared/` beside the clone.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { datasetAccuracy, owa } from '../../forecasting/accuracy/aggregate.js';
import type { ScoredSeries } from '../../forecasting/accuracy/aggregate.js';
import { readForecastFile, readTrainTest } from '../../forecasting/accuracy/bench-data.js';
import { acd } from '../../forecasting/accuracy/metrics.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sharedDir = path.resolve(repoRoot, '../shared/bench/forecast');

/** The README's table: sMAPE, MASE, OWA per method and frequency. */
const PUBLISHED = {
  hourly: { naive: [43.003, 11.608, 3.593], snaive: [13.912, 1.193, 0.628], naive2: [18.383, 2.395, 1.0], ses: [18.094, 2.385, 0.99] },
  weekly: { naive: [9.161, 2.777, 1.0], snaive: [9.161, 2.777, 1.0], naive2: [9.161, 2.777, 1.0], ses: [9.012, 2.685, 0.975] },
} as const;
/** Naive1 random-walk interval MSIS and ACD per frequency. */
const PUBLISHED_INTERVALS = { hourly: [71.245, 0.011], weekly: [26.358, 0.001] } as const;

function to3(v: number): string {
  return v.toFixed(3);
}

describe('metrics reproduce the published M4 figures', () => {
  it('finds the shared benchmark data', () => {
    expect(existsSync(sharedDir), `shared benchmark data not found at ${sharedDir}: check out shared/ beside the repository`).toBe(true);
  });

  for (const freq of ['hourly', 'weekly'] as const) {
    it(`${freq}: Naive1, sNaive, Naive2, SES`, async () => {
      expect(existsSync(sharedDir), `shared benchmark data not found at ${sharedDir}`).toBe(true);
      const m4 = path.join(sharedDir, 'm4');
      const data = await readTrainTest(path.join(m4, `m4-${freq}-train.csv`), path.join(m4, `m4-${freq}-test.csv`));
      const results: Record<string, { smape: number; mase: number }> = {};
      for (const method of ['naive', 'snaive', 'naive2', 'ses'] as const) {
        const forecasts = await readForecastFile(path.join(m4, 'reference-forecasts', `m4-${freq}-${method}.csv`));
        const rows: ScoredSeries[] = data.map(({ series, test }) => {
          const forecast = forecasts.get(series.id);
          if (forecast === undefined) throw new Error(`no ${method} forecast for ${series.id}`);
          return { train: series.values, test, period: series.period, forecast };
        });
        results[method] = datasetAccuracy(rows);
      }
      const naive2 = results.naive2!;
      for (const [method, [s, m, o]] of Object.entries(PUBLISHED[freq]) as [string, readonly [number, number, number]][]) {
        const r = results[method]!;
        expect([method, to3(r.smape), to3(r.mase), to3(owa(r, naive2))]).toEqual([method, to3(s), to3(m), to3(o)]);
      }
      // Naive1 with the organisers' random-walk interval: last ± 1.959964·σ·√k, not clipped at
      // zero (our naive model clips for non-negative series, which scores better than published).
      const rows: ScoredSeries[] = data.map(({ series, test }) => {
        const y = series.values;
        const last = y[y.length - 1]!;
        let ss = 0;
        for (let t = 1; t < y.length; t += 1) ss += (y[t]! - y[t - 1]!) ** 2;
        const sigma = Math.sqrt(ss / (y.length - 1));
        const half = test.map((_, k) => 1.959964 * sigma * Math.sqrt(k + 1));
        return { train: y, test, period: series.period, forecast: test.map(() => last), lo95: half.map((w) => last - w), hi95: half.map((w) => last + w) };
      });
      const acc = datasetAccuracy(rows);
      const [msisPublished, acdPublished] = PUBLISHED_INTERVALS[freq];
      expect([to3(acc.msis), to3(acd(acc.coverage95, 0.95))]).toEqual([to3(msisPublished), to3(acdPublished)]);
    });
  }
});
