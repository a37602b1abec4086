/**
 * Rolling-origin backtest of a forecasting procedure on the training data, for the accuracy a
 * forecast carries. The series is cut at up to MAX_WINDOWS origins (the last `h` points held out,
 * then the `h` before those…); at each origin the same procedure that made the forecast (`auto`
 * re-selects there: the procedure is what is being judged) is fitted on the part before the cut
 * and scored on the held-out part. Pure: numbers in, metrics out.
 */
import { coverageCount, maseScale, msis as msisOf, wape as wapeOf, bias as biasOf } from '../accuracy/metrics.js';
import { forecastWith } from '../selection.js';
import type { BacktestAccuracy } from './forecast-record.js';

/** Three origins: enough to average out one odd holdout, few enough to cost three fits. */
export const MAX_WINDOWS = 3;
/** Shortest training part an origin may leave: below this the fit says little about the full-data model. */
const MIN_TRAIN = 8;

export interface BacktestInput {
  readonly y: readonly number[];
  readonly season: number;
  readonly horizon: number;
  readonly levels: readonly number[];
  readonly model: string;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** The MASE / MSIS scale: seasonal naive error, else naive error (short or constant-by-season data). */
function scaleOf(train: readonly number[], season: number): number {
  const seasonal = maseScale(train, season);
  if (Number.isFinite(seasonal) && seasonal > 0) return seasonal;
  const plain = maseScale(train, 1);
  return Number.isFinite(plain) && plain > 0 ? plain : Number.NaN;
}

export function backtest(input: BacktestInput): BacktestAccuracy {
  const { y, season, levels } = input;
  const n = y.length;
  // Each window holds out at most a quarter of the history, so the first origin keeps most of it.
  const h = Math.min(input.horizon, Math.floor(n / 4));
  const minTrain = Math.max(MIN_TRAIN, season + 2);
  const actualAll: number[] = [];
  const forecastAll: number[] = [];
  const inside: Record<string, number> = {};
  let maseSum = 0;
  let maseCount = 0;
  let msisSum = 0;
  let msisCount = 0;
  let windows = 0;
  const has95 = levels.includes(95);
  for (let k = 1; k <= MAX_WINDOWS && h >= 1; k += 1) {
    const cut = n - k * h;
    if (cut < minTrain) break;
    const train = y.slice(0, cut);
    const actual = y.slice(cut, cut + h);
    const out = forecastWith(input.model, { y: train, season, horizon: h, levels });
    const mean = out.mean.slice(0, h);
    actualAll.push(...actual);
    forecastAll.push(...mean);
    for (const level of levels) {
      const key = String(level);
      const c = coverageCount(actual, out.lower[key] ?? mean, out.upper[key] ?? mean);
      inside[key] = (inside[key] ?? 0) + c.inside;
    }
    const scale = scaleOf(train, season);
    if (Number.isFinite(scale)) {
      let abs = 0;
      for (let j = 0; j < h; j += 1) abs += Math.abs((actual[j] ?? 0) - (mean[j] ?? 0));
      maseSum += abs / h / scale;
      maseCount += 1;
      if (has95) {
        // msis divides by the seasonal scale itself; pass lag 1 when that is what scaleOf fell back to.
        const lag = Number.isFinite(maseScale(train, season)) && maseScale(train, season) > 0 ? season : 1;
        const v = msisOf(train, actual, out.lower['95'] ?? mean, out.upper['95'] ?? mean, lag);
        if (Number.isFinite(v)) {
          msisSum += v;
          msisCount += 1;
        }
      }
    }
    windows += 1;
  }
  const total = actualAll.length;
  const coverage: Record<string, number | null> = {};
  for (const level of levels) coverage[String(level)] = total > 0 ? (inside[String(level)] ?? 0) / total : null;
  return {
    wape: total > 0 ? finiteOrNull(wapeOf(actualAll, forecastAll)) : null,
    mase: maseCount > 0 ? maseSum / maseCount : null,
    bias: total > 0 ? finiteOrNull(biasOf(actualAll, forecastAll)) : null,
    coverage_95: has95 ? (coverage['95'] ?? null) : null,
    coverage,
    msis: msisCount > 0 ? msisSum / msisCount : null,
    windows,
    horizon: windows > 0 ? h : 0,
  };
}
