/**
 * Which rule reads which forecast event: one entry point for the consumer of the forecast-events
 * topic. Demand events feed the demand-anomaly rule, inventory the stockout rule, quality the
 * drift rule, supply the late-supplier rule; other event types and forecast types yield nothing
 * (a newer producer may publish more than this consumer knows).
 */
import type { Observation } from '../alert-model.js';
import { demandAnomaly } from './demand-anomaly.js';
import type { ForecastEventView } from './forecast-event.js';
import { lateSupplier } from './late-supplier.js';
import { qualityDrift } from './quality-drift.js';
import type { RuleConfig } from './rule-config.js';
import { stockoutRisk } from './stockout-risk.js';

/** The event type the rules evaluate. */
export const FORECAST_GENERATED = 'forecast.generated';

export function forecastObservations(event: ForecastEventView, config: RuleConfig, observedAt: number): Observation[] {
  if (event.event_type !== FORECAST_GENERATED) return [];
  switch (event.forecast_type) {
    case 'demand':
      return demandAnomaly(event, config.demandAnomaly, observedAt);
    case 'inventory':
      return stockoutRisk(event, config.stockoutRisk, observedAt);
    case 'quality':
      return qualityDrift(event, config.qualityDrift, observedAt);
    case 'supply':
      return lateSupplier(event, config.lateSupplier, observedAt);
    default:
      return [];
  }
}
