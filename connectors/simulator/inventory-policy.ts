/**
 * The (s, S) replenishment policy and the daily state machine of one item at one site.
 *
 * Policy: continuous review of the inventory position (on hand + ordered, not yet received).
 * When it is at or below the reorder point s, order S − position — a purchase order with the
 * item's supplier, or a work order on its production line. s covers mean demand over the lead
 * time plus a review day with a safety stock for a 98 % cycle service level; S − s is the item's
 * cycle (days of average demand per order). A planner re-estimates s and S every four weeks from
 * the trailing half-year of demand (the last four weeks' mean when higher), so the policy follows
 * trend and season.
 *
 * One day, in order: (1) quarterly review; (2) receipts of orders arriving today; (3) issues of
 * today's demand up to on-hand — unmet demand is lost (short-shipped), so on-hand never goes
 * negative; (4) rare cycle-count adjustments and scrap; (5) the end-of-day reorder check. The
 * planted stockout hooks in at (5): one order is re-sized, auto-reordering is blocked from
 * `freezeFrom` and a manual order is placed on `manualOrderDay`; the late supplier's expedite
 * order also enters there.
 */
import type { DemandSeries } from './demand.js';
import { STREAM, rngFor } from './prng.js';

/** One replenishment order in flight or done: a purchase order or a work order. */
export interface Supply {
  readonly kind: 'po' | 'wo';
  readonly id: string;
  readonly itemIndex: number;
  readonly siteIndex: number;
  readonly orderDay: number;
  /** Promised receipt (purchase order) or planned completion (work order). */
  readonly dueDay: number;
  /** The day it actually arrives in stock. */
  readonly arrivalDay: number;
  readonly qty: number;
  /** Received (purchase order, sometimes short) or completed good units (work order). */
  readonly receivedQty: number;
  /** Work orders: units scrapped in production. */
  readonly scrappedQty: number;
  readonly supplierIndex?: number;
  readonly lineId?: string;
  /** Why it exists beyond the policy: the planted stockout's late manual order, or an expedite. */
  readonly note?: 'planted-stockout' | 'expedite';
}

export interface Policy {
  readonly s: number;
  readonly S: number;
  readonly mean: number;
  readonly sd: number;
  readonly fromDay: number;
}

export interface ItemSiteState {
  onHand: number;
  open: Supply[];
  /** Orders created so far (numbers the next one). */
  seq: number;
  policy: Policy;
}

export interface ItemSitePlants {
  /** Auto-reordering is blocked on days freezeFrom ≤ day < manualOrderDay. */
  readonly freezeFrom?: number;
  readonly manualOrderDay?: number;
  /** Days an expedite order (S − s units) is placed on top of the policy. */
  readonly expediteDays?: readonly number[];
  /** The policy's order on `day` is re-sized to `qty` units. */
  readonly resizeOrder?: { readonly day: number; readonly qty: number };
}

export interface ItemSiteModel {
  readonly seed: number;
  readonly itemIndex: number;
  readonly siteIndex: number;
  readonly series: DemandSeries;
  /** Lead time the planner plans with: nominal supplier lead time + expected delay, or production days. */
  readonly planningLeadDays: number;
  readonly cycleDays: number;
  readonly plants: ItemSitePlants;
  /** Creates the purchase or work order numbered `state.seq` (ids, supplier delays, production scrap live there). */
  readonly createOrder: (state: ItemSiteState, day: number, qty: number, note?: Supply['note']) => Supply;
}

/** What happened to one item×site on one day. */
export interface DayStep {
  readonly day: number;
  readonly demand: number;
  readonly issued: number;
  readonly receipts: readonly Supply[];
  /** Signed cycle-count corrections. */
  readonly adjustments: readonly number[];
  /** Units written off (positive). */
  readonly scrapped: readonly number[];
  readonly created: readonly Supply[];
}

/** The planner re-estimates s and S every four weeks… */
export const REVIEW_DAYS = 28;
/** …from the trailing half-year of daily demand (variability)… */
const ESTIMATION_DAYS = 182;
/** …and the last four weeks when demand is running above the half-year mean (season, trend). */
const RECENT_DAYS = 28;
/** z for a 98 % cycle service level. */
const SAFETY_Z = 2.05;
/** Chance of a cycle-count correction on a day (about four a year per item×site). */
const ADJUSTMENT_CHANCE = 0.012;
/** Chance of damaged stock being scrapped on a day (about one and a half a year). */
const SCRAP_CHANCE = 0.004;

