/**
 * The M3/M4 benchmarks' seasonality test: a series is seasonal with period m when its
 * autocorrelation at lag m exceeds the 90 % one-sided limit (Bartlett's formula for the variance
 * of sample autocorrelations). Mirrors the organisers' `SeasonalityTest` in M4-methods, including
 * its quirks (needs three full seasons and m within R's default `lag.max = 10·log10(n)`), because
 * Naive2 — the denominator of OWA — depends on it.
 */

/** One-sided 90 % normal quantile, as used by the M4 organisers (tcrit = 1.645). */
const T_CRIT_90 = 1.645;
/** Seasons of history the test demands before it may say "seasonal". */
const MIN_SEASONS = 3;

/** Sample autocorrelations r_1..r_maxLag (mean removed, divided by n·c0 as R's `acf`). */
export function autocorrelations(y: readonly number[], maxLag: number): number[] {
  const n = y.length;
  let mean = 0;
  for (const v of y) mean += v;
  mean /= n;
  let c0 = 0;
  for (const v of y) c0 += (v - mean) ** 2;
  const out: number[] = [];
  for (let lag = 1; lag <= maxLag; lag += 1) {
    let c = 0;
    for (let t = lag; t < n; t += 1) c += ((y[t] ?? 0) - mean) * ((y[t - lag] ?? 0) - mean);
    out.push(c0 > 0 ? c / c0 : 0);
  }
  return out;
}

/** True when `y` shows seasonality of period `m` by the 90 % autocorrelation test. */
export function isSeasonal(y: readonly number[], m: number): boolean {
  const n = y.length;
  if (m <= 1 || !Number.isInteger(m) || n < MIN_SEASONS * m) return false;
  const lagMax = Math.floor(10 * Math.log10(n));
  if (m > lagMax || m >= n) return false;
  const acf = autocorrelations(y, m);
  let sumSq = 0;
  for (let k = 0; k < m - 1; k += 1) sumSq += (acf[k] ?? 0) ** 2;
  const limit = (T_CRIT_90 / Math.sqrt(n)) * Math.sqrt(1 + 2 * sumSq);
  return Math.abs(acf[m - 1] ?? 0) > limit;
}
