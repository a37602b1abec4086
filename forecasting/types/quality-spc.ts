/**
 * Defect-rate statistics, pure: the p-chart (centre line and 3-sigma limits), the Western Electric
 * run rules, and forecast bounds of a rate that stay inside [0, 1].
 *
 * The chart's limits are for the average sample size n̄ (what QualityDetails reports), while the
 * run rules judge each period on its own sample size: z_t = (p_t − p̄) / √(p̄(1−p̄)/n_t), the
 * standardized p-chart, so a small Monday sample is not flagged for noise a large one would not
 * show. A baseline without a single defect has p̄ = 0 and a zero-width chart on which one defect
 * would read as infinitely many sigma; the sigma is then taken at 0.5 / (units inspected in the
 * baseline) — the baseline cannot tell p̄ apart from that — while the centre line stays 0.
 */
import { centralZ } from '../intervals/normal-quantile.js';

/** One period of inspections. */
export interface RatePeriod {
  readonly periodStart: string;
  readonly inspected: number;
  readonly defects: number;
}

export interface PChart {
  readonly centerLine: number;
  readonly ucl: number;
  readonly lcl: number;
  readonly averageSampleSize: number;
  /** The rate the sigma is computed at (p̄, kept off 0 and 1 as the header explains). */
  readonly sigmaRate: number;
}

/** Three sigma: Shewhart's limits, a false alarm about once in 370 in-control points. */
export const CONTROL_SIGMAS = 3;

const clip01 = (v: number): number => Math.min(1, Math.max(0, v));

/** p̄ = Σdefects / Σinspected over the baseline, n̄ = mean inspected per period, limits p̄ ± 3√(p̄(1−p̄)/n̄) clipped to [0, 1]. */
export function pChart(baseline: readonly RatePeriod[]): PChart {
  const used = baseline.filter((p) => p.inspected > 0);
  const inspected = used.reduce((s, p) => s + p.inspected, 0);
  if (used.length === 0 || !(inspected > 0)) throw new RangeError('a p-chart needs at least one period with inspections');
  const defects = used.reduce((s, p) => s + Math.min(p.defects, p.inspected), 0);
  const centerLine = clip01(defects / inspected);
  const averageSampleSize = inspected / used.length;
  const floor = Math.min(0.5, 0.5 / inspected);
  const sigmaRate = Math.min(1 - floor, Math.max(floor, centerLine));
  const sigma = Math.sqrt((sigmaRate * (1 - sigmaRate)) / averageSampleSize);
  return { centerLine, ucl: clip01(centerLine + CONTROL_SIGMAS * sigma), lcl: clip01(centerLine - CONTROL_SIGMAS * sigma), averageSampleSize, sigmaRate };
}

/** Standardized distance of each period from the centre line, on its own sample size. */
export function standardized(periods: readonly RatePeriod[], chart: PChart): number[] {
  return periods.map((p) => {
    if (!(p.inspected > 0)) return 0;
    const sigma = Math.sqrt((chart.sigmaRate * (1 - chart.sigmaRate)) / p.inspected);
    return (p.defects / p.inspected - chart.centerLine) / sigma;
  });
}

/** The Western Electric rules checked, in the order of the handbook (1956). */
export const RUN_RULES = ['beyond-3-sigma', '2-of-3-beyond-2-sigma', '4-of-5-beyond-1-sigma', '8-on-one-side', '6-increasing'] as const;
export type RunRule = (typeof RUN_RULES)[number];

/** "k of the last w points beyond s sigma on the same side, the latest one among them". */
function kOfW(z: readonly number[], t: number, k: number, w: number, s: number): number {
  const zt = z[t] ?? 0;
  if (t + 1 < w || Math.abs(zt) <= s) return 0;
  const side = Math.sign(zt);
  let count = 0;
  for (let i = t - w + 1; i <= t; i += 1) if (Math.sign(z[i] ?? 0) === side && Math.abs(z[i] ?? 0) > s) count += 1;
  return count >= k ? side : 0;
}

/**
 * Whether `rule` fires at period t (windows end at t and may reach before the recent periods).
 * Returns +1 (above the centre line), −1 (below) or 0 (not fired).
 */
