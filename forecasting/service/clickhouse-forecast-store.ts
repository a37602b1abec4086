/**
 * Forecast versions in ClickHouse (`forecasts`, migrations 006 and 007). Points are stored as
 * parallel arrays (period starts, values, and one array of bounds per level), accuracy and the
 * typed details as JSON text ('' = no details: demand, and versions written before 007).
 * Parameterized queries only; every query is scoped to one tenant.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { fromClickHouseDateTime, toClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import type { Period } from '../series/periods.js';
import type { EntityType } from '../series/series-source.js';
import type { ForecastDetails } from '../types/forecast-type.js';
import type { BacktestAccuracy, ForecastPoint, ForecastType, SeriesKey } from './forecast-record.js';
import type { ForecastRecord } from './forecast-version.js';
import type { ForecastPage, ForecastStore, ListCursor, ListFilter } from './forecast-store.js';

interface ForecastRow {
  tenant_id: string;
  entity_type: string;
  entity_id: string;
  forecast_type: string;
  period: string;
  site: string;
  version_id: string;
  generated_text: string;
  as_of_text: string;
  model: string;
  model_requested: string;
  reason: string;
  lookback_days: number;
  horizon: number;
  levels: number[];
  starts_text: string[];
  point_values: number[];
  lower: number[][];
  upper: number[][];
  accuracy: string;
  run_id: string;
  details: string;
}

// Converted columns get aliases of their own: a ClickHouse alias is visible in the whole query, so
// `toString(generated_at) AS generated_at` would change what ORDER BY sorts on.
const COLUMNS = `tenant_id, entity_type, entity_id, forecast_type, period, site, version_id, toString(generated_at) AS generated_text,
  toString(data_as_of) AS as_of_text, model, model_requested, reason, lookback_days, horizon, levels,
  arrayMap(d -> toString(d), period_starts) AS starts_text, point_values, lower, upper, accuracy, run_id, details`;

function toRow(r: ForecastRecord): Record<string, unknown> {
  return {
    tenant_id: r.tenant_id,
    entity_type: r.entity_type,
    entity_id: r.entity_id,
    forecast_type: r.forecast_type,
    period: r.period,
    site: r.site,
    version_id: r.version_id,
    generated_at: toClickHouseDateTime(Date.parse(r.generated_at)),
    data_as_of: r.data_as_of,
    model: r.model,
    model_requested: r.model_requested,
    reason: r.reason,
    lookback_days: r.lookback_days,
    horizon: r.horizon,
    levels: r.levels,
    period_starts: r.points.map((p) => p.period_start),
    point_values: r.points.map((p) => p.value),
    lower: r.levels.map((l) => r.points.map((p) => p.lower[String(l)] ?? p.value)),
    upper: r.levels.map((l) => r.points.map((p) => p.upper[String(l)] ?? p.value)),
    accuracy: JSON.stringify(r.accuracy),
    run_id: r.run_id,
    details: r.details === null ? '' : JSON.stringify(r.details),
  };
}

function fromRow(row: ForecastRow): ForecastRecord {
  const points: ForecastPoint[] = row.starts_text.map((start, i) => {
    const lower: Record<string, number> = {};
    const upper: Record<string, number> = {};
    row.levels.forEach((level, l) => {
      lower[String(level)] = row.lower[l]?.[i] ?? Number.NaN;
      upper[String(level)] = row.upper[l]?.[i] ?? Number.NaN;
    });
    return { period_start: start, value: row.point_values[i] ?? Number.NaN, lower, upper };
  });
  return {
    tenant_id: row.tenant_id,
    entity_id: row.entity_id,
    entity_type: row.entity_type as EntityType,
    forecast_type: row.forecast_type as ForecastType,
    period: row.period as Period,
    site: row.site,
    model: row.model,
    model_requested: row.model_requested,
    reason: row.reason,
    version_id: row.version_id,
    generated_at: fromClickHouseDateTime(row.generated_text),
    data_as_of: row.as_of_text,
    lookback_days: Number(row.lookback_days),
    horizon: Number(row.horizon),
    levels: row.levels.map(Number),
    points,
    accuracy: JSON.parse(row.accuracy) as BacktestAccuracy,
    run_id: row.run_id,
    details: row.details === '' ? null : (JSON.parse(row.details) as ForecastDetails),
  };
}

/** WHERE conditions for one series; filters left out of the key match anything. */
function seriesWhere(tenant: string, key: SeriesKey): { sql: string; params: Record<string, unknown> } {
  const parts = ['tenant_id = {tenant:String}', 'entity_id = {entity:String}', 'forecast_type = {type:String}'];
  const params: Record<string, unknown> = { tenant, entity: key.entityId, type: key.forecastType };
  if (key.period !== undefined) {
    parts.push('period = {period:String}');
    params.period = key.period;
  }
  if (key.site !== undefined) {
    parts.push('site = {site:String}');
    params.site = key.site;
  }
  if (key.entityType !== undefined) {
    parts.push('entity_type = {entityType:String}');
    params.entityType = key.entityType;
  }
  return { sql: parts.join(' AND '), params };
}

