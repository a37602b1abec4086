/**
 * The parts of a forecast as planners see it (SPEC.md, Forecasts) and the request that makes one:
 * points with lower/upper bounds per requested level and the backtest accuracy. The stored
 * version itself (`ForecastRecord`) is in `forecast-version.ts`, beside the typed details it
 * carries (this module is imported by `types/forecast-type.ts`, so it imports nothing of it).
 */
import type { Period } from '../series/periods.js';
import type { EntityType } from '../series/series-source.js';

export const FORECAST_TYPES = ['demand', 'inventory', 'supply', 'quality'] as const;
export type ForecastType = (typeof FORECAST_TYPES)[number];

/** The levels a forecast carries when the request names none. */
export const DEFAULT_LEVELS: readonly number[] = [80, 95];

/** POST /api/v1/forecasts, after schema validation (snake_case as on the wire). */
export interface ForecastRequest {
  readonly forecast_type: ForecastType;
  readonly period: Period;
  readonly entity_id: string;
  readonly entity_type: EntityType;
  /** The site of an item_site entity (a Forgecast addition; SPEC.md's body has no site). */
  readonly site?: string;
  readonly lookback_days: number;
  readonly horizon?: number;
  readonly levels?: readonly number[];
  readonly model?: string;
}

/** One forecast step. Bounds are keyed by level as text ("80", "95"). */
export interface ForecastPoint {
  readonly period_start: string;
  readonly value: number;
  readonly lower: Readonly<Record<string, number>>;
  readonly upper: Readonly<Record<string, number>>;
}

/**
 * Rolling-origin backtest on the training data. Metrics are null when undefined for the data
 * (WAPE with only zero actuals, MASE on a constant history, no window fitting the history).
 */
export interface BacktestAccuracy {
  /** Σ|actual − forecast| / Σ|actual| over every window. */
  readonly wape: number | null;
  /** Mean absolute error scaled by the in-sample seasonal naive error, averaged over windows. */
  readonly mase: number | null;
  /** Mean forecast − actual over every window: positive means over-forecasting (in units). */
  readonly bias: number | null;
  /** Share of actuals inside the 95 % band (null when 95 was not a requested level). */
  readonly coverage_95: number | null;
  /** Share inside the band, per requested level. */
  readonly coverage: Readonly<Record<string, number | null>>;
  /** Mean scaled interval score of the 95 % band (M4), null without a 95 level or a scale. */
  readonly msis: number | null;
  /** Origins evaluated. 0 when the history is too short for any. */
  readonly windows: number;
  /** Steps ahead scored in each window. */
  readonly horizon: number;
}

/** Selects one series of a tenant. */
export interface SeriesKey {
  readonly entityId: string;
  readonly forecastType: ForecastType;
  readonly period?: Period;
  readonly site?: string;
  readonly entityType?: EntityType;
}
