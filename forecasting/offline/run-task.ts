/** Runs one forecast task: the same function in a worker and in process. */
import { isFgcError } from '../../infra/errors.js';
import { forecastWith } from '../selection.js';
import { backtest } from '../service/backtest.js';
import type { ForecastResult, ForecastTask } from './forecast-task.js';

/** The task's forecast (and backtest when asked); throws what the models throw (bad input: ForecastInputError). */
export function computeTask(task: ForecastTask): Extract<ForecastResult, { output: unknown }> {
  const input = { y: task.y, season: task.season, horizon: task.horizon, levels: task.levels, ...(task.extraSeasons !== undefined ? { extraSeasons: task.extraSeasons } : {}) };
  const output = forecastWith(task.model, input);
  if (task.backtestHorizon === undefined) return { id: task.id, output };
  const accuracy = backtest({ y: task.y, season: task.season, horizon: task.backtestHorizon, levels: task.levels, model: task.model });
  return { id: task.id, output, accuracy };
}

/** As computeTask, with a failure returned as a result (message, and the FGC_* code of an FgcError) so it can cross a thread. */
export function runTask(task: ForecastTask): ForecastResult {
  try {
    return computeTask(task);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return isFgcError(error) ? { id: task.id, error: message, code: error.code } : { id: task.id, error: message };
  }
}
