/**
 * Forecast accuracy metrics, per series, as defined by the M4 organisers (sMAPE, MASE, MSIS,
 * coverage) and the M5 organisers (RMSSE), plus the planners' WAPE and bias. Aggregation across
 * series (plain means, OWA against Naive2) lives in `aggregate.ts`.
 */

function check(actual: readonly number[], forecast: readonly number[]): void {
  if (actual.length !== forecast.length || actual.length === 0) {
    throw new RangeError(`metrics need equally long, non-empty actual and forecast (got ${actual.length} and ${forecast.length})`);
  }
}

/** sMAPE in percent: (200/h)·Σ|Y−F|/(|Y|+|F|); a point with Y = F = 0 counts as 0. */
export function smape(actual: readonly number[], forecast: readonly number[]): number {
  check(actual, forecast);
  let s = 0;
  for (let t = 0; t < actual.length; t += 1) {
    const y = actual[t] ?? 0;
    const f = forecast[t] ?? 0;
    const d = Math.abs(y) + Math.abs(f);
    if (d > 0) s += Math.abs(y - f) / d;
  }
  return (200 * s) / actual.length;
}

/** In-sample mean absolute seasonal difference at lag m: the MASE and MSIS denominator. */
export function maseScale(train: readonly number[], m: number): number {
  let s = 0;
  let c = 0;
  for (let t = m; t < train.length; t += 1) {
    s += Math.abs((train[t] ?? 0) - (train[t - m] ?? 0));
    c += 1;
  }
  return c > 0 ? s / c : Number.NaN;
}

export function mase(train: readonly number[], actual: readonly number[], forecast: readonly number[], m: number): number {
  check(actual, forecast);
  let s = 0;
  for (let t = 0; t < actual.length; t += 1) s += Math.abs((actual[t] ?? 0) - (forecast[t] ?? 0));
  return s / actual.length / maseScale(train, m);
}

/** Mean scaled interval score of a (1−a) interval [lower, upper], scaled like MASE. */
export function msis(train: readonly number[], actual: readonly number[], lower: readonly number[], upper: readonly number[], m: number, a = 0.05): number {
  check(actual, lower);
  check(actual, upper);
  let s = 0;
  for (let t = 0; t < actual.length; t += 1) {
    const y = actual[t] ?? 0;
    const l = lower[t] ?? 0;
    const u = upper[t] ?? 0;
    s += u - l;
    if (y < l) s += (2 / a) * (l - y);
    if (y > u) s += (2 / a) * (y - u);
  }
  return s / actual.length / maseScale(train, m);
}

/** Points inside [lower, upper] and points in all, for pooled coverage. */
export function coverageCount(actual: readonly number[], lower: readonly number[], upper: readonly number[]): { inside: number; total: number } {
  let inside = 0;
  for (let t = 0; t < actual.length; t += 1) {
    const y = actual[t] ?? 0;
    if (y >= (lower[t] ?? Number.NaN) && y <= (upper[t] ?? Number.NaN)) inside += 1;
  }
  return { inside, total: actual.length };
}

/** Absolute coverage difference |coverage − nominal|, coverage rounded to 3 decimals first (M4). */
export function acd(coverage: number, nominal: number): number {
  return Math.abs(Math.round(coverage * 1000) / 1000 - nominal);
}

/** WAPE: Σ|Y−F| / Σ|Y| (NaN when every actual is zero). */
export function wape(actual: readonly number[], forecast: readonly number[]): number {
  check(actual, forecast);
  let num = 0;
  let den = 0;
  for (let t = 0; t < actual.length; t += 1) {
    num += Math.abs((actual[t] ?? 0) - (forecast[t] ?? 0));
    den += Math.abs(actual[t] ?? 0);
  }
  return den > 0 ? num / den : Number.NaN;
}

/** Mean error F − Y: positive means over-forecasting. */
export function bias(actual: readonly number[], forecast: readonly number[]): number {
  check(actual, forecast);
  let s = 0;
  for (let t = 0; t < actual.length; t += 1) s += (forecast[t] ?? 0) - (actual[t] ?? 0);
  return s / actual.length;
}

/**
 * M5's RMSSE: root of mean squared error over the mean squared one-step difference of the
 * training data from the first non-zero demand on (leading zeros are "not yet sold", not
 * demand). NaN when that scale is zero or undefined (fewer than two points after the first sale).
 */
export function rmsse(train: readonly number[], actual: readonly number[], forecast: readonly number[]): number {
  check(actual, forecast);
  const first = train.findIndex((v) => v !== 0);
  if (first < 0) return Number.NaN;
  let scale = 0;
  let c = 0;
  for (let t = first + 1; t < train.length; t += 1) {
    scale += ((train[t] ?? 0) - (train[t - 1] ?? 0)) ** 2;
    c += 1;
  }
  if (c === 0 || scale === 0) return Number.NaN;
  let mse = 0;
  for (let t = 0; t < actual.length; t += 1) mse += ((actual[t] ?? 0) - (forecast[t] ?? 0)) ** 2;
  return Math.sqrt(mse / actual.length / (scale / c));
}
