/**
 * The handlers of the non-demand forecast types, built over one analytics store, for the forecast
 * service (`handlers` option) and through it the jobs. The one place that knows every type's
 * factory: adding a type is a file beside this one and a line here.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import type { TypedHandler, TypedHandlers } from '../service/forecast-service.js';
import type { TypedForecastType } from './forecast-type.js';
import { createInventoryForecast, type InventoryForecastOptions } from './inventory-forecast.js';
import { createQualityForecast } from './quality-forecast.js';
import { createSupplyForecast } from './supply-forecast.js';

export interface TypedHandlerOptions {
  readonly inventory?: InventoryForecastOptions;
}

export function createTypedHandlers(store: AnalyticsStore, options: TypedHandlerOptions = {}): TypedHandlers {
  const handlers: TypedHandler[] = [createInventoryForecast(store, options.inventory), createSupplyForecast(store), createQualityForecast(store)];
  return new Map<TypedForecastType, TypedHandler>(handlers.map((h) => [h.forecastType, h]));
}
