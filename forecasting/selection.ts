/**
 * Per-series model selection (`auto`). Order of decisions:
 * 1. reject what cannot be forecast (no observations, non-finite values, bad horizon/levels);
 * 2. intermittent demand (ADI ≥ 1.32 on non-negative data) → the intermittent combination (mean
 *    of SES, TSB and ADIDA, models/intermittent-combination.ts) whatever the Syntetos–Boylan
 *    class: each member decays when demand stops, which SBA does not (it kept dead parts at their
 *    old rate: car-parts RMSSE 0.594 → 0.507, bias 0.106 → 0.082 in the bench);
 * 3. fewer than MIN_MODELLED observations → naive (nothing else can be estimated);
 * 4a. shorter than MIN_CV_LENGTH → the combination (mean of ets-auto and Theta) without a contest;
 * 4. otherwise rolling-origin cross-validation on the training data only: every candidate is
 *    fitted on the series cut at each origin and scored on the next steps (MAE scaled by the
 *    in-sample naive error); the combination is kept unless another candidate beats it by a
 *    clear margin — selection on a few holdout points is noisy, combinations are robust
 *    (M3/M4).
 * The chosen model is refitted on all data; its analytic bands are widened when its backtest
 * errors were larger than its own bands promised. The reason is recorded on the output.
 */
import { ForecastInputError } from './forecast-input-error.js';
import { checkLevels } from './intervals/bands.js';
import { calibrateBands, backtestScale } from './intervals/backtest-calibration.js';
import type { BacktestErrors } from './intervals/backtest-calibration.js';
import { adjustedEtsForecast, combine } from './models/combination.js';
import { etsAutoForecast } from './models/exponential-smoothing.js';
import { ADI_CUTOFF, classifyDemand } from './models/intermittent.js';
import { intermittentCombinationForecast } from './models/intermittent-combination.js';
import type { EtsSpec } from './models/ets-engine.js';
import type { ForecastInput, ForecastOutput } from './models/model.js';
import { multiSeasonalForecast, usablePeriods } from './models/multi-seasonal.js';
import { naiveForecast, seasonalNaiveForecast } from './models/naive.js';
import { findModel } from './models/registry.js';
import { thetaForecast } from './models/theta.js';

/** Below this many observations only the naive forecast has anything to stand on. */
const MIN_MODELLED = 4;
/** Shortest training part a cross-validation origin may leave (ETS needs a few points per parameter). */
const MIN_CV_TRAIN = 12;
/**
 * Series shorter than this skip the contest and take the combination: with five years of
 * monthly data or less the holdout is a handful of points and picks noise (in the accuracy bench on the shared M3 half,
 * selection below this length did worse than always combining).
 */
const MIN_CV_LENGTH = 60;
/** Another model replaces the combination only if its CV error is this much lower (10 %). */
const COMBINATION_MARGIN = 0.9;

export interface SelectionOptions {
  /** Rolling origins for cross-validation (more = steadier choice, proportionally slower). */
  readonly origins?: number;
}

/** Default origins: two steady the choice on series of ordinary length. */
const DEFAULT_ORIGINS = 2;
/**
 * Past this length one origin is used: its holdout sits on a long, well-estimated fit and a
 * second origin would add a full ETS search per series (the daily speed target needs it off).
 */
const LONG_SERIES = 400;

export function validateInput(input: ForecastInput): void {
  if (input.y.length === 0) throw new ForecastInputError('cannot forecast a series with no observations');
  const bad = input.y.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ForecastInputError(`observation ${bad + 1} is not a finite number (${String(input.y[bad])}); fill or drop missing values first`);
  if (!Number.isInteger(input.horizon) || input.horizon < 1) throw new ForecastInputError(`horizon must be a positive integer, got ${input.horizon}`);
  if (!Number.isInteger(input.season) || input.season < 1) throw new ForecastInputError(`season must be a positive integer, got ${input.season}`);
  try {
    checkLevels(input.levels);
  } catch (error) {
    throw new ForecastInputError((error as Error).message);
  }
}

