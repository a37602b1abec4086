/**
 * The rules as one object the alert engine holds: raw forecast-event values and source-freshness
 * rows in, observations out. Pure apart from the injected clock (when a forecast event was
 * observed); thresholds come from one RuleConfig.
 */
import type { Observation } from '../alert-model.js';
import { parseForecastEvent } from './forecast-event.js';
import { forecastObservations } from './forecast-rules.js';
import { DEFAULT_RULE_CONFIG, type RuleConfig } from './rule-config.js';
import { staleSource, type SourceFreshness } from './stale-source.js';

export interface AlertRules {
  /** Observations of one forecast event value (JSON); throws FGC_ALERT_EVENT_INVALID naming the field when malformed. */
  forecastEvent(value: Buffer | string): Observation[];
  /** Stale-source observations of the freshness rows at `nowMs`. */
  sourceFreshness(rows: readonly SourceFreshness[], nowMs: number): Observation[];
}

export function alertRules(config: RuleConfig = DEFAULT_RULE_CONFIG, now: () => number = Date.now): AlertRules {
  return {
    forecastEvent: (value) => forecastObservations(parseForecastEvent(value), config, now()),
    sourceFreshness: (rows, nowMs) => staleSource(rows, config.staleSource, nowMs),
  };
}
