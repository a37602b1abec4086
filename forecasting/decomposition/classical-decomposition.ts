/**
 * Classical decomposition (R's `decompose`): a centred moving average of order m (2×m for even
 * m) as trend, seasonal indices averaged per position of the detrended values and normalised.
 * Multiplicative for the M-competition benchmarks (Naive2, Theta, SES/Holt/Damped on adjusted
 * data); additive for series that touch zero, where ratios are undefined.
 */

export type DecompositionType = 'multiplicative' | 'additive';

/** Seasonal index per observation (aligned with the input) and the forecast continuation. */
export interface SeasonalIndices {
  readonly type: DecompositionType;
  /** Index of each observation: divide (multiplicative) or subtract (additive) to adjust. */
  readonly fitted: readonly number[];
  /** Index of steps 1..horizon after the last observation. */
  readonly future: (horizon: number) => number[];
}

/** Centred moving average of order m (2×m when m is even); NaN where the window is incomplete. */
export function centredMovingAverage(y: readonly number[], m: number): number[] {
  const n = y.length;
  const out = new Array<number>(n).fill(Number.NaN);
  const half = Math.floor(m / 2);
  const even = m % 2 === 0;
  for (let t = half; t < n - half; t += 1) {
    let s = 0;
    for (let k = -half; k <= half; k += 1) {
      const w = even && Math.abs(k) === half ? 0.5 : 1;
      s += w * (y[t + k] ?? 0);
    }
    out[t] = s / m;
  }
  return out;
}

/**
 * Seasonal indices of period m. Position i (from the series start) gets figure[i mod m], as in R,
 * so the forecast continues the last m indices in order.
 */
export function classicalDecomposition(y: readonly number[], m: number, type: DecompositionType): SeasonalIndices {
  const n = y.length;
  const trend = centredMovingAverage(y, m);
  const sums = new Array<number>(m).fill(0);
  const counts = new Array<number>(m).fill(0);
  for (let t = 0; t < n; t += 1) {
    const tr = trend[t] ?? Number.NaN;
    const v = y[t] ?? 0;
    if (Number.isNaN(tr)) continue;
    const detrended = type === 'multiplicative' ? v / tr : v - tr;
    if (!Number.isFinite(detrended)) continue;
    sums[t % m] = (sums[t % m] ?? 0) + detrended;
    counts[t % m] = (counts[t % m] ?? 0) + 1;
  }
  const neutral = type === 'multiplicative' ? 1 : 0;
  const figure = sums.map((s, i) => ((counts[i] ?? 0) > 0 ? s / (counts[i] ?? 1) : neutral));
  const centre = figure.reduce((a, b) => a + b, 0) / m;
  const normalised = figure.map((f) => (type === 'multiplicative' ? (centre !== 0 ? f / centre : 1) : f - centre));
  const at = (t: number): number => normalised[t % m] ?? neutral;
  return {
    type,
    fitted: Array.from({ length: n }, (_, t) => at(t)),
    future: (horizon) => Array.from({ length: horizon }, (_, k) => at(n + k)),
  };
}

/** Divides or subtracts the indices: the seasonally adjusted series. */
export function adjust(y: readonly number[], indices: SeasonalIndices): number[] {
  return y.map((v, t) => {
    const s = indices.fitted[t] ?? (indices.type === 'multiplicative' ? 1 : 0);
    return indices.type === 'multiplicative' ? v / s : v - s;
  });
}

/** Puts the season back on a forecast of the adjusted series. */
export function reseasonalise(values: readonly number[], future: readonly number[], type: DecompositionType): number[] {
  return values.map((v, k) => {
    const s = future[k] ?? (type === 'multiplicative' ? 1 : 0);
    return type === 'multiplicative' ? v * s : v + s;
  });
}
