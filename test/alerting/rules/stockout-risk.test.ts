import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../../alerting/rules/fingerprint.js';
import { DEFAULT_RULE_CONFIG } from '../../../alerting/rules/rule-config.js';
import { stockoutRisk } from '../../../alerting/rules/stockout-risk.js';
import { NOW, baseEvent, inventoryEvent, view, type Json } from './event-fixtures.js';

const config = DEFAULT_RULE_CONFIG.stockoutRisk;

function observe(details: Json = {}, overrides: Json = {}) {
  const observations = stockoutRisk(view(inventoryEvent(details, overrides)), config, NOW);
  expect(observations).toHaveLength(1);
  return observations[0]!;
}

describe('stockout risk', () => {
  it('breaches at the threshold with the forecast order proposal as the recommendation', () => {
    const o = observe();
    expect(o).toMatchObject({
      tenant_id: 'acme',
      type: 'stockout_risk',
      state: 'breach',
      entity_id: 'FG-10003',
      site: 'MUC',
      value: 0.62,
      threshold: 0.5,
      data_as_of: '2026-11-10',
      observed_at: NOW,
      labels: { sku: 'FG-10003', site: 'MUC', version_id: 'v-2' },
    });
    expect(o.fingerprint).toBe(fingerprintOf('acme', 'stockout_risk', 'FG-10003', 'MUC'));
    expect(o.recommendation).toEqual({
      action: 'order',
      order_qty: 340,
      order_by: '2026-11-25',
      text: 'Order 340 units of FG-10003 for MUC by 2026-11-25 (projected stockout 2026-11-27, lead time 14 days)',
    });
    expect(o.title).toBe('Stockout risk: FG-10003 at MUC');
    expect(o.message).toContain('62% probability that FG-10003 at MUC runs out within the lead time of 14 days (projected stockout 2026-11-27; on hand 120, about 8.5 a day).');
  });

  it('is breach at exactly 0.5, between from 0.3 to just under 0.5, ok below 0.3', () => {
    expect(observe({ stockout_probability_within_lead_time: 0.5 }).state).toBe('breach');
    expect(observe({ stockout_probability_within_lead_time: 0.4999 }).state).toBe('between');
    expect(observe({ stockout_probability_within_lead_time: 0.3 }).state).toBe('between');
    expect(observe({ stockout_probability_within_lead_time: 0.2999 }).state).toBe('ok');
    expect(observe({ stockout_probability_within_lead_time: 0 }).state).toBe('ok');
  });

  it('is critical when the median stockout falls within the lead time or the probability reaches 0.8', () => {
    // data_as_of 2026-11-10 + 14 days = 2026-11-24.
    expect(observe({ stockout_date: '2026-11-24' }).severity).toBe('critical');
    expect(observe({ stockout_date: '2026-11-25' }).severity).toBe('warning');
    expect(observe({ stockout_date: null }).severity).toBe('warning');
    expect(observe({ stockout_date: null, stockout_probability_within_lead_time: 0.8 }).severity).toBe('critical');
    expect(observe({ stockout_date: null, stockout_probability_within_lead_time: 0.79 }).severity).toBe('warning');
  });

  it('words the order when the date has passed, is unknown, or is a single unit', () => {
    expect(observe({ recommended_order_date: '2026-11-01' }).recommendation.text).toBe(
      'Order 340 units of FG-10003 for MUC immediately: the order-by date 2026-11-01 has passed (projected stockout 2026-11-27, lead time 14 days)',
    );
    const none = observe({ recommended_order_date: null, stockout_date: null });
    expect(none.recommendation).toEqual({ action: 'order', order_qty: 340, text: 'Order 340 units of FG-10003 for MUC now (stockout probability 62%, lead time 14 days)' });
    expect(observe({ recommended_order_qty: 0.4 }, { site: '' }).recommendation.text).toBe('Order 1 unit of FG-10003 by 2026-11-25 (projected stockout 2026-11-27, lead time 14 days)');
  });

  it('chases the earliest open receipt when nothing is to be ordered, else asks for a review', () => {
    const receipts = [
      { po_id: 'PO-LATE', qty: 10, promised_date: null, expected_date: '2026-12-09' },
      { po_id: 'PO-EARLY', qty: 200, promised_date: '2026-11-20', expected_date: '2026-11-29' },
    ];
    const chase = observe({ recommended_order_qty: 0, open_receipts: receipts });
    expect(chase.recommendation).toMatchObject({ action: 'expedite_po', po_id: 'PO-EARLY', sku: 'FG-10003' });
    expect(chase.recommendation.text).toBe('Expedite PO-EARLY (200 of FG-10003 for MUC, expected 2026-11-29) (projected stockout 2026-11-27, lead time 14 days)');
    const review = observe({ recommended_order_qty: 0 });
    expect(review.recommendation.action).toBe('order');
    expect(review.recommendation.order_qty).toBeUndefined();
    expect(review.recommendation.text).toMatch(/^Review the replenishment of FG-10003 at MUC: no order quantity is proposed \(on hand 120, reorder point 160\)/);
  });

  it('ignores events that are not inventory forecasts or carry no inventory details', () => {
    expect(stockoutRisk(view(baseEvent()), config, NOW)).toEqual([]);
    expect(stockoutRisk(view(baseEvent({ forecast_type: 'inventory', details: null })), config, NOW)).toEqual([]);
  });

  it('honours configured thresholds', () => {
    const strict = { breachProbability: 0.7, recoveryProbability: 0.6, criticalProbability: 0.95 };
    const o = stockoutRisk(view(inventoryEvent({ stockout_date: null })), strict, NOW)[0]!;
    expect([o.state, o.threshold, o.severity]).toEqual(['between', 0.7, 'warning']);
  });
});
