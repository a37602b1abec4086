/**
 * The model registry: every model the platform can run, with name, version and description
 * (served at GET /api/v1/models). `auto` — per-series selection — is listed too, but lives in
 * selection.ts because it chooses among these.
 */
import { combination, combShd } from './combination.js';
import { dampedTrend, etsAuto, holt, holtWintersAdditive, holtWintersMultiplicative, ses } from './exponential-smoothing.js';
import { croston, sba, tsb } from './intermittent.js';
import { adida, intermittentCombination } from './intermittent-combination.js';
import type { ForecastModel } from './model.js';
import { multiSeasonal } from './multi-seasonal.js';
import { naive, naive2, seasonalNaive } from './naive.js';
import { theta } from './theta.js';

export const MODELS: readonly ForecastModel[] = [
  naive,
  seasonalNaive,
  naive2,
  ses,
  holt,
  dampedTrend,
  holtWintersAdditive,
  holtWintersMultiplicative,
  etsAuto,
  theta,
  combShd,
  combination,
  multiSeasonal,
  croston,
  sba,
  tsb,
  adida,
  intermittentCombination,
];

export interface ModelInfo {
  readonly name: string;
  readonly version: string;
  readonly description: string;
}

export const AUTO_MODEL_INFO: ModelInfo = {
  name: 'auto',
  version: '1.1.0',
  description:
    'Per-series selection: intermittent demand (Syntetos–Boylan classification recorded) → the intermittent combination (mean of SES, TSB with β 0.2 and ADIDA, falling when demand stops); fewer than 4 points naive; fewer than 60 the combination (mean of ets-auto and Theta); otherwise rolling-origin cross-validation on the training data among naive, seasonal naive, Theta, ets-auto, damped trend, the combination, multi-seasonal and multi-seasonal+seasonal-naive, keeping the combination unless another model is at least 10 % better; intervals widened when the backtest errors exceeded the analytic bands.',
};

export function findModel(name: string): ForecastModel | undefined {
  return MODELS.find((m) => m.name === name);
}

/** Name, version and description of every model, `auto` first. */
export function listModels(): ModelInfo[] {
  return [AUTO_MODEL_INFO, ...MODELS.map(({ name, version, description }) => ({ name, version, description }))];
}
