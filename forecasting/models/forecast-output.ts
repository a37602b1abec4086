/**
 * Builds a ForecastOutput from a point forecast and per-step standard deviations, so every model
 * answers every level with tidy bands (ordered, nested, non-negative for non-negative history).
 */
import { normalBands, tidyBands } from '../intervals/bands.js';
import type { ForecastInput, ForecastOutput } from './model.js';

/** True when no observation is negative: forecasts and bounds are then clipped at zero. */
export function isNonNegative(y: readonly number[]): boolean {
  for (const v of y) if (v < 0) return false;
  return y.length > 0;
}

export function clipMean(mean: readonly number[], nonNegative: boolean): number[] {
  return nonNegative ? mean.map((m) => Math.max(0, m)) : [...mean];
}

/** Output with normal bands mean ± z·sd. */
export function normalOutput(model: string, input: ForecastInput, mean: readonly number[], sd: readonly number[], reason?: string): ForecastOutput {
  const nonNegative = isNonNegative(input.y);
  const m = clipMean(mean, nonNegative);
  const bands = tidyBands(m, normalBands(mean, sd, input.levels), input.levels, nonNegative);
  return reason === undefined ? { model, mean: m, ...bands } : { model, mean: m, ...bands, reason };
}

/** Root mean square of finite values (0 for none): the σ of a residual set. */
export function rms(values: readonly number[]): number {
  let s = 0;
  let c = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      s += v * v;
      c += 1;
    }
  }
  return c > 0 ? Math.sqrt(s / c) : 0;
}
