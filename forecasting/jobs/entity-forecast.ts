/**
 * One entity × forecast type × period of a job run: forecast it, store the version, build its
 * forecast event. The same step whether the run's own process does it (embedded bus) or any
 * member of the forecast-workers group does (a task from the Kafka task topic, task-consumer.ts).
 * An entity that cannot be forecast (bad data, too short) is a failed entity, not an error; an
 * infrastructure error (retriable: storage or bus down) is thrown for the caller to handle.
 */
import { isFgcError } from '../../infra/errors.js';
import type { BusMessage } from '../../infra/event-bus/event-bus.js';
import type { Logger } from '../../infra/logger.js';
import type { Period } from '../series/periods.js';
import type { ForecastType } from '../service/forecast-record.js';
import type { ForecastService } from '../service/forecast-service.js';
import type { ForecastStore } from '../service/forecast-store.js';
import type { TypedEntityRef } from '../types/forecast-type.js';
import { eventMessage, forecastEvent } from './forecast-events.js';

/** What one task of a run forecasts. */
export interface EntityTask {
  readonly tenant: string;
  readonly forecastType: ForecastType;
  readonly entity: TypedEntityRef;
  readonly period: Period;
}

export interface EntityForecastDeps {
  readonly service: ForecastService;
  readonly forecasts: ForecastStore;
  readonly logger: Logger;
}

/** The version's forecast event, or undefined when the entity could not be forecast; throws on infrastructure errors. */
export async function forecastEntity(deps: EntityForecastDeps, task: EntityTask, runId: string, lookbackDays: number): Promise<BusMessage | undefined> {
  const { entity, period, tenant, forecastType } = task;
  const key = { entityId: entity.entityId, forecastType, period, site: entity.site, entityType: entity.entityType };
  try {
    const previous = await deps.forecasts.get(tenant, key);
    const { record, series } = await deps.service.createWithSeries(
      tenant,
      {
        forecast_type: forecastType,
        period,
        entity_id: entity.entityId,
        entity_type: entity.entityType,
        ...(entity.site === '' ? {} : { site: entity.site }),
        lookback_days: lookbackDays,
      },
      { runId },
    );
    const actuals = new Map<string, number>();
    series?.periodStarts.forEach((start, i) => actuals.set(start, series.values[i] ?? 0));
    return eventMessage(forecastEvent(record, previous, actuals));
  } catch (error) {
    // Storage or bus down: the run cannot go on. Anything else is about this entity's data.
    if (isFgcError(error) && error.retriable) throw error;
    deps.logger.warn({ err: error, tenant, forecast_type: forecastType, entity_type: entity.entityType, entity_id: entity.entityId, site: entity.site, period }, 'entity not forecast');
    return undefined;
  }
}
