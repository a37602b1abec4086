/**
 * The model contract of the forecasting domain. A model is pure: numbers in, forecast with
 * bounds out, no I/O. Every model answers every requested interval level; bounds are ordered
 * (the 95 % band contains the 80 % band) and, for non-negative series, never negative.
 */

/** What a model is asked to forecast. */
export interface ForecastInput {
  /** Observations in time order; no missing values (callers fill or drop them first). */
  readonly y: readonly number[];
  /** Seasonal period (1 = none). Models may use more periods internally (e.g. 24 and 168). */
  readonly season: number;
  /** Extra seasonal periods the data may carry (e.g. [168] for hourly data with season 24). */
  readonly extraSeasons?: readonly number[];
  /** Steps ahead, 1..horizon. */
  readonly horizon: number;
  /** Central interval levels in percent, e.g. [80, 95]. */
  readonly levels: readonly number[];
}

/** A forecast for steps 1..horizon after the last observation. */
export interface ForecastOutput {
  /** Name of the model that produced it (for a combination or selection: the chosen one). */
  readonly model: string;
  readonly mean: readonly number[];
  /** Per level (as text, e.g. "80"), lower and upper bounds per step. */
  readonly lower: Readonly<Record<string, readonly number[]>>;
  readonly upper: Readonly<Record<string, readonly number[]>>;
  /** Why this model (selection), for the record. */
  readonly reason?: string;
}

/** A registered model: identity plus the pure forecast function. */
export interface ForecastModel {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /**
   * Forecasts `input`, or returns undefined when the model does not apply (too short, needs a
   * season the data lacks…): callers then fall back to a simpler model, never to an error.
   */
  forecast(input: ForecastInput): ForecastOutput | undefined;
}
