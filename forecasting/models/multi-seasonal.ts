/**
 * Multiple seasonalities (hourly data: day 24 and week 168), MSTL-like: the seasonal patterns
 * are estimated one period at a time by backfitting — each pattern is the per-position average
 * of the series minus the other patterns and minus a centred moving-average trend — then the
 * seasonally adjusted series is forecast by non-seasonal ETS (level only) and the patterns'
 * last cycles are added back. Positive series are modelled on the log scale so a daily swing
 * that grows with the level stays proportional (Box–Cox λ = 0), then back-transformed.
 */
import { normalBands, tidyBands } from '../intervals/bands.js';
import { centredMovingAverage } from '../decomposition/classical-decomposition.js';
import { etsForecastSd, etsName, etsPointForecast } from './ets-engine.js';
import type { EtsSpec } from './ets-engine.js';
import { fitEts } from './ets-fit.js';
import { normalOutput } from './forecast-output.js';
import type { ForecastInput, ForecastModel, ForecastOutput } from './model.js';

/** Backfitting rounds: the patterns settle after two (the second fixes the first's leakage). */
const BACKFIT_ROUNDS = 2;
/** Cycles of history a pattern needs: two to tell a pattern from noise. */
const MIN_CYCLES = 2;

/**
 * Level only on the adjusted series: over a few cycles ahead a fitted trend on sub-daily data is
 * mostly noise extrapolated (damped trend scored worse in the accuracy bench on M4 Hourly).
 */
const LEVEL_ONLY: EtsSpec = { error: 'A', trend: 'N', season: 'N', m: 1 };
/**
 * Half-life of a cycle's weight in the pattern average, in cycles: recent cycles dominate so a
 * pattern adapts within days, older ones still smooth the noise.
 */
const HALF_LIFE_CYCLES = 1;

/** Periods usable for this series, ascending, integers ≥ 2 with enough cycles. */
export function usablePeriods(input: ForecastInput): number[] {
  const all = [input.season, ...(input.extraSeasons ?? [])].map((p) => Math.round(p)).filter((p) => p >= 2 && input.y.length >= MIN_CYCLES * p);
  return [...new Set(all)].sort((a, b) => a - b);
}

/** Zero-mean per-position averages of `x` (NaN entries skipped). */
function periodicMeans(x: readonly number[], p: number): number[] {
  const sums = new Array<number>(p).fill(0);
  const counts = new Array<number>(p).fill(0);
  const n = x.length;
  x.forEach((v, t) => {
    if (Number.isNaN(v)) return;
    const w = 0.5 ** ((n - 1 - t) / p / HALF_LIFE_CYCLES);
    sums[t % p] = (sums[t % p] ?? 0) + w * v;
    counts[t % p] = (counts[t % p] ?? 0) + w;
  });
  const means = sums.map((s, j) => ((counts[j] ?? 0) > 0 ? s / (counts[j] ?? 1) : 0));
  const centre = means.reduce((a, b) => a + b, 0) / p;
  return means.map((v) => v - centre);
}

/**
 * Carries the moving average's first and last values out to the ends, so the newest half
 * cycle still informs the pattern: a pattern that just shifted (daylight saving, a new shift
 * plan) must show up in the forecast.
 */
function extendEnds(trend: number[]): number[] {
  const first = trend.findIndex((v) => !Number.isNaN(v));
  if (first < 0) return trend;
  let last = trend.length - 1;
  while (Number.isNaN(trend[last] ?? Number.NaN)) last -= 1;
  return trend.map((v, t) => (t < first ? (trend[first] ?? v) : t > last ? (trend[last] ?? v) : v));
}

/** Seasonal pattern per period (one value per position mod p). */
export function multiSeasonalPatterns(x: readonly number[], periods: readonly number[]): number[][] {
  const patterns = periods.map((p) => new Array<number>(p).fill(0));
  for (let round = 0; round < BACKFIT_ROUNDS; round += 1) {
    periods.forEach((p, i) => {
      const others = x.map((v, t) => v - patterns.reduce((s, pat, j) => (j === i ? s : s + (pat[t % (periods[j] ?? 1)] ?? 0)), 0));
      const trend = extendEnds(centredMovingAverage(others, p));
      patterns[i] = periodicMeans(others.map((v, t) => v - (trend[t] ?? Number.NaN)), p);
    });
  }
  return patterns;
}

export function multiSeasonalForecast(input: ForecastInput): ForecastOutput | undefined {
  const periods = usablePeriods(input);
  if (periods.length === 0) return undefined;
  const log = input.y.every((v) => v > 0);
  const x = log ? input.y.map(Math.log) : [...input.y];
  const n = x.length;
  const patterns = multiSeasonalPatterns(x, periods);
  const seasonalAt = (t: number): number => patterns.reduce((s, pat, j) => s + (pat[t % (periods[j] ?? 1)] ?? 0), 0);
  const adjusted = x.map((v, t) => v - seasonalAt(t));
  const fit = fitEts(adjusted, LEVEL_ONLY);
  if (fit === undefined) return undefined;
  const h = input.horizon;
  const base = etsPointForecast(fit.spec, fit.params, fit.state, h);
  const sd = etsForecastSd(fit.spec, fit.params, (fit.sigma2 * n) / Math.max(1, n - 2), base);
  const meanX = base.map((v, k) => v + seasonalAt(n + k));
  const reason = `periods ${periods.join('+')}, ${etsName(fit.spec)} on the adjusted ${log ? 'log ' : ''}series`;
  if (!log) return normalOutput('multi-seasonal', input, meanX, sd, reason);
  // Log scale: the median back-transforms to exp(mean); bands map through exp exactly.
  const logBands = tidyBands(meanX, normalBands(meanX, sd, input.levels), input.levels, false);
  const expAll = (r: Readonly<Record<string, readonly number[]>>): Record<string, number[]> =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.map(Math.exp)]));
  return { model: 'multi-seasonal', mean: meanX.map(Math.exp), lower: expAll(logBands.lower), upper: expAll(logBands.upper), reason };
}

export const multiSeasonal: ForecastModel = {
  name: 'multi-seasonal',
  version: '1.0.0',
  description: 'MSTL-like backfitted patterns for every seasonal period (e.g. 24 and 168 for hourly data), non-seasonal ETS on the adjusted series; log scale for positive data.',
  forecast: multiSeasonalForecast,
};
