/**
 * The planted situations the alerting work must catch, decided before the simulation runs:
 *
 * (a) Stockout within lead time. The stockout candidate (a smooth item bought from a long-lead
 *     supplier) has its automatic reordering switched off after one order (a master-data change
 *     took it out of MRP; the buyer re-sized that last order by hand), and a manual order placed
 *     late, on the last history day, promised a full lead time later. Which order is the last one,
 *     and its quantity, are searched by replaying the candidate's own simulation: the latest order
 *     whose arrival leaves nothing else open, sized so history closes with about 4–7 days of
 *     recent demand on hand. So on-hand is low at "today", demand is steady,
 *     and the only open order is promised after the day stock runs out. The stockout day is read
 *     off that same simulation continued past today — exactly what live mode goes on to emit.
 * (b) Quality drift: one production line's defect rate rises linearly over the last 6 weeks.
 * (c) Late supplier: from 90 days before today the late supplier delivers 12+ days late, and an
 *     expedite order promised 5 days before today guarantees at least one open, past-due order.
 */
import type { Catalog } from './catalog.js';
import { cloneState, initialState, stepItemSite, type ItemSiteModel, type ItemSitePlants, type ItemSiteState, type Supply } from './inventory-policy.js';
import type { Drift } from './production-quality.js';
import { STREAM, rngFor } from './prng.js';
import type { LateRegime } from './supply.js';

/** How far back the block of automatic reordering may start. */
const SEARCH_DAYS = 200;
/** Aim for 4–7 days of cover at today: an alert has a few days to act, an order cannot make it. */
const TARGET_COVER_MIN = 4;
const TARGET_COVER_MAX = 7;
/** Closing stock must cover at least this many days of recent demand (a real, not trivial, lead). */
const MIN_COVER_DAYS = 2;
/** …and leave at least this many days of the lead time after the stockout. */
const LEAD_MARGIN_DAYS = 3;
/** Recent demand = mean of this many days up to today. */
const RECENT_DAYS = 28;
/** The drift rises over the last six weeks… */
export const DRIFT_DAYS = 42;
/** …by this much defect rate (e.g. 1.5 % → 7.5 %): clear to a control chart, not a line stop. */
const DRIFT_RISE = 0.06;
/** The late supplier has been late for the last 90 days (a quarter: enough receipts to show it). */
export const LATE_DAYS = 90;
/** The expedite order is promised this many days before today. */
const EXPEDITE_PAST_DUE_DAYS = 5;

export interface DriftPlan {
  readonly lineIndex: number;
  readonly drift: Drift;
}

export interface LatePlan {
  readonly regime: LateRegime;
  readonly expedite: { readonly itemIndex: number; readonly siteIndex: number; readonly day: number };
}

export interface StockoutPlan {
  readonly itemIndex: number;
  readonly siteIndex: number;
  readonly plants: ItemSitePlants;
  /** What the policy asked for on the re-sized order's day (plants.resizeOrder.qty was ordered). */
  readonly policyQty: number;
  /** Closing on-hand on the last history day and the mean demand of the last 28 days. */
  readonly closingOnHand: number;
  readonly recentDemand: number;
  readonly manualOrder: Supply;
  /** First day (≥ today) on which on-hand closes at zero. */
  readonly stockoutDay: number;
}

export function planDrift(seed: number, catalog: Catalog, today: number): DriftPlan {
  const rng = rngFor(seed, STREAM.PLANT, 2);
  const producing = catalog.lines.flatMap((line, index) => (line.itemIndices.length > 0 ? [index] : []));
  const lineIndex = rng.pick(producing);
  // Tool wear shows as dimensional defects.
  return { lineIndex, drift: { fromDay: today - DRIFT_DAYS, slopePerDay: DRIFT_RISE / DRIFT_DAYS, code: 'DIM' } };
}

export function planLate(catalog: Catalog, today: number): LatePlan {
  const supplier = catalog.suppliers[catalog.lateSupplier];
  const item = catalog.items.find((candidate) => candidate.supplierIndex === catalog.lateSupplier);
  if (supplier === undefined || item === undefined) throw new Error('the late supplier has no items');
  return {
    regime: { supplierIndex: catalog.lateSupplier, fromDay: today - LATE_DAYS },
    expedite: { itemIndex: item.index, siteIndex: 0, day: today - EXPEDITE_PAST_DUE_DAYS - supplier.leadTimeDays },
  };
}

interface Trial {
  readonly plants: ItemSitePlants;
  readonly closingOnHand: number;
  readonly manualOrder: Supply;
  /** Orders other than the manual one open at the end of the last history day. */
  readonly otherOpen: number;
  /** On-hand closed at zero somewhere between the re-sized order and the last history day. */
  readonly stockedOutBefore: boolean;
  readonly stockoutDay: number | undefined;
}

