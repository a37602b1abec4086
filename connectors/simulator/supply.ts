/**
 * Creating replenishment orders: purchase orders with a supplier, work orders on a line.
 *
 * Purchase order: promised = order day + the supplier's nominal lead time; received = promised +
 * a delay from the supplier's distribution — on time with probability `onTimeShare`, otherwise
 * 1 + Poisson(meanDelay − 1) days late. The late supplier switches, for orders promised from
 * `lateFromDay` on, to 12 + Poisson(8) days late. Some deliveries are short.
 * Work order: starts the day after release, completes after the item's production days; units
 * scrapped are binomial at the line's defect rate on the completion day.
 * All draws are keyed by (item, site, order number), so an order is the same wherever it is made.
 */
import type { Item, Site, Supplier } from './catalog.js';
import type { ItemSiteState, Supply } from './inventory-policy.js';
import { defectRate, type LineModel } from './production-quality.js';
import { STREAM, rngFor } from './prng.js';

/** The late supplier's regime: orders promised on or after `fromDay` come late by this much. */
export interface LateRegime {
  readonly supplierIndex: number;
  readonly fromDay: number;
}

/** Late regime: at least 12 days late (a capacity crisis at the supplier)… */
export const LATE_MIN_DELAY_DAYS = 12;
/** …plus Poisson with this mean (20 days late on average, against 1–2 in normal times). */
const LATE_EXTRA_MEAN = 8;
/** Share of purchase orders delivered short. */
const SHORT_SHARE = 0.06;

export interface SupplyContext {
  readonly seed: number;
  readonly item: Item;
  readonly site: Site;
  readonly supplier: Supplier | undefined;
  readonly line: LineModel | undefined;
  readonly late: LateRegime;
}

function orderNumber(prefix: string, context: SupplyContext, seq: number): string {
  return `${prefix}-${context.site.code}-${context.item.sku.slice(3)}-${String(seq + 1).padStart(4, '0')}`;
}

export function supplierDelay(context: SupplyContext, supplier: Supplier, promisedDay: number, seq: number): { delay: number; shortFactor: number } {
  const rng = rngFor(context.seed, STREAM.PURCHASE, context.item.index, context.site.index, seq);
  const late = supplier.index === context.late.supplierIndex && promisedDay >= context.late.fromDay;
  const delay = late
    ? LATE_MIN_DELAY_DAYS + rng.poisson(LATE_EXTRA_MEAN)
    : rng.chance(supplier.onTimeShare) ? 0 : 1 + rng.poisson(supplier.meanDelayDays - 1);
  // Short deliveries bring 80–97 % of the ordered quantity.
  const shortFactor = rng.chance(SHORT_SHARE) ? rng.range(0.8, 0.97) : 1;
  return { delay, shortFactor };
}

export function createOrder(context: SupplyContext, state: ItemSiteState, day: number, qty: number, note?: Supply['note']): Supply {
  const base = { itemIndex: context.item.index, siteIndex: context.site.index, orderDay: day, qty, ...(note === undefined ? {} : { note }) };
  const { supplier, line } = context;
  if (!context.item.make && supplier !== undefined) {
    const dueDay = day + supplier.leadTimeDays;
    const { delay, shortFactor } = supplierDelay(context, supplier, dueDay, state.seq);
    return {
      ...base,
      kind: 'po',
      id: orderNumber('PO', context, state.seq),
      dueDay,
      arrivalDay: dueDay + delay,
      receivedQty: shortFactor === 1 ? qty : Math.max(1, Math.floor(qty * shortFactor)),
      scrappedQty: 0,
      supplierIndex: supplier.index,
    };
  }
  if (line === undefined) throw new Error(`manufactured item ${context.item.sku} has no line at ${context.site.code}`);
  const dueDay = day + context.item.productionDays;
  const rng = rngFor(context.seed, STREAM.PRODUCTION, context.item.index, context.site.index, state.seq);
  const scrapped = rng.binomial(qty, defectRate(line, dueDay));
  return {
    ...base,
    kind: 'wo',
    id: orderNumber('WO', context, state.seq),
    dueDay,
    arrivalDay: dueDay,
    receivedQty: qty - scrapped,
    scrappedQty: scrapped,
    lineId: line.line.id,
  };
}

/** Days the planner allows for replenishment: nominal lead time plus the expected delay, or production days. */
export function planningLeadDays(item: Item, supplier: Supplier | undefined): number {
  if (item.make || supplier === undefined) return item.productionDays + 1;
  return Math.ceil(supplier.leadTimeDays + (1 - supplier.onTimeShare) * supplier.meanDelayDays);
}
