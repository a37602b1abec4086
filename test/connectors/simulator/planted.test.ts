import { describe, expect, it } from 'vitest';
import { generateHistory, nextLiveDay } from '../../../connectors/simulator/generator.js';
import type { SimulationConfig } from '../../../connectors/simulator/world.js';
import { SMALL_CONFIG, STATS_CONFIG, all, daysBetween, historyOf, mean } from './fixtures.js';

const DEFAULT_CONFIG: SimulationConfig = { seed: 42, items: 20, sites: 3, historyDays: 1095, startDate: '2022-06-01' };

describe.each([
  ['stats', STATS_CONFIG],
  ['small', SMALL_CONFIG],
  ['default', DEFAULT_CONFIG],
  ['other seed', { ...STATS_CONFIG, seed: 1234 }],
])('planted stockout (%s world)', (_name, config) => {
  const history = historyOf(config);
  const truth = history.groundTruth.stockout;

  it('is a smooth item with low stock at today and one open order promised after the stockout', () => {
    const pattern = history.groundTruth.itemSites.find((t) => t.sku === truth.sku && t.site === truth.site)?.pattern;
    expect(pattern).toBe('smooth');
    const lastSnapshot = history.days.at(-1)?.records.inventory.find((r) => r.sku === truth.sku && r.site === truth.site);
    expect(lastSnapshot?.on_hand).toBe(truth.closingOnHand);
    expect(truth.coverDays).toBeGreaterThanOrEqual(2);
    expect(truth.coverDays).toBeLessThanOrEqual(truth.leadTimeDays - 3);
    const open = all(history, 'purchase_orders').filter((po) => po.sku === truth.sku && po.site === truth.site && po.status === 'open');
    expect(open.map((po) => po.po_id)).toEqual([truth.openPo.poId]);
    expect(open[0]?.promised_date).toBe(truth.openPo.promisedDate);
    expect(daysBetween(truth.openPo.orderDate, truth.openPo.promisedDate)).toBe(truth.leadTimeDays);
    expect(daysBetween(truth.stockoutDate, truth.openPo.promisedDate)).toBeGreaterThan(0);
  });

  it('runs out within the lead time of today', () => {
    expect(truth.daysToStockout).toBeGreaterThanOrEqual(0);
    expect(truth.daysToStockout).toBeLessThan(truth.leadTimeDays);
    expect(daysBetween(history.groundTruth.today, truth.stockoutDate)).toBe(truth.daysToStockout);
  });

  it('matches the simulation continued past today: on-hand first closes at zero on the stockout date', () => {
    const simulation = generateHistory(config).simulation;
    let firstZero: string | undefined;
    for (let i = 0; i <= truth.daysToStockout + 2 && firstZero === undefined; i += 1) {
      const day = nextLiveDay(simulation);
      const snapshot = day.records.inventory.find((r) => r.sku === truth.sku && r.site === truth.site);
      if (snapshot?.on_hand === 0) firstZero = day.date;
    }
    expect(firstZero).toBe(truth.stockoutDate);
  });
});

describe('planted quality drift', () => {
  const history = historyOf(STATS_CONFIG);
  const truth = history.groundTruth.qualityDrift;
  const inspections = all(history, 'inspections');
  const rate = (line: string, from: string, to: string): number => {
    const rows = inspections.filter((r) => r.line === line && r.inspected_at.slice(0, 10) >= from && r.inspected_at.slice(0, 10) <= to);
    return rows.reduce((s, r) => s + r.defect_qty, 0) / rows.reduce((s, r) => s + r.inspected_qty, 0);
  };
  const shift = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

  it('raises the drifting line’s defect rate over the last weeks, and only that line’s', () => {
    const baselineFrom = shift(truth.from, -56);
    const baselineTo = shift(truth.from, -1);
    const lastFrom = shift(history.groundTruth.historyTo, -13);
    const lines = [...new Set(inspections.map((r) => r.line))];
    expect(lines).toContain(truth.line);
    for (const line of lines) {
      const before = rate(line, baselineFrom, baselineTo);
      const after = rate(line, lastFrom, history.groundTruth.historyTo);
      if (line === truth.line) {
        expect(after).toBeGreaterThan(2 * before);
        expect(after).toBeGreaterThan(truth.baseDefectRate + 0.03);
      } else {
        expect(after, line).toBeLessThan(before + 0.02);
      }
    }
  });

  it('rises week over week since the drift start, with the drift’s defect code dominating at the end', () => {
    const weekly = Array.from({ length: 6 }, (_, w) => rate(truth.line, shift(truth.from, 7 * w), shift(truth.from, 7 * w + 6)));
    const slope = weekly.reduce((s, r, w) => s + (w - 2.5) * (r - mean(weekly)), 0) / weekly.reduce((s, _r, w) => s + (w - 2.5) ** 2, 0);
    // About 0.06 / 6 a week designed; noise allowed.
    expect(slope).toBeGreaterThan(0.005);
    const last = inspections.filter((r) => r.line === truth.line && r.inspected_at.slice(0, 10) > shift(history.groundTruth.historyTo, -14) && r.defect_qty > 0);
    expect(last.filter((r) => r.defect_code === truth.defectCode).length / last.length).toBeGreaterThan(0.5);
  });
});

describe('planted late supplier', () => {
  const history = historyOf(STATS_CONFIG);
  const truth = history.groundTruth.lateSupplier;
  const orders = all(history, 'purchase_orders').filter((po) => po.supplier_id === truth.supplierId);

  it('has open orders past their promised date at today', () => {
    expect(truth.openPastDue.length).toBeGreaterThan(0);
    const pastDue = orders.filter((po) => po.status === 'open' && po.promised_date < history.groundTruth.today);
    expect(pastDue.map((po) => po.po_id).sort()).toEqual(truth.openPastDue.map((po) => po.poId).sort());
  });

  it('delivers much later recently than before', () => {
    const delay = (po: (typeof orders)[number]): number => daysBetween(po.promised_date, po.received_date ?? '');
    const received = orders.filter((po) => po.status === 'received');
    const recent = received.filter((po) => po.promised_date >= truth.from).map(delay);
    const earlier = received.filter((po) => po.promised_date < truth.from).map(delay);
    expect(recent.length).toBeGreaterThan(0);
    expect(mean(recent)).toBeGreaterThan(10);
    expect(mean(earlier)).toBeLessThan(3);
    expect(truth.recentMeanDelayDays).toBeCloseTo(mean(recent), 6);
    // Other suppliers stay as they were.
    const others = all(history, 'purchase_orders').filter((po) => po.supplier_id !== truth.supplierId && po.status === 'received' && po.promised_date >= truth.from);
    expect(mean(others.map(delay))).toBeLessThan(5);
  });

  it('has a past-due open order even in the smallest world', () => {
    expect(historyOf(SMALL_CONFIG).groundTruth.lateSupplier.openPastDue.length).toBeGreaterThan(0);
  });
});