export function ruleFires(rule: RunRule, z: readonly number[], rates: readonly number[], t: number): number {
  switch (rule) {
    case 'beyond-3-sigma':
      return Math.abs(z[t] ?? 0) > 3 ? Math.sign(z[t] ?? 0) : 0;
    case '2-of-3-beyond-2-sigma':
      return kOfW(z, t, 2, 3, 2);
    case '4-of-5-beyond-1-sigma':
      return kOfW(z, t, 4, 5, 1);
    case '8-on-one-side': {
      if (t < 7) return 0;
      const side = Math.sign(z[t] ?? 0);
      if (side === 0) return 0;
      for (let i = t - 7; i <= t; i += 1) if (Math.sign(z[i] ?? 0) !== side) return 0;
      return side;
    }
    case '6-increasing': {
      if (t < 5) return 0;
      for (let i = t - 4; i <= t; i += 1) if (!((rates[i] ?? 0) > (rates[i - 1] ?? 0))) return 0;
      return 1;
    }
  }
}

const DESCRIPTION: Readonly<Record<RunRule, string>> = {
  'beyond-3-sigma': 'a point beyond 3 sigma',
  '2-of-3-beyond-2-sigma': '2 of 3 points beyond 2 sigma on one side',
  '4-of-5-beyond-1-sigma': '4 of 5 points beyond 1 sigma on one side',
  '8-on-one-side': '8 points in a row on one side of the centre line',
  '6-increasing': '6 points in a row increasing',
};

export interface SpcViolation {
  readonly rule: RunRule;
  readonly period_start: string;
  readonly description: string;
}

const pct = (v: number): string => `${(v * 100).toFixed(2)} %`;

/**
 * The run rules violated over the last `recent` periods: one entry per rule, at the latest period
 * it fired, saying on which side, how often in the recent periods and since when.
 */
export function runRuleViolations(periods: readonly RatePeriod[], chart: PChart, recent: number): SpcViolation[] {
  const z = standardized(periods, chart);
  const rates = periods.map((p) => (p.inspected > 0 ? p.defects / p.inspected : 0));
  const first = Math.max(0, periods.length - recent);
  const out: SpcViolation[] = [];
  for (const rule of RUN_RULES) {
    const fired: { t: number; side: number }[] = [];
    for (let t = first; t < periods.length; t += 1) {
      const side = ruleFires(rule, z, rates, t);
      if (side !== 0) fired.push({ t, side });
    }
    const last = fired[fired.length - 1];
    const start = fired[0];
    if (last === undefined || start === undefined) continue;
    const at = periods[last.t];
    const where = last.side > 0 ? 'above' : 'below';
    out.push({
      rule,
      period_start: at?.periodStart ?? '',
      description: `${DESCRIPTION[rule]} (${where} the centre line ${pct(chart.centerLine)}): rate ${pct(rates[last.t] ?? 0)}, fired in ${fired.length} of the last ${periods.length - first} periods since ${periods[start.t]?.periodStart ?? ''}`,
    });
  }
  return out;
}

/** Wilson score interval of a proportion p observed on n trials, at normal quantile z; always inside [0, 1] and containing p. */
export function wilsonInterval(p: number, n: number, z: number): { lower: number; upper: number } {
  const q = clip01(p);
  if (!(n > 0) || !(z > 0)) return { lower: q, upper: q };
  const z2n = (z * z) / n;
  const centre = (q + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((q * (1 - q)) / n + z2n / (4 * n));
  return { lower: clip01(Math.min(q, centre - half)), upper: clip01(Math.max(q, centre + half)) };
}

/**
 * Bounds of a forecast rate `mean` at `level`. The rate series the model was fitted on already
 * holds the binomial noise of its samples, so the model's spread is not added to the binomial
 * spread but compared with it: variance V = max(model sd², p(1−p)/n̄). The interval is the Wilson
 * interval at the sample size whose binomial variance is V, so it is asymmetric near 0 and 1 and
 * never leaves [0, 1] (a rate forecast at 0 still gets an upper bound above 0).
 * `modelSd` is the model's sd at this step and level (half-width / z); non-finite counts as 0.
 */
export function rateBounds(mean: number, modelSd: number, sampleSize: number, level: number): { lower: number; upper: number } {
  const p = clip01(Number.isFinite(mean) ? mean : 0);
  const z = centralZ(level);
  if (!(sampleSize > 0)) return { lower: 0, upper: 1 };
  const edge = Math.min(0.25, 0.5 / sampleSize);
  const pv = Math.min(1 - edge, Math.max(edge, p));
  const binomial = (pv * (1 - pv)) / sampleSize;
  const sd = Number.isFinite(modelSd) ? Math.abs(modelSd) : 0;
  const variance = Math.max(binomial, sd * sd);
  return wilsonInterval(p, Math.min(sampleSize, (pv * (1 - pv)) / variance), z);
}
