/**
 * The standard Theta method (Assimakopoulos & Nikolopoulos 2000) in Hyndman & Billah's form,
 * as the M3 winner and M4 benchmark: seasonally adjust (classical multiplicative decomposition
 * when the 90 % autocorrelation test says seasonal), forecast by SES with drift equal to half
 * the slope of the linear trend line, reseasonalise. Intervals: SES's analytic ones.
 */
import { reapply, seasonallyAdjust } from '../decomposition/seasonal-adjustment.js';
import { etsForecastSd, etsPointForecast } from './ets-engine.js';
import { fitEts } from './ets-fit.js';
import { normalOutput } from './forecast-output.js';
import type { ForecastInput, ForecastModel, ForecastOutput } from './model.js';

/** Slope of the least-squares line through (0, y0), (1, y1), … */
export function linearSlope(y: readonly number[]): number {
  const n = y.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  let my = 0;
  for (const v of y) my += v;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let t = 0; t < n; t += 1) {
    sxy += (t - mx) * ((y[t] ?? 0) - my);
    sxx += (t - mx) ** 2;
  }
  return sxy / sxx;
}

export function thetaForecast(input: ForecastInput): ForecastOutput | undefined {
  const { horizon: h } = input;
  const sa = seasonallyAdjust(input.y, input.season);
  const x = sa.adjusted;
  const n = x.length;
  const fit = fitEts(x, { error: 'A', trend: 'N', season: 'N', m: 1 });
  if (fit === undefined) return undefined;
  const ses = etsPointForecast(fit.spec, fit.params, fit.state, h);
  const alpha = fit.params.alpha;
  const drift = linearSlope(x) / 2;
  const mean = ses.map((v, k) => v + drift * (k + (1 - (1 - alpha) ** n) / alpha));
  const sigma2 = (fit.sigma2 * n) / Math.max(1, n - 2);
  const sd = etsForecastSd(fit.spec, fit.params, sigma2, ses);
  const future = sa.future(h);
  const seasonalMean = reapply(mean, future, sa.type);
  const seasonalSd = sa.type === 'multiplicative' ? sd.map((s, k) => s * (future[k] ?? 1)) : sd;
  return normalOutput('theta', input, seasonalMean, seasonalSd, sa.seasonal ? `seasonally adjusted (period ${input.season})` : undefined);
}

export const theta: ForecastModel = {
  name: 'theta',
  version: '1.0.0',
  description: 'Standard Theta: SES with drift of half the linear trend on classically (multiplicatively) seasonally adjusted data when a 90 % autocorrelation test finds seasonality.',
  forecast: thetaForecast,
};
