/**
 * Exponential smoothing models on the ETS engine, each a fixed spec fitted by likelihood, plus
 * `ets-auto`, the AICc choice over the family. Intervals are the models' analytic ones with σ²
 * corrected for the parameters spent (divided by n − k as forecast::ets does).
 */
import { etsForecastSd, etsName, etsPointForecast } from './ets-engine.js';
import type { EtsSpec } from './ets-engine.js';
import { autoEts, fitEts } from './ets-fit.js';
import type { EtsFit } from './ets-fit.js';
import { normalOutput } from './forecast-output.js';
import type { ForecastInput, ForecastModel, ForecastOutput } from './model.js';

/** Forecast from a fitted ETS model. */
export function etsOutput(fit: EtsFit, input: ForecastInput, model: string, reason?: string, spec?: EtsSpec): ForecastOutput & { etsSpec?: EtsSpec } {
  const mean = etsPointForecast(fit.spec, fit.params, fit.state, input.horizon);
  const k = fit.spec.season === 'N' ? (fit.spec.trend === 'N' ? 2 : 4) : fit.spec.m + 4;
  const sigma2 = (fit.sigma2 * fit.n) / Math.max(1, fit.n - k);
  const sd = etsForecastSd(fit.spec, fit.params, sigma2, mean);
  const out = normalOutput(model, input, mean, sd, reason);
  return spec === undefined ? out : { ...out, etsSpec: spec };
}

function fixedSpec(name: string, description: string, make: (m: number) => EtsSpec, needsSeason: boolean): ForecastModel {
  return {
    name,
    version: '1.0.0',
    description,
    forecast(input) {
      if (needsSeason && input.season <= 1) return undefined;
      const fit = fitEts(input.y, make(input.season));
      return fit === undefined ? undefined : etsOutput(fit, input, name);
    },
  };
}

export const ses = fixedSpec('ses', 'Simple exponential smoothing, ETS(A,N,N) fitted by likelihood.', () => ({ error: 'A', trend: 'N', season: 'N', m: 1 }), false);
export const holt = fixedSpec('holt', "Holt's linear trend, ETS(A,A,N) fitted by likelihood.", () => ({ error: 'A', trend: 'A', season: 'N', m: 1 }), false);
export const dampedTrend = fixedSpec('damped-trend', 'Damped trend (Gardner–McKenzie), ETS(A,Ad,N) fitted by likelihood.', () => ({ error: 'A', trend: 'Ad', season: 'N', m: 1 }), false);
export const holtWintersAdditive = fixedSpec('holt-winters-additive', 'Holt–Winters additive season with damped trend, ETS(A,Ad,A).', (m) => ({ error: 'A', trend: 'Ad', season: 'A', m }), true);
export const holtWintersMultiplicative = fixedSpec('holt-winters-multiplicative', 'Holt–Winters multiplicative season with damped trend, ETS(M,Ad,M); positive data only.', (m) => ({ error: 'M', trend: 'Ad', season: 'M', m }), true);

/** The ETS family searched by `ets-auto` for a season m (non-seasonal specs only when m ≤ 1). */
export function etsCandidates(m: number, positive: boolean): EtsSpec[] {
  const specs: EtsSpec[] = [
    { error: 'A', trend: 'N', season: 'N', m: 1 },
    { error: 'A', trend: 'Ad', season: 'N', m: 1 },
    { error: 'A', trend: 'A', season: 'N', m: 1 },
  ];
  if (positive) specs.push({ error: 'M', trend: 'N', season: 'N', m: 1 }, { error: 'M', trend: 'Ad', season: 'N', m: 1 });
  if (m > 1) {
    specs.push({ error: 'A', trend: 'N', season: 'A', m }, { error: 'A', trend: 'Ad', season: 'A', m });
    if (positive) specs.push({ error: 'M', trend: 'N', season: 'M', m }, { error: 'M', trend: 'Ad', season: 'M', m });
  }
  return specs;
}

/**
 * ets-auto; `specs` narrows the search (selection refits only the spec that won by AICc on the
 * cross-validation cut, instead of searching the whole family again).
 */
export function etsAutoForecast(input: ForecastInput, specs?: readonly EtsSpec[]): ForecastOutput | undefined {
  const positive = input.y.every((v) => v > 0);
  const fit = autoEts(input.y, specs ?? etsCandidates(input.season, positive));
  return fit === undefined ? undefined : etsOutput(fit, input, 'ets-auto', `${etsName(fit.spec)} by AICc`, fit.spec);
}

export const etsAuto: ForecastModel = {
  name: 'ets-auto',
  version: '1.0.0',
  description: 'Exponential smoothing state-space family (error A/M, trend N/A/Ad, season N/A/M), chosen by AICc.',
  forecast: (input) => etsAutoForecast(input),
};
