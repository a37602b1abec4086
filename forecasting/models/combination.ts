/**
 * Forecast combinations, the robust winners of the M3 and M4 competitions: several reasonable
 * models averaged make fewer large errors than any one chosen model.
 * - comb-shd: M3/M4's "Comb S-H-D" benchmark, the mean of SES, Holt and damped trend on the
 *   seasonally adjusted series.
 * - combination: the mean of ets-auto and Theta (in the accuracy bench on the shared M3 half the pair beat the
 *   median of the pair plus damped trend, and the mean of all three).
 * Bands: each level's bounds are averaged across members (quantile averaging), then widened to
 * cover the spread between the members' means, since disagreement is uncertainty too.
 */
import { reapply, seasonallyAdjust } from '../decomposition/seasonal-adjustment.js';
import { tidyBands } from '../intervals/bands.js';
import { etsForecastSd, etsPointForecast } from './ets-engine.js';
import type { EtsSpec } from './ets-engine.js';
import { fitEts } from './ets-fit.js';
import { etsAutoForecast } from './exponential-smoothing.js';
import { clipMean, isNonNegative, normalOutput } from './forecast-output.js';
import type { ForecastInput, ForecastModel, ForecastOutput } from './model.js';
import { thetaForecast } from './theta.js';

/** A non-seasonal ETS spec fitted to the seasonally adjusted series, reseasonalised. */
export function adjustedEtsForecast(input: ForecastInput, spec: EtsSpec, name: string): ForecastOutput | undefined {
  const sa = seasonallyAdjust(input.y, input.season);
  const fit = fitEts(sa.adjusted, spec);
  if (fit === undefined) return undefined;
  const mean = etsPointForecast(fit.spec, fit.params, fit.state, input.horizon);
  const k = spec.trend === 'N' ? 2 : spec.trend === 'A' ? 4 : 5;
  const sd = etsForecastSd(fit.spec, fit.params, (fit.sigma2 * fit.n) / Math.max(1, fit.n - k), mean);
  const future = sa.future(input.horizon);
  return normalOutput(name, input, reapply(mean, future, sa.type), sa.type === 'multiplicative' ? sd.map((s, i) => s * (future[i] ?? 1)) : sd);
}

function middle(values: number[], how: 'mean' | 'median'): number {
  if (how === 'mean') return values.reduce((a, b) => a + b, 0) / values.length;
  const s = [...values].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[h] ?? 0) : ((s[h - 1] ?? 0) + (s[h] ?? 0)) / 2;
}

/** Combines member forecasts; undefined when no member produced one. */
export function combine(name: string, input: ForecastInput, members: readonly (ForecastOutput | undefined)[], how: 'mean' | 'median'): ForecastOutput | undefined {
  const ok = members.filter((m): m is ForecastOutput => m !== undefined);
  if (ok.length === 0) return undefined;
  const h = input.horizon;
  const nonNegative = isNonNegative(input.y);
  const mean = Array.from({ length: h }, (_, k) => middle(ok.map((m) => m.mean[k] ?? 0), how));
  const lower: Record<string, number[]> = {};
  const upper: Record<string, number[]> = {};
  for (const level of input.levels) {
    const key = String(level);
    lower[key] = mean.map((c, k) => Math.min(middle(ok.map((m) => m.lower[key]?.[k] ?? c), how), ...ok.map((m) => m.mean[k] ?? c)));
    upper[key] = mean.map((c, k) => Math.max(middle(ok.map((m) => m.upper[key]?.[k] ?? c), how), ...ok.map((m) => m.mean[k] ?? c)));
  }
  const clipped = clipMean(mean, nonNegative);
  const reason = `${how} of ${ok.map((m) => m.model).join(', ')}`;
  return { model: name, mean: clipped, ...tidyBands(clipped, { lower, upper }, input.levels, nonNegative), reason };
}

const SES: EtsSpec = { error: 'A', trend: 'N', season: 'N', m: 1 };
const HOLT: EtsSpec = { error: 'A', trend: 'A', season: 'N', m: 1 };
const DAMPED: EtsSpec = { error: 'A', trend: 'Ad', season: 'N', m: 1 };

export function combShdForecast(input: ForecastInput): ForecastOutput | undefined {
  return combine('comb-shd', input, [adjustedEtsForecast(input, SES, 'ses'), adjustedEtsForecast(input, HOLT, 'holt'), adjustedEtsForecast(input, DAMPED, 'damped-trend')], 'mean');
}

export function combinationForecast(input: ForecastInput): ForecastOutput | undefined {
  return combine('combination', input, [etsAutoForecast(input), thetaForecast(input)], 'mean');
}

export const combShd: ForecastModel = {
  name: 'comb-shd',
  version: '1.0.0',
  description: 'Comb S-H-D: mean of SES, Holt and damped trend on the seasonally adjusted series (M3/M4 benchmark).',
  forecast: combShdForecast,
};

export const combination: ForecastModel = {
  name: 'combination',
  version: '1.0.0',
  description: 'Mean of ets-auto and Theta; bands averaged and widened by the members\' disagreement.',
  forecast: combinationForecast,
};
