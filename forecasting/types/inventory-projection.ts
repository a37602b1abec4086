/**
 * Projected on-hand of one item (or item × site), pure: numbers in, projection out.
 *
 * Day 1 is the day after the stock snapshot (a snapshot is the closing stock of its day). Per day
 *   on-hand(t) = on hand + receipts expected by day t − cumulative demand up to day t,
 * so a negative figure is demand the stock does not cover (backorders or lost sales; the
 * projection does not decide which).
 *
 * Uncertainty comes from demand only (receipts are taken as certain on their expected day; the
 * supplier's delay already moved that day). Each day's demand has a mean and a standard deviation
 * read off the demand model's band; days are equicorrelated with `correlation` ρ:
 *   Var(C_t) = (1 − ρ)·Σσ_i² + ρ·(Σσ_i)²
 * ρ = 0 treats days as independent (too narrow: a level misjudged today is misjudged tomorrow),
 * ρ = 1 adds the daily bands up (far too wide). A small ρ is the variance of a demand level
 * estimated from a few weeks of data: with exponential smoothing at α ≈ 0.1 the level error is
 * about α / (2 − α) ≈ 5 % of a day's variance, shared by every day ahead.
 * The lower bound of on-hand at a level is on hand + receipts − the upper bound of cumulative
 * demand, and vice versa. Stockout probabilities come from simulated demand paths (seeded, so a
 * forecast is reproducible) because receipts make the on-hand path non-monotone.
 */
import { mulberry32 } from '../../infra/seeded-random.js';
import { centralZ, normalQuantile } from '../intervals/normal-quantile.js';
import { addDays, bucketEnd, bucketStart, dayNumber, nextBucket, type Period } from '../series/periods.js';
import type { ForecastPoint } from '../service/forecast-record.js';

/** Demand per day from day 1: mean and standard deviation (0 for a day whose demand is known). */
export interface DailyDemand {
  readonly mean: readonly number[];
  readonly sd: readonly number[];
}

/** A receipt expected on `day` (1 = the first projected day). */
export interface Receipt {
  readonly day: number;
  readonly qty: number;
}

export interface ProjectionInput {
  readonly onHand: number;
  readonly demand: DailyDemand;
  readonly receipts: readonly Receipt[];
  /** Central interval levels in percent. */
  readonly levels: readonly number[];
  /** Correlation ρ of any two days' demand errors, 0..1. */
  readonly correlation: number;
}

/** On-hand at the close of one projected day. */
export interface DayProjection {
  /** Median (= mean, under the normal approximation) on-hand. */
  readonly value: number;
  readonly lower: Readonly<Record<string, number>>;
  readonly upper: Readonly<Record<string, number>>;
  readonly cumulativeDemand: number;
  readonly cumulativeSd: number;
  /** Receipts arrived by this day. */
  readonly receipts: number;
}

/**
 * The standard deviation a demand band implies: for every level, the wider half of the band over
 * that level's normal z, and the largest of those (bands of non-negative series are cut at zero
 * below, and skewed models are wider above: the wider half is the honest one).
 */
export function stepSd(point: { readonly value: number; readonly lower: Readonly<Record<string, number>>; readonly upper: Readonly<Record<string, number>> }, levels: readonly number[]): number {
  let sd = 0;
  for (const level of levels) {
    const z = centralZ(level);
    const hi = point.upper[String(level)];
    const lo = point.lower[String(level)];
    const half = Math.max(hi === undefined ? 0 : hi - point.value, lo === undefined ? 0 : point.value - lo);
    if (Number.isFinite(half) && z > 0) sd = Math.max(sd, half / z);
  }
  return sd;
}

/** Sum of receipts per day 1..days (receipts outside that range are left out). */
function receiptsByDay(receipts: readonly Receipt[], days: number): number[] {
  const byDay = new Array<number>(days + 1).fill(0);
  for (const r of receipts) {
    if (Number.isInteger(r.day) && r.day >= 1 && r.day <= days) byDay[r.day] = (byDay[r.day] ?? 0) + r.qty;
  }
  return byDay;
}

/** Mean and sd of cumulative demand for days 1..t, for every t. */
export function cumulativeDemand(demand: DailyDemand, correlation: number): { mean: number[]; sd: number[] } {
  const rho = Math.min(1, Math.max(0, correlation));
  const mean: number[] = [];
  const sd: number[] = [];
  let m = 0;
  let s1 = 0;
  let s2 = 0;
  demand.mean.forEach((mu, i) => {
    const sigma = Math.max(0, demand.sd[i] ?? 0);
    m += mu;
    s1 += sigma;
    s2 += sigma * sigma;
    mean.push(m);
    sd.push(Math.sqrt(Math.max(0, (1 - rho) * s2 + rho * s1 * s1)));
  });
  return { mean, sd };
}

