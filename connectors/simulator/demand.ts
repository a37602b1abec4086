/**
 * Daily demand per item×site, one of five patterns (the classes forecasting must tell apart):
 * - smooth: level × weekly shape × yearly swell × linear trend × log-normal noise, Poisson counts;
 * - intermittent: demand on a day with probability 1/ADI (ADI 2.5–6 > 1.32), small steady sizes
 *   (squared CV of sizes < 0.49) — spare parts;
 * - lumpy: as intermittent but log-normal sizes with squared CV > 0.49;
 * - promo: smooth plus one uplift window in most quarters (with a price discount);
 * - outlier: smooth plus rare one-day spikes (a big one-off order).
 * Demand on a day is a pure function of (seed, item, site, day): history, live mode and the
 * planted-situation search all see the same numbers.
 */
import { trendFactor, weeklyFactor, yearlyFactor } from './calendar.js';
import { STREAM, rngFor } from './prng.js';

export const DEMAND_PATTERNS = ['smooth', 'intermittent', 'lumpy', 'promo', 'outlier'] as const;
export type DemandPattern = (typeof DEMAND_PATTERNS)[number];

/** Parameters of one item×site's demand, as recorded in the ground truth. */
export interface DemandParams {
  readonly pattern: DemandPattern;
  /** Smooth class: mean units a day at day 0 (before weekly/yearly factors). */
  readonly level: number;
  readonly yearlyAmplitude: number;
  readonly yearlyPeakDayOfYear: number;
  /** Growth per year (0.1 = +10 %). */
  readonly trendPerYear: number;
  /** Log-sd of the day-to-day multiplicative noise. */
  readonly noiseSigma: number;
  /** Intermittent/lumpy: mean days between demands (average demand interval). */
  readonly adi: number;
  /** Intermittent/lumpy: mean size of a demand. */
  readonly sizeMean: number;
  /** Lumpy: log-sd of demand sizes. */
  readonly sizeSigma: number;
  /** Promo: chance a quarter has a promotion, its demand multiplier and price discount. */
  readonly promoChance: number;
  readonly promoUplift: number;
  readonly promoDiscount: number;
  /** Outlier: chance of a spike on a day. */
  readonly outlierRate: number;
}

/** What one series' draws are keyed on. */
export interface DemandKey {
  readonly seed: number;
  readonly itemIndex: number;
  readonly siteIndex: number;
  readonly startEpoch: number;
  readonly params: DemandParams;
}

export interface PromoWindow {
  /** First and last simulation day of the window (inclusive). */
  readonly fromDay: number;
  readonly toDay: number;
  readonly uplift: number;
  readonly discount: number;
}

/** Promotions are planned per quarter: at most one window in each 91-day block. */
const PROMO_BLOCK_DAYS = 91;

export function demandParams(seed: number, itemIndex: number, siteIndex: number, pattern: DemandPattern, siteScale: number): DemandParams {
  const rng = rngFor(seed, STREAM.DEMAND_PARAMS, itemIndex, siteIndex);
  // Smooth runners sell 5–60 units a day at a big site (log-normal around 20).
  const level = Math.max(2, siteScale * rng.logNormal(Math.log(20), 0.6));
  return {
    pattern,
    level,
    // Yearly swing of ±10–30 %, peaking anywhere in the year (the product's season).
    yearlyAmplitude: rng.range(0.1, 0.3),
    yearlyPeakDayOfYear: rng.int(365),
    // −5 % to +15 % a year: most industrial lines grow slowly, some decline.
    trendPerYear: rng.range(-0.05, 0.15),
    noiseSigma: rng.range(0.08, 0.2),
    adi: pattern === 'lumpy' ? rng.range(3, 8) : rng.range(2.5, 6),
    // Intermittent sizes 1 + Poisson(0.5–3): squared CV ≤ 0.22; lumpy sizes 4–40 units.
    sizeMean: pattern === 'lumpy' ? Math.max(4, siteScale * rng.range(5, 40)) : rng.range(1.5, 4),
    sizeSigma: rng.range(0.8, 1.1),
    promoChance: 0.6,
    promoUplift: rng.range(1.6, 2.4),
    promoDiscount: rng.range(0.1, 0.2),
    // About two spikes a year.
    outlierRate: 0.005,
  };
}

