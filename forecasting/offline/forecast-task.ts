/** Messages between forecast-file (or the bench) and its forecast workers. */
import type { ForecastOutput } from '../models/model.js';

export interface ForecastTask {
  readonly id: string;
  readonly y: readonly number[];
  readonly season: number;
  readonly extraSeasons?: readonly number[];
  readonly horizon: number;
  readonly levels: readonly number[];
  readonly model: string;
}

export type ForecastResult = { readonly id: string; readonly output: ForecastOutput } | { readonly id: string; readonly error: string };

export interface WorkerRequest {
  readonly batch: number;
  readonly tasks: readonly ForecastTask[];
}

export interface WorkerResponse {
  readonly batch: number;
  readonly results: readonly ForecastResult[];
}
