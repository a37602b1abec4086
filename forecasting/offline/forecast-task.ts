/**
 * Messages between a forecast worker and whoever feeds it: forecast-file and the bench (batches
 * of series), and the forecast service's worker-thread fit executor (one fit with its backtest).
 */
import type { ForecastOutput } from '../models/model.js';
import type { BacktestAccuracy } from '../service/forecast-record.js';

export interface ForecastTask {
  readonly id: string;
  readonly y: readonly number[];
  readonly season: number;
  readonly extraSeasons?: readonly number[];
  readonly horizon: number;
  readonly levels: readonly number[];
  readonly model: string;
  /**
   * When set, the same procedure is also backtested at this horizon (rolling origins,
   * `service/backtest.ts`) and the result carries its accuracy.
   */
  readonly backtestHorizon?: number;
}

export type ForecastResult =
  | { readonly id: string; readonly output: ForecastOutput; readonly accuracy?: BacktestAccuracy }
  /** `code`: the FGC_* code when the task failed with an FgcError (bad input is FGC_FORECAST_INVALID_INPUT). */
  | { readonly id: string; readonly error: string; readonly code?: string };

export interface WorkerRequest {
  readonly batch: number;
  readonly tasks: readonly ForecastTask[];
}

export interface WorkerResponse {
  readonly batch: number;
  readonly results: readonly ForecastResult[];
}
