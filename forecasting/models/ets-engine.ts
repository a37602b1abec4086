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
 * Runs the recursions over y and returns the loss; `keepState` copies the seasonal buffer so the
 * result survives the next pass. The optimiser calls this hundreds of times per model and it
 * took about 70 % of a daily series' fit time, so each common spec family gets a loop of its own:
 * no per-step branching on the spec, the season index kept as a counter instead of t mod m,
 * Σ log μ taken as the log of running products (one log per many steps), and the updates
 * rearranged so that no division and as few operations as possible sit between one step's level
 * and the next (the loop is bound by that dependency chain, not by the operation count). Other
 * specs run the general recursion, `etsPassGeneral`, which the tests hold the fast loops to.
 */
export function etsPass(y: Float64Array, spec: EtsSpec, p: EtsParams, work: EtsWork, keepState = false): EtsPassResult {
  if (spec.error === 'A' && spec.season === 'N') return passAdditiveLevel(y, spec, p, keepState, work.season);
  if (spec.error === 'A' && spec.season === 'A') return passAdditiveSeason(y, spec, p, keepState, work.season);
  if (spec.error === 'M' && spec.season === 'N') return passMultiplicativeLevel(y, spec, p, keepState, work.season);
  if (spec.error === 'M' && spec.season === 'M') return passMultiplicativeSeason(y, spec, p, keepState, work.season);
  return etsPassGeneral(y, spec, p, work, keepState);
}

function broken(l: number, b: number, s: Float64Array): EtsPassResult {
  return { loss: Number.POSITIVE_INFINITY, sigma2: Number.NaN, state: { level: l, trend: b, season: s, nextSeasonIndex: 0 } };
}

function finish(n: number, sse: number, logSum: number, l: number, b: number, s: Float64Array, m: number, seasonal: boolean, keepState: boolean): EtsPassResult {
  const sigma2 = sse / n;
  const loss = sigma2 > 0 ? n * Math.log(sigma2) + 2 * logSum : -1e12;
  return { loss, sigma2, state: { level: l, trend: b, season: keepState ? s.slice() : s, nextSeasonIndex: seasonal ? n % m : 0 } };
}

/** ETS(A, N|A|Ad, N): no trend is b ≡ 0 (b0 = β = 0). */
function passAdditiveLevel(y: Float64Array, spec: EtsSpec, p: EtsParams, keepState: boolean, s: Float64Array): EtsPassResult {
  const n = y.length;
  const hasTrend = spec.trend !== 'N';
  const phi = spec.trend === 'Ad' ? p.phi : 1;
  const alpha = p.alpha;
  const beta = hasTrend ? p.beta : 0;
  const keep = 1 - alpha;
  let l = p.l0;
  let b = hasTrend ? p.b0 : 0;
  let sse = 0;
  for (let t = 0; t < n; t += 1) {
    const yt = y[t] as number;
    const phiB = phi * b;
    const lb = l + phiB;
    const r = yt - lb;
    sse += r * r;
    // l' = lb + α(y − lb) rewritten so the next level waits on lb through one multiply-add.
    l = keep * lb + alpha * yt;
    b = phiB + beta * yt - beta * lb;
  }
  return finish(n, sse, 0, l, b, s, 1, false, keepState);
}

/** ETS(A, N|A|Ad, A). */
function passAdditiveSeason(y: Float64Array, spec: EtsSpec, p: EtsParams, keepState: boolean, s: Float64Array): EtsPassResult {
  const n = y.length;
  const m = spec.m;
  s.set(p.s0.subarray(0, m));
  const hasTrend = spec.trend !== 'N';
  const phi = spec.trend === 'Ad' ? p.phi : 1;
  const alpha = p.alpha;
  const beta = hasTrend ? p.beta : 0;
  const gamma = p.gamma;
  const keep = 1 - alpha;
  let l = p.l0;
  let b = hasTrend ? p.b0 : 0;
  let sse = 0;
  let j = 0;
  for (let t = 0; t < n; t += 1) {
    const st = s[j] as number;
    // y − s is known m steps ahead (s was last updated then), so the level update can be
    // l' = (1 − α)(l + φb) + α(y − s): one multiply-add after l + φb.
    const ys = (y[t] as number) - st;
    const phiB = phi * b;
    const lb = l + phiB;
    const r = ys - lb;
    sse += r * r;
    l = keep * lb + alpha * ys;
    b = phiB + beta * ys - beta * lb;
    s[j] = st + gamma * r;
    j += 1;
    if (j === m) j = 0;
  }
  return finish(n, sse, 0, l, b, s, m, true, keepState);
}

