/**
 * Supplier statistics, pure: recency weights, weighted empirical quantiles and moments of lead
 * times, a Beta-shrunk late probability, and what an open purchase-order line can expect.
 *
 * Every observation carries a weight 0.5^(age / half-life): a supplier that turned late last
 * quarter shows it at once, while a long punctual history still steadies the estimate. Quantiles
 * are the weighted empirical inverse CDF (the smallest observed value whose cumulative weight share
 * reaches q), so they are always lead times that actually happened, in whole days.
 */
import type { BacktestWindow } from './typed-series.js';

/** One observation and its weight (> 0). */
export interface WeightedValue {
  readonly value: number;
  readonly weight: number;
}

/** Weight of an observation `ageDays` old (future dates count as today). */
export function decayWeight(ageDays: number, halfLifeDays: number): number {
  if (!(halfLifeDays > 0)) throw new RangeError(`half-life must be positive, got ${halfLifeDays}`);
  return 0.5 ** (Math.max(0, ageDays) / halfLifeDays);
}

function usable(values: readonly WeightedValue[]): WeightedValue[] {
  return values.filter((v) => Number.isFinite(v.value) && Number.isFinite(v.weight) && v.weight > 0);
}

/** Guards floating sums: a cumulative share within this of q counts as reaching it. */
const SHARE_EPSILON = 1e-12;

/**
 * Weighted empirical q-quantile (inverse of the weighted CDF, Hyndman & Fan type 1 with weights):
 * the smallest value whose cumulative weight share is at least q. NaN without usable values.
 */
