/**
 * POST /api/v1/infer: a forecast for numbers the caller sends, nothing read or stored. The same
 * models and selection as stored forecasts; bands tidied the same way. The fit runs on the fit
 * executor (worker threads unless FORGECAST_FORECAST_WORKERS=0): a long series (up to 100,000
 * points) takes seconds to fit, which on the main thread would stall every other request and
 * the pipelines for as long.
 */
import { tidyBands } from '../intervals/bands.js';
import type { FitExecutor } from './fit-executor.js';
import { DEFAULT_LEVELS } from './forecast-record.js';

export interface InferRequest {
  readonly series: readonly number[];
  readonly season?: number;
  readonly horizon: number;
  readonly levels?: readonly number[];
  readonly model?: string;
}

export interface InferPoint {
  readonly step: number;
  readonly value: number;
  readonly lower: Readonly<Record<string, number>>;
  readonly upper: Readonly<Record<string, number>>;
}

export interface InferResult {
  readonly model: string;
  readonly reason: string;
  readonly levels: readonly number[];
  readonly points: readonly InferPoint[];
}

/** Mean and bands of a model output as points; non-negative history keeps everything ≥ 0. */
export function toSteps(
  out: { mean: readonly number[]; lower: Readonly<Record<string, readonly number[]>>; upper: Readonly<Record<string, readonly number[]>> },
  levels: readonly number[],
  nonNegative: boolean,
): { value: number; lower: Record<string, number>; upper: Record<string, number> }[] {
  const mean = nonNegative ? out.mean.map((v) => Math.max(0, v)) : [...out.mean];
  const bands = tidyBands(mean, out, levels, nonNegative);
  return mean.map((value, k) => {
    const lower: Record<string, number> = {};
    const upper: Record<string, number> = {};
    for (const level of levels) {
      const key = String(level);
      lower[key] = bands.lower[key]?.[k] ?? value;
      upper[key] = bands.upper[key]?.[k] ?? value;
    }
    return { value, lower, upper };
  });
}

export async function infer(request: InferRequest, fit: Pick<FitExecutor, 'forecast'>): Promise<InferResult> {
  const levels = request.levels ?? DEFAULT_LEVELS;
  const model = request.model ?? 'auto';
  const out = await fit.forecast({ y: request.series, season: request.season ?? 1, horizon: request.horizon, levels, model });
  const nonNegative = request.series.every((v) => v >= 0);
  return {
    model: out.model,
    reason: out.reason ?? (model === 'auto' ? 'auto' : `requested ${model}`),
    levels,
    points: toSteps(out, levels, nonNegative).map((p, i) => ({ step: i + 1, ...p })),
  };
}
