/**
 * Where the CPU-bound part of a forecast runs: model selection, fit, calibrated bands and the
 * rolling-origin backtest (`selection.ts` `forecastWith` + `backtest.ts`). The forecast service
 * and the inventory handler load series and store versions on the main thread (chDB is one
 * session per process and stays there) and hand only numbers to the executor:
 * - in process: today's behaviour, the fit blocks the event loop while it runs;
 * - worker threads: fits run on the offline forecaster's pool (`offline/worker-pool.ts`), so the
 *   main thread keeps serving HTTP and storage round trips while every core fits.
 * Both run the very same function (`offline/run-task.ts`) and give the same numbers for the same
 * input (the models are deterministic); a failed fit rejects with the same error either way
 * (bad input: ForecastInputError, FGC_FORECAST_INVALID_INPUT).
 */
import { ERROR_CODES, FgcError, type ErrorCode } from '../../infra/errors.js';
import { ForecastInputError } from '../forecast-input-error.js';
import type { ForecastOutput } from '../models/model.js';
import type { ForecastResult, ForecastTask } from '../offline/forecast-task.js';
import { computeTask } from '../offline/run-task.js';
import { ForecastWorkerPool } from '../offline/worker-pool.js';
import type { BacktestAccuracy } from './forecast-record.js';

/** One series to fit and backtest. */
export interface FitInput {
  /** Observations in time order, no missing values. */
  readonly y: readonly number[];
  readonly season: number;
  /** Steps ahead to forecast. */
  readonly horizon: number;
  /** Central interval levels in percent. */
  readonly levels: readonly number[];
  /** A registry model name or `auto`. */
  readonly model: string;
  /** Steps each backtest window holds out; the forecast horizon when left out. */
  readonly backtestHorizon?: number;
}

/** The fitted forecast and the backtest of the same procedure. */
export interface FitResult {
  readonly output: ForecastOutput;
  readonly accuracy: BacktestAccuracy;
}

/** Runs fits somewhere; `close` releases what it holds (threads) and fails fits still pending. */
export interface FitExecutor {
  /** Worker threads fitting; 0 = in process. */
  readonly workers: number;
  fit(input: FitInput): Promise<FitResult>;
  /** The forecast alone, no backtest (POST /api/v1/infer: nothing is stored, no accuracy kept). */
  forecast(input: Omit<FitInput, 'backtestHorizon'>): Promise<ForecastOutput>;
  close(): Promise<void>;
}

export interface FitExecutorOptions {
  /** Worker threads; 0 = in process (FORGECAST_FORECAST_WORKERS). */
  readonly workers: number;
}

function taskOf(input: FitInput): ForecastTask {
  return { ...forecastTaskOf(input), backtestHorizon: input.backtestHorizon ?? input.horizon };
}

/** A task without `backtestHorizon`: the worker fits and forecasts, and skips the backtest. */
function forecastTaskOf(input: Omit<FitInput, 'backtestHorizon'>): ForecastTask {
  return { id: '', y: input.y, season: input.season, horizon: input.horizon, levels: input.levels, model: input.model };
}

function closedError(): FgcError {
  return new FgcError('FGC_FORECAST_EXECUTOR_CLOSED', 'the forecast fit executor is closed');
}

/** A result that crossed a thread, back into its forecast (and backtest) or the error the fit threw. */
function settleOutput(result: ForecastResult | undefined): Extract<ForecastResult, { output: unknown }> {
  if (result === undefined) throw new FgcError('FGC_FORECAST_WORKER_FAILED', 'the forecast worker returned no result');
  if ('error' in result) {
    if (result.code === 'FGC_FORECAST_INVALID_INPUT') throw new ForecastInputError(result.error);
    if (result.code !== undefined && result.code in ERROR_CODES) throw new FgcError(result.code as ErrorCode, result.error);
    throw new Error(result.error);
  }
  return result;
}

function settle(result: ForecastResult | undefined): FitResult {
  const { output, accuracy } = settleOutput(result);
  if (accuracy === undefined) throw new FgcError('FGC_FORECAST_WORKER_FAILED', 'the forecast worker returned no backtest');
  return { output, accuracy };
}

/** Fits on the calling thread (embedded tests, `FORGECAST_FORECAST_WORKERS=0`). */
export function inProcessFitExecutor(): FitExecutor {
  let closed = false;
  return {
    workers: 0,
    async fit(input) {
      if (closed) throw closedError();
      return settle(computeTask(taskOf(input)));
    },
    async forecast(input) {
      if (closed) throw closedError();
      return computeTask(forecastTaskOf(input)).output;
    },
    async close() {
      closed = true;
    },
  };
}

/** Fits on `workers` threads (started on the first fit). */
export function workerThreadFitExecutor(workers: number): FitExecutor {
  const pool = new ForecastWorkerPool(workers);
  return {
    workers,
    async fit(input) {
      const [result] = await pool.run([taskOf(input)]);
      return settle(result);
    },
    async forecast(input) {
      const [result] = await pool.run([forecastTaskOf(input)]);
      return settleOutput(result).output;
    },
    close: () => pool.close(),
  };
}

/** The executor for a worker count: threads when ≥ 1, in process at 0. */
export function createFitExecutor(options: FitExecutorOptions): FitExecutor {
  return options.workers > 0 ? workerThreadFitExecutor(options.workers) : inProcessFitExecutor();
}
