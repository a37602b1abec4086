/**
 * The `details` object of a version-2 forecast event: the figures a planner or an alert rule acts
 * on, per forecast type. Mirrors (a subset of) `InventoryDetails` / `SupplyDetails` /
 * `QualityDetails` in forecasting/types/forecast-type.ts without importing them (domains never
 * import each other); only the fields the rules read are checked, the rest is ignored.
 */
import {
  booleanField,
  dateField,
  fieldError,
  isObject,
  nullableDateField,
  nullableNumberField,
  numberField,
  objectEntries,
  stringField,
  type JsonObject,
} from './event-fields.js';

/** Open orders, receipts and violations per event: one supplier's open lines are hundreds at most. */
const MAX_LINES = 10_000;

export interface InventoryDetailsView {
  readonly kind: 'inventory';
  readonly on_hand: number;
  readonly open_receipts: readonly { readonly po_id: string; readonly qty: number; readonly promised_date: string | null; readonly expected_date: string }[];
  readonly mean_daily_demand: number;
  readonly days_of_cover: number | null;
  /** First day whose median projected on-hand is at or below zero (null: none within the horizon). */
  readonly stockout_date: string | null;
  readonly stockout_probability: number;
  readonly stockout_probability_within_lead_time: number;
  readonly lead_time_days: number;
  readonly reorder_point: number;
  readonly recommended_order_qty: number;
  readonly recommended_order_date: string | null;
}

export interface SupplyOpenOrderView {
  readonly po_id: string;
  readonly sku: string;
  readonly site: string;
  readonly promised_date: string | null;
  readonly expected_date: string;
  /** Days past the promised date as of data_as_of (0 when not yet due). */
  readonly days_past_due: number;
  readonly late_probability: number;
}

export interface SupplyDetailsView {
  readonly kind: 'supply';
  readonly supplier_id: string;
  readonly late_probability: number;
  readonly open_orders: readonly SupplyOpenOrderView[];
}

export interface QualityDetailsView {
  readonly kind: 'quality';
  readonly current_rate: number;
  readonly center_line: number;
  readonly ucl: number;
  readonly lcl: number;
  readonly spc_violations: readonly { readonly rule: string; readonly period_start: string; readonly description: string }[];
  readonly limit_breached: boolean;
  readonly top_defect_code: string;
}

export type ForecastDetailsView = InventoryDetailsView | SupplyDetailsView | QualityDetailsView;

const KINDS = ['inventory', 'supply', 'quality'] as const;

/** Free text carried into alert messages (a violation's description): bounded like everything else. */
const MAX_TEXT = 1_000;

/** Reads `details`; its kind must be one of KINDS and equal the event's forecast_type. */
export function parseForecastDetails(raw: unknown, forecastType: string): ForecastDetailsView {
  if (!isObject(raw)) throw fieldError('details', 'null or an object', raw);
  const kind = stringField(raw, 'kind', 'details');
  if (!(KINDS as readonly string[]).includes(kind)) throw fieldError('details.kind', `one of ${KINDS.join(', ')}`, kind);
  if (kind !== forecastType) throw fieldError('details.kind', `the event's forecast_type "${forecastType}"`, kind);
  if (kind === 'inventory') return inventory(raw);
  if (kind === 'supply') return supply(raw);
  return quality(raw);
}

const P = 'details';
const probability = { min: 0, max: 1 } as const;
const nonNegative = { min: 0 } as const;

function inventory(d: JsonObject): InventoryDetailsView {
  return {
    kind: 'inventory',
    on_hand: numberField(d, 'on_hand', P),
    open_receipts: objectEntries(d, 'open_receipts', P, MAX_LINES).map(({ entry, path }) => ({
      po_id: stringField(entry, 'po_id', path, { nonEmpty: true }),
      qty: numberField(entry, 'qty', path),
      promised_date: nullableDateField(entry, 'promised_date', path),
      expected_date: dateField(entry, 'expected_date', path),
    })),
    mean_daily_demand: numberField(d, 'mean_daily_demand', P, nonNegative),
    days_of_cover: nullableNumberField(d, 'days_of_cover', P),
    stockout_date: nullableDateField(d, 'stockout_date', P),
    stockout_probability: numberField(d, 'stockout_probability', P, probability),
    stockout_probability_within_lead_time: numberField(d, 'stockout_probability_within_lead_time', P, probability),
    lead_time_days: numberField(d, 'lead_time_days', P, nonNegative),
    reorder_point: numberField(d, 'reorder_point', P),
    recommended_order_qty: numberField(d, 'recommended_order_qty', P, nonNegative),
    recommended_order_date: nullableDateField(d, 'recommended_order_date', P),
  };
}

function supply(d: JsonObject): SupplyDetailsView {
  return {
    kind: 'supply',
    supplier_id: stringField(d, 'supplier_id', P),
    late_probability: numberField(d, 'late_probability', P, probability),
    open_orders: objectEntries(d, 'open_orders', P, MAX_LINES).map(({ entry, path }) => ({
      po_id: stringField(entry, 'po_id', path, { nonEmpty: true }),
      sku: stringField(entry, 'sku', path),
      site: stringField(entry, 'site', path),
      promised_date: nullableDateField(entry, 'promised_date', path),
      expected_date: dateField(entry, 'expected_date', path),
      days_past_due: numberField(entry, 'days_past_due', path, nonNegative),
      late_probability: numberField(entry, 'late_probability', path, probability),
    })),
  };
}

function quality(d: JsonObject): QualityDetailsView {
  return {
    kind: 'quality',
    current_rate: numberField(d, 'current_rate', P, probability),
    center_line: numberField(d, 'center_line', P, probability),
    ucl: numberField(d, 'ucl', P, probability),
    lcl: numberField(d, 'lcl', P, probability),
    spc_violations: objectEntries(d, 'spc_violations', P, MAX_LINES).map(({ entry, path }) => ({
      rule: stringField(entry, 'rule', path),
      period_start: dateField(entry, 'period_start', path),
      description: stringField(entry, 'description', path, { maxLength: MAX_TEXT }),
    })),
    limit_breached: booleanField(d, 'limit_breached', P),
    top_defect_code: stringField(d, 'top_defect_code', P),
  };
}
