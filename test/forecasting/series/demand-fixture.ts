/**
 * Demand rows for tests, inserted straight into `demand_lines` (migration 004) the way the
 * sales-order normalizer writes them, plus an in-memory SeriesSource over the same kind of data.
 */
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { toClickHouseDateTime } from '../../../infra/clickhouse/datetime.js';
import { simulateDailySeries } from '../../../forecasting/accuracy/simulated-demand.js';
import { addDays, bucketize, type Period } from '../../../forecasting/series/periods.js';
import type { DemandEntityType, DemandSeries, EntityRef, SeriesSource } from '../../../forecasting/series/series-source.js';

export interface DemandLine {
  readonly tenant: string;
  readonly sku: string;
  readonly site: string;
  readonly qty: number | string;
  readonly date: string;
  readonly orderId?: string;
  readonly status?: string;
  readonly version?: number;
  readonly isDeleted?: 0 | 1;
  readonly receivedAtMs?: number;
}

let counter = 0;

export async function insertDemand(store: AnalyticsStore, lines: readonly DemandLine[]): Promise<void> {
  const rows = lines.map((l) => {
    counter += 1;
    return {
      tenant_id: l.tenant,
      source_id: 'erp_test',
      order_id: l.orderId ?? `SO-${counter}`,
      line: 1,
      sku: l.sku,
      source_sku: l.sku,
      site: l.site,
      customer_id: 'C1',
      qty: String(l.qty),
      source_uom: '',
      currency: 'EUR',
      order_date: l.date,
      status: l.status ?? 'open',
      is_deleted: l.isDeleted ?? 0,
      version: l.version ?? counter,
      source_type: 'erp',
      batch_id: 'b1',
      record_index: 0,
      received_at: toClickHouseDateTime(l.receivedAtMs ?? Date.UTC(2024, 6, 1)),
    };
  });
  for (let i = 0; i < rows.length; i += 5_000) await store.insert('demand_lines', rows.slice(i, i + 5_000));
}

/** `days` of simulated daily demand (weekly + yearly seasonality, noise) ending on `end`. */
export function simulatedItem(tenant: string, sku: string, site: string, end: string, days: number, seed = 7): DemandLine[] {
  const y = simulateDailySeries(1, seed)[0]!.slice(-days);
  return y.map((qty, i) => ({ tenant, sku, site, qty: qty.toFixed(2), date: addDays(end, i - (days - 1)) }));
}

/** A SeriesSource over demand lines held in memory; lines pushed to the array later are seen. */
export function memorySeriesSource(lines: readonly DemandLine[]): SeriesSource {
  const current = (): DemandLine[] => lines.filter((l) => l.isDeleted !== 1 && !/^cancel+ed$/i.test(l.status ?? ''));
  const matches = (l: DemandLine, e: EntityRef): boolean =>
    e.entityType === 'item' ? l.sku === e.entityId : e.entityType === 'site' ? l.site === e.entityId : l.sku === e.entityId && l.site === e.site;
  const ref = (type: DemandEntityType, l: DemandLine): EntityRef =>
    type === 'item' ? { entityType: type, entityId: l.sku, site: '' } : type === 'site' ? { entityType: type, entityId: l.site, site: '' } : { entityType: type, entityId: l.sku, site: l.site };
  const distinct = (refs: EntityRef[]): EntityRef[] => [...new Map(refs.map((r) => [`${r.entityId}|${r.site}`, r])).values()];
  return {
    async demandSeries(tenant: string, entity: EntityRef, period: Period, lookbackDays: number): Promise<DemandSeries | undefined> {
      const mine = current().filter((l) => l.tenant === tenant);
      const of = mine.filter((l) => matches(l, entity));
      if (of.length === 0) return undefined;
      const dataAsOf = mine.map((l) => l.date).sort().at(-1)!;
      const from = addDays(dataAsOf, -(lookbackDays - 1));
      return { ...bucketize(of.map((l) => ({ date: l.date, qty: Number(l.qty) })), period, from, dataAsOf), dataAsOf };
    },
    async knownEntities(tenant: string, type: DemandEntityType): Promise<EntityRef[]> {
      return distinct(current().filter((l) => l.tenant === tenant).map((l) => ref(type, l)));
    },
    async entitiesWithNewData(tenant: string, type: DemandEntityType, sinceMs: number): Promise<EntityRef[]> {
      return distinct(lines.filter((l) => l.tenant === tenant && (l.receivedAtMs ?? 0) > sinceMs).map((l) => ref(type, l)));
    },
    async tenants(): Promise<string[]> {
      return [...new Set(lines.map((l) => l.tenant))].sort();
    },
  };
}
