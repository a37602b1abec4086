/**
 * Fitting ETS models by maximum likelihood: heuristic initial states (Hyndman et al. 2008,
 * §2.6.1: classical decomposition of the first seasons, a regression line through the first
 * adjusted values), then Nelder–Mead over the smoothing parameters and the initial level and
 * trend, in a logistic parametrisation that keeps 0 < β ≤ α < 1, 0 < γ ≤ 1 − α, φ ∈ [0.8, 0.98].
 * Seasonal initial states are not optimised: with m = 24 or 52 that would multiply the cost by
 * ten for little gain. Model choice inside the family is by AICc (`autoEts`).
 */
import { classicalDecomposition } from '../decomposition/classical-decomposition.js';
import { nelderMead } from '../optim/nelder-mead.js';
import { EtsWork, etsPass } from './ets-engine.js';
import type { EtsParams, EtsSpec, EtsState } from './ets-engine.js';

export interface EtsFit {
  readonly spec: EtsSpec;
  readonly params: EtsParams;
  readonly state: EtsState;
  /** Residual variance: absolute (A error) or relative (M error). */
  readonly sigma2: number;
  readonly aicc: number;
  readonly n: number;
}

/** Damping bounds used by forecast::ets: below 0.8 damps too fast, above 0.98 is Holt in disguise. */
const PHI_MIN = 0.8;
const PHI_MAX = 0.98;
/** Smoothing parameters kept off 0 and 1, where the likelihood surface is flat or degenerate. */
const PARAM_MIN = 1e-4;
const PARAM_MAX = 0.9999;
/** Observations used for the initial level/trend regression (Hyndman et al.: the first ten). */
const INIT_POINTS = 10;
/** Seasons of data used to initialise seasonal states: enough to average noise, early enough to be "initial". */
const INIT_SEASONS = 4;
/** Optimiser budget: enough for ≤ 6 parameters to settle (400 → 200 moved no benchmark score beyond noise), small enough for the 10k-series speed target. */
const MAX_EVALUATIONS = 200;
/** Relative tolerance on −2·log L: differences below it do not change forecasts visibly. */
const TOLERANCE = 1e-6;

function sigmoid(u: number): number {
  return 1 / (1 + Math.exp(-u));
}
function logit(p: number): number {
  return Math.log(p / (1 - p));
}
function between(lo: number, hi: number, u: number): number {
  return lo + (hi - lo) * sigmoid(u);
}

/** Minimum observations for a spec: parameters + states + a few degrees of freedom. */
export function minimumLength(spec: EtsSpec): number {
  const seasonal = spec.season !== 'N';
  return seasonal ? 2 * spec.m + 2 : spec.trend === 'N' ? 3 : 5;
}

function initialStates(y: Float64Array, spec: EtsSpec): { l0: number; b0: number; s0: Float64Array } {
  const n = y.length;
  const m = spec.season === 'N' ? 1 : spec.m;
  const s0 = new Float64Array(m).fill(spec.season === 'M' ? 1 : 0);
  let adjusted: number[] = Array.from(y);
  if (spec.season !== 'N') {
    const take = Math.min(n, INIT_SEASONS * m);
    const head = adjusted.slice(0, take);
    const dec = classicalDecomposition(head, m, spec.season === 'M' ? 'multiplicative' : 'additive');
    for (let j = 0; j < m; j += 1) s0[j] = dec.fitted[j] ?? s0[j] ?? 0;
    adjusted = adjusted.map((v, t) => (spec.season === 'M' ? v / (s0[t % m] ?? 1) : v - (s0[t % m] ?? 0)));
  }
  const k = Math.min(n, Math.max(INIT_POINTS, spec.season === 'N' ? 0 : 2 * m > INIT_POINTS ? m : INIT_POINTS));
  const xs = Array.from({ length: k }, (_, i) => i + 1);
  const ys = adjusted.slice(0, k);
  const mx = xs.reduce((a, b) => a + b, 0) / k;
  const my = ys.reduce((a, b) => a + b, 0) / k;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < k; i += 1) {
    sxy += ((xs[i] ?? 0) - mx) * ((ys[i] ?? 0) - my);
    sxx += ((xs[i] ?? 0) - mx) ** 2;
  }
  const slope = spec.trend === 'N' || sxx === 0 ? 0 : sxy / sxx;
  const l0 = spec.trend === 'N' ? (ys[0] ?? my) : my - slope * mx;
  return { l0, b0: slope, s0 };
}

