import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { createAnalyticsStore } from '../../../infra/clickhouse/clickhouse-analytics-store.js';
import { toClickHouseDateTime } from '../../../infra/clickhouse/datetime.js';
import { migrate } from '../../../infra/clickhouse/migrations.js';
import { silentLogger } from '../../../infra/logger.js';
import { addDays } from '../../../forecasting/series/periods.js';
import type { SupplyDetails, TypedRequest } from '../../../forecasting/types/forecast-type.js';
import { createSupplyForecast, type SupplyForecastHandler } from '../../../forecasting/types/supply-forecast.js';
import { tempDir } from '../../helpers/temp-dir.js';

const AS_OF = '2024-06-30';

interface PoLine {
  readonly tenant?: string;
  readonly supplier: string;
  readonly poId: string;
  readonly orderDate: string;
  readonly promisedDate: string | null;
  readonly receivedDate: string | null;
  readonly status?: string;
  readonly version?: number;
  readonly sku?: string;
  readonly receivedAtMs?: number;
}

let counter = 0;

async function insertSupply(store: AnalyticsStore, lines: readonly PoLine[]): Promise<void> {
  const rows = lines.map((l) => {
    counter += 1;
    return {
      tenant_id: l.tenant ?? 'acme',
      source_id: 'erp_test',
      po_id: l.poId,
      line: 1,
      sku: l.sku ?? 'PART-1',
      source_sku: l.sku ?? 'PART-1',
      site: 'P1',
      supplier_id: l.supplier,
      qty: '100',
      source_uom: '',
      received_qty: l.receivedDate === null ? null : '100',
      order_date: l.orderDate,
      promised_date: l.promisedDate,
      received_date: l.receivedDate,
      status: l.status ?? (l.receivedDate === null ? 'open' : 'received'),
      is_deleted: 0,
      version: l.version ?? counter,
      source_type: 'erp',
      batch_id: 'b1',
      record_index: 0,
      received_at: toClickHouseDateTime(l.receivedAtMs ?? Date.UTC(2024, 6, 1)),
    };
  });
  await store.insert('supply_lines', rows);
}

/**
 * A year of weekly orders ending a week before AS_OF. Lines received after AS_OF are still open
 * (received_date null), as the ERP shows them on AS_OF.
 */
function weeklyOrders(supplier: string, lead: (i: number, orderDate: string) => { promise: number; lead: number }): PoLine[] {
  return Array.from({ length: 52 }, (_, i) => {
    const orderDate = addDays(AS_OF, -364 + 7 * i);
    const { promise, lead: days } = lead(i, orderDate);
    const received = addDays(orderDate, days);
    return { supplier, poId: `${supplier}-${i}`, orderDate, promisedDate: addDays(orderDate, promise), receivedDate: received <= AS_OF ? received : null };
  });
}

/** Punctual: 13–15 days against a promise of 15. */
const punctual = weeklyOrders('SUP-P', (i) => ({ promise: 15, lead: 14 + ((i % 3) - 1) }));
/** Turned late: 14 days on a promise of 14, then 20 days late for everything promised in the last 90 days. */
const late = weeklyOrders('SUP-L', (_i, orderDate) => (addDays(orderDate, 14) >= addDays(AS_OF, -90) ? { promise: 14, lead: 34 } : { promise: 14, lead: 14 }));

const request = (overrides: Partial<TypedRequest> = {}): TypedRequest => ({ period: 'weekly', horizon: 4, levels: [80, 95], lookbackDays: 365, model: 'auto', ...overrides });
const supplier = (id: string) => ({ entityType: 'supplier' as const, entityId: id, site: '' });