export function createClickHouseForecastStore(store: AnalyticsStore): ForecastStore {
  return {
    async save(record: ForecastRecord): Promise<void> {
      await store.insert('forecasts', [toRow(record)], { deduplicationToken: `forecast:${record.version_id}` });
    },

    async get(tenant: string, key: SeriesKey, versionId?: string): Promise<ForecastRecord | undefined> {
      const where = seriesWhere(tenant, key);
      const byVersion = versionId === undefined ? '' : ' AND version_id = {version:String}';
      const rows = await store.query<ForecastRow>(
        `SELECT ${COLUMNS} FROM forecasts WHERE ${where.sql}${byVersion} ORDER BY generated_at DESC, version_id DESC LIMIT 1`,
        versionId === undefined ? where.params : { ...where.params, version: versionId },
      );
      return rows[0] === undefined ? undefined : fromRow(rows[0]);
    },

    async history(tenant: string, key: SeriesKey, limit: number): Promise<ForecastRecord[]> {
      const where = seriesWhere(tenant, key);
      const rows = await store.query<ForecastRow>(
        `SELECT ${COLUMNS} FROM forecasts WHERE ${where.sql} ORDER BY generated_at DESC, version_id DESC LIMIT {limit:UInt32}`,
        { ...where.params, limit },
      );
      return rows.map(fromRow);
    },

    async list(tenant: string, filter: ListFilter, limit: number, after?: ListCursor): Promise<ForecastPage> {
      const parts = ['tenant_id = {tenant:String}'];
      const params: Record<string, unknown> = { tenant, limit: limit + 1 };
      if (filter.forecastType !== undefined) {
        parts.push('forecast_type = {type:String}');
        params.type = filter.forecastType;
      }
      if (filter.period !== undefined) {
        parts.push('period = {period:String}');
        params.period = filter.period;
      }
      if (filter.site !== undefined) {
        parts.push('site = {site:String}');
        params.site = filter.site;
      }
      if (after !== undefined) {
        parts.push('(entity_id, toString(forecast_type), toString(period), site, toString(entity_type)) > ({cE:String}, {cT:String}, {cP:String}, {cS:String}, {cY:String})');
        Object.assign(params, { cE: after.entityId, cT: after.forecastType, cP: after.period, cS: after.site, cY: after.entityType });
      }
      const series = 'entity_id, forecast_type, period, site, entity_type';
      const rows = await store.query<ForecastRow>(
        `SELECT ${COLUMNS} FROM forecasts WHERE ${parts.join(' AND ')}
         ORDER BY entity_id, toString(forecast_type), toString(period), site, toString(entity_type), generated_at DESC, version_id DESC
         LIMIT 1 BY ${series} LIMIT {limit:UInt32}`,
        params,
      );
      const records = rows.slice(0, limit).map(fromRow);
      const last = records[records.length - 1];
      if (rows.length <= limit || last === undefined) return { records };
      return { records, next: { entityId: last.entity_id, forecastType: last.forecast_type, period: last.period, site: last.site, entityType: last.entity_type } };
    },
  };
}
