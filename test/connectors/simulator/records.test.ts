import { describe, expect, it } from 'vitest';
import { RECORD_TYPES } from '../../../connectors/ingest/ingestor.js';
import { SIM_RECORD_TYPES } from '../../../connectors/simulator/records.js';
import { generateHistory, nextLiveDay } from '../../../connectors/simulator/generator.js';
import { problems } from './canonical.js';
import { STATS_CONFIG, all, daysBetween, historyOf } from './fixtures.js';

describe('canonical record validity', () => {
  const history = historyOf(STATS_CONFIG);

  it('emits exactly the ingest record types', () => {
    expect([...SIM_RECORD_TYPES].sort()).toEqual([...RECORD_TYPES].sort());
  });

  it('the validity check itself catches each kind of problem', () => {
    expect(problems('inspections', { inspection_id: 'x', sku: 'a', site: 'b', inspected_qty: 5, defect_qty: 6, inspected_at: '2024-01-01T10:00Z' })).toContain('defect_qty exceeds inspected_qty');
    expect(problems('inventory', { sku: 'a', site: 'b', on_hand: -1, as_of: '2024-01-01' })).toContain('on_hand negative');
    expect(problems('sales_orders', { order_id: 'o', sku: 'a', site: 'b', qty: 1, order_date: '2024-13-45' })).toContain('order_date not an ISO date: "2024-13-45"');
    expect(problems('items', { sku: 'a' })).toContain('name missing');
    expect(problems('inventory_movements', { movement_id: 'm', sku: 'a', site: 'b', qty: 1, movement_type: 'gift', ts: '2024-01-01T00:00:00Z' })).toContain('movement_type gift');
  });

  it('every history and live record is valid per SPEC.md', () => {
    const invalid: string[] = [];
    const check = (type: string, records: readonly unknown[]): void => {
      records.forEach((record, index) => {
        for (const problem of problems(type, record)) if (invalid.length < 20) invalid.push(`${type}[${index}]: ${problem}`);
      });
    };
    check('items', history.items);
    for (const day of history.days) for (const [type, records] of Object.entries(day.records) as [string, unknown[]][]) check(type, records);
    const live = generateHistory(STATS_CONFIG).simulation;
    for (let i = 0; i < 5; i += 1) for (const [type, records] of Object.entries(nextLiveDay(live).records) as [string, unknown[]][]) check(type, records);
    expect(invalid).toEqual([]);
  });

  it('identifies records uniquely', () => {
    const unique = (ids: readonly string[]): void => expect(new Set(ids).size).toBe(ids.length);
    unique(history.items.map((r) => r.sku));
    unique(all(history, 'sales_orders').map((r) => `${r.order_id}/${r.line}`));
    unique(all(history, 'purchase_orders').map((r) => `${r.po_id}/${r.line}`));
    unique(all(history, 'work_orders').map((r) => r.wo_id));
    unique(all(history, 'inventory').map((r) => `${r.sku}/${r.site}/${r.as_of}`));
    unique(all(history, 'inventory_movements').map((r) => r.movement_id));
    unique(all(history, 'gl_entries').map((r) => r.entry_id));
    unique(all(history, 'inspections').map((r) => r.inspection_id));
  });

  it('dates purchase orders consistently: received ≥ promised ≥ ordered, received qty ≤ ordered', () => {
    const orders = all(history, 'purchase_orders');
    let short = 0;
    for (const po of orders) {
      expect(daysBetween(po.order_date, po.promised_date)).toBeGreaterThan(0);
      if (po.status === 'received') {
        expect(po.received_date).toBeDefined();
        expect(daysBetween(po.promised_date, po.received_date ?? '')).toBeGreaterThanOrEqual(0);
        expect(po.received_qty).toBeLessThanOrEqual(po.qty);
        if ((po.received_qty ?? 0) < po.qty) short += 1;
      } else {
        expect(po.received_date).toBeUndefined();
        expect(po.received_qty).toBeUndefined();
        expect(daysBetween(po.order_date, history.groundTruth.historyTo)).toBeGreaterThanOrEqual(0);
      }
    }
    // Some deliveries come in short (about 6 %), most do not.
    expect(short).toBeGreaterThan(0);
    expect(short / orders.length).toBeLessThan(0.15);
  });

  it('keeps work orders consistent: completed + scrapped = planned, end after start', () => {
    for (const wo of all(history, 'work_orders')) {
      if (wo.status !== 'completed') continue;
      expect((wo.qty_completed ?? 0) + (wo.qty_scrapped ?? 0)).toBe(wo.qty_planned);
      expect(Date.parse(wo.end_at ?? '')).toBeGreaterThan(Date.parse(wo.start_at));
    }
  });

  it('posts balanced GL entries valued at standard cost for every non-transfer movement', () => {
    const cost = new Map(history.items.map((item) => [item.sku, item.standard_cost]));
    const entries = all(history, 'gl_entries');
    const byPosting = new Map<string, number>();
    for (const entry of entries) {
      const posting = entry.entry_id.replace(/-[12]$/, '');
      byPosting.set(posting, (byPosting.get(posting) ?? 0) + entry.amount);
    }
    for (const [posting, sum] of byPosting) expect(Math.abs(sum), posting).toBeLessThan(1e-6);
    const debit = new Map(entries.filter((e) => e.entry_id.endsWith('-1')).map((e) => [e.entry_id.slice(3, -2), e]));
    for (const movement of all(history, 'inventory_movements')) {
      const entry = debit.get(movement.movement_id);
      if (movement.movement_type === 'transfer') {
        expect(entry).toBeUndefined();
        continue;
      }
      expect(entry, movement.movement_id).toBeDefined();
      expect(entry?.amount).toBeCloseTo(Math.abs(movement.qty) * (cost.get(movement.sku) ?? NaN), 2);
      const account = { receipt: '1300', issue: '5000', scrap: '5200', adjustment: movement.qty > 0 ? '1300' : '5300' }[movement.movement_type];
      expect(entry?.account).toBe(account);
    }
  });
});
