/**
 * One poller per source across replicas (the coordination lease), and the poller's lifecycle:
 * start polls on its own, close aborts what is in flight and stops the timers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryCoordination } from '../../../infra/coordination/memory-coordination.js';
import { FgcError } from '../../../infra/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { createErpPoller } from '../../../connectors/erp-rest/erp-poller.js';
import { parseErpSources } from '../../../connectors/erp-rest/erp-source-config.js';
import type { CursorStore } from '../../../connectors/erp-rest/cursor-store.js';
import { silentLogger } from '../../../infra/logger.js';
import { startFakeErp, type FakeErp } from './fake-erp-server.js';
import { RecordingIngestor } from './recording-ingestor.js';
import { ENV, hour, itemsEntity, pollerRig, sourcesJson, TOKEN } from './poller-fixture.js';

const nullStore: CursorStore = { load: () => Promise.resolve(null), save: () => Promise.resolve(), close: () => Promise.resolve() };

let erp: FakeErp;
let dir: { path: string; remove: () => Promise<void> };

beforeEach(async () => {
  erp = await startFakeErp({ token: TOKEN });
  dir = await tempDir('forgecast-erp-');
  for (let i = 1; i <= 5; i++) erp.put('items', { id: `I00${i}`, updated_at: hour(i), sku: `SKU-${i}`, name: 'v1' });
});
afterEach(async () => {
  await erp.close();
  await dir.remove();
});

/** A promise the server hook waits on, and the function that lets it go. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('ERP poller lease', () => {
  it('a second replica skips a source while the first polls it, then takes its turn from the shared cursor', async () => {
    const coordination = createMemoryCoordination();
    const json = sourcesJson(erp.baseUrl, [itemsEntity()]);
    const a = await pollerRig({ sourcesJson: json, dataDir: dir.path, coordination, extra: { holderId: 'replica-a' } });
    const b = await pollerRig({ sourcesJson: json, dataDir: dir.path, coordination, extra: { holderId: 'replica-b' } });
    const held = gate();
    erp.hook = async (req) => {
      if (req.index === 1) await held.wait;
    };
    const first = a.poller.syncOnce();
    await waitFor('replica a to ask for page 1', () => erp.requests.length === 1);
    const [skipped] = await b.poller.syncOnce();
    expect(skipped!.status).toBe('skipped');
    expect(erp.requests).toHaveLength(1);
    held.open();
    expect((await first)[0]!.status).toBe('ok');
    expect(a.ingestor.records()).toHaveLength(5);

    const [turn] = await b.poller.syncOnce();
    expect(turn!.status).toBe('ok');
    expect(erp.requests.at(-1)!.query.get('updated_since')).toBe(hour(4, 55));
    expect(b.ingestor.calls).toHaveLength(0);
    await a.poller.close();
    await b.poller.close();
    await coordination.close();
  });

  it('a replica that loses its lease mid-sync stops before its next request', async () => {
    let now = Date.UTC(2030, 0, 1);
    const coordination = createMemoryCoordination({ now: () => now });
    const rig = await pollerRig({ sourcesJson: sourcesJson(erp.baseUrl, [itemsEntity()]), dataDir: dir.path, coordination, extra: { leaseTtlMs: 10_000 } });
    erp.hook = async (req) => {
      if (req.index !== 2) return;
      // The lease lapses (a long pause) and another replica takes the source over.
      now += 20_000;
      expect(await coordination.acquireLease('erp-poller:acme:erp_001', 'replica-b', 60_000)).not.toBeNull();
    };
    const [report] = await rig.poller.syncOnce();
    expect(report!.status).toBe('aborted');
    const entity = report!.entities[0]!;
    expect((entity.error as FgcError).code).toBe('FGC_ERP_LEASE_LOST');
    expect(erp.requestsTo('items')).toHaveLength(2);
    // Page 2 was answered before the loss was noticed; it was acknowledged and checkpointed.
    expect(rig.ingestor.records()).toHaveLength(4);
    expect(entity.cursor).toEqual({ updatedAt: hour(4), id: 'I004' });
    await rig.poller.close();
    await coordination.close();
  });
});

describe('ERP poller lifecycle', () => {
  it('start() polls without being asked; close() stops it', async () => {
    const rig = await pollerRig({ sourcesJson: sourcesJson(erp.baseUrl, [itemsEntity()]), dataDir: dir.path });
    rig.poller.start();
    await waitFor('the first poll', () => rig.ingestor.records().length === 5);
    await rig.poller.close();
    const asked = erp.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(erp.requests).toHaveLength(asked);
    expect((await rig.poller.syncOnce())[0]!.status).toBe('aborted');
  });

  it('close() aborts a request in flight and waits for the sync to end', async () => {
    const never = gate();
    erp.hook = async () => {
      await never.wait;
    };
    const rig = await pollerRig({ sourcesJson: sourcesJson(erp.baseUrl, [itemsEntity()]), dataDir: dir.path });
    const running = rig.poller.syncOnce();
    await waitFor('the request', () => erp.requests.length === 1);
    await rig.poller[Symbol.asyncDispose]();
    const [report] = await running;
    expect(report!.status).toBe('aborted');
    expect(report!.entities[0]!.status).toBe('aborted');
    never.open();
  });

  it('refuses to start without the credential variable the configuration names', () => {
    const sources = parseErpSources(sourcesJson(erp.baseUrl, [itemsEntity()]), ENV);
    const coordination = createMemoryCoordination();
    const build = (): unknown =>
      createErpPoller({ sources, env: {}, ingestor: new RecordingIngestor(), cursorStore: nullStore, coordination, logger: silentLogger() });
    expect(build).toThrow(FgcError);
    expect(build).toThrow(/ERP_TOKEN/);
  });
});
