/**
 * Naive family: the M-competition benchmarks every other model must beat.
 * - naive: last value, random-walk intervals σ·√k (σ² = mean squared one-step difference).
 * - seasonal-naive: value one season back, intervals σ_m·√(⌊(k−1)/m⌋+1).
 * - naive2: naive on the multiplicatively seasonally adjusted series when the 90 % test says
 *   seasonal (M4's Naive2, the denominator of OWA).
 */
import { adjust, classicalDecomposition, reseasonalise } from '../decomposition/classical-decomposition.js';
import { isSeasonal } from '../decomposition/seasonality-test.js';
import { normalOutput, rms } from './forecast-output.js';
import type { ForecastInput, ForecastModel, ForecastOutput } from './model.js';

/**
 * Spread assumed when a series has a single value and no difference to learn σ from: a 25 %
 * coefficient of variation, wide enough not to promise precision we cannot know.
 */
export const SINGLE_VALUE_RELATIVE_SD = 0.25;

function lagDifferences(y: readonly number[], lag: number): number[] {
  const out: number[] = [];
  for (let t = lag; t < y.length; t += 1) out.push((y[t] ?? 0) - (y[t - lag] ?? 0));
  return out;
}

/** σ of one-step differences, or the single-value fallback. */
function randomWalkSigma(y: readonly number[]): number {
  if (y.length >= 2) return rms(lagDifferences(y, 1));
  return Math.abs(y[0] ?? 0) * SINGLE_VALUE_RELATIVE_SD;
}

export function naiveForecast(input: ForecastInput): ForecastOutput | undefined {
  const { y, horizon } = input;
  const last = y[y.length - 1];
  if (last === undefined) return undefined;
  const sigma = randomWalkSigma(y);
  const steps = Array.from({ length: horizon }, (_, k) => k + 1);
  return normalOutput('naive', input, steps.map(() => last), steps.map((k) => sigma * Math.sqrt(k)));
}

export function seasonalNaiveForecast(input: ForecastInput): ForecastOutput | undefined {
  const { y, horizon, season: m } = input;
  const n = y.length;
  if (m <= 1 || n < m + 1) return undefined;
  const sigma = rms(lagDifferences(y, m));
  const mean = Array.from({ length: horizon }, (_, k) => y[n - m + (k % m)] ?? 0);
  const sd = Array.from({ length: horizon }, (_, k) => sigma * Math.sqrt(Math.floor(k / m) + 1));
  return normalOutput('seasonal-naive', input, mean, sd);
}

export function naive2Forecast(input: ForecastInput): ForecastOutput | undefined {
  const { y, horizon, season: m } = input;
  const last = y[y.length - 1];
  if (last === undefined) return undefined;
  const positive = y.every((v) => v > 0);
  if (!positive || !isSeasonal(y, m)) {
    const out = naiveForecast(input);
    return out === undefined ? undefined : { ...out, model: 'naive2' };
  }
  const indices = classicalDecomposition(y, m, 'multiplicative');
  const adjusted = adjust(y, indices);
  const future = indices.future(horizon);
  const lastAdjusted = adjusted[adjusted.length - 1] ?? last;
  const sigma = randomWalkSigma(adjusted);
  const mean = reseasonalise(new Array<number>(horizon).fill(lastAdjusted), future, 'multiplicative');
  const sd = future.map((s, k) => sigma * Math.sqrt(k + 1) * s);
  return normalOutput('naive2', input, mean, sd);
}

export const naive: ForecastModel = {
  name: 'naive',
  version: '1.0.0',
  description: 'Last observed value; random-walk intervals.',
  forecast: naiveForecast,
};

export const seasonalNaive: ForecastModel = {
  name: 'seasonal-naive',
  version: '1.0.0',
  description: 'Value one season earlier; seasonal random-walk intervals. Needs one full season.',
  forecast: seasonalNaiveForecast,
};

export const naive2: ForecastModel = {
  name: 'naive2',
  version: '1.0.0',
  description: 'Naive on the seasonally adjusted series (classical multiplicative decomposition when a 90 % autocorrelation test finds seasonality), as the M4 benchmark.',
  forecast: naive2Forecast,
};
