/**
 * The poller's acceptance, against a local ERP whose records change while it is being read:
 * no change is missed, a restart resumes from the stored cursor, and nothing unchanged is
 * published twice — for offset paging and for next-link paging.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/temp-dir.js';
import { startFakeErp, type FakeErp } from './fake-erp-server.js';
import { hour, itemsEntity, pollerRig, sourcesJson, TOKEN } from './poller-fixture.js';
import type { RecordingIngestor } from './recording-ingestor.js';

let erp: FakeErp;
let dir: { path: string; remove: () => Promise<void> };

beforeEach(async () => {
  erp = await startFakeErp({ token: TOKEN });
  dir = await tempDir('forgecast-erp-');
});
afterEach(async () => {
  await erp.close();
  await dir.remove();
});

/** Seven items, an hour apart (far more than the overlap window), all at version v1. */
function seedItems(): void {
  for (let i = 1; i <= 7; i++) erp.put('items', { id: `I00${i}`, updated_at: hour(i), sku: `SKU-${i}`, name: 'v1' });
}

/** Runs `change` while the server answers the `n`th request to items from now on. */
function duringRequest(n: number, change: () => void): void {
  const base = erp.requestsTo('items').length;
  erp.hook = (request) => {
    if (request.index === base + n) change();
  };
}

function latestNames(ingestor: RecordingIngestor): Record<string, unknown> {
  return Object.fromEntries([...ingestor.latest()].map(([id, r]): [string, unknown] => [id, r.name]).sort(([a], [b]) => a.localeCompare(b)));
}

function idsOf(records: readonly Record<string, unknown>[]): string[] {
  return records.map((r) => String(r.id)).sort();
}

describe('ERP poller, offset paging', () => {
  it('misses no record changed during a sync, publishes nothing twice, and resumes from the stored cursor', async () => {
    seedItems();
    const json = sourcesJson(erp.baseUrl, [itemsEntity()]);
    const rig = await pollerRig({ sourcesJson: json, dataDir: dir.path });

    // While page 2 is served, I001 (read on page 1) changes. With plain offsets every later
    // record would move up a place and I003 would never be read.
    duringRequest(2, () => erp.put('items', { id: 'I001', updated_at: hour(20), sku: 'SKU-1', name: 'v2' }));
    const [first] = await rig.poller.syncOnce();
    expect(first!.status).toBe('ok');
    expect(latestNames(rig.ingestor)).toEqual({ I001: 'v2', I002: 'v1', I003: 'v1', I004: 'v1', I005: 'v1', I006: 'v1', I007: 'v1' });
    expect(rig.ingestor.records()).toHaveLength(8);
    expect(first!.entities[0]!.cursor).toEqual({ updatedAt: hour(20), id: 'I001' });

    // Between syncs: a record lands on the cursor's updated_at with a smaller id, and a late commit
    // appears two minutes before the cursor (inside the 5-minute overlap window). During the sync,
    // I002 changes while the second page is served.
    erp.put('items', { id: 'I000', updated_at: hour(20), sku: 'SKU-0', name: 'v1' });
    erp.put('items', { id: 'I008', updated_at: hour(19, 58), sku: 'SKU-8', name: 'v1' });
    duringRequest(2, () => erp.put('items', { id: 'I002', updated_at: hour(21), sku: 'SKU-2', name: 'v2' }));
    const before = rig.ingestor.records().length;
    const [second] = await rig.poller.syncOnce();
    expect(second!.status).toBe('ok');
    expect(idsOf(rig.ingestor.records().slice(before))).toEqual(['I000', 'I002', 'I008']);
    expect(latestNames(rig.ingestor)).toMatchObject({ I000: 'v1', I001: 'v2', I002: 'v2', I008: 'v1' });

    // Nothing changed since: the next sync asks from the cursor minus the overlap and publishes nothing.
    erp.hook = undefined;
    const calls = rig.ingestor.calls.length;
    const asked = erp.requestsTo('items').length;
    await rig.poller.syncOnce();
    expect(rig.ingestor.calls.length).toBe(calls);
    expect(erp.requestsTo('items')[asked]!.query.get('updated_since')).toBe(hour(20, 55));
    await rig.poller.close();

    // A new poller over the same data directory (a restart) resumes from the stored cursor, not
    // from the beginning, and publishes nothing it already published.
    const restarted = await pollerRig({ sourcesJson: json, dataDir: dir.path });
    const firstAfterRestart = erp.requestsTo('items').length;
    const [third] = await restarted.poller.syncOnce();
    expect(third!.status).toBe('ok');
    const query = erp.requestsTo('items')[firstAfterRestart]!.query;
    expect(query.get('updated_since')).toBe(hour(20, 55));
    expect(query.get('offset')).toBe('0');
    expect(restarted.ingestor.calls).toHaveLength(0);
    await restarted.poller.close();
  });

  it('publishes each page as one batch, sorted by (updated_at, id), under a deterministic reference', async () => {
    erp.put('items', { id: 'B', updated_at: hour(1), sku: 'B', name: 'v1' });
    erp.put('items', { id: 'A', updated_at: hour(1), sku: 'A', name: 'v1' });
    erp.put('items', { id: 'C', updated_at: hour(2), sku: 'C', name: 'v1' });
    const rig = await pollerRig({ sourcesJson: sourcesJson(erp.baseUrl, [itemsEntity()]), dataDir: dir.path });
    await rig.poller.syncOnce();
    const batches = rig.ingestor.batches;
    expect(batches.map((b) => (b.data.items as { id: string }[]).map((r) => r.id))).toEqual([['A', 'B'], ['C']]);
    expect(batches[0]).toMatchObject({ tenant: 'acme', source_type: 'erp', source_id: 'erp_001' });
    expect(batches[0]!.batch_reference).toMatch(/^items:start:[0-9a-f]{16}$/);
    expect(batches[1]!.batch_reference).toMatch(new RegExp(`^items:${hour(1)}/B:[0-9a-f]{16}$`));
    await rig.poller.close();
  });

  it('asks for everything on the first sync and from start_from when configured', async () => {
    seedItems();
    const rig = await pollerRig({ sourcesJson: sourcesJson(erp.baseUrl, [itemsEntity({ start_from: hour(6) })]), dataDir: dir.path });
    await rig.poller.syncOnce();
    expect(erp.requestsTo('items')[0]!.query.get('updated_since')).toBe(hour(6));
    expect(idsOf(rig.ingestor.records())).toEqual(['I006', 'I007']);
    await rig.poller.close();
  });
});

