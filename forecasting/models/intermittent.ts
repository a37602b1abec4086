/**
 * Intermittent demand (many zero periods): Croston, its bias-corrected SBA, and TSB, with the
 * Syntetos–Boylan–Croston classification that says which series are intermittent.
 * - Croston: SES on non-zero demand sizes z and on intervals p; forecast z/p per period.
 * - SBA: Croston × (1 − α/2), removing Croston's known positive bias.
 * - TSB: SES on sizes and on the demand probability (updated every period), so forecasts decay
 *   towards zero when demand stops — obsolescence, common in spare parts. Sizes and probability
 *   start at their sample means (as R's tsintermittent does), not at the first demand: one early
 *   order otherwise weighs on the forecast for dozens of periods.
 * Croston and SBA update only when demand occurs, so a part that stopped selling keeps its last
 * rate for ever; `auto` therefore uses the combination in intermittent-combination.ts.
 * Smoothing constants follow the literature's recommendation of small fixed values (0.1) for
 * these short, sparse series; fitting them on a handful of demands overfits. Bands: see
 * intermittent-bands.ts.
 */
import { intermittentOutput } from './intermittent-bands.js';
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

/**
 * TSB's rate: probability × size. Both start at their sample means and are smoothed through the
 * whole series, the probability every period (towards 1 on demand, towards 0 without), the size
 * only when demand occurs. Undefined without any demand.
 */
export function tsbRate(y: readonly number[], alpha = ALPHA, beta = ALPHA): number | undefined {
  let sizeSum = 0;
  let demands = 0;
  for (const v of y) {
    if (v !== 0) {
      sizeSum += v;
      demands += 1;
    }
  }
  if (demands === 0) return undefined;
  let z = sizeSum / demands;
  let prob = demands / y.length;
  for (const v of y) {
    prob += beta * ((v !== 0 ? 1 : 0) - prob);
    if (v !== 0) z += alpha * (v - z);
  }
  return prob * z;
}

/** The forecast for a series without any demand yet: zero, bands zero. */
export function zeroForecast(name: string, input: ForecastInput): ForecastOutput {
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
  version: '1.1.0',
  description: "Croston's method: SES (α = 0.1) on demand sizes and intervals, forecast size/interval per period.",
  forecast: crostonForecast,
};
export const sba: ForecastModel = {
  name: 'sba',
  version: '1.1.0',
  description: 'Syntetos–Boylan approximation: Croston × (1 − α/2), bias-corrected.',
  forecast: sbaForecast,
};
export const tsb: ForecastModel = {
  name: 'tsb',
  version: '1.1.0',
  description: 'Teunter–Syntetos–Babai: SES (α = β = 0.1, started at the sample means) on demand probability (every period) and size; decays when demand stops.',
  forecast: tsbForecast,
};