/**
 * Products of μ are flushed into the log sum before they can overflow or underflow (μ of a
 * sales series stays far inside these bounds for dozens of steps).
 */
const PRODUCT_HIGH = 1e150;
const PRODUCT_LOW = 1e-150;

/** ETS(M, N|A|Ad, N): relative errors, the level must stay positive. */
function passMultiplicativeLevel(y: Float64Array, spec: EtsSpec, p: EtsParams, keepState: boolean, s: Float64Array): EtsPassResult {
  const n = y.length;
  const hasTrend = spec.trend !== 'N';
  const phi = spec.trend === 'Ad' ? p.phi : 1;
  const alpha = p.alpha;
  const beta = hasTrend ? p.beta : 0;
  let l = p.l0;
  let b = hasTrend ? p.b0 : 0;
  let sse = 0;
  let logSum = 0;
  let product = 1;
  s[0] = 1;
  const keep = 1 - alpha;
  for (let t = 0; t < n; t += 1) {
    const yt = y[t] as number;
    const phiB = phi * b;
    const mu = l + phiB;
    if (!(mu > 0)) return broken(l, b, s);
    const r = yt - mu;
    const e = r / mu;
    sse += e * e;
    product *= mu;
    if (product > PRODUCT_HIGH || product < PRODUCT_LOW) {
      logSum += Math.log(product);
      product = 1;
    }
    // Same rewrite as the additive loop: one multiply-add from l + φb to the next level.
    l = keep * mu + alpha * yt;
    b = phiB + beta * yt - beta * mu;
  }
  return finish(n, sse, logSum + Math.log(product), l, b, s, 1, false, keepState);
}

/**
 * ETS(M, N|A|Ad, M): μ = (l + φb)·s. One division per step: 1/μ gives the relative error,
 * r/s = r·(l + φb)/μ and r/(l + φb) = r·s/μ (division is the slow operation here).
 */
function passMultiplicativeSeason(y: Float64Array, spec: EtsSpec, p: EtsParams, keepState: boolean, s: Float64Array): EtsPassResult {
  const n = y.length;
  const m = spec.m;
  s.set(p.s0.subarray(0, m));
  const hasTrend = spec.trend !== 'N';
  const phi = spec.trend === 'Ad' ? p.phi : 1;
  const alpha = p.alpha;
  const beta = hasTrend ? p.beta : 0;
  const gamma = p.gamma;
  let l = p.l0;
  let b = hasTrend ? p.b0 : 0;
  let sse = 0;
  let logSum = 0;
  let product = 1;
  let j = 0;
  const keep = 1 - alpha;
  for (let t = 0; t < n; t += 1) {
    const st = s[j] as number;
    // y / s is known m steps ahead, so neither division below waits on this step's level:
    // r/s = y/s − (l + φb) and the relative error r/μ = (r/s)/(l + φb).
    const ys = (y[t] as number) / st;
    const phiB = phi * b;
    const lb = l + phiB;
    const mu = lb * st;
    if (!(mu > 0 && lb > 0)) return broken(l, b, s);
    const rs = ys - lb;
    const e = rs / lb;
    sse += e * e;
    product *= mu;
    if (product > PRODUCT_HIGH || product < PRODUCT_LOW) {
      logSum += Math.log(product);
      product = 1;
    }
    l = keep * lb + alpha * ys;
    b = phiB + beta * ys - beta * lb;
    s[j] = st + gamma * e * st;
    j += 1;
    if (j === m) j = 0;
  }
  return finish(n, sse, logSum + Math.log(product), l, b, s, m, true, keepState);
}

/** The recursions for any spec, branching per step: the reference the specialised loops must match. */
export function etsPassGeneral(y: Float64Array, spec: EtsSpec, p: EtsParams, work: EtsWork, keepState = false): EtsPassResult {
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
    if ((multError || mult) && !(mu > 0 && lb > 0)) return broken(l, b, s);
    const r = (y[t] as number) - mu;
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
  return finish(n, sse, logSum, l, b, s, m, seasonal, keepState);
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
