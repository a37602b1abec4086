/**
 * A stored forecast version, in the shape of SPEC.md plus a few identifying extras: one version
 * of one series, its points with bounds per level, the model and why, the backtest accuracy, and
 * for the typed forecasts (inventory, supply, quality) the details a planner or an alert acts on.
 * Apart from `forecast-record.ts` because the details come from `types/forecast-type.ts`, which
 * itself imports the point and accuracy shapes from there.
 */
import type { Period } from '../series/periods.js';
import type { EntityType } from '../series/series-source.js';
import type { ForecastDetails } from '../types/forecast-type.js';
import type { BacktestAccuracy, ForecastPoint, ForecastType } from './forecast-record.js';

export interface ForecastRecord {
  readonly tenant_id: string;
  readonly entity_id: string;
  readonly entity_type: EntityType;
  readonly forecast_type: ForecastType;
  readonly period: Period;
  readonly site: string;
  readonly model: string;
  readonly model_requested: string;
  readonly reason: string;
  readonly version_id: string;
  readonly generated_at: string;
  readonly data_as_of: string;
  readonly lookback_days: number;
  readonly horizon: number;
  readonly levels: readonly number[];
  readonly points: readonly ForecastPoint[];
  readonly accuracy: BacktestAccuracy;
  readonly run_id: string;
  /** Inventory, supply and quality figures of the version (`kind` says which); null for demand. */
  readonly details: ForecastDetails | null;
}