/** On-hand per day 1..demand.mean.length with bounds per level. */
export function projectOnHand(input: ProjectionInput): DayProjection[] {
  const days = input.demand.mean.length;
  const arrivals = receiptsByDay(input.receipts, days);
  const cum = cumulativeDemand(input.demand, input.correlation);
  const levels = [...new Set(input.levels)].sort((a, b) => a - b);
  // Quantiles of cumulative demand never fall from one day to the next (C_t ≥ C_{t−1} on every
  // path), so the lower quantile is carried forward where the normal approximation would dip.
  const floor = new Map<number, number>(levels.map((l) => [l, 0]));
  const out: DayProjection[] = [];
  let received = 0;
  for (let t = 1; t <= days; t += 1) {
    received += arrivals[t] ?? 0;
    const mean = cum.mean[t - 1] ?? 0;
    const sd = cum.sd[t - 1] ?? 0;
    const available = input.onHand + received;
    const lower: Record<string, number> = {};
    const upper: Record<string, number> = {};
    for (const level of levels) {
      const z = centralZ(level);
      const lowDemand = Math.min(mean, Math.max(floor.get(level) ?? 0, mean - z * sd));
      floor.set(level, lowDemand);
      lower[String(level)] = available - (mean + z * sd);
      upper[String(level)] = available - lowDemand;
    }
    out.push({ value: available - mean, lower, upper, cumulativeDemand: mean, cumulativeSd: sd, receipts: received });
  }
  return out;
}

/** Index (0-based) of the first day whose projected value is at or below zero, or undefined. */
export function firstStockoutDay(days: readonly DayProjection[]): number | undefined {
  const i = days.findIndex((d) => d.value <= 0);
  return i < 0 ? undefined : i;
}

export interface StockoutSimulation {
  readonly onHand: number;
  readonly demand: DailyDemand;
  readonly receipts: readonly Receipt[];
  readonly correlation: number;
  /** Day counts to answer for: P(on-hand ≤ 0 on some day 1..h) for each h. */
  readonly within: readonly number[];
  readonly paths: number;
  readonly seed: number;
}

