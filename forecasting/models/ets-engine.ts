/**
 * The exponential smoothing (ETS) state-space engine: one pass of the error-correction
 * recursions of Hyndman, Koehler, Ord & Snyder (2008), its −2·log-likelihood (up to a constant),
 * point forecasts and forecast variances. Additive and multiplicative errors share the point
 * recursions and differ only in the likelihood. Written over typed arrays without allocation
 * per pass because the optimiser runs it hundreds of times per model.
 */

/** Model components: error, trend (N, A, damped Ad), season (N, A, M). */
export interface EtsSpec {
  readonly error: 'A' | 'M';
  readonly trend: 'N' | 'A' | 'Ad';
  readonly season: 'N' | 'A' | 'M';
  /** Seasonal period (ignored when season is N). */
  readonly m: number;
}

export interface EtsParams {
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  readonly phi: number;
  readonly l0: number;
  readonly b0: number;
  /** Seasonal states for times 0..m−1 (what s_{t−m} is at those times). */
  readonly s0: Float64Array;
}

export interface EtsState {
  readonly level: number;
  readonly trend: number;
  /** Seasonal states indexed by time mod m, as left after the last observation. */
  readonly season: Float64Array;
  /** Index (mod m) of the first future step's seasonal state. */
  readonly nextSeasonIndex: number;
}

export function etsName(spec: EtsSpec): string {
  return `ets(${spec.error},${spec.trend},${spec.season})`;
}

/** Workspace reused across passes: the seasonal buffer. */
export class EtsWork {
  season: Float64Array;
  constructor(m: number) {
    this.season = new Float64Array(Math.max(1, m));
  }
}

export interface EtsPassResult {
  /** −2·log-likelihood without the constant term; Infinity when the model breaks down. */
  readonly loss: number;
  /** Mean squared error term: absolute (A error) or relative (M error). */
  readonly sigma2: number;
  readonly state: EtsState;
}

/**
 * Runs the recursions over y. When `residuals` is given it receives y_t − μ_t (absolute) per
 * step; `keepState` copies the seasonal buffer so the result survives the next pass.
 */
export function etsPass(y: Float64Array, spec: EtsSpec, p: EtsParams, work: EtsWork, residuals?: Float64Array, keepState = false): EtsPassResult {
  const n = y.length;
  const seasonal = spec.season !== 'N';
  const mult = spec.season === 'M';
  const m = seasonal ? spec.m : 1;
  const s = work.season;
  if (seasonal) s.set(p.s0.subarray(0, m));
  const phi = spec.trend === 'Ad' ? p.phi : 1;
  const hasTrend = spec.trend !== 'N';
  const { alpha, beta, gamma } = p;
  let l = p.l0;
  let b = hasTrend ? p.b0 : 0;
  let sse = 0;
  let logSum = 0;
  const multError = spec.error === 'M';
  for (let t = 0; t < n; t += 1) {
    const lb = l + phi * b;
    const j = seasonal ? t % m : 0;
    const st = seasonal ? (s[j] as number) : mult ? 1 : 0;
    const mu = mult ? lb * st : lb + st;
    if ((multError || mult) && !(mu > 0 && lb > 0)) return { loss: Number.POSITIVE_INFINITY, sigma2: Number.NaN, state: { level: l, trend: b, season: s, nextSeasonIndex: 0 } };
    const r = (y[t] as number) - mu;
    if (residuals !== undefined) residuals[t] = r;
    if (multError) {
      const e = r / mu;
      sse += e * e;
      logSum += Math.log(mu);
    } else {
      sse += r * r;
    }
    const rs = mult ? r / st : r;
    l = lb + alpha * rs;
    if (hasTrend) b = phi * b + beta * rs;
    if (seasonal) s[j] = mult ? st + (gamma * r) / lb : st + gamma * r;
  }
  const sigma2 = sse / n;
  const loss = sigma2 > 0 ? n * Math.log(sigma2) + 2 * logSum : -1e12;
  return { loss, sigma2, state: { level: l, trend: b, season: keepState ? s.slice() : s, nextSeasonIndex: seasonal ? n % m : 0 } };
}

/** Point forecasts for steps 1..h from the final state. */
export function etsPointForecast(spec: EtsSpec, p: EtsParams, state: EtsState, h: number): number[] {
  const phi = spec.trend === 'Ad' ? p.phi : 1;
  const hasTrend = spec.trend !== 'N';
  const m = spec.season === 'N' ? 1 : spec.m;
  const out: number[] = [];
  let phiSum = 0;
  let phiPow = 1;
  for (let k = 1; k <= h; k += 1) {
    phiPow *= phi;
    phiSum += phiPow;
    const lb = state.level + (hasTrend ? phiSum * state.trend : 0);
    if (spec.season === 'N') out.push(lb);
    else {
      const st = state.season[(state.nextSeasonIndex + k - 1) % m] ?? (spec.season === 'M' ? 1 : 0);
      out.push(spec.season === 'M' ? lb * st : lb + st);
    }
  }
  return out;
}

/**
 * Forecast standard deviations: the exact linear-model formula σ²(1 + Σ_{j<k} c_j²) with
 * c_j = α + β·(φ + … + φ^j) + γ·[j ≡ 0 mod m] for additive models; for multiplicative error or
 * season the same factor on the relative scale times the mean (first-order approximation).
 */
export function etsForecastSd(spec: EtsSpec, p: EtsParams, sigma2: number, mean: readonly number[]): number[] {
  const phi = spec.trend === 'Ad' ? p.phi : 1;
  const beta = spec.trend === 'N' ? 0 : p.beta;
  const gamma = spec.season === 'N' ? 0 : p.gamma;
  const m = spec.season === 'N' ? 0 : spec.m;
  const relative = spec.error === 'M';
  const out: number[] = [];
  let acc = 1;
  let phiSum = 0;
  let phiPow = 1;
  for (let k = 1; k <= mean.length; k += 1) {
    const sd = Math.sqrt(sigma2 * acc);
    out.push(relative ? sd * Math.abs(mean[k - 1] ?? 0) : sd);
    const j = k;
    phiPow *= phi;
    phiSum += phiPow;
    const c = p.alpha + beta * phiSum + (m > 0 && j % m === 0 ? gamma : 0);
    acc += c * c;
  }
  return out;
}
