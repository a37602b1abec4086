/**
 * Intermittent demand (many zero periods): Croston, its bias-corrected SBA, and TSB, with the
 * Syntetos–Boylan–Croston classification that says which applies.
 * - Croston: SES on non-zero demand sizes z and on intervals p; forecast z/p per period.
 * - SBA: Croston × (1 − α/2), removing Croston's known positive bias.
 * - TSB: SES on sizes and on the demand probability (updated every period), so forecasts decay
 *   towards zero when demand stops — obsolescence, common in spare parts.
 * Smoothing constants follow the literature's recommendation of small fixed values (0.1) for
 * these short, sparse series; fitting them on a handful of demands overfits. Bands: quantiles
 * of the per-period demand seen so far, centred on the forecast rate (no normal theory fits
 * counts that are mostly zero).
 */
import { tidyBands } from '../intervals/bands.js';
import { clipMean, isNonNegative } from './forecast-output.js';
import type { ForecastInput, ForecastModel, ForecastOutput } from './model.js';

/** Syntetos–Boylan cut-offs: average demand interval and squared CV of demand sizes. */
export const ADI_CUTOFF = 1.32;
export const CV2_CUTOFF = 0.49;
/** Smoothing constant for sizes, intervals and probability (Syntetos & Boylan 2005 use 0.05–0.2). */
const ALPHA = 0.1;

export type DemandClass = 'smooth' | 'erratic' | 'intermittent' | 'lumpy';

export interface DemandProfile {
  readonly adi: number;
  readonly cv2: number;
  readonly demandClass: DemandClass;
  readonly nonZero: number;
}

export function classifyDemand(y: readonly number[]): DemandProfile {
  const sizes = y.filter((v) => v !== 0);
  const nonZero = sizes.length;
  const adi = nonZero > 0 ? y.length / nonZero : Number.POSITIVE_INFINITY;
  const mean = nonZero > 0 ? sizes.reduce((a, b) => a + b, 0) / nonZero : 0;
  const variance = nonZero > 1 ? sizes.reduce((a, b) => a + (b - mean) ** 2, 0) / (nonZero - 1) : 0;
  const cv2 = mean !== 0 ? variance / mean ** 2 : 0;
  const demandClass: DemandClass = adi < ADI_CUTOFF ? (cv2 < CV2_CUTOFF ? 'smooth' : 'erratic') : cv2 < CV2_CUTOFF ? 'intermittent' : 'lumpy';
  return { adi, cv2, demandClass, nonZero };
}

/** Croston's rate z/p after the last observation; undefined without any demand. */
export function crostonRate(y: readonly number[], alpha = ALPHA): number | undefined {
  let z: number | undefined;
  let p = 1;
  let q = 1;
  for (const v of y) {
    if (v !== 0) {
      if (z === undefined) {
        z = v;
        p = q;
      } else {
        z += alpha * (v - z);
        p += alpha * (q - p);
      }
      q = 1;
    } else q += 1;
  }
  return z === undefined ? undefined : z / p;
}

/** TSB's rate: probability × size, the probability updated every period. */
export function tsbRate(y: readonly number[], alpha = ALPHA, beta = ALPHA): number | undefined {
  const first = y.findIndex((v) => v !== 0);
  if (first < 0) return undefined;
  let z = y[first] ?? 0;
  // Start the probability at the share of periods with demand, not at 1 after the first sale.
  let prob = y.filter((v) => v !== 0).length / y.length;
  for (let t = first + 1; t < y.length; t += 1) {
    const v = y[t] ?? 0;
    prob += beta * ((v !== 0 ? 1 : 0) - prob);
    if (v !== 0) z += alpha * (v - z);
  }
  return prob * z;
}

/** Empirical bands: quantiles of past per-period demand, shifted to surround the rate. */
function intermittentOutput(name: string, input: ForecastInput, rate: number, reason?: string): ForecastOutput {
  const nonNegative = isNonNegative(input.y);
  const mean = clipMean(new Array<number>(input.horizon).fill(rate), nonNegative);
  const sorted = [...input.y].sort((a, b) => a - b);
  const quantile = (p: number): number => {
    const pos = p * (sorted.length - 1);
    const lo = Math.floor(pos);
    const frac = pos - lo;
    return (sorted[lo] ?? 0) * (1 - frac) + (sorted[Math.min(lo + 1, sorted.length - 1)] ?? 0) * frac;
  };
  const lower: Record<string, number[]> = {};
  const upper: Record<string, number[]> = {};
  for (const level of input.levels) {
    const a = (1 - level / 100) / 2;
    lower[String(level)] = mean.map((m) => Math.min(m, quantile(a)));
    upper[String(level)] = mean.map((m) => Math.max(m, quantile(1 - a)));
  }
  const bands = tidyBands(mean, { lower, upper }, input.levels, nonNegative);
  return reason === undefined ? { model: name, mean, ...bands } : { model: name, mean, ...bands, reason };
}

function zeroForecast(name: string, input: ForecastInput): ForecastOutput {
  return intermittentOutput(name, input, 0, 'no demand yet: forecast zero');
}

export function crostonForecast(input: ForecastInput): ForecastOutput | undefined {
  if (input.y.length === 0) return undefined;
  const rate = crostonRate(input.y);
  return rate === undefined ? zeroForecast('croston', input) : intermittentOutput('croston', input, rate);
}

export function sbaForecast(input: ForecastInput): ForecastOutput | undefined {
  if (input.y.length === 0) return undefined;
  const rate = crostonRate(input.y);
  return rate === undefined ? zeroForecast('sba', input) : intermittentOutput('sba', input, rate * (1 - ALPHA / 2));
}

export function tsbForecast(input: ForecastInput): ForecastOutput | undefined {
  if (input.y.length === 0) return undefined;
  const rate = tsbRate(input.y);
  return rate === undefined ? zeroForecast('tsb', input) : intermittentOutput('tsb', input, rate);
}

export const croston: ForecastModel = {
  name: 'croston',
  version: '1.0.0',
  description: "Croston's method: SES (α = 0.1) on demand sizes and intervals, forecast size/interval per period.",
  forecast: crostonForecast,
};
export const sba: ForecastModel = {
  name: 'sba',
  version: '1.0.0',
  description: 'Syntetos–Boylan approximation: Croston × (1 − α/2), bias-corrected.',
  forecast: sbaForecast,
};
export const tsb: ForecastModel = {
  name: 'tsb',
  version: '1.0.0',
  description: 'Teunter–Syntetos–Babai: SES on demand probability (every period) and size; decays when demand stops.',
  forecast: tsbForecast,
};
