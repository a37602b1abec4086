import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../../alerting/rules/fingerprint.js';
import { lateSupplier } from '../../../alerting/rules/late-supplier.js';
import { DEFAULT_RULE_CONFIG } from '../../../alerting/rules/rule-config.js';
import { NOW, baseEvent, openOrder, supplyEvent, view, type Json } from './event-fixtures.js';

const config = DEFAULT_RULE_CONFIG.lateSupplier;

function observe(orders: Json[]) {
  const observations = lateSupplier(view(supplyEvent(orders)), config, NOW);
  expect(observations).toHaveLength(1);
  return observations[0]!;
}

describe('late supplier', () => {
  it('breaches on a past-due line and names the worst PO', () => {
    const o = observe([
      openOrder({ po_id: 'PO-1', days_past_due: 2 }),
      openOrder({ po_id: 'PO-2', sku: 'RM-2', site: 'BER', promised_date: '2026-11-01', days_past_due: 9 }),
      openOrder({ po_id: 'PO-3' }),
    ]);
    expect(o).toMatchObject({ type: 'late_supplier', state: 'breach', severity: 'critical', entity_id: 'SUP-01', site: '', value: 9, threshold: 0 });
    expect(o.fingerprint).toBe(fingerprintOf('acme', 'late_supplier', 'SUP-01', ''));
    expect(o.message).toBe('2 of 3 open purchase-order lines of SUP-01 are late; the worst, PO-2 (RM-2 for BER), is 9 days past its promised date 2026-11-01.');
    expect(o.recommendation).toEqual({
      action: 'expedite_po',
      po_id: 'PO-2',
      sku: 'RM-2',
      text: 'Expedite PO-2 (RM-2 for BER) with SUP-01: 9 days past its promised date 2026-11-01; 1 more late line.',
    });
    expect(o.labels).toMatchObject({ supplier_id: 'SUP-01', po_id: 'PO-2', sku: 'RM-2', site: 'BER' });
  });

  it('breaches as a warning when a line is only expected after its promise', () => {
    const o = observe([openOrder({ po_id: 'PO-7', promised_date: '2026-11-20', expected_date: '2026-11-25' })]);
    expect([o.state, o.severity, o.value]).toEqual(['breach', 'warning', 5]);
    expect(o.recommendation.text).toBe('Expedite PO-7 (RM-1 for MUC) with SUP-01: expected 2026-11-25, 5 days after its promised date 2026-11-20.');
  });

  it('puts past-due lines before expected delays, then the longer delay', () => {
    const o = observe([
      openOrder({ po_id: 'PO-EXP', promised_date: '2026-11-20', expected_date: '2026-12-20' }),
      openOrder({ po_id: 'PO-DUE', days_past_due: 1 }),
    ]);
    expect([o.recommendation.po_id, o.value]).toEqual(['PO-DUE', 1]);
  });

  it('is critical from 7 days past due, not for a long expected delay', () => {
    expect(observe([openOrder({ days_past_due: 7 })]).severity).toBe('critical');
    expect(observe([openOrder({ days_past_due: 6 })]).severity).toBe('warning');
    expect(observe([openOrder({ promised_date: '2026-11-01', expected_date: '2026-12-30' })]).severity).toBe('warning');
  });

  it('is ok when every line is on time, early, or has no promise', () => {
    const o = observe([openOrder(), openOrder({ po_id: 'PO-E', expected_date: '2026-11-15' }), openOrder({ po_id: 'PO-N', promised_date: null, expected_date: '2026-12-31' })]);
    expect([o.state, o.value]).toEqual(['ok', 0]);
    expect(observe([]).state).toBe('ok');
  });

  it('falls back to the event entity when details carry no supplier id', () => {
    const o = lateSupplier(view(supplyEvent([openOrder({ days_past_due: 1 })], { entity_id: 'SUP-XY', details: { ...(supplyEvent([])['details'] as Json), supplier_id: '', open_orders: [openOrder({ days_past_due: 1 })] } })), config, NOW)[0]!;
    expect(o.entity_id).toBe('SUP-XY');
  });

  it('ignores non-supply events', () => {
    expect(lateSupplier(view(baseEvent()), config, NOW)).toEqual([]);
  });
});
