/** The inventory source over chDB: stock, receipts, delays and lead times read from the unified model (migration 004). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { createAnalyticsStore } from '../../../infra/clickhouse/clickhouse-analytics-store.js';
import { migrate } from '../../../infra/clickhouse/migrations.js';
import { silentLogger } from '../../../infra/logger.js';
import { createClickHouseInventorySource, type InventorySource } from '../../../forecasting/types/inventory-source.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { insertDemand } from '../series/demand-fixture.js';
import { insertItem, insertSnapshots, insertSupplyLines } from './inventory-fixture.js';

const LATER = Date.UTC(2024, 6, 2, 12);

describe('ClickHouse inventory source', () => {
  let store: AnalyticsStore;
  let dir: { path: string; remove: () => Promise<void> };
  let source: InventorySource;

  beforeAll(async () => {
    dir = await tempDir();
    store = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'inventory_source_test', dataDir: dir.path, logger: silentLogger() });
    await migrate(store, silentLogger());
    source = createClickHouseInventorySource(store);
    await insertSnapshots(store, [
      { tenant: 'acme', sku: 'A', site: 'P1', onHand: 90, asOf: '2024-06-29 23:59:00' },
      { tenant: 'acme', sku: 'A', site: 'P1', onHand: '12.5', asOf: '2024-06-30 23:59:00', version: 10 },
      // A correction of the same snapshot (higher version) replaces it.
      { tenant: 'acme', sku: 'A', site: 'P1', onHand: '40.25', asOf: '2024-06-30 23:59:00', version: 11 },
      { tenant: 'acme', sku: 'A', site: 'P2', onHand: 7, asOf: '2024-06-28 08:00:00' },
      // A deleted later snapshot does not count.
      { tenant: 'acme', sku: 'A', site: 'P2', onHand: 999, asOf: '2024-06-29 08:00:00', version: 20 },
      { tenant: 'acme', sku: 'A', site: 'P2', onHand: 999, asOf: '2024-06-29 08:00:00', version: 21, isDeleted: 1 },
      { tenant: 'acme', sku: 'B', site: 'P1', onHand: 3, asOf: '2024-06-30 23:59:00', receivedAtMs: LATER },
      { tenant: 'globex', sku: 'A', site: 'P1', onHand: 5000, asOf: '2024-06-30 23:59:00' },
      { tenant: 'globex', sku: 'Übergangsstück Ø20', site: 'WERK-Ä', onHand: '0.001', asOf: '2024-06-30 10:00:00' },
    ]);
    await insertSupplyLines(store, [
      { tenant: 'acme', poId: 'PO-OPEN', sku: 'A', site: 'P1', supplierId: 'S1', qty: '100.5', orderDate: '2024-06-20', promisedDate: '2024-07-05' },
      { tenant: 'acme', poId: 'PO-NOPROMISE', sku: 'A', site: 'P1', supplierId: 'S2', qty: 10, orderDate: '2024-06-25' },
      { tenant: 'acme', poId: 'PO-CANCELLED', sku: 'A', site: 'P1', supplierId: 'S1', qty: 50, orderDate: '2024-06-20', promisedDate: '2024-07-05', status: 'Cancelled' },
      { tenant: 'acme', poId: 'PO-CLOSED', sku: 'A', site: 'P1', supplierId: 'S1', qty: 50, orderDate: '2024-06-20', promisedDate: '2024-07-05', status: 'CLOSED' },
      // Received after P2's snapshot (06-28): not in its stock yet, arrives on its received date.
      { tenant: 'acme', poId: 'PO-LATE-RECEIPT', sku: 'A', site: 'P2', supplierId: 'S1', qty: 30, receivedQty: 28, orderDate: '2024-06-10', promisedDate: '2024-06-25', receivedDate: '2024-06-29' },
      // Received before the snapshot: already in stock.
      { tenant: 'acme', poId: 'PO-H1', sku: 'A', site: 'P1', supplierId: 'S1', qty: 20, orderDate: '2024-05-01', promisedDate: '2024-05-11', receivedDate: '2024-05-14' },
      { tenant: 'acme', poId: 'PO-H2', sku: 'A', site: 'P1', supplierId: 'S1', qty: 20, orderDate: '2024-05-20', promisedDate: '2024-05-30', receivedDate: '2024-06-01' },
      { tenant: 'acme', poId: 'PO-H3', sku: 'Z', site: 'P9', supplierId: 'S1', qty: 20, orderDate: '2024-04-01', promisedDate: '2024-04-11', receivedDate: '2024-04-10' },
      // A site without a snapshot, another tenant, a deleted line.
      { tenant: 'acme', poId: 'PO-NOSITE', sku: 'A', site: 'P3', supplierId: 'S1', qty: 10, orderDate: '2024-06-20', promisedDate: '2024-07-02' },
      { tenant: 'globex', poId: 'PO-G', sku: 'A', site: 'P1', supplierId: 'S1', qty: 10, orderDate: '2024-06-20', promisedDate: '2024-07-02' },
      { tenant: 'acme', poId: 'PO-DEL', sku: 'A', site: 'P1', supplierId: 'S1', qty: 10, orderDate: '2024-06-20', promisedDate: '2024-07-02', version: 1 },
      { tenant: 'acme', poId: 'PO-DEL', sku: 'A', site: 'P1', supplierId: 'S1', qty: 10, orderDate: '2024-06-20', promisedDate: '2024-07-02', version: 2, isDeleted: 1 },
    ]);
    await insertItem(store, 'acme', 'A', null);
    await insertItem(store, 'acme', 'B', 21);
    await insertDemand(store, [{ tenant: 'acme', sku: 'A', site: 'P2', qty: 1, date: '2024-06-30', receivedAtMs: LATER }]);
  });
  afterAll(async () => {
    await store.close();
    await dir.remove();
  });

  it('reads the latest snapshot per site, exact and corrected, skipping deleted rows', async () => {
    const facts = await source.stockFacts('acme', 'A', 'P1');
    expect(facts?.stock).toEqual([{ site: 'P1', onHand: 40.25, asOf: '2024-06-30T23:59:00.000Z', day: '2024-06-30' }]);
    const all = await source.stockFacts('acme', 'A', '');
    expect(all?.stock.map((s) => [s.site, s.onHand, s.day])).toEqual([['P1', 40.25, '2024-06-30'], ['P2', 7, '2024-06-28']]);
  });

  it('counts open lines and lines received after the snapshot, not cancelled, closed, deleted or foreign ones', async () => {
    const facts = await source.stockFacts('acme', 'A', 'P1');
    expect(facts?.receipts).toEqual([
      { poId: 'PO-NOPROMISE', site: 'P1', supplierId: 'S2', qty: 10, orderDate: '2024-06-25', promisedDate: null, receivedDate: null },
      { poId: 'PO-OPEN', site: 'P1', supplierId: 'S1', qty: 100.5, orderDate: '2024-06-20', promisedDate: '2024-07-05', receivedDate: null },
    ]);
    const all = await source.stockFacts('acme', 'A', '');
    expect(all?.receipts.map((r) => [r.poId, r.qty, r.receivedDate])).toEqual([
      ['PO-LATE-RECEIPT', 28, '2024-06-29'],
      ['PO-NOPROMISE', 10, null],
      ['PO-OPEN', 100.5, null],
    ]);
  });

  it('measures supplier delays over received lines and lead times from the item master or receipts', async () => {
    const a = (await source.stockFacts('acme', 'A', 'P1'))!;
    // S1's received lines: +3, +2, −1, +4 (the late receipt at P2) days after promise.
    expect(a.supplierDelays.get('S1')).toBeCloseTo(2, 9);
    expect(a.supplierDelays.has('S2')).toBe(false); // no received line
    expect(a.itemLeadTimeDays).toBeNull();
    // Order → receipt of A's received lines, latest first.
    expect(a.receivedLeadTimes).toEqual([19, 12, 13]);
    const b = (await source.stockFacts('acme', 'B', 'P1'))!;
    expect(b.itemLeadTimeDays).toBe(21);
    expect(b.receipts).toEqual([]);
  });

  it('answers undefined for an unknown sku, site or tenant, and treats hostile text as data', async () => {
    expect(await source.stockFacts('acme', 'NOPE', '')).toBeUndefined();
    expect(await source.stockFacts('acme', 'A', 'P3')).toBeUndefined();
    expect(await source.stockFacts('initech', 'A', '')).toBeUndefined();
    expect(await source.stockFacts('acme', "A' OR 1=1 --", '')).toBeUndefined();
    expect((await source.stockFacts('globex', 'A', 'P1'))?.stock[0]?.onHand).toBe(5000);
    expect((await source.stockFacts('globex', 'Übergangsstück Ø20', 'WERK-Ä'))?.stock).toEqual([{ site: 'WERK-Ä', onHand: 0.001, asOf: '2024-06-30T10:00:00.000Z', day: '2024-06-30' }]);
  });

  it('lists items and item × sites with stock, and those whose stock, demand or orders changed', async () => {
    expect(await source.knownEntities('acme', 'item')).toEqual([
      { entityType: 'item', entityId: 'A', site: '' },
      { entityType: 'item', entityId: 'B', site: '' },
    ]);
    expect((await source.knownEntities('acme', 'item_site')).map((e) => `${e.entityId}@${e.site}`)).toEqual(['A@P1', 'A@P2', 'B@P1']);
    // After 07-02 noon − 1 ms: B@P1's snapshot and A@P2's demand arrived.
    expect((await source.entitiesWithNewData('acme', 'item_site', LATER - 1)).map((e) => `${e.entityId}@${e.site}`)).toEqual(['A@P2', 'B@P1']);
    expect((await source.entitiesWithNewData('acme', 'item', LATER - 1)).map((e) => e.entityId)).toEqual(['A', 'B']);
    expect(await source.entitiesWithNewData('acme', 'item_site', LATER)).toEqual([]);
    expect(await source.knownEntities('initech', 'item')).toEqual([]);
  });
});