export function weightedQuantile(values: readonly WeightedValue[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must lie in [0, 1], got ${q}`);
  const sorted = usable(values).sort((a, b) => a.value - b.value);
  const total = sorted.reduce((s, v) => s + v.weight, 0);
  if (sorted.length === 0 || total <= 0) return Number.NaN;
  let cumulative = 0;
  for (const v of sorted) {
    cumulative += v.weight;
    if (cumulative / total >= q - SHARE_EPSILON) return v.value;
  }
  return sorted[sorted.length - 1]?.value ?? Number.NaN;
}

export interface WeightedMoments {
  readonly mean: number;
  /** Standard deviation with the reliability-weights correction n_eff / (n_eff − 1); 0 for one effective observation. */
  readonly sd: number;
  readonly totalWeight: number;
  /** Kish's effective sample size (Σw)² / Σw². */
  readonly effectiveSize: number;
}

export function weightedMoments(values: readonly WeightedValue[]): WeightedMoments {
  const vs = usable(values);
  const total = vs.reduce((s, v) => s + v.weight, 0);
  if (vs.length === 0 || total <= 0) return { mean: Number.NaN, sd: Number.NaN, totalWeight: 0, effectiveSize: 0 };
  const mean = vs.reduce((s, v) => s + v.weight * v.value, 0) / total;
  const squares = vs.reduce((s, v) => s + v.weight * (v.value - mean) ** 2, 0) / total;
  const effectiveSize = total ** 2 / vs.reduce((s, v) => s + v.weight ** 2, 0);
  const sd = effectiveSize > 1 ? Math.sqrt((squares * effectiveSize) / (effectiveSize - 1)) : 0;
  return { mean, sd, totalWeight: total, effectiveSize };
}

/**
 * Posterior mean of a probability under a Beta prior with mean `prior` worth `priorWeight`
 * observations, after `hits` (weighted) successes out of `total` (weighted) trials:
 * (hits + prior·k) / (total + k). Few or old observations stay near the prior.
 */
export function shrunkProbability(hits: number, total: number, prior: number, priorWeight: number): number {
  if (!(prior >= 0 && prior <= 1)) throw new RangeError(`prior must lie in [0, 1], got ${prior}`);
  const k = Math.max(0, priorWeight);
  const n = Math.max(0, total);
  const h = Math.min(Math.max(0, hits), n);
  return n + k > 0 ? (h + prior * k) / (n + k) : prior;
}

/** The lead-time figures of SupplyDetails. */
export interface LeadTimeSummary {
  readonly mean: number;
  readonly sd: number;
  readonly p50: number;
  readonly p80: number;
  readonly p95: number;
}

export function leadTimeSummary(leadTimes: readonly WeightedValue[]): LeadTimeSummary {
  const m = weightedMoments(leadTimes);
  return { mean: m.mean, sd: m.sd, p50: weightedQuantile(leadTimes, 0.5), p80: weightedQuantile(leadTimes, 0.8), p95: weightedQuantile(leadTimes, 0.95) };
}

/**
 * Central bands of the weighted distribution per level (text keys): the (1 − L)/2 and (1 + L)/2
 * quantiles, clipped at zero (a lead time is never negative) and widened to contain `value` so
 * that lower ≤ value ≤ upper holds even for a skewed distribution and a narrow level.
 */
export function quantileBands(values: readonly WeightedValue[], value: number, levels: readonly number[]): { lower: Record<string, number>; upper: Record<string, number> } {
  const lower: Record<string, number> = {};
  const upper: Record<string, number> = {};
  for (const level of [...levels].sort((a, b) => a - b)) {
    const tail = (1 - level / 100) / 2;
    const lo = weightedQuantile(values, tail);
    const hi = weightedQuantile(values, 1 - tail);
    lower[String(level)] = Math.max(0, Math.min(Number.isFinite(lo) ? lo : value, value));
    upper[String(level)] = Math.max(0, Number.isFinite(hi) ? hi : value, value);
  }
  return { lower, upper };
}

/**
 * Weighted median of the values at or above `atLeast`: what an order still open can expect,
 * given that it has already taken that long. Undefined when no observation went that far.
 */
export function conditionalMedian(values: readonly WeightedValue[], atLeast: number): number | undefined {
  const tail = values.filter((v) => v.value >= atLeast);
  const m = weightedQuantile(tail, 0.5);
  return Number.isFinite(m) ? m : undefined;
}

/**
 * Probability that an open line misses its promise, `daysUntilPromise` days ahead (0 = due on the
 * as-of day; negative = already past due → 1). A line open on the as-of day is one that was not
 * received before it, i.e. its delay d = received − promised is at least −daysUntilPromise. Late
 * lines (d > 0) always satisfy that; on-time lines only if they come in the last
 * daysUntilPromise days before the promise. Bayes:
 *   P(late | open) = p / (p + (1 − p) · q),  q = weighted share of on-time lines with d ≥ −u.
 * With no on-time history q = 1 (on time means "on the promise day"), which leaves p.
 */
export function openLineLateProbability(lateProbability: number, delays: readonly WeightedValue[], daysUntilPromise: number): number {
  if (daysUntilPromise < 0) return 1;
  const onTime = usable(delays).filter((d) => d.value <= 0);
  const total = onTime.reduce((s, d) => s + d.weight, 0);
  const q = total > 0 ? onTime.filter((d) => d.value >= -daysUntilPromise).reduce((s, d) => s + d.weight, 0) / total : 1;
  const denominator = lateProbability + (1 - lateProbability) * q;
  return denominator > 0 ? Math.min(1, lateProbability / denominator) : lateProbability;
}

/** A received line as day numbers (days since 1970-01-01). */
export interface ReceiptDays {
  readonly orderDay: number;
  readonly receivedDay: number;
}

/** Shape of the lead-time backtest. */
export interface LeadTimeBacktestOptions {
  readonly halfLifeDays: number;
  readonly levels: readonly number[];
  /** Receipts an order needs before it for a prediction to be scored. */
  readonly minHistory: number;
  /** Only the latest this many orders are scored (the cost grows with history × scored orders). */
  readonly maxOrders: number;
}

/**
 * Rolling-origin backtest of the lead-time prediction: every order (the latest `maxOrders`) is
 * predicted from the receipts known when it was placed — received strictly before its order day,
 * weighted by their age on that day — exactly as the handler predicts an order placed now. The
 * prediction is the weighted mean with weighted-quantile bands; the scale of each origin is the
 * in-sample naive error (each receipt's lead time predicted by the one received before it).
 */
export function leadTimeBacktestWindows(receipts: readonly ReceiptDays[], options: LeadTimeBacktestOptions): BacktestWindow[] {
  const byOrder = [...receipts].sort((a, b) => a.orderDay - b.orderDay || a.receivedDay - b.receivedDay);
  const byReceipt = [...receipts].sort((a, b) => a.receivedDay - b.receivedDay || a.orderDay - b.orderDay);
  const windows: BacktestWindow[] = [];
  for (const order of byOrder.slice(-options.maxOrders)) {
    const known = byReceipt.filter((r) => r.receivedDay < order.orderDay);
    if (known.length < options.minHistory) continue;
    const history = known.map((r) => ({ value: r.receivedDay - r.orderDay, weight: decayWeight(order.orderDay - r.receivedDay, options.halfLifeDays) }));
    const forecast = weightedMoments(history).mean;
    const bands = quantileBands(history, forecast, options.levels);
    let naive = 0;
    for (let i = 1; i < history.length; i += 1) naive += Math.abs((history[i]?.value ?? 0) - (history[i - 1]?.value ?? 0));
    const lower: Record<string, number[]> = {};
    const upper: Record<string, number[]> = {};
    for (const level of options.levels) {
      lower[String(level)] = [bands.lower[String(level)] ?? forecast];
      upper[String(level)] = [bands.upper[String(level)] ?? forecast];
    }
    windows.push({ actual: [order.receivedDay - order.orderDay], forecast: [forecast], lower, upper, scale: naive / (history.length - 1) });
  }
  return windows;
}
