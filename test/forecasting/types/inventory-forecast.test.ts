/** The inventory handler over in-memory ports: projection, details and their edge cases. */
import { describe, expect, it } from 'vitest';
import { addDays } from '../../../forecasting/series/periods.js';
import type { InventoryDetails, TypedRequest } from '../../../forecasting/types/forecast-type.js';
import { DEFAULT_LEAD_TIME_DAYS, MAX_LEAD_TIME_DAYS, inventoryForecastHandler } from '../../../forecasting/types/inventory-forecast.js';
import type { StockFacts } from '../../../forecasting/types/inventory-source.js';
import { memorySeriesSource, type DemandLine } from '../series/demand-fixture.js';
import { memoryInventorySource, siteFacts } from './inventory-fixture.js';

const S = '2024-06-30'; // snapshot day, a Sunday
const daily: TypedRequest = { period: 'daily', horizon: 14, levels: [80, 95], lookbackDays: 120, model: 'auto' };

/** `days` of demand of `qty` per day at a site, ending on `end`. */
function steady(sku: string, site: string, qty: number, end = S, days = 120): DemandLine[] {
  return Array.from({ length: days }, (_, i) => ({ tenant: 'acme', sku, site, qty, date: addDays(end, i - (days - 1)) }));
}

function handler(facts: Record<string, StockFacts>, lines: DemandLine[]) {
  const source = memoryInventorySource(new Map(Object.entries(facts)));
  return { source, handler: inventoryForecastHandler({ series: memorySeriesSource(lines), source }) };
}

const item = (sku: string, site = 'P1') => ({ entityType: 'item_site' as const, entityId: sku, site });

