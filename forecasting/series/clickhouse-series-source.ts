/**
 * The series source over the unified model in ClickHouse: `demand_lines` (sales order lines),
 * read with FINAL so a replaced or deleted line never counts twice, and parameterized only.
 * ClickHouse sums per entity and day (exact Decimal sums, read as text); bucketing into
 * weeks / months / quarters and zero-filling happen in the pure `periods.ts`, so both sides agree
 * on ISO weeks and partial buckets.
 *
 * Cancelled lines are not demand: a line whose status is `cancelled` / `canceled` (any case) is
 * left out. Every other status counts (open, shipped, invoiced…: the order was placed).
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { toClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import { addDays, bucketize, type Period } from './periods.js';
import type { DemandEntityType, DemandSeries, EntityRef, SeriesSource } from './series-source.js';

const NOT_CANCELLED = "lower(status) NOT IN ('cancelled', 'canceled')";

/** The WHERE clause selecting one entity's lines, with its parameters. */
function entityFilter(entity: EntityRef): { sql: string; params: Record<string, string> } {
  switch (entity.entityType) {
    case 'item':
      return { sql: 'sku = {entity:String}', params: { entity: entity.entityId } };
    case 'item_site':
      return { sql: 'sku = {entity:String} AND site = {site:String}', params: { entity: entity.entityId, site: entity.site } };
    case 'site':
      return { sql: 'site = {entity:String}', params: { entity: entity.entityId } };
  }
}

/** Columns naming an entity of each type, for the DISTINCT listings. */
const ENTITY_COLUMNS: Readonly<Record<DemandEntityType, string>> = {
  // Aliases differ from column names: a ClickHouse alias is visible in the whole query, so
  // `'' AS site` would also change what `site` means elsewhere in it.
  item: "sku AS entity_id, '' AS entity_site",
  item_site: 'sku AS entity_id, site AS entity_site',
  site: "site AS entity_id, '' AS entity_site",
};

interface EntityRow {
  entity_id: string;
  entity_site: string;
}

export function createClickHouseSeriesSource(store: AnalyticsStore): SeriesSource {
  const toRefs = (type: DemandEntityType, rows: readonly EntityRow[]): EntityRef[] => rows.map((r) => ({ entityType: type, entityId: r.entity_id, site: r.entity_site }));

  return {
    async demandSeries(tenant: string, entity: EntityRef, period: Period, lookbackDays: number): Promise<DemandSeries | undefined> {
      const filter = entityFilter(entity);
      const params = { tenant, ...filter.params };
      const [found] = await store.query<{ lines: string }>(
        `SELECT count() AS lines FROM demand_lines FINAL WHERE tenant_id = {tenant:String} AND ${filter.sql} AND ${NOT_CANCELLED}`,
        params,
      );
      if (found === undefined || Number(found.lines) === 0) return undefined;
      const [latest] = await store.query<{ as_of: string }>(
        `SELECT toString(max(order_date)) AS as_of FROM demand_lines FINAL WHERE tenant_id = {tenant:String} AND ${NOT_CANCELLED}`,
        { tenant },
      );
      const dataAsOf = latest?.as_of ?? '';
      const from = addDays(dataAsOf, -(lookbackDays - 1));
      const days = await store.query<{ date: string; qty: string }>(
        `SELECT toString(order_date) AS date, toString(sum(qty)) AS qty FROM demand_lines FINAL
         WHERE tenant_id = {tenant:String} AND ${filter.sql} AND ${NOT_CANCELLED}
           AND order_date >= {from:Date32} AND order_date <= {to:Date32}
         GROUP BY order_date ORDER BY order_date`,
        { ...params, from, to: dataAsOf },
      );
      const series = bucketize(
        days.map((d) => ({ date: d.date, qty: Number(d.qty) })),
        period,
        from,
        dataAsOf,
      );
      return { ...series, dataAsOf };
    },

    async knownEntities(tenant: string, type: DemandEntityType): Promise<EntityRef[]> {
      const rows = await store.query<EntityRow>(
        `SELECT DISTINCT ${ENTITY_COLUMNS[type]} FROM demand_lines FINAL WHERE tenant_id = {tenant:String} AND ${NOT_CANCELLED} ORDER BY entity_id, entity_site`,
        { tenant },
      );
      return toRefs(type, rows);
    },

    async entitiesWithNewData(tenant: string, type: DemandEntityType, sinceMs: number): Promise<EntityRef[]> {
      // Not filtered on status: a line newly cancelled is new data for the entity too.
      const rows = await store.query<EntityRow>(
        `SELECT DISTINCT ${ENTITY_COLUMNS[type]} FROM demand_lines FINAL WHERE tenant_id = {tenant:String} AND received_at > {since:DateTime64(3, 'UTC')} ORDER BY entity_id, entity_site`,
        { tenant, since: toClickHouseDateTime(sinceMs) },
      );
      return toRefs(type, rows);
    },

    async tenants(): Promise<string[]> {
      const rows = await store.query<{ tenant_id: string }>('SELECT DISTINCT tenant_id FROM demand_lines ORDER BY tenant_id');
      return rows.map((r) => r.tenant_id);
    },
  };
}