function countParams(spec: EtsSpec): number {
  let k = 2; // alpha, l0
  if (spec.trend !== 'N') k += 2; // beta, b0
  if (spec.trend === 'Ad') k += 1;
  if (spec.season !== 'N') k += spec.m; // gamma + m−1 free states
  return k + 1; // sigma
}

/** Fits one ETS spec; undefined when the data are too short or the model cannot be fitted. */
export function fitEts(yIn: readonly number[], spec: EtsSpec): EtsFit | undefined {
  const n = yIn.length;
  if (n < minimumLength(spec)) return undefined;
  const y = Float64Array.from(yIn);
  const needsPositive = spec.error === 'M' || spec.season === 'M';
  if (needsPositive && !y.every((v) => v > 0)) return undefined;
  const init = initialStates(y, spec);
  const work = new EtsWork(spec.season === 'N' ? 1 : spec.m);
  const hasTrend = spec.trend !== 'N';
  const damped = spec.trend === 'Ad';
  const seasonal = spec.season !== 'N';
  let scale = 0;
  for (let t = 1; t < n; t += 1) scale += Math.abs((y[t] ?? 0) - (y[t - 1] ?? 0));
  scale = scale / Math.max(1, n - 1) || Math.abs(init.l0) * 0.1 || 1;

  const decode = (u: readonly number[]): EtsParams => {
    let i = 0;
    const alpha = between(PARAM_MIN, PARAM_MAX, u[i++] ?? 0);
    const beta = hasTrend ? alpha * between(PARAM_MIN, PARAM_MAX, u[i++] ?? 0) : 0;
    const gamma = seasonal ? (1 - alpha) * between(PARAM_MIN, PARAM_MAX, u[i++] ?? 0) : 0;
    const phi = damped ? between(PHI_MIN, PHI_MAX, u[i++] ?? 0) : 1;
    const l0 = init.l0 + scale * (u[i++] ?? 0);
    const b0 = hasTrend ? init.b0 + 0.1 * scale * (u[i] ?? 0) : 0;
    return { alpha, beta, gamma, phi, l0, b0, s0: init.s0 };
  };
  // Start where M-competition fits usually land: light smoothing, little trend/season change.
  const x0 = [logit(0.2)];
  if (hasTrend) x0.push(logit(0.2));
  if (seasonal) x0.push(logit(0.05));
  if (damped) x0.push(logit((0.95 - PHI_MIN) / (PHI_MAX - PHI_MIN)));
  x0.push(0);
  if (hasTrend) x0.push(0);
  const result = nelderMead((u) => etsPass(y, spec, decode(u), work).loss, x0, {
    step: x0.map(() => 0.5),
    maxEvaluations: MAX_EVALUATIONS,
    tolerance: TOLERANCE,
  });
  if (!Number.isFinite(result.value)) return undefined;
  const params = decode(result.x);
  const pass = etsPass(y, spec, params, work, true);
  const k = countParams(spec);
  const aicc = n - k - 1 > 0 ? pass.loss + 2 * k + (2 * k * (k + 1)) / (n - k - 1) : Number.POSITIVE_INFINITY;
  return { spec, params, state: pass.state, sigma2: pass.sigma2, aicc, n };
}

/** Fits each spec and keeps the lowest AICc; undefined when none fits. */
export function autoEts(y: readonly number[], specs: readonly EtsSpec[]): EtsFit | undefined {
  let best: EtsFit | undefined;
  for (const spec of specs) {
    const fit = fitEts(y, spec);
    if (fit !== undefined && (best === undefined || fit.aicc < best.aicc)) best = fit;
  }
  return best;
}
