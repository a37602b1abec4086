import { describe, expect, it } from 'vitest';
import { DemandSeries, type DemandParams } from '../../../connectors/simulator/demand.js';
import { initialState, position, stepItemSite, type ItemSiteModel, type Supply } from '../../../connectors/simulator/inventory-policy.js';
import { STATS_CONFIG, all, historyOf } from './fixtures.js';

/** A constant-demand series: the policy's arithmetic can be checked by hand. */
function constantSeries(perDay: number): DemandSeries {
  const series = new DemandSeries({ seed: 1, itemIndex: 0, siteIndex: 0, startEpoch: 0, params: { pattern: 'smooth' } as DemandParams });
  series.at = () => perDay;
  return series;
}

function model(perDay: number, leadDays: number, cycleDays: number): ItemSiteModel {
  return {
    seed: 1,
    itemIndex: 0,
    siteIndex: 0,
    series: constantSeries(perDay),
    planningLeadDays: leadDays,
    cycleDays,
    plants: {},
    createOrder: (state, day, qty): Supply => ({
      kind: 'po', id: `PO-${state.seq}`, itemIndex: 0, siteIndex: 0, orderDay: day, dueDay: day + leadDays, arrivalDay: day + leadDays, qty, receivedQty: qty, scrappedQty: 0,
    }),
  };
}

describe('(s, S) policy', () => {
  it('sets s to lead-time demand and S − s to the cycle, and orders S − position when the position reaches s', () => {
    const m = model(10, 5, 10);
    const state = initialState(m);
    // No variability: s = 10 × (5 + 1), S = s + 10 × 10.
    expect(state.policy).toMatchObject({ s: 60, S: 160 });
    const orders: Supply[] = [];
    for (let day = 0; day < 120; day += 1) {
      const before = position(state);
      const step = stepItemSite(m, state, day);
      for (const order of step.created) {
        orders.push(order);
        // The position after today's issues fell to s or below; the order brings it back to S.
        expect(before - step.issued).toBeLessThanOrEqual(60);
        expect(order.qty).toBe(160 - (before - step.issued));
      }
      expect(position(state)).toBeLessThanOrEqual(160);
      expect(position(state)).toBeGreaterThan(50);
      // Constant demand, lead time covered by s: never a stockout.
      expect(step.issued).toBe(10);
    }
    expect(orders.length).toBeGreaterThanOrEqual(11);
  });
});

describe('simulated inventory', () => {
  const history = historyOf(STATS_CONFIG);

  it('closes every day at the previous close plus that day’s movements, never below zero', () => {
    const moves = new Map<string, number>();
    for (const movement of all(history, 'inventory_movements')) {
      const key = `${movement.sku}@${movement.site}@${movement.ts.slice(0, 10)}`;
      moves.set(key, (moves.get(key) ?? 0) + movement.qty);
    }
    const last = new Map<string, number>();
    let checked = 0;
    for (const day of history.days) {
      for (const snapshot of day.records.inventory) {
        const key = `${snapshot.sku}@${snapshot.site}`;
        expect(snapshot.on_hand).toBeGreaterThanOrEqual(0);
        expect(snapshot.reserved).toBeLessThanOrEqual(snapshot.on_hand);
        const previous = last.get(key);
        if (previous !== undefined) {
          expect(snapshot.on_hand, `${key} ${day.date}`).toBe(previous + (moves.get(`${key}@${day.date}`) ?? 0));
          checked += 1;
        }
        last.set(key, snapshot.on_hand);
      }
    }
    expect(checked).toBe((STATS_CONFIG.historyDays - 1) * STATS_CONFIG.items * STATS_CONFIG.sites);
  });

  it('issues what sales orders asked for when every line shipped, less when some were short', () => {
    const issued = new Map<string, number>();
    for (const m of all(history, 'inventory_movements')) if (m.movement_type === 'issue') issued.set(`${m.sku}@${m.site}@${m.ts.slice(0, 10)}`, -m.qty);
    const ordered = new Map<string, { qty: number; short: boolean }>();
    for (const line of all(history, 'sales_orders')) {
      const key = `${line.sku}@${line.site}@${line.order_date}`;
      const entry = ordered.get(key) ?? { qty: 0, short: false };
      ordered.set(key, { qty: entry.qty + line.qty, short: entry.short || line.status === 'short' });
    }
    let shortDays = 0;
    for (const [key, { qty, short }] of ordered) {
      if (short) {
        shortDays += 1;
        expect(issued.get(key) ?? 0).toBeLessThan(qty);
      } else expect(issued.get(key), key).toBe(qty);
    }
    // Stockouts happen (lost sales) but are rare under a 98 % cycle service level.
    expect(shortDays / ordered.size).toBeLessThan(0.05);
  });

  it('receives each purchase order on its received date, into the site that ordered it', () => {
    const receipts = new Map(all(history, 'inventory_movements').filter((m) => m.movement_type === 'receipt').map((m) => [m.reference, m]));
    for (const po of all(history, 'purchase_orders')) {
      const receipt = receipts.get(po.po_id);
      if (po.status === 'open') {
        expect(receipt).toBeUndefined();
        continue;
      }
      expect(receipt?.ts.slice(0, 10)).toBe(po.received_date);
      expect(receipt?.qty).toBe(po.received_qty);
      expect(receipt?.site).toBe(po.site);
    }
  });

  it('emits every movement type', () => {
    const types = new Set(all(history, 'inventory_movements').map((m) => m.movement_type));
    expect([...types].sort()).toEqual(['adjustment', 'issue', 'receipt', 'scrap', 'transfer']);
  });
});
