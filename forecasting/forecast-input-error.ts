import { FgcError } from '../infra/errors.js';

/** Bad forecast input (no observations, NaN, horizon < 1…): a caller's mistake, never retried. */
export class ForecastInputError extends FgcError {
  constructor(message: string) {
    super('FGC_FORECAST_INVALID_INPUT', message);
    this.name = 'ForecastInputError';
  }
}
