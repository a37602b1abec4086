/**
 * Sales order lines of one site on one day. The day's demand of each item is split into one to a
 * few lines spread over the site's orders of the day (a customer order holds several items), so
 * daily demand per item×site equals the sum of its order lines' qty. Stock is allocated to lines
 * in order number order: lines it covers ship, the rest are short (lost sales).
 */
import { compactDate, isoDate, weeklyFactor } from './calendar.js';
import { PER_EUR, type Item, type Site } from './catalog.js';
import { STREAM, rngFor } from './prng.js';
import { round2, type SalesOrderRecord } from './records.js';

export interface ItemDayDemand {
  readonly item: Item;
  readonly qty: number;
  readonly issued: number;
  /** Promotion price discount on the day (0 when none). */
  readonly discount: number;
}

/** Order headers a big site takes on an average day. */
const ORDERS_PER_DAY = 8;
/** Most lines one item's day of demand is split into. */
const MAX_PARTS = 3;

/** Price of the item at the site, converted from the item's currency at the fixed rates. */
export function sitePrice(item: Item, site: Site, discount: number): number {
  const perEurItem = PER_EUR[item.currency] ?? 1;
  const perEurSite = PER_EUR[site.currency] ?? 1;
  return Math.max(0.01, round2((item.listPrice / perEurItem) * perEurSite * (1 - discount)));
}

export function orderLines(seed: number, site: Site, customers: readonly string[], day: number, epochDay: number, demands: readonly ItemDayDemand[]): SalesOrderRecord[] {
  const rng = rngFor(seed, STREAM.ORDERS, site.index, day);
  const orderCount = Math.max(1, Math.round(ORDERS_PER_DAY * site.scale * weeklyFactor(epochDay)));
  const headers = Array.from({ length: orderCount }, () => ({
    customer: rng.pick(customers),
    // Customers ask for delivery 1–7 days out.
    requested: isoDate(epochDay + rng.intBetween(1, 7)),
  }));

  /** slot → item index → qty */
  const slots = Array.from({ length: orderCount }, () => new Map<number, number>());
  for (const { item, qty } of demands) {
    if (qty <= 0) continue;
    const parts = Math.min(qty, 1 + rng.int(MAX_PARTS));
    const base = Math.floor(qty / parts);
    for (let p = 0; p < parts; p += 1) {
      const partQty = p === 0 ? qty - base * (parts - 1) : base;
      const slot = slots[rng.int(orderCount)];
      slot?.set(item.index, (slot.get(item.index) ?? 0) + partQty);
    }
  }

  const left = new Map(demands.map((d) => [d.item.index, d.issued]));
  const byIndex = new Map(demands.map((d) => [d.item.index, d]));
  const date = isoDate(epochDay);
  const out: SalesOrderRecord[] = [];
  slots.forEach((slot, k) => {
    const header = headers[k];
    if (header === undefined || slot.size === 0) return;
    const orderId = `SO-${site.code}-${compactDate(epochDay)}-${String(k + 1).padStart(3, '0')}`;
    let line = 0;
    for (const [itemIndex, qty] of [...slot.entries()].sort((a, b) => a[0] - b[0])) {
      const demand = byIndex.get(itemIndex);
      if (demand === undefined) continue;
      const available = left.get(itemIndex) ?? 0;
      left.set(itemIndex, Math.max(0, available - qty));
      line += 1;
      out.push({
        order_id: orderId,
        line,
        sku: demand.item.sku,
        site: site.code,
        customer_id: header.customer,
        qty,
        unit_price: sitePrice(demand.item, site, demand.discount),
        currency: site.currency,
        order_date: date,
        requested_date: header.requested,
        status: available >= qty ? 'shipped' : 'short',
      });
    }
  });
  return out;
}
