/**
 * The contract of the non-demand forecast types (SPEC.md, Forecasts; forecasting issue item 3):
 * inventory, supply and quality. Each type is one handler (`inventory-forecast.ts`,
 * `supply-forecast.ts`, `quality-forecast.ts` beside this file) that the forecast service
 * dispatches to by `forecast_type`; demand stays in the service itself.
 *
 * A handler computes points with bounds per requested level (like demand) plus a `details` object
 * with the figures a planner or an alert rule acts on (days of cover, stockout date, reorder point;
 * lead-time quantiles and late probability; SPC limits). The service stores `details` with the
 * version (JSON text) and the jobs copy it into the forecast event, so alerting reads the same
 * numbers the planner API shows.
 */
import type { Period } from '../series/periods.js';
import type { EntityType } from '../series/series-source.js';
import type { BacktestAccuracy, ForecastPoint } from '../service/forecast-record.js';

export type TypedForecastType = 'inventory' | 'supply' | 'quality';

/**
 * One entity of a typed forecast. `entityId` is the sku (item, item_site), the supplier id
 * (supplier) or the production line id (line); `site` is the site of an item_site or of a line
 * ('' when not site-specific).
 */
export interface TypedEntityRef {
  readonly entityType: EntityType;
  readonly entityId: string;
  readonly site: string;
}

/** What the service passes to a handler, after validating the request. */
export interface TypedRequest {
  readonly period: Period;
  readonly horizon: number;
  /** Interval levels in percent, ascending, deduplicated. */
  readonly levels: readonly number[];
  readonly lookbackDays: number;
  /** 'auto' or a model name of the registry, for the underlying demand / rate forecast. */
  readonly model: string;
}

/** Projected on-hand per item × site (inventory forecasts). Quantities in the item's base unit. */
export interface InventoryDetails {
  readonly kind: 'inventory';
  /** Latest on-hand snapshot and its timestamp (ISO). */
  readonly on_hand: number;
  readonly on_hand_as_of: string;
  /** Open purchase-order lines counted as receipts, with the day each is expected. */
  readonly open_receipts: readonly { readonly po_id: string; readonly qty: number; readonly promised_date: string | null; readonly expected_date: string }[];
  /** Mean forecast daily demand over the horizon. */
  readonly mean_daily_demand: number;
  /** On-hand divided by mean daily demand (null when demand is zero). */
  readonly days_of_cover: number | null;
  /** First day whose median projected on-hand is at or below zero (null: none within the horizon). */
  readonly stockout_date: string | null;
  /** Probability that on-hand reaches zero within the horizon. */
  readonly stockout_probability: number;
  /** Probability that on-hand reaches zero within the replenishment lead time (what an order placed today can still prevent). */
  readonly stockout_probability_within_lead_time: number;
  /** Replenishment lead time used (days): item master, else purchase-order history, else a default. */
  readonly lead_time_days: number;
  /** Target cycle service level of the safety stock, 0..1. */
  readonly service_level: number;
  readonly safety_stock: number;
  readonly reorder_point: number;
  /** What to order now to cover lead time + review period at the service level (0 when above the reorder point). */
  readonly recommended_order_qty: number;
  /** Latest day an order can be placed to arrive before the projected stockout (null when none). */
  readonly recommended_order_date: string | null;
}

/** Supplier lead-time distribution and lateness (supply forecasts). Days are calendar days. */
export interface SupplyDetails {
  readonly kind: 'supply';
  readonly supplier_id: string;
  /** Received purchase-order lines the distribution is built from. */
  readonly orders_observed: number;
  /** Order date → receipt date, recent orders weighted more. */
  readonly lead_time_days: { readonly mean: number; readonly sd: number; readonly p50: number; readonly p80: number; readonly p95: number };
  /** Probability that an order arrives after its promised date (recent-weighted, shrunk towards the long-run rate for few orders). */
  readonly late_probability: number;
  /** Mean days received after the promise, over the recent orders (negative = early). */
  readonly mean_delay_days: number;
  /** Open lines of this supplier: when each is expected, and how likely it is to miss its promise. */
  readonly open_orders: readonly {
    readonly po_id: string;
    readonly sku: string;
    readonly site: string;
    readonly order_date: string;
    readonly promised_date: string | null;
    readonly expected_date: string;
    /** Days past the promised date as of data_as_of (0 when not yet due). */
    readonly days_past_due: number;
    readonly late_probability: number;
  }[];
}

/** Defect rate of a production line or item (quality forecasts): a p-chart with forecast bounds. */
export interface QualityDetails {
  readonly kind: 'quality';
  /** Defect rate of the last complete period. */
  readonly current_rate: number;
  /** p-chart centre line (baseline rate) and 3-sigma control limits for the average sample size, all in [0, 1]. */
  readonly center_line: number;
  readonly ucl: number;
  readonly lcl: number;
  readonly average_sample_size: number;
  /** Western Electric run rules violated over the recent periods. */
  readonly spc_violations: readonly { readonly rule: string; readonly period_start: string; readonly description: string }[];
  /** True when the current rate, or the next period's upper 95 % bound, is above the UCL. */
  readonly limit_breached: boolean;
  /** The most frequent defect code of the recent periods ('' when none). */
  readonly top_defect_code: string;
}

export type ForecastDetails = InventoryDetails | SupplyDetails | QualityDetails;

/** What a handler returns for one entity. */
export interface TypedForecast {
  readonly model: string;
  /** Why this model / method (recorded with the version). */
  readonly reason: string;
  /** Last day of data used (YYYY-MM-DD). */
  readonly dataAsOf: string;
  /** Points of `request.horizon` periods after dataAsOf, with bounds for every requested level. */
  readonly points: readonly ForecastPoint[];
  readonly accuracy: BacktestAccuracy;
  readonly details: ForecastDetails;
}

export interface ForecastTypeHandler {
  readonly forecastType: TypedForecastType;
  /** Entity types this handler serves; others get FGC_FORECAST_TYPE_UNSUPPORTED. */
  readonly entityTypes: readonly EntityType[];
  /** The forecast of one entity; undefined when the entity has no data of this kind (→ 404). */
  compute(tenant: string, entity: TypedEntityRef, request: TypedRequest): Promise<TypedForecast | undefined>;
  /** Every entity of `type` with data of this kind (for the scheduled jobs). */
  knownEntities(tenant: string, type: EntityType): Promise<TypedEntityRef[]>;
}
