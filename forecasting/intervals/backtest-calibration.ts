/**
 * Calibrating bands from backtest errors (a conformal-style check): at each rolling origin the
 * model's own bands are compared with what happened. If actuals fell outside more often than
 * the level promises, the bands are widened by the factor that would have made the backtest
 * errors fit — per level, never narrowed (a handful of holdout points cannot justify trusting a
 * model more than its own likelihood does), and capped so one outlier cannot explode them.
 */
import { tidyBands } from './bands.js';
import { centralZ } from './normal-quantile.js';
import type { ForecastInput, ForecastOutput } from '../models/model.js';
import { isNonNegative } from '../models/forecast-output.js';

/** One origin's actuals and the forecast made there. */
export type BacktestErrors = { readonly actual: readonly number[]; readonly output: ForecastOutput }[];

/** Largest widening a backtest may ask for: beyond it the errors are outliers, not calibration. */
const MAX_WIDENING = 2.5;

/**
 * Widening factor per level: the RMS of the backtest errors, each divided by the half-width
 * its band implied for one standard deviation (half-width / z), over the level's z.
 */
export function backtestScale(errors: BacktestErrors, levels: readonly number[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const level of levels) {
    const key = String(level);
    const z = centralZ(level);
    let ss = 0;
    let c = 0;
    for (const { actual, output } of errors) {
      actual.forEach((y, k) => {
        const m = output.mean[k] ?? 0;
        const e = y - m;
        const bound = e >= 0 ? output.upper[key]?.[k] : output.lower[key]?.[k];
        const half = bound === undefined ? 0 : Math.abs(bound - m);
        if (half > 0) {
          ss += (e / (half / z)) ** 2;
          c += 1;
        }
      });
    }
    if (c > 0) out.set(key, Math.min(MAX_WIDENING, Math.max(1, Math.sqrt(ss / c))));
  }
  return out;
}

export function calibrateBands(output: ForecastOutput, factors: ReadonlyMap<string, number>, input: ForecastInput): ForecastOutput {
  const lower: Record<string, number[]> = {};
  const upper: Record<string, number[]> = {};
  for (const level of input.levels) {
    const key = String(level);
    const f = factors.get(key) ?? 1;
    lower[key] = output.mean.map((m, k) => m - f * (m - (output.lower[key]?.[k] ?? m)));
    upper[key] = output.mean.map((m, k) => m + f * ((output.upper[key]?.[k] ?? m) - m));
  }
  return { ...output, ...tidyBands(output.mean, { lower, upper }, input.levels, isNonNegative(input.y)) };
}