export interface StockoutSearch {
  readonly seed: number;
  readonly itemIndex: number;
  readonly siteIndex: number;
  readonly today: number;
  readonly leadTimeDays: number;
  /** The item×site's model with the given plants (same demand series for every call). */
  readonly model: (plants: ItemSitePlants) => ItemSiteModel;
}

export function planStockout(search: StockoutSearch): StockoutPlan {
  const { today } = search;
  const orderDay = today - 1;
  const base = search.model({});
  const recentDemand = mean(Array.from({ length: RECENT_DAYS }, (_, k) => base.series.at(orderDay - k)));
  const maxCover = search.leadTimeDays - LEAD_MARGIN_DAYS;
  const rng = rngFor(search.seed, STREAM.PLANT, 1);
  const target = Math.max(1, Math.round(recentDemand * rng.range(Math.min(TARGET_COVER_MIN, maxCover), Math.min(TARGET_COVER_MAX, maxCover))));

  // The unplanted path, with the state at the start of each day of the search window.
  const from = Math.max(1, today - SEARCH_DAYS);
  const starts = new Map<number, ItemSiteState>();
  const orders: Supply[] = [];
  const state = initialState(base);
  for (let day = 0; day <= orderDay; day += 1) {
    if (day >= from) starts.set(day, cloneState(state));
    orders.push(...stepItemSite(base, state, day).created);
  }

  const trial = (lastDay: number, lastQty: number): Trial | undefined => {
    const start = starts.get(lastDay);
    if (start === undefined) return undefined;
    const plants: ItemSitePlants = { resizeOrder: { day: lastDay, qty: lastQty }, freezeFrom: lastDay + 1, manualOrderDay: orderDay };
    const model = search.model(plants);
    const run = cloneState(start);
    let stockedOutBefore = false;
    for (let day = lastDay; day <= orderDay; day += 1) {
      stepItemSite(model, run, day);
      if (run.onHand === 0) stockedOutBefore = true;
    }
    const manualOrder = run.open.find((supply) => supply.note === 'planted-stockout');
    if (manualOrder === undefined) return undefined;
    const closingOnHand = run.onHand;
    const otherOpen = run.open.length - 1;
    let stockoutDay: number | undefined;
    for (let day = today; day < manualOrder.dueDay && stockoutDay === undefined; day += 1) {
      stepItemSite(model, run, day);
      if (run.onHand === 0) stockoutDay = day;
    }
    return { plants, closingOnHand, manualOrder, otherOpen, stockedOutBefore, stockoutDay };
  };

  // Latest policy order first: re-size it so the last history day closes at the target stock.
  const policyOrders = orders.filter((o) => o.note === undefined && o.orderDay >= from && o.orderDay < orderDay).reverse();
  const fits: { last: Supply; chosen: Trial & { stockoutDay: number }; ratio: number }[] = [];
  for (const last of policyOrders) {
    // Enough to cover all demand up to today plus the target: closing stock reaches the target.
    const most = last.qty + target + Math.ceil(recentDemand * 2 * (orderDay - last.orderDay));
    const full = trial(last.orderDay, most);
    if (full === undefined || full.otherOpen > 0 || full.closingOnHand < target) continue;
    // Closing stock does not fall as the order grows: bisect for the least quantity reaching the target.
    let lo = 1;
    let hi = most;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if ((trial(last.orderDay, mid)?.closingOnHand ?? 0) >= target) hi = mid;
      else lo = mid + 1;
    }
    const chosen = trial(last.orderDay, lo);
    if (chosen === undefined || chosen.stockedOutBefore || chosen.otherOpen > 0 || chosen.stockoutDay === undefined) continue;
    const cover = chosen.closingOnHand / recentDemand;
    if (cover < MIN_COVER_DAYS || cover > maxCover) continue;
    const ratio = lo / last.qty;
    fits.push({ last, chosen: { ...chosen, stockoutDay: chosen.stockoutDay }, ratio });
    // A believable re-size (a quarter to twice the policy's lot) landing near the target ends the search.
    if (ratio >= 0.25 && ratio <= 2 && cover <= TARGET_COVER_MAX + 1) break;
  }
  // Otherwise the re-size closest to the policy's own lot.
  const pick = fits.reduce<(typeof fits)[number] | undefined>((best, fit) => (best === undefined || Math.abs(Math.log(fit.ratio)) < Math.abs(Math.log(best.ratio)) ? fit : best), undefined);
  if (pick !== undefined) {
    const { last, chosen } = pick;
    return {
      itemIndex: search.itemIndex,
      siteIndex: search.siteIndex,
      plants: chosen.plants,
      policyQty: last.qty,
      closingOnHand: chosen.closingOnHand,
      recentDemand,
      manualOrder: chosen.manualOrder,
      stockoutDay: chosen.stockoutDay,
    };
  }
  throw new Error(`no planted stockout fits item ${search.itemIndex} at site ${search.siteIndex}`);
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}