describe('supply forecast (chDB, supply_lines)', () => {
  let store: AnalyticsStore;
  let dir: { path: string; remove: () => Promise<void> };
  let handler: SupplyForecastHandler;

  beforeAll(async () => {
    dir = await tempDir();
    store = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'supply_test', dataDir: dir.path, logger: silentLogger() });
    await migrate(store, silentLogger());
    handler = createSupplyForecast(store);
    await insertSupply(store, [
      ...punctual,
      ...late,
      // A cancelled line with an absurd lead time counts nowhere.
      { supplier: 'SUP-L', poId: 'X-CANCELLED', orderDate: addDays(AS_OF, -320), promisedDate: addDays(AS_OF, -300), receivedDate: addDays(AS_OF, -5), status: 'Cancelled' },
      // A line first sent with a wrong receipt, then corrected: FINAL keeps the correction.
      { supplier: 'SUP-P', poId: 'X-FIXED', orderDate: addDays(AS_OF, -60), promisedDate: addDays(AS_OF, -45), receivedDate: addDays(AS_OF, -1), version: 1 },
      // An order placed on AS_OF: the tenant's latest date.
      { supplier: 'SUP-Z', poId: 'Z-1', orderDate: AS_OF, promisedDate: addDays(AS_OF, 10), receivedDate: null },
      // A new supplier with one open order and nothing received yet.
      { supplier: 'SUP-NEW', poId: 'N-1', orderDate: addDays(AS_OF, -3), promisedDate: addDays(AS_OF, 10), receivedDate: null },
      // Another tenant: later dates and a terrible record for the same supplier id.
      { tenant: 'other', supplier: 'SUP-P', poId: 'O-1', orderDate: '2024-07-20', promisedDate: '2024-07-21', receivedDate: '2024-08-30' },
    ]);
    // The correction in its own insert (one block would collapse the two versions on insert already).
    await insertSupply(store, [{ supplier: 'SUP-P', poId: 'X-FIXED', orderDate: addDays(AS_OF, -60), promisedDate: addDays(AS_OF, -45), receivedDate: addDays(AS_OF, -46), version: 2, receivedAtMs: Date.UTC(2024, 6, 5) }]);
  });
  afterAll(async () => {
    await store.close();
    await dir.remove();
  });

  it('flags the supplier that turned late in its last 90 days, with its open past-due lines', async () => {
    const f = await handler.compute('acme', supplier('SUP-L'), request());
    const d = f!.details as SupplyDetails;
    expect(f!.dataAsOf).toBe(AS_OF);
    expect(d.kind).toBe('supply');
    expect(d.supplier_id).toBe('SUP-L');
    expect(d.late_probability).toBeGreaterThan(0.5);
    expect(d.mean_delay_days).toBeGreaterThan(5);
    // Orders placed 15–33 days before AS_OF were promised before it and are still open.
    const pastDue = d.open_orders.filter((o) => o.days_past_due > 0);
    expect(pastDue.length).toBeGreaterThanOrEqual(2);
    for (const o of pastDue) {
      expect(o.late_probability).toBe(1);
      expect(o.promised_date! < AS_OF).toBe(true);
      // Expected like the late lines before it: 20 days after the promise.
      expect(o.expected_date).toBe(addDays(o.promised_date!, 20));
    }
    // The cancelled line's 315-day lead time is nowhere.
    expect(d.lead_time_days.p95).toBeLessThanOrEqual(34);
    expect(d.open_orders.map((o) => o.po_id)).not.toContain('X-CANCELLED');
  });

  it('finds the punctual supplier punctual, its open line not yet due', async () => {
    const f = await handler.compute('acme', supplier('SUP-P'), request());
    const d = f!.details as SupplyDetails;
    expect(d.late_probability).toBeLessThan(0.15);
    expect(d.lead_time_days.p50).toBe(14);
    expect(d.lead_time_days.p95).toBe(15);
    expect(d.lead_time_days.sd).toBeGreaterThan(0);
    expect(d.lead_time_days.sd).toBeLessThan(1);
    expect(d.mean_delay_days).toBeLessThan(0);
    // 50 weekly receipts plus the corrected line (its first version's 59-day lead is gone).
    expect(d.orders_observed).toBe(51);
    // Ordered 14 and 7 days before AS_OF, promised 1 and 8 days after it.
    expect(d.open_orders.map((o) => o.po_id)).toEqual(['SUP-P-50', 'SUP-P-51']);
    for (const open of d.open_orders) {
      expect(open).toMatchObject({ sku: 'PART-1', site: 'P1', days_past_due: 0 });
      expect(open.late_probability).toBeGreaterThanOrEqual(d.late_probability);
      expect(open.late_probability).toBeLessThan(0.15);
      expect(open.expected_date >= AS_OF).toBe(true);
      expect(open.expected_date <= open.promised_date!).toBe(true);
    }
    // Due tomorrow: on-time lines that arrive in the last day before the promise are fewer, so lateness is likelier.
    expect(d.open_orders[0]!.late_probability).toBeGreaterThan(d.open_orders[1]!.late_probability);
  });

  it('compares the two: the late supplier takes longer and is likelier late', async () => {
    const l = (await handler.compute('acme', supplier('SUP-L'), request()))!.details as SupplyDetails;
    const p = (await handler.compute('acme', supplier('SUP-P'), request()))!.details as SupplyDetails;
    expect(l.lead_time_days.mean).toBeGreaterThan(p.lead_time_days.mean + 5);
    expect(l.late_probability).toBeGreaterThan(4 * p.late_probability);
  });

  it('weighs recent orders more: without decay the late quarter is diluted by the punctual year', async () => {
    // With a very long half-life the late quarter is diluted by the punctual year before it.
    const flat = createSupplyForecast(store, { halfLifeDays: 100_000 });
    const l = (await flat.compute('acme', supplier('SUP-L'), request()))!.details as SupplyDetails;
    const recent = (await handler.compute('acme', supplier('SUP-L'), request()))!.details as SupplyDetails;
    expect(l.late_probability).toBeLessThan(recent.late_probability - 0.1);
    expect(l.lead_time_days.mean).toBeLessThan(recent.lead_time_days.mean);
  });

  it('gives points of expected lead time with ordered, nested, non-negative bands per level', async () => {
    const f = (await handler.compute('acme', supplier('SUP-L'), request({ horizon: 3, levels: [50, 80, 95] })))!;
    expect(f.model).toBe('weighted-empirical-lead-time');
    expect(f.points.map((p) => p.period_start)).toEqual(['2024-07-01', '2024-07-08', '2024-07-15']);
    for (const p of f.points) {
      expect(p.value).toBeCloseTo((f.details as SupplyDetails).lead_time_days.mean, 9);
      expect(p.lower['95']!).toBeGreaterThanOrEqual(0);
      expect(p.lower['95']!).toBeLessThanOrEqual(p.lower['80']!);
      expect(p.lower['80']!).toBeLessThanOrEqual(p.lower['50']!);
      expect(p.lower['50']!).toBeLessThanOrEqual(p.value);
      expect(p.upper['50']!).toBeGreaterThanOrEqual(p.value);
      expect(p.upper['80']!).toBeLessThanOrEqual(p.upper['95']!);
      expect(p.upper['95']).toBe(34);
    }
    const monthly = (await handler.compute('acme', supplier('SUP-L'), request({ period: 'monthly', horizon: 2 })))!;
    expect(monthly.points.map((p) => p.period_start)).toEqual(['2024-07-01', '2024-08-01']);
  });

  it('backtests each order against the receipts before it', async () => {
    const p = (await handler.compute('acme', supplier('SUP-P'), request()))!;
    expect(p.accuracy.windows).toBeGreaterThan(30);
    expect(p.accuracy.horizon).toBe(1);
    expect(p.accuracy.wape!).toBeLessThan(0.1);
    expect(p.accuracy.coverage_95!).toBeGreaterThan(0.9);
    expect(p.accuracy.mase).not.toBeNull();
    const l = (await handler.compute('acme', supplier('SUP-L'), request()))!;
    // The switch to 34 days is what a backtest on the late supplier gets wrong.
    expect(l.accuracy.bias!).toBeLessThan(0);
    expect(l.accuracy.wape!).toBeGreaterThan(p.accuracy.wape!);
    // Without enough history before any order in a short lookback, metrics are null, not invented.
    const short = (await handler.compute('acme', supplier('SUP-P'), request({ lookbackDays: 20 })))!;
    expect(short.accuracy).toMatchObject({ wape: null, mase: null, bias: null, coverage_95: null, windows: 0 });
    expect(short.reason).toContain('metrics null');
  });

  it('falls back to the whole history, then the tenant, when the supplier has no receipts to learn from', async () => {
    const old = (await handler.compute('acme', supplier('SUP-P'), request({ lookbackDays: 1 })))!;
    expect((old.details as SupplyDetails).orders_observed).toBe(0);
    expect(old.reason).toContain('all history');
    const fresh = (await handler.compute('acme', supplier('SUP-NEW'), request()))!;
    const d = fresh.details as SupplyDetails;
    expect(d.orders_observed).toBe(0);
    expect(fresh.reason).toContain("tenant's");
    expect(d.open_orders).toHaveLength(1);
    expect(d.open_orders[0]!.days_past_due).toBe(0);
    // No own history: the tenant-wide rate is its late probability.
    expect(d.late_probability).toBeGreaterThan(0);
    expect(d.late_probability).toBeLessThan(1);
  });

  it('answers undefined for an unknown supplier or another tenant, and matches codes as stored', async () => {
    expect(await handler.compute('acme', supplier('SUP-NOPE'), request())).toBeUndefined();
    expect(await handler.compute('ghost', supplier('SUP-P'), request())).toBeUndefined();
    expect(await handler.compute('acme', { entityType: 'line', entityId: 'SUP-P', site: '' }, request())).toBeUndefined();
    const lower = (await handler.compute('acme', supplier(' sup-p '), request()))!;
    expect((lower.details as SupplyDetails).supplier_id).toBe('SUP-P');
    // The other tenant's later lines do not move acme's data_as_of, nor its figures.
    expect(lower.dataAsOf).toBe(AS_OF);
    expect((await handler.compute('other', supplier('SUP-P'), request()))!.dataAsOf).toBe('2024-08-30');
  });

  it('lists suppliers with purchase-order lines', async () => {
    expect(handler.forecastType).toBe('supply');
    expect(handler.entityTypes).toEqual(['supplier']);
    expect(await handler.knownEntities('acme', 'supplier')).toEqual([
      { entityType: 'supplier', entityId: 'SUP-L', site: '' },
      { entityType: 'supplier', entityId: 'SUP-NEW', site: '' },
      { entityType: 'supplier', entityId: 'SUP-P', site: '' },
      { entityType: 'supplier', entityId: 'SUP-Z', site: '' },
    ]);
    expect(await handler.knownEntities('acme', 'item')).toEqual([]);
    expect(await handler.knownEntities('ghost', 'supplier')).toEqual([]);
    // Only the corrected line arrived after 2 July.
    expect(await handler.entitiesWithNewData('acme', 'supplier', Date.UTC(2024, 6, 2))).toEqual([{ entityType: 'supplier', entityId: 'SUP-P', site: '' }]);
    expect((await handler.entitiesWithNewData('acme', 'supplier', Date.UTC(2024, 5, 1))).length).toBe(4);
    expect(await handler.entitiesWithNewData('acme', 'line', 0)).toEqual([]);
  });
});
