/**
 * The M4 benchmarks' seasonal adjustment: when the 90 % autocorrelation test says period m is
 * seasonal, divide by classical multiplicative indices (subtract additive ones if the series
 * touches zero or below), model the adjusted series, and put the indices back on the forecast.
 */
import { adjust, classicalDecomposition } from './classical-decomposition.js';
import type { DecompositionType } from './classical-decomposition.js';
import { isSeasonal } from './seasonality-test.js';

export interface SeasonalAdjustment {
  readonly adjusted: readonly number[];
  readonly type: DecompositionType;
  /** Indices for steps 1..h (1 or 0 when no seasonality was found). */
  readonly future: (h: number) => number[];
  readonly seasonal: boolean;
}

export function seasonallyAdjust(y: readonly number[], m: number): SeasonalAdjustment {
  const positive = y.every((v) => v > 0);
  const type: DecompositionType = positive ? 'multiplicative' : 'additive';
  if (!isSeasonal(y, m)) {
    return { adjusted: y, type, seasonal: false, future: (h) => new Array<number>(h).fill(type === 'multiplicative' ? 1 : 0) };
  }
  const indices = classicalDecomposition(y, m, type);
  return { adjusted: adjust(y, indices), type, seasonal: true, future: indices.future };
}

/** Re-applies indices to a mean and its bands (bands scale with a multiplicative index). */
export function reapply(values: readonly number[], future: readonly number[], type: DecompositionType): number[] {
  return values.map((v, k) => (type === 'multiplicative' ? v * (future[k] ?? 1) : v + (future[k] ?? 0)));
}
