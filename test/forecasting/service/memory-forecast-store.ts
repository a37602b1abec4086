/** An in-memory ForecastStore for service and job tests (the ClickHouse one is tested over chDB in test/forecasting/http). */
import type { SeriesKey } from '../../../forecasting/service/forecast-record.js';
import type { ForecastRecord } from '../../../forecasting/service/forecast-version.js';
import type { ForecastPage, ForecastStore, ListCursor, ListFilter } from '../../../forecasting/service/forecast-store.js';

export function memoryForecastStore(): ForecastStore & { readonly records: ForecastRecord[] } {
  const records: ForecastRecord[] = [];
  const matches = (r: ForecastRecord, tenant: string, k: SeriesKey): boolean =>
    r.tenant_id === tenant && r.entity_id === k.entityId && r.forecast_type === k.forecastType && (k.period ?? r.period) === r.period && (k.site ?? r.site) === r.site && (k.entityType ?? r.entity_type) === r.entity_type;
  const newestFirst = (a: ForecastRecord, b: ForecastRecord): number => b.generated_at.localeCompare(a.generated_at) || b.version_id.localeCompare(a.version_id);
  const seriesId = (r: ForecastRecord): string[] => [r.entity_id, r.forecast_type, r.period, r.site, r.entity_type];
  return {
    records,
    async save(record) {
      records.push(record);
    },
    async get(tenant, key, versionId) {
      return records.filter((r) => matches(r, tenant, key) && (versionId === undefined || r.version_id === versionId)).sort(newestFirst)[0];
    },
    async history(tenant, key, limit) {
      return records.filter((r) => matches(r, tenant, key)).sort(newestFirst).slice(0, limit);
    },
    async list(tenant: string, filter: ListFilter, limit: number, after?: ListCursor): Promise<ForecastPage> {
      const latest = new Map<string, ForecastRecord>();
      for (const r of [...records].sort(newestFirst)) {
        if (r.tenant_id !== tenant || (filter.forecastType ?? r.forecast_type) !== r.forecast_type || (filter.period ?? r.period) !== r.period || (filter.site ?? r.site) !== r.site) continue;
        const id = seriesId(r).join('\u0000');
        if (!latest.has(id)) latest.set(id, r);
      }
      const afterId = after === undefined ? undefined : [after.entityId, after.forecastType, after.period, after.site, after.entityType].join('\u0000');
      const sorted = [...latest.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).filter(([id]) => afterId === undefined || id > afterId);
      const page = sorted.slice(0, limit).map(([, r]) => r);
      const last = page[page.length - 1];
      return sorted.length > limit && last !== undefined ? { records: page, next: { entityId: last.entity_id, forecastType: last.forecast_type, period: last.period, site: last.site, entityType: last.entity_type } } : { records: page };
    },
  };
}
