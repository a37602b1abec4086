/**
 * The series-source port: where the forecast service and the jobs get history from. The
 * ClickHouse implementation (`clickhouse-series-source.ts`) reads the unified model; tests pass
 * an in-memory one. Only demand is served today.
 */
import type { Period } from './periods.js';

/** Entity types of SPEC.md; demand is served for the first three. */
export const ENTITY_TYPES = ['item', 'item_site', 'site', 'supplier', 'line'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** Entity types a demand series exists for: an item over all sites, an item at one site, a whole site. */
export const DEMAND_ENTITY_TYPES = ['item', 'item_site', 'site'] as const satisfies readonly EntityType[];
export type DemandEntityType = (typeof DEMAND_ENTITY_TYPES)[number];

export function isDemandEntityType(value: string): value is DemandEntityType {
  return (DEMAND_ENTITY_TYPES as readonly string[]).includes(value);
}

/**
 * What a series is about. `entityId` is the sku (item, item_site) or the site code (site);
 * `site` is the site of an item_site and '' otherwise.
 */
export interface EntityRef {
  readonly entityType: DemandEntityType;
  readonly entityId: string;
  readonly site: string;
}

/** A demand history bucketed by period, zero-filled, oldest first. */
export interface DemandSeries {
  readonly periodStarts: readonly string[];
  readonly values: readonly number[];
  /**
   * The last day of data (`YYYY-MM-DD`): the latest order date of the tenant's demand feed. The
   * series ends with the last bucket that is complete by then.
   */
  readonly dataAsOf: string;
}

export interface SeriesSource {
  /**
   * The demand of `entity` over the `lookbackDays` days up to the tenant's latest order date, in
   * buckets of `period`; undefined when the entity has no demand lines at all (unknown entity).
   */
  demandSeries(tenant: string, entity: EntityRef, period: Period, lookbackDays: number): Promise<DemandSeries | undefined>;
  /** Every entity of `type` with at least one demand line. */
  knownEntities(tenant: string, type: DemandEntityType): Promise<EntityRef[]>;
  /** Entities of `type` with demand lines received after `sinceMs` (epoch ms): what an hourly refresh needs. */
  entitiesWithNewData(tenant: string, type: DemandEntityType, sinceMs: number): Promise<EntityRef[]>;
  /** Tenants with any demand. */
  tenants(): Promise<string[]>;
}