/** A standard normal draw source (Box–Muller over the seeded generator). */
function normalSource(seed: number): () => number {
  const uniform = mulberry32(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u1 = 1 - uniform(); // (0, 1]: log stays finite
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
}

/**
 * P(on-hand ≤ 0 on some day 1..h) for each h of `within`, from `paths` simulated demand paths
 * with the projection's means, sds and correlation (a shared factor √ρ·Z₀ plus a daily one).
 */
export function stockoutProbabilities(sim: StockoutSimulation): number[] {
  const days = Math.min(sim.demand.mean.length, Math.max(0, ...sim.within));
  const arrivals = receiptsByDay(sim.receipts, days);
  const rho = Math.min(1, Math.max(0, sim.correlation));
  const shared = Math.sqrt(rho);
  const own = Math.sqrt(1 - rho);
  const paths = Math.max(1, Math.floor(sim.paths));
  const normal = normalSource(sim.seed);
  const hitsBy = new Array<number>(days + 2).fill(0); // paths whose first stockout is on day t
  for (let p = 0; p < paths; p += 1) {
    const z0 = normal();
    let stock = sim.onHand;
    for (let t = 1; t <= days; t += 1) {
      const sigma = Math.max(0, sim.demand.sd[t - 1] ?? 0);
      const draw = sigma === 0 ? 0 : sigma * (shared * z0 + own * normal());
      stock += (arrivals[t] ?? 0) - ((sim.demand.mean[t - 1] ?? 0) + draw);
      if (stock <= 0) {
        hitsBy[t] = (hitsBy[t] ?? 0) + 1;
        break;
      }
    }
  }
  const cumulativeHits: number[] = [0];
  for (let t = 1; t <= days; t += 1) cumulativeHits.push((cumulativeHits[t - 1] ?? 0) + (hitsBy[t] ?? 0));
  return sim.within.map((h) => (cumulativeHits[Math.min(days, Math.max(0, Math.floor(h)))] ?? 0) / paths);
}

export interface ReplenishmentInput {
  /** On hand plus every open receipt (the inventory position). */
  readonly position: number;
  /** Forecast demand per day from day 1, at least leadTimeDays + reviewDays long. */
  readonly demand: DailyDemand;
  readonly correlation: number;
  readonly leadTimeDays: number;
  /** Spread of the lead time (days), 0 when unknown. */
  readonly leadTimeSdDays: number;
  readonly reviewDays: number;
  /** Target cycle service level, in (0, 1). */
  readonly serviceLevel: number;
}

export interface Replenishment {
  readonly safetyStock: number;
  readonly reorderPoint: number;
  readonly recommendedOrderQty: number;
}

/**
 * Mean and sd of demand over the first `days` days, with lead-time spread: Var = Var(D_L) +
 * (mean daily demand)² · Var(L) (the textbook safety stock of demand and lead-time variability).
 */
function demandOver(days: number, input: ReplenishmentInput, cum: { mean: number[]; sd: number[] }): { mean: number; sd: number } {
  if (days <= 0) return { mean: 0, sd: 0 };
  const k = Math.min(days, cum.mean.length);
  const mean = k === 0 ? 0 : (cum.mean[k - 1] ?? 0);
  const sd = k === 0 ? 0 : (cum.sd[k - 1] ?? 0);
  const daily = k === 0 ? 0 : mean / k;
  return { mean, sd: Math.sqrt(sd * sd + (daily * input.leadTimeSdDays) ** 2) };
}

/**
 * Safety stock and reorder point for the lead time at the service level, and what to order now:
 * nothing while the position is above the reorder point, else enough to bring it up to the demand
 * of lead time + review period at the service level. Quantities round up to hundredths.
 */
export function replenishment(input: ReplenishmentInput): Replenishment {
  const z = Math.max(0, normalQuantile(input.serviceLevel));
  const cum = cumulativeDemand(input.demand, input.correlation);
  const lead = demandOver(Math.ceil(input.leadTimeDays), input, cum);
  const safetyStock = z * lead.sd;
  const reorderPoint = lead.mean + safetyStock;
  if (input.position > reorderPoint) return { safetyStock, reorderPoint, recommendedOrderQty: 0 };
  const cover = demandOver(Math.ceil(input.leadTimeDays + input.reviewDays), input, cum);
  const orderUpTo = cover.mean + z * cover.sd;
  const qty = Math.max(0, orderUpTo - input.position);
  return { safetyStock, reorderPoint, recommendedOrderQty: Math.max(0, Math.ceil(qty * 100 - 1e-9) / 100) };
}

/** Days from the first projected day to the end of the `horizon`-th bucket of `period` (the bucket holding the first day is the first). */
export function projectionDays(firstDay: string, period: Period, horizon: number): number {
  let start = bucketStart(firstDay, period);
  for (let i = 1; i < horizon; i += 1) start = nextBucket(start, period);
  return dayNumber(bucketEnd(start, period)) - dayNumber(firstDay) + 1;
}

/**
 * Points per bucket of `period`: each bucket's value and bounds are the projection at its last
 * day (the on-hand a planner sees at the end of that day / week / month). `days[0]` is `firstDay`.
 */
export function bucketPoints(days: readonly DayProjection[], firstDay: string, period: Period, horizon: number): ForecastPoint[] {
  const points: ForecastPoint[] = [];
  let start = bucketStart(firstDay, period);
  const first = dayNumber(firstDay);
  for (let i = 0; i < horizon; i += 1) {
    const day = days[Math.min(days.length - 1, dayNumber(bucketEnd(start, period)) - first)];
    if (day === undefined) break;
    points.push({ period_start: start, value: day.value, lower: day.lower, upper: day.upper });
    start = nextBucket(start, period);
  }
  return points;
}

/**
 * The day an open receipt is expected: its promised date moved by the supplier's mean delay
 * (rounded to whole days), or without a promise the order date plus the lead time; never before
 * the first projected day (a line past due and still open is expected any day now).
 */
export function expectedReceiptDate(line: { readonly orderDate: string; readonly promisedDate: string | null }, supplierDelayDays: number | null, leadTimeDays: number, firstDay: string): string {
  const planned = line.promisedDate === null ? addDays(line.orderDate, Math.ceil(leadTimeDays)) : addDays(line.promisedDate, Math.round(supplierDelayDays ?? 0));
  return dayNumber(planned) < dayNumber(firstDay) ? firstDay : planned;
}

/** Median of a list (mean of the middle two for an even count); undefined when empty. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Sample standard deviation; 0 for fewer than two values. */
export function sampleSd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
}
