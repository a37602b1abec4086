/**
 * Late supplier (supply forecasts): an open purchase-order line of the supplier is past its
 * promised date, or expected to arrive after it. One observation per supplier (a supply event is
 * about one supplier); the worst line — most days past due, else longest expected delay — is the
 * one to chase. Receiving or re-promising the lines clears it, so there is no band: late or not.
 */
import type { Observation, Severity } from '../alert-model.js';
import { fingerprintOf } from './fingerprint.js';
import type { ForecastEventView, SupplyOpenOrderView } from './forecast-event.js';
import { daysBetween } from './period-steps.js';
import type { LateSupplierConfig } from './rule-config.js';
import { days, forSite } from './rule-text.js';

interface LateLine {
  readonly order: SupplyOpenOrderView;
  /** Days past due when past due, else the expected delay beyond the promise. */
  readonly delay: number;
  readonly pastDue: boolean;
}

function lateness(order: SupplyOpenOrderView): LateLine | undefined {
  if (order.days_past_due > 0) return { order, delay: order.days_past_due, pastDue: true };
  if (order.promised_date === null) return undefined;
  const delay = daysBetween(order.promised_date, order.expected_date);
  return delay > 0 ? { order, delay, pastDue: false } : undefined;
}

/** Worst first: past due before merely expected late, then the longer delay, then po_id (stable output). */
function worse(a: LateLine, b: LateLine): number {
  if (a.pastDue !== b.pastDue) return a.pastDue ? -1 : 1;
  if (a.delay !== b.delay) return b.delay - a.delay;
  return a.order.po_id < b.order.po_id ? -1 : a.order.po_id > b.order.po_id ? 1 : 0;
}

export function lateSupplier(event: ForecastEventView, config: LateSupplierConfig, observedAt: number): Observation[] {
  const d = event.details;
  if (event.forecast_type !== 'supply' || d?.kind !== 'supply') return [];
  const supplier = d.supplier_id === '' ? event.entity_id : d.supplier_id;
  const late = d.open_orders.flatMap((o) => lateness(o) ?? []).sort(worse);
  const worst = late[0];
  const critical = late.some((l) => l.pastDue && l.delay >= config.criticalDaysPastDue);
  const severity: Severity = critical ? 'critical' : 'warning';
  const base = {
    tenant_id: event.tenant_id,
    type: 'late_supplier' as const,
    fingerprint: fingerprintOf(event.tenant_id, 'late_supplier', supplier, ''),
    severity,
    entity_id: supplier,
    site: '',
    title: `Late supplier: ${supplier}`,
    threshold: 0,
    data_as_of: event.data_as_of,
    observed_at: observedAt,
  };
  const labels = { supplier_id: supplier, version_id: event.version_id };
  if (worst === undefined) {
    return [{ ...base, state: 'ok', value: 0, message: `All ${d.open_orders.length} open purchase-order lines of ${supplier} are on time.`, recommendation: { action: 'expedite_po', text: `No purchase order of ${supplier} needs chasing.` }, labels }];
  }
  const o = worst.order;
  const line = `${o.po_id} (${o.sku}${forSite(o.site)})`;
  const how = worst.pastDue
    ? `${days(worst.delay)} past its promised date${o.promised_date === null ? '' : ` ${o.promised_date}`}`
    : `expected ${o.expected_date}, ${days(worst.delay)} after its promised date ${o.promised_date ?? ''}`.trimEnd();
  const count = `${late.length} of ${d.open_orders.length} open purchase-order ${d.open_orders.length === 1 ? 'line' : 'lines'}`;
  return [
    {
      ...base,
      state: 'breach',
      value: worst.delay,
      message: `${count} of ${supplier} ${late.length === 1 ? 'is' : 'are'} late; the worst, ${line}, is ${how}.`,
      recommendation: {
        action: 'expedite_po',
        po_id: o.po_id,
        ...(o.sku === '' ? {} : { sku: o.sku }),
        text: `Expedite ${line} with ${supplier}: ${how}${late.length > 1 ? `; ${late.length - 1} more late ${late.length === 2 ? 'line' : 'lines'}` : ''}.`,
      },
      labels: { ...labels, po_id: o.po_id, ...(o.sku === '' ? {} : { sku: o.sku }), ...(o.site === '' ? {} : { site: o.site }) },
    },
  ];
}
