import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { createAnalyticsStore } from '../../../infra/clickhouse/clickhouse-analytics-store.js';
import { migrate } from '../../../infra/clickhouse/migrations.js';
import { silentLogger } from '../../../infra/logger.js';
import { createClickHouseSeriesSource } from '../../../forecasting/series/clickhouse-series-source.js';
import type { SeriesSource } from '../../../forecasting/series/series-source.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { insertDemand } from './demand-fixture.js';

describe('ClickHouse series source (chDB, demand_lines)', () => {
  let store: AnalyticsStore;
  let dir: { path: string; remove: () => Promise<void> };
  let source: SeriesSource;

  beforeAll(async () => {
    dir = await tempDir();
    store = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'series_test', dataDir: dir.path, logger: silentLogger() });
    await migrate(store, silentLogger());
    source = createClickHouseSeriesSource(store);
    await insertDemand(store, [
      { tenant: 'acme', sku: 'A', site: 'P1', qty: '1.5', date: '2024-06-10', orderId: 'o1' },
      { tenant: 'acme', sku: 'A', site: 'P2', qty: '2.25', date: '2024-06-10', orderId: 'o2' },
      { tenant: 'acme', sku: 'A', site: 'P1', qty: '4', date: '2024-06-26', orderId: 'o3' },
      { tenant: 'acme', sku: 'A', site: 'P1', qty: '1000', date: '2024-06-27', orderId: 'o4', status: 'Cancelled' },
      { tenant: 'acme', sku: 'B', site: 'P2', qty: '7', date: '2024-06-30', orderId: 'o5', receivedAtMs: Date.UTC(2024, 6, 2) },
      // A line re-sent with a new quantity replaces the first (FINAL), a deleted one disappears.
      { tenant: 'acme', sku: 'A', site: 'P1', qty: '3', date: '2024-06-18', orderId: 'o6', version: 1 },
      { tenant: 'acme', sku: 'A', site: 'P1', qty: '5', date: '2024-06-18', orderId: 'o6', version: 2 },
      { tenant: 'acme', sku: 'A', site: 'P1', qty: '9', date: '2024-06-19', orderId: 'o7', version: 1 },
      { tenant: 'acme', sku: 'A', site: 'P1', qty: '9', date: '2024-06-19', orderId: 'o7', version: 2, isDeleted: 1 },
      // Another tenant's demand for the same sku, later: it must not move acme's data_as_of.
      { tenant: 'other', sku: 'A', site: 'P1', qty: '50', date: '2024-07-20', orderId: 'x1' },
    ]);
  });
  afterAll(async () => {
    await store.close();
    await dir.remove();
  });

  it('sums per day over all sites of an item, with FINAL and without cancelled lines, zero-filled', async () => {
    const s = await source.demandSeries('acme', { entityType: 'item', entityId: 'A', site: '' }, 'daily', 21);
    expect(s?.dataAsOf).toBe('2024-06-30');
    expect(s?.periodStarts[0]).toBe('2024-06-10');
    expect(s?.periodStarts).toHaveLength(21);
    const at = (d: string): number | undefined => s?.values[s.periodStarts.indexOf(d)];
    expect(at('2024-06-10')).toBeCloseTo(3.75, 12);
    expect(at('2024-06-18')).toBe(5);
    expect(at('2024-06-19')).toBe(0);
    expect(at('2024-06-26')).toBe(4);
    expect(at('2024-06-27')).toBe(0);
    expect(s?.values.reduce((a, b) => a + b, 0)).toBeCloseTo(12.75, 12);
  });

  it('buckets ISO weeks, and separates item × site and site entities', async () => {
    const weekly = await source.demandSeries('acme', { entityType: 'item_site', entityId: 'A', site: 'P1' }, 'weekly', 21);
    expect(weekly).toEqual({ periodStarts: ['2024-06-10', '2024-06-17', '2024-06-24'], values: [1.5, 5, 4], dataAsOf: '2024-06-30' });
    const site = await source.demandSeries('acme', { entityType: 'site', entityId: 'P2', site: '' }, 'weekly', 21);
    expect(site?.values).toEqual([2.25, 0, 7]);
  });

  it('answers undefined for an entity without demand, also of another tenant', async () => {
    expect(await source.demandSeries('acme', { entityType: 'item', entityId: 'NOPE', site: '' }, 'daily', 30)).toBeUndefined();
    expect(await source.demandSeries('ghost', { entityType: 'item', entityId: 'A', site: '' }, 'daily', 30)).toBeUndefined();
    expect(await source.demandSeries('acme', { entityType: 'item_site', entityId: 'B', site: 'P1' }, 'daily', 30)).toBeUndefined();
  });

  it('lists tenants, known entities per type and entities with new data', async () => {
    expect(await source.tenants()).toEqual(['acme', 'other']);
    expect((await source.knownEntities('acme', 'item')).map((e) => e.entityId)).toEqual(['A', 'B']);
    expect(await source.knownEntities('acme', 'item_site')).toEqual([
      { entityType: 'item_site', entityId: 'A', site: 'P1' },
      { entityType: 'item_site', entityId: 'A', site: 'P2' },
      { entityType: 'item_site', entityId: 'B', site: 'P2' },
    ]);
    expect((await source.knownEntities('acme', 'site')).map((e) => e.entityId)).toEqual(['P1', 'P2']);
    expect(await source.entitiesWithNewData('acme', 'item', Date.UTC(2024, 6, 1, 12))).toEqual([{ entityType: 'item', entityId: 'B', site: '' }]);
  });
});