/** s and S from demand over the estimation window ending before `day` (the first half-year at the start). */
export function computePolicy(series: DemandSeries, day: number, leadDays: number, cycleDays: number): Policy {
  const from = Math.max(0, day - ESTIMATION_DAYS);
  const to = Math.max(from + ESTIMATION_DAYS, day);
  let sum = 0;
  let squares = 0;
  for (let d = from; d < to; d += 1) {
    const q = series.at(d);
    sum += q;
    squares += q * q;
  }
  const n = to - from;
  const longMean = sum / n;
  const sd = Math.sqrt(Math.max(0, squares / n - longMean * longMean));
  let recent = 0;
  for (let d = to - RECENT_DAYS; d < to; d += 1) recent += series.at(d);
  const mean = Math.max(longMean, recent / RECENT_DAYS);
  const cover = leadDays + 1;
  const s = Math.ceil(mean * cover + SAFETY_Z * sd * Math.sqrt(cover));
  const S = s + Math.max(1, Math.ceil(mean * cycleDays));
  return { s, S, mean, sd, fromDay: day };
}

export function initialState(model: ItemSiteModel): ItemSiteState {
  const policy = computePolicy(model.series, 0, model.planningLeadDays, model.cycleDays);
  const rng = rngFor(model.seed, STREAM.POLICY, model.itemIndex, model.siteIndex);
  // Start somewhere between s and S so item×sites do not all reorder on day 0.
  return { onHand: policy.s + Math.floor(rng.next() * (policy.S - policy.s + 1)), open: [], seq: 0, policy };
}

export function cloneState(state: ItemSiteState): ItemSiteState {
  return { onHand: state.onHand, open: [...state.open], seq: state.seq, policy: state.policy };
}

/** Inventory position: on hand plus everything ordered and not yet received. */
export function position(state: ItemSiteState): number {
  return state.open.reduce((sum, supply) => sum + supply.qty, state.onHand);
}

/** Applies the day's cycle-count corrections and write-offs to `state`; returns what was applied. */
function applyStockEvents(model: ItemSiteModel, state: ItemSiteState, day: number): { adjustments: number[]; scrapped: number[] } {
  const rng = rngFor(model.seed, STREAM.STOCK_EVENTS, model.itemIndex, model.siteIndex, day);
  const adjustments: number[] = [];
  const scrapped: number[] = [];
  if (rng.chance(ADJUSTMENT_CHANCE)) {
    // Counts differ from the books by up to 2 % of stock.
    const size = 1 + rng.int(Math.max(1, Math.round(0.02 * state.onHand)));
    const delta = rng.chance(0.5) ? size : -Math.min(size, state.onHand);
    if (delta !== 0) {
      adjustments.push(delta);
      state.onHand += delta;
    }
  }
  if (rng.chance(SCRAP_CHANCE) && state.onHand > 0) {
    // Damage in handling: up to 1 % of stock.
    const qty = Math.min(state.onHand, 1 + rng.int(Math.max(1, Math.round(0.01 * state.onHand))));
    scrapped.push(qty);
    state.onHand -= qty;
  }
  return { adjustments, scrapped };
}

function order(model: ItemSiteModel, state: ItemSiteState, day: number, qty: number, note?: Supply['note']): Supply {
  const supply = model.createOrder(state, day, qty, note);
  state.seq += 1;
  return supply;
}

/** Advances one item×site by one day (mutates `state`) and says what happened. */
export function stepItemSite(model: ItemSiteModel, state: ItemSiteState, day: number): DayStep {
  if (day > 0 && day % REVIEW_DAYS === 0) state.policy = computePolicy(model.series, day, model.planningLeadDays, model.cycleDays);

  const receipts = state.open.filter((supply) => supply.arrivalDay === day);
  if (receipts.length > 0) {
    state.open = state.open.filter((supply) => supply.arrivalDay !== day);
    for (const supply of receipts) state.onHand += supply.receivedQty;
  }

  const demand = model.series.at(day);
  const issued = Math.min(demand, state.onHand);
  state.onHand -= issued;

  const { adjustments, scrapped } = applyStockEvents(model, state, day);

  const created: Supply[] = [];
  const { freezeFrom, manualOrderDay, expediteDays, resizeOrder } = model.plants;
  const blocked = freezeFrom !== undefined && manualOrderDay !== undefined && day >= freezeFrom && day < manualOrderDay;
  const pos = position(state);
  if (day === manualOrderDay) {
    // The buyer orders up to S, and at least one normal lot.
    created.push(order(model, state, day, Math.max(state.policy.S - pos, state.policy.S - state.policy.s), 'planted-stockout'));
  } else if (!blocked && pos <= state.policy.s) {
    created.push(order(model, state, day, resizeOrder?.day === day ? resizeOrder.qty : state.policy.S - pos));
  }
  if (expediteDays?.includes(day) === true) {
    created.push(order(model, state, day, Math.max(1, state.policy.S - state.policy.s), 'expedite'));
  }
  state.open.push(...created);
  return { day, demand, issued, receipts, adjustments, scrapped, created };
}