type Candidates = Map<string, ForecastOutput>;

/** Members each candidate needs, so a refit of one candidate fits only what it uses. */
const NEEDS: Readonly<Record<string, readonly string[]>> = {
  combination: ['ets-auto', 'theta'],
  'multi-seasonal+seasonal-naive': ['multi-seasonal', 'seasonal-naive'],
};

/**
 * Candidate forecasts for `input` (all of them, or just `only` and its members); members shared
 * by the combinations are fitted once.
 */
function candidateForecasts(input: ForecastInput, only?: string, etsSpecs?: readonly EtsSpec[]): Candidates {
  const out: Candidates = new Map();
  const wanted = only === undefined ? undefined : new Set([only, ...(NEEDS[only] ?? [])]);
  const want = (name: string): boolean => wanted === undefined || wanted.has(name);
  const put = (o: ForecastOutput | undefined): void => {
    if (o !== undefined) out.set(o.model, o);
  };
  if (want('naive')) put(naiveForecast(input));
  if (want('seasonal-naive')) put(seasonalNaiveForecast(input));
  const ets = want('ets-auto') ? etsAutoForecast(input, etsSpecs) : undefined;
  const th = want('theta') ? thetaForecast(input) : undefined;
  [ets, th].forEach(put);
  if (want('damped-trend')) put(adjustedEtsForecast(input, { error: 'A', trend: 'Ad', season: 'N', m: 1 }, 'damped-trend'));
  if (want('combination')) put(combine('combination', input, [ets, th], 'mean'));
  if (usablePeriods(input).some((p) => p > 1)) {
    const ms = want('multi-seasonal') ? multiSeasonalForecast(input) : undefined;
    put(ms);
    const sn = out.get('seasonal-naive');
    if (want('multi-seasonal+seasonal-naive') && ms !== undefined && sn !== undefined) put(combine('multi-seasonal+seasonal-naive', input, [ms, sn], 'mean'));
  }
  return out;
}

function inSampleScale(y: readonly number[]): number {
  let s = 0;
  for (let t = 1; t < y.length; t += 1) s += Math.abs((y[t] ?? 0) - (y[t - 1] ?? 0));
  const scale = s / Math.max(1, y.length - 1);
  return scale > 0 ? scale : Math.abs(y[y.length - 1] ?? 0) || 1;
}

interface CvResult {
  /** The ETS spec AICc chose at the latest origin: the full-data refit fits only it. */
  readonly etsSpec?: EtsSpec;
  readonly scores: Map<string, number>;
  readonly errors: Map<string, BacktestErrors>;
  readonly origins: number;
}

function crossValidate(input: ForecastInput, origins: number): CvResult | undefined {
  const n = input.y.length;
  const hv = Math.min(input.horizon, Math.floor(n / 3));
  const scores = new Map<string, number>();
  const errors = new Map<string, BacktestErrors>();
  let used = 0;
  let etsSpec: EtsSpec | undefined;
  for (let k = 1; k <= origins; k += 1) {
    const cut = n - k * hv;
    if (hv < 1 || cut < Math.max(MIN_CV_TRAIN, 2 * input.season + 2)) break;
    const train = input.y.slice(0, cut);
    const actual = input.y.slice(cut, cut + hv);
    const scale = inSampleScale(train);
    const cands = candidateForecasts({ ...input, y: train, horizon: hv });
    if (k === 1) etsSpec = (cands.get('ets-auto') as { etsSpec?: EtsSpec } | undefined)?.etsSpec;
    for (const [name, o] of cands) {
      let mae = 0;
      for (let j = 0; j < hv; j += 1) mae += Math.abs((actual[j] ?? 0) - (o.mean[j] ?? 0));
      scores.set(name, (scores.get(name) ?? 0) + mae / hv / scale);
      const e = errors.get(name) ?? [];
      e.push({ actual, output: o });
      errors.set(name, e);
    }
    used += 1;
  }
  if (used === 0) return undefined;
  // A candidate missing at some origin (too short there) cannot be compared fairly.
  for (const [name, e] of errors) if (e.length < used) scores.delete(name);
  return etsSpec === undefined ? { scores, errors, origins: used } : { scores, errors, origins: used, etsSpec };
}