/** The promotion of a 91-day block, if it has one (promo pattern only). */
export function promoInBlock(key: DemandKey, block: number): PromoWindow | undefined {
  const { params } = key;
  if (params.pattern !== 'promo') return undefined;
  const rng = rngFor(key.seed, STREAM.PROMO, key.itemIndex, key.siteIndex, block);
  if (!rng.chance(params.promoChance)) return undefined;
  const length = rng.intBetween(7, 14);
  const fromDay = block * PROMO_BLOCK_DAYS + rng.int(PROMO_BLOCK_DAYS - length);
  return { fromDay, toDay: fromDay + length - 1, uplift: params.promoUplift, discount: params.promoDiscount };
}

export function promoOn(key: DemandKey, day: number): PromoWindow | undefined {
  const window = promoInBlock(key, Math.floor(day / PROMO_BLOCK_DAYS));
  return window !== undefined && day >= window.fromDay && day <= window.toDay ? window : undefined;
}

/** Promotion windows overlapping [fromDay, toDay). */
export function promosBetween(key: DemandKey, fromDay: number, toDay: number): PromoWindow[] {
  const out: PromoWindow[] = [];
  for (let block = Math.floor(fromDay / PROMO_BLOCK_DAYS); block * PROMO_BLOCK_DAYS < toDay; block += 1) {
    const window = promoInBlock(key, block);
    if (window !== undefined && window.toDay >= fromDay && window.fromDay < toDay) out.push(window);
  }
  return out;
}

/** The spike multiplier on a day (1 when there is none; outlier pattern only). */
export function outlierOn(key: DemandKey, day: number): number {
  if (key.params.pattern !== 'outlier') return 1;
  const rng = rngFor(key.seed, STREAM.OUTLIER, key.itemIndex, key.siteIndex, day);
  // A one-off order of 5–9 normal days' worth.
  return rng.chance(key.params.outlierRate) ? rng.range(5, 9) : 1;
}

/** Expected smooth-class demand on a day, before noise and spikes. */
export function smoothMean(key: DemandKey, day: number): number {
  const { params } = key;
  const epochDay = key.startEpoch + day;
  const promo = promoOn(key, day);
  return (
    params.level *
    weeklyFactor(epochDay) *
    yearlyFactor(epochDay, params.yearlyAmplitude, params.yearlyPeakDayOfYear) *
    trendFactor(day, params.trendPerYear) *
    (promo === undefined ? 1 : promo.uplift)
  );
}

/** Units demanded of the item at the site on simulation day `day`. */
export function demandOn(key: DemandKey, day: number): number {
  const { params } = key;
  const rng = rngFor(key.seed, STREAM.DEMAND, key.itemIndex, key.siteIndex, day);
  switch (params.pattern) {
    case 'intermittent':
      return rng.chance(1 / params.adi) ? 1 + rng.poisson(params.sizeMean - 1) : 0;
    case 'lumpy': {
      if (!rng.chance(1 / params.adi)) return 0;
      const mu = Math.log(params.sizeMean) - (params.sizeSigma * params.sizeSigma) / 2;
      return Math.max(1, Math.round(rng.logNormal(mu, params.sizeSigma)));
    }
    case 'smooth':
    case 'promo':
    case 'outlier': {
      const noise = rng.logNormal(-(params.noiseSigma * params.noiseSigma) / 2, params.noiseSigma);
      return rng.poisson(smoothMean(key, day) * noise * outlierOn(key, day));
    }
  }
}

/** A memo over `demandOn`: the policy, the simulation and the order lines all read the same days. */
export class DemandSeries {
  readonly #values: number[] = [];

  constructor(readonly key: DemandKey) {}

  at(day: number): number {
    if (day < 0) return this.at(0);
    const cached = this.#values[day];
    if (cached !== undefined) return cached;
    const value = demandOn(this.key, day);
    this.#values[day] = value;
    return value;
  }
}