describe('inventory forecast handler', () => {
  it('projects steady demand to the day stock runs out, with the replenishment figures', async () => {
    const { handler: h } = handler({ 'acme|A|P1': siteFacts('P1', S, 55) }, steady('A', 'P1', 10));
    const forecast = (await h.compute('acme', item('A'), daily))!;
    expect(forecast.dataAsOf).toBe(S);
    expect(forecast.points.map((p) => p.period_start)).toEqual(Array.from({ length: 14 }, (_, i) => addDays(S, i + 1)));
    expect(forecast.points[0]!.value).toBeCloseTo(45, 6);
    expect(forecast.points[4]!.value).toBeCloseTo(5, 6);
    const d = forecast.details as InventoryDetails;
    expect(d).toMatchObject({ kind: 'inventory', on_hand: 55, on_hand_as_of: `${S}T23:59:00.000Z`, open_receipts: [], lead_time_days: 10, service_level: 0.95 });
    expect(d.mean_daily_demand).toBeCloseTo(10, 6);
    expect(d.days_of_cover!).toBeCloseTo(5.5, 6);
    expect(d.stockout_date).toBe('2024-07-06'); // 55 − 6 × 10 < 0
    expect(d.stockout_probability).toBe(1);
    expect(d.stockout_probability_within_lead_time).toBe(1);
    expect(d.recommended_order_date).toBe(addDays('2024-07-06', -10));
    // Demand without noise: no safety stock; order up to 17 days of demand.
    expect(d.safety_stock).toBeCloseTo(0, 3);
    expect(d.reorder_point).toBeCloseTo(100, 3);
    expect(d.recommended_order_qty).toBeCloseTo(170 - 55, 1);
    expect(forecast.model).toMatch(/^projection:/);
    expect(forecast.reason).toContain('backtest of the daily demand series');
    expect(forecast.accuracy.windows).toBeGreaterThan(0);
  });

  it('moves an open receipt by the supplier delay and lifts stock from that day', async () => {
    const receipt = { poId: 'PO-1', site: 'P1', supplierId: 'S1', qty: 100, orderDate: '2024-06-20', promisedDate: '2024-07-02', receivedDate: null };
    const facts: StockFacts = { ...siteFacts('P1', S, 55, [receipt]), supplierDelays: new Map([['S1', 2.2]]) };
    const { handler: h } = handler({ 'acme|A|P1': facts }, steady('A', 'P1', 10));
    const forecast = (await h.compute('acme', item('A'), { ...daily, horizon: 20 }))!;
    const d = forecast.details as InventoryDetails;
    expect(d.open_receipts).toEqual([{ po_id: 'PO-1', qty: 100, promised_date: '2024-07-02', expected_date: '2024-07-04' }]);
    expect(forecast.points[2]!.value).toBeCloseTo(25, 6); // 07-03: before the receipt
    expect(forecast.points[3]!.value).toBeCloseTo(115, 6); // 07-04: 55 + 100 − 40
    expect(d.stockout_date).toBe('2024-07-16'); // 155 − 16 × 10 < 0
    // Position 155 is above the reorder point of 100: nothing to order now.
    expect(d.recommended_order_qty).toBe(0);
  });

  it('takes demand already recorded after the snapshot as known, and forecasts past a feed that ends before it', async () => {
    // Demand data reaches two days past A's snapshot, with 3 ordered on each of those days.
    const lines = [...steady('A', 'P1', 10), ...steady('A', 'P1', 3, addDays(S, 2), 2), ...steady('B', 'P1', 10)];
    const { handler: h } = handler({ 'acme|A|P1': siteFacts('P1', S, 55), 'acme|B|P1': siteFacts('P1', addDays(S, 3), 55) }, lines);
    const a = (await h.compute('acme', item('A'), daily))!;
    expect(a.points.slice(0, 2).map((p) => [p.value, p.lower['95'], p.upper['95']])).toEqual([[52, 52, 52], [49, 49, 49]]); // known: no spread
    expect(a.points[2]!.value).toBeLessThan(49);
    expect(a.points[2]!.lower['95']).toBeLessThan(a.points[2]!.value);
    // B's snapshot is a day after the feed ends (S + 2, its last order S): the projection starts the
    // day after the snapshot with B's forecast demand of about 10 a day.
    const b = (await h.compute('acme', item('B'), daily))!;
    expect(b.dataAsOf).toBe(addDays(S, 3));
    expect(b.points[0]!.period_start).toBe(addDays(S, 4));
    expect(b.points[0]!.value).toBeLessThan(55);
    expect(b.points[0]!.value).toBeGreaterThan(40);
  });

  it('holds stock flat without demand, and sums the sites of an item', async () => {
    const both: StockFacts = { ...siteFacts('P1', S, 30), stock: [...siteFacts('P1', S, 30).stock, ...siteFacts('P2', addDays(S, -1), 12).stock] };
    const { handler: h } = handler({ 'acme|C|P1': siteFacts('P1', S, 30), 'acme|C|': both }, steady('A', 'P1', 10));
    const flat = (await h.compute('acme', item('C'), daily))!;
    const d = flat.details as InventoryDetails;
    expect(flat.model).toBe('projection:none');
    expect(flat.points.every((p) => p.value === 30 && p.lower['95'] === 30 && p.upper['80'] === 30)).toBe(true);
    expect(d).toMatchObject({ days_of_cover: null, stockout_date: null, stockout_probability: 0, recommended_order_date: null, recommended_order_qty: 0, mean_daily_demand: 0 });
    expect(flat.accuracy.windows).toBe(0);
    const total = (await h.compute('acme', { entityType: 'item', entityId: 'C', site: '' }, daily))!;
    expect((total.details as InventoryDetails).on_hand).toBe(42);
    expect(total.dataAsOf).toBe(S); // the latest snapshot of the sites
  });

  it('answers weekly end-of-week projections with every level', async () => {
    const { handler: h } = handler({ 'acme|A|P1': siteFacts('P1', S, 500) }, steady('A', 'P1', 10));
    const weekly = (await h.compute('acme', item('A'), { ...daily, period: 'weekly', horizon: 3, levels: [50, 90, 99] }))!;
    // 07-01 is a Monday: weeks end on the 7th, 14th and 21st.
    expect(weekly.points.map((p) => p.period_start)).toEqual(['2024-07-01', '2024-07-08', '2024-07-15']);
    expect(weekly.points.map((p) => Math.round(p.value))).toEqual([430, 360, 290]);
    for (const p of weekly.points) expect(Object.keys(p.lower).sort()).toEqual(['50', '90', '99']);
  });

  it('uses the item master lead time, else the median of receipts, else the default', async () => {
    const { handler: h } = handler(
      {
        'acme|A|P1': { ...siteFacts('P1', S, 50), itemLeadTimeDays: null, receivedLeadTimes: [8, 13, 10, 30] },
        'acme|B|P1': { ...siteFacts('P1', S, 50), itemLeadTimeDays: null },
        'acme|D|P1': { ...siteFacts('P1', S, 50), itemLeadTimeDays: 0 },
        'acme|E|P1': { ...siteFacts('P1', S, 50), itemLeadTimeDays: 99_999 },
      },
      steady('A', 'P1', 10),
    );
    const lead = async (sku: string) => ((await h.compute('acme', item(sku), daily))!.details as InventoryDetails).lead_time_days;
    expect(await lead('A')).toBe(12); // median 11.5, whole days up
    expect(await lead('B')).toBe(DEFAULT_LEAD_TIME_DAYS);
    expect(await lead('D')).toBe(0);
    expect(await lead('E')).toBe(MAX_LEAD_TIME_DAYS); // a placeholder, not a lead time
  });

  it('answers undefined without stock and serves items and item × sites only', async () => {
    const { handler: h, source } = handler({ 'acme|A|P1': siteFacts('P1', S, 50) }, steady('A', 'P1', 10));
    expect(await h.compute('acme', item('NOPE'), daily)).toBeUndefined();
    expect(await h.compute('globex', item('A'), daily)).toBeUndefined();
    expect(await h.compute('acme', { entityType: 'supplier', entityId: 'A', site: '' }, daily)).toBeUndefined();
    expect(source.calls).toEqual(['acme|NOPE|P1', 'globex|A|P1']);
    expect(h.entityTypes).toEqual(['item_site', 'item']);
    expect(await h.knownEntities('acme', 'item_site')).toEqual([{ entityType: 'item_site', entityId: 'A', site: 'P1' }]);
    expect(await h.knownEntities('acme', 'supplier')).toEqual([]);
    expect(() => inventoryForecastHandler({ series: memorySeriesSource([]), source }, { serviceLevel: 1 })).toThrow(/serviceLevel/);
  });
});