function pick(cv: CvResult): { name: string; reason: string } | undefined {
  const ranked = [...cv.scores.entries()].sort((a, b) => a[1] - b[1]);
  const best = ranked[0];
  if (best === undefined) return undefined;
  const comb = cv.scores.get('combination');
  const fmt = (v: number): string => (v / cv.origins).toFixed(3);
  if (comb !== undefined && best[0] !== 'combination' && best[1] > COMBINATION_MARGIN * comb) {
    return { name: 'combination', reason: `rolling-origin CV (${cv.origins} origins): combination ${fmt(comb)} kept, ${best[0]} ${fmt(best[1])} not clearly better` };
  }
  const second = ranked[1];
  return { name: best[0], reason: `rolling-origin CV (${cv.origins} origins): ${best[0]} scaled MAE ${fmt(best[1])}${second !== undefined ? ` vs ${second[0]} ${fmt(second[1])}` : ''}` };
}

function withReason(o: ForecastOutput, reason: string): ForecastOutput {
  return { ...o, reason: o.reason !== undefined ? `${reason}; ${o.reason}` : reason };
}

/** Automatic selection: always a forecast for a valid input, never undefined. */
export function autoForecast(input: ForecastInput, options: SelectionOptions = {}): ForecastOutput {
  validateInput(input);
  const { y } = input;
  const n = y.length;
  const profile = classifyDemand(y);
  if (y.every((v) => v >= 0) && profile.adi >= ADI_CUTOFF && n >= MIN_MODELLED) {
    const o = intermittentCombinationForecast(input) ?? naiveForecast(input);
    if (o !== undefined) return withReason(o, `intermittent demand (ADI ${profile.adi.toFixed(2)}, CV² ${profile.cv2.toFixed(2)}: ${profile.demandClass})`);
  }
  if (n < MIN_MODELLED) {
    const o = naiveForecast(input);
    if (o === undefined) throw new ForecastInputError('cannot forecast a series with no observations');
    return withReason(o, `only ${n} observation${n === 1 ? '' : 's'}: naive`);
  }
  const cv = n < MIN_CV_LENGTH ? undefined : crossValidate(input, options.origins ?? (n > LONG_SERIES ? 1 : DEFAULT_ORIGINS));
  const choice = cv === undefined ? undefined : pick(cv);
  if (choice !== undefined && cv !== undefined) {
    const chosen = candidateForecasts(input, choice.name, cv.etsSpec === undefined ? undefined : [cv.etsSpec]).get(choice.name);
    if (chosen !== undefined) {
      const calibrated = calibrateBands(chosen, backtestScale(cv.errors.get(choice.name) ?? [], input.levels), input);
      return withReason({ ...calibrated, model: choice.name }, choice.reason);
    }
  }
  const fallback = candidateForecasts(input, 'combination').get('combination') ?? thetaForecast(input) ?? naiveForecast(input);
  if (fallback === undefined) throw new ForecastInputError('no model could forecast this series');
  return withReason(fallback, 'too short for cross-validation');
}

/** Forecast with a named model (or `auto`); a model that does not apply falls back to auto. */
export function forecastWith(model: string, input: ForecastInput, options: SelectionOptions = {}): ForecastOutput {
  if (model === 'auto') return autoForecast(input, options);
  const m = findModel(model);
  if (m === undefined) throw new ForecastInputError(`unknown model "${model}"`);
  validateInput(input);
  const o = m.forecast(input);
  return o ?? withReason(autoForecast(input, options), `${model} does not apply to this series`);
}