describe('ERP poller, next-link paging', () => {
  it('walks the window again when records moved during a pass, so none is skipped', async () => {
    seedItems();
    const json = sourcesJson(erp.baseUrl, [itemsEntity({ paging: { kind: 'next', next_field: 'next', limit_param: 'limit' } })]);
    const rig = await pollerRig({ sourcesJson: json, dataDir: dir.path });
    // The server's next link is a plain offset: I001 moving to the end while page 2 is served
    // pushes I003 out of every page of this pass.
    duringRequest(2, () => erp.put('items', { id: 'I001', updated_at: hour(20), sku: 'SKU-1', name: 'v2' }));
    const [report] = await rig.poller.syncOnce();
    expect(report!.status).toBe('ok');
    expect(report!.entities[0]!.passes).toBe(2);
    expect(latestNames(rig.ingestor)).toEqual({ I001: 'v2', I002: 'v1', I003: 'v1', I004: 'v1', I005: 'v1', I006: 'v1', I007: 'v1' });
    expect(rig.ingestor.records()).toHaveLength(8);
    expect(erp.requestsTo('items').some((r) => r.query.get('page') === '2')).toBe(true);

    erp.hook = undefined;
    const calls = rig.ingestor.calls.length;
    const [again] = await rig.poller.syncOnce();
    expect(again!.entities[0]).toMatchObject({ status: 'ok', passes: 1, published: 0 });
    expect(rig.ingestor.calls.length).toBe(calls);
    await rig.poller.close();
  });

  it('follows the Link header and bare next tokens too', async () => {
    seedItems();
    for (const paging of [
      { kind: 'next', next_from: 'link_header', limit_param: 'limit' },
      { kind: 'next', next_field: 'next_page', cursor_param: 'page', limit_param: 'limit' },
    ]) {
      const data = await tempDir('forgecast-erp-');
      const rig = await pollerRig({ sourcesJson: sourcesJson(erp.baseUrl, [itemsEntity({ paging })]), dataDir: data.path });
      const [report] = await rig.poller.syncOnce();
      expect(report!.entities[0]).toMatchObject({ status: 'ok', pages: 4, published: 7 });
      expect(idsOf(rig.ingestor.records())).toEqual(['I001', 'I002', 'I003', 'I004', 'I005', 'I006', 'I007']);
      await rig.poller.close();
      await data.remove();
    }
  });
});
