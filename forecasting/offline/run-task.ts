/** Runs one forecast task: the same function in a worker and in process. */
import { forecastWith } from '../selection.js';
import type { ForecastResult, ForecastTask } from './forecast-task.js';

export function runTask(task: ForecastTask): ForecastResult {
  try {
    const input = { y: task.y, season: task.season, horizon: task.horizon, levels: task.levels, ...(task.extraSeasons !== undefined ? { extraSeasons: task.extraSeasons } : {}) };
    return { id: task.id, output: forecastWith(task.model, input) };
  } catch (error) {
    return { id: task.id, error: error instanceof Error ? error.message : String(error) };
  }
}
