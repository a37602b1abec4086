/**
 * Stockout risk (inventory forecasts): the probability of running out within the replenishment
 * lead time — the window an order placed today can no longer cover by itself — against a breach
 * and a lower recovery threshold. The recommendation is the forecast's own order proposal
 * (quantity and latest order date), so the alert and the planner API agree.
 */
import type { Observation, Recommendation, Severity } from '../alert-model.js';
import { fingerprintOf } from './fingerprint.js';
import type { ForecastEventView, InventoryDetailsView } from './forecast-event.js';
import { addDays } from './period-steps.js';
import type { StockoutRiskConfig } from './rule-config.js';
import { days, entityAt, forSite, percent, quantity } from './rule-text.js';

export function stockoutRisk(event: ForecastEventView, config: StockoutRiskConfig, observedAt: number): Observation[] {
  const d = event.details;
  if (event.forecast_type !== 'inventory' || d?.kind !== 'inventory') return [];
  const p = d.stockout_probability_within_lead_time;
  const state = p >= config.breachProbability ? 'breach' : p < config.recoveryProbability ? 'ok' : 'between';
  const leadEnd = addDays(event.data_as_of, d.lead_time_days);
  const stockoutWithinLead = d.stockout_date !== null && d.stockout_date <= leadEnd;
  const severity: Severity = stockoutWithinLead || p >= config.criticalProbability ? 'critical' : 'warning';
  const sku = event.entity_id;
  const site = event.site;
  const projected = d.stockout_date === null ? 'no stockout date within the horizon' : `projected stockout ${d.stockout_date}`;
  const message =
    `${percent(p)} probability that ${entityAt(sku, site)} runs out within the lead time of ${days(d.lead_time_days)} ` +
    `(${projected}; on hand ${quantity(d.on_hand)}, about ${quantity(d.mean_daily_demand)} a day).`;
  return [
    {
      tenant_id: event.tenant_id,
      type: 'stockout_risk',
      fingerprint: fingerprintOf(event.tenant_id, 'stockout_risk', sku, site),
      state,
      severity,
      entity_id: sku,
      site,
      title: `Stockout risk: ${entityAt(sku, site)}`,
      message,
      value: p,
      threshold: config.breachProbability,
      recommendation: recommend(event, d),
      data_as_of: event.data_as_of,
      observed_at: observedAt,
      labels: { sku, site, version_id: event.version_id, entity_type: event.entity_type },
    },
  ];
}

/** Order what the forecast proposes; with nothing to order, chase the first open receipt; else review. */
function recommend(event: ForecastEventView, d: InventoryDetailsView): Recommendation {
  const sku = event.entity_id;
  const site = event.site;
  const why = `(${d.stockout_date === null ? `stockout probability ${percent(d.stockout_probability_within_lead_time)}` : `projected stockout ${d.stockout_date}`}, lead time ${days(d.lead_time_days)})`;
  if (d.recommended_order_qty > 0) {
    // Whole units: nobody orders 339.2 pieces, and rounding down would leave the gap open.
    const qty = Math.ceil(d.recommended_order_qty);
    const units = `${quantity(qty)} ${qty === 1 ? 'unit' : 'units'} of ${sku}${forSite(site)}`;
    const by = d.recommended_order_date;
    if (by === null) return { action: 'order', order_qty: qty, text: `Order ${units} now ${why}` };
    if (by < event.data_as_of) return { action: 'order', order_qty: qty, order_by: by, text: `Order ${units} immediately: the order-by date ${by} has passed ${why}` };
    return { action: 'order', order_qty: qty, order_by: by, text: `Order ${units} by ${by} ${why}` };
  }
  const first = [...d.open_receipts].sort((a, b) => (a.expected_date < b.expected_date ? -1 : a.expected_date > b.expected_date ? 1 : 0))[0];
  if (first !== undefined) {
    return {
      action: 'expedite_po',
      po_id: first.po_id,
      sku,
      text: `Expedite ${first.po_id} (${quantity(first.qty)} of ${sku}${forSite(site)}, expected ${first.expected_date}) ${why}`,
    };
  }
  return {
    action: 'order',
    text: `Review the replenishment of ${entityAt(sku, site)}: no order quantity is proposed (on hand ${quantity(d.on_hand)}, reorder point ${quantity(d.reorder_point)}) ${why}`,
  };
}
