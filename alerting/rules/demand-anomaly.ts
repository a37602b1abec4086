/**
 * Demand anomaly (demand forecasts): the latest actual fell outside the previous version's band
 * (95 % by default). The event's `bound_breaches` list every actual since the previous version
 * outside its widest band; only a breach in the event's last actual period (the period before its
 * first forecast point) is news — older ones were reported by earlier runs — so:
 *  - breach: the last actual period is among the breaches at the configured level or wider;
 *  - ok: no breach at that level at all;
 *  - between: breaches, but only in earlier periods (nothing new either way).
 * Demand of one entity is forecast per period (daily, weekly…); each period is its own condition,
 * so the period is part of the fingerprint.
 */
import type { Observation, Severity } from '../alert-model.js';
import { fingerprintOf } from './fingerprint.js';
import type { BoundBreachView, ForecastEventView } from './forecast-event.js';
import { lastActualPeriod } from './period-steps.js';
import type { DemandAnomalyConfig } from './rule-config.js';
import { entityAt, percent, quantity } from './rule-text.js';

/** Relative misses are taken against |forecast|, floored here so a forecast of 0 does not divide by zero. */
const MIN_FORECAST_SCALE = 1e-9;

const PERIOD_NOUN: Readonly<Record<string, string>> = { daily: 'day', weekly: 'week', monthly: 'month', quarterly: 'quarter' };

export function demandAnomaly(event: ForecastEventView, config: DemandAnomalyConfig, observedAt: number): Observation[] {
  if (event.forecast_type !== 'demand') return [];
  const relevant = event.bound_breaches.filter((b) => b.level >= config.bandLevel);
  const latest = relevant.reduce<BoundBreachView | undefined>((best, b) => (best === undefined || b.period_start > best.period_start ? b : best), undefined);
  // Without points or with an unknown period the last actual period cannot be placed: the latest breach stands for it.
  const lastActual = lastActualPeriod(event.points, event.period) ?? latest?.period_start;
  const state = latest === undefined ? 'ok' : latest.period_start === lastActual ? 'breach' : 'between';
  const entity = event.entity_id;
  const site = event.site;
  const base = {
    tenant_id: event.tenant_id,
    type: 'demand_anomaly' as const,
    fingerprint: fingerprintOf(event.tenant_id, 'demand_anomaly', entity, site, event.period),
    entity_id: entity,
    site,
    title: `Demand outside forecast: ${entityAt(entity, site)} (${event.period})`,
    data_as_of: event.data_as_of,
    observed_at: observedAt,
    labels: {
      ...(event.entity_type === 'site' ? {} : { sku: entity }),
      site,
      entity_type: event.entity_type,
      period: event.period,
      version_id: event.version_id,
      ...(event.previous_version_id === null ? {} : { previous_version_id: event.previous_version_id }),
    },
  };
  const reviewText = `Review the ${event.period} demand forecast of ${entityAt(entity, site)}`;
  const skuPart = event.entity_type === 'site' ? {} : { sku: entity };
  if (latest === undefined) {
    return [{ ...base, state, severity: 'info', message: `Recent demand of ${entityAt(entity, site)} is inside the forecast's ${config.bandLevel}% band.`, value: 0, threshold: 0, recommendation: { action: 'review_forecast', ...skuPart, text: `${reviewText} if demand keeps drifting` } }];
  }
  const bound = latest.direction === 'above' ? latest.upper : latest.lower;
  const miss = Math.abs(latest.actual - bound) / Math.max(Math.abs(latest.forecast), MIN_FORECAST_SCALE);
  const severity: Severity = miss < config.infoBelowRelativeMiss ? 'info' : 'warning';
  const noun = PERIOD_NOUN[event.period] ?? 'period';
  const band = `${config.bandLevel}% band (${quantity(latest.lower)}–${quantity(latest.upper)})`;
  const message =
    `Actual demand ${quantity(latest.actual)} for the ${noun} of ${latest.period_start} was ${latest.direction} the previous forecast's ${band}; ` +
    `forecast ${quantity(latest.forecast)}, missed beyond the band by ${percent(miss)} of the forecast.`;
  const cause = latest.direction === 'above' ? 'a new customer, a promotion or a pull-in' : 'a lost order, a push-out or a supply cut';
  return [
    {
      ...base,
      state,
      severity,
      message,
      value: latest.actual,
      threshold: bound,
      recommendation: {
        action: 'review_forecast',
        ...skuPart,
        text: `${reviewText}: demand of ${quantity(latest.actual)} for the ${noun} of ${latest.period_start} was ${latest.direction} the ${band}; check for ${cause} and adjust plans.`,
      },
    },
  ];
}
