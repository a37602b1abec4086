/**
 * The poller's failure policy against a local ERP: transient failures are retried (backoff,
 * Retry-After, timeouts), rejections stop only the entity at fault with a clear FgcError, and bad
 * pages are errors with context — never a crash, never a cursor past unread records.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FgcError } from '../../../infra/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { sendJson, startFakeErp, type FakeErp } from './fake-erp-server.js';
import { hour, itemsEntity, pollerRig, sourcesJson, TOKEN } from './poller-fixture.js';

let erp: FakeErp;
let dir: { path: string; remove: () => Promise<void> };

beforeEach(async () => {
  erp = await startFakeErp({ token: TOKEN });
  dir = await tempDir('forgecast-erp-');
  for (let i = 1; i <= 3; i++) erp.put('items', { id: `I00${i}`, updated_at: hour(i), sku: `SKU-${i}`, name: 'v1' });
});
afterEach(async () => {
  await erp.close();
  await dir.remove();
});

async function rigFor(entities = [itemsEntity()], overrides: Record<string, unknown> = {}): Promise<Awaited<ReturnType<typeof pollerRig>>> {
  return pollerRig({ sourcesJson: sourcesJson(erp.baseUrl, entities, overrides), dataDir: dir.path });
}

function codeOf(error: unknown): string | undefined {
  return error instanceof FgcError ? error.code : undefined;
}

describe('ERP poller retries', () => {
  it('retries a 503 with backoff and then succeeds', async () => {
    erp.hook = (req, res) => (req.index === 1 ? (sendJson(res, 503, { error: 'maintenance' }), true) : false);
    const rig = await rigFor();
    const [report] = await rig.poller.syncOnce();
    expect(report!.status).toBe('ok');
    expect(rig.ingestor.records()).toHaveLength(3);
    // Attempt 1 failed → one wait of (jitter ≈ 1) × base delay 10 ms.
    expect(rig.sleeps).toEqual([10]);
    expect(erp.requestsTo('items')[0]!.query.toString()).toBe(erp.requestsTo('items')[1]!.query.toString());
    await rig.poller.close();
  });

  it('honours Retry-After on 429', async () => {
    erp.hook = (req, res) => (req.index === 1 ? (sendJson(res, 429, { error: 'slow down' }, { 'retry-after': '2' }), true) : false);
    const rig = await rigFor();
    const [report] = await rig.poller.syncOnce();
    expect(report!.status).toBe('ok');
    expect(rig.sleeps).toEqual([2_000]);
    await rig.poller.close();
  });

  it('gives up at once when Retry-After exceeds the allowed wait, leaving it to the next poll', async () => {
    erp.hook = (_req, res) => (sendJson(res, 429, { error: 'come back tomorrow' }, { 'retry-after': '86400' }), true);
    const rig = await rigFor();
    const [report] = await rig.poller.syncOnce();
    const entity = report!.entities[0]!;
    expect(entity.status).toBe('failed');
    expect(codeOf(entity.error)).toBe('FGC_ERP_UNAVAILABLE');
    expect((entity.error as FgcError).retriable).toBe(true);
    expect(rig.sleeps).toEqual([]);
    expect(erp.requestsTo('items')).toHaveLength(1);
    await rig.poller.close();
  });

  it('retries a request that times out', async () => {
    // Whether the poller hung up on the slow first request before it answered (600 ms, four times
    // the timeout): the proof that the timeout cut it, without a wall-clock assertion.
    let firstCutOff: Promise<boolean> = Promise.resolve(false);
    erp.hook = async (req, res) => {
      if (req.index !== 1) return false;
      firstCutOff = Promise.race([new Promise<boolean>((resolve) => res.once('close', () => resolve(!res.writableFinished))), delay(600).then(() => false)]);
      if (!(await firstCutOff)) sendJson(res, 200, { data: [], next: null });
      return true;
    };
    const rig = await rigFor([itemsEntity()], { request_timeout_ms: 150 });
    const [report] = await rig.poller.syncOnce();
    expect(report!.status).toBe('ok');
    expect(await firstCutOff).toBe(true);
    expect(erp.requestsTo('items').length).toBeGreaterThanOrEqual(2);
    expect(rig.ingestor.records()).toHaveLength(3);
    await rig.poller.close();
  });

  it('stops after max_attempts of server errors with a retriable FGC_ERP_UNAVAILABLE', async () => {
    erp.hook = (_req, res) => (sendJson(res, 502, { error: 'bad gateway' }), true);
    const rig = await rigFor();
    const [report] = await rig.poller.syncOnce();
    expect(codeOf(report!.entities[0]!.error)).toBe('FGC_ERP_UNAVAILABLE');
    expect(erp.requestsTo('items')).toHaveLength(4);
    expect(rig.sleeps).toEqual([10, 20, 40]);
    await rig.poller.close();
  });

  it('retries an ingest outage with the same batch reference', async () => {
    const rig = await rigFor();
    rig.ingestor.failures.push(new FgcError('FGC_BUS_UNAVAILABLE'));
    const [report] = await rig.poller.syncOnce();
    expect(report!.status).toBe('ok');
    expect(rig.ingestor.calls[0]!.batch_reference).toBe(rig.ingestor.calls[1]!.batch_reference);
    expect(rig.ingestor.records()).toHaveLength(3);
    await rig.poller.close();
  });
});

describe('ERP poller rejections and bad pages', () => {
  it('a 401 stops that entity with a clear logged error while the other entities go on', async () => {
    erp.put('sales_orders', { id: 'SO1', updated_at: hour(1) });
    erp.hook = (req, res) => (req.collection === 'sales_orders' ? (sendJson(res, 401, { error: 'token expired' }), true) : false);
    const orders = { name: 'sales_orders', path: 'sales_orders', record_type: 'sales_orders' };
    const rig = await rigFor([orders, itemsEntity()]);
    const [report] = await rig.poller.syncOnce();
    expect(report!.status).toBe('partial');
    const [failed, ok] = report!.entities;
    expect(failed!.status).toBe('failed');
    expect(codeOf(failed!.error)).toBe('FGC_ERP_REQUEST_REJECTED');
    expect((failed!.error as Error).message).toMatch(/sales_orders: GET http:\/\/127\.0\.0\.1:\d+\/api\/sales_orders\?.* → HTTP 401: .*token expired/);
    expect(erp.requestsTo('sales_orders')).toHaveLength(1);
    expect(ok!.status).toBe('ok');
    expect(rig.ingestor.records()).toHaveLength(3);
    const logged = rig.lines.find((l) => l.level === 50 && l.entity === 'sales_orders');
    expect(logged).toMatchObject({ code: 'FGC_ERP_REQUEST_REJECTED', source: 'erp_001' });
    expect(JSON.stringify(rig.lines)).not.toContain(TOKEN);
    await rig.poller.close();
  });

  it('a malformed JSON page is an error with context; pages before it stay acknowledged and the next poll resumes', async () => {
    erp.hook = (req, res) => (req.index === 2 ? (sendJson(res, 200, '{"data": [{"id": "I003", '), true) : false);
    const rig = await rigFor();
    const [report] = await rig.poller.syncOnce();
    const entity = report!.entities[0]!;
    expect(entity.status).toBe('failed');
    expect(codeOf(entity.error)).toBe('FGC_ERP_INVALID_PAGE');
    expect((entity.error as Error).message).toMatch(/^items: page from GET http:\/\/127\.0\.0\.1:\d+\/api\/items\?.*offset=1.* is not valid JSON/);
    expect(entity.cursor).toEqual({ updatedAt: hour(2), id: 'I002' });
    expect(rig.ingestor.records().map((r) => r.id)).toEqual(['I001', 'I002']);

    erp.hook = undefined;
    const asked = erp.requestsTo('items').length;
    await rig.poller.syncOnce();
    expect(erp.requestsTo('items')[asked]!.query.get('updated_since')).toBe(hour(1, 55));
    expect(rig.ingestor.records().map((r) => r.id)).toEqual(['I001', 'I002', 'I003']);
    await rig.poller.close();
  });

  it('a record without updated_at makes the page invalid, naming the record', async () => {
    erp.hook = (_req, res) => (sendJson(res, 200, { data: [{ id: 'X1', updated_at: hour(1) }, { id: 'X2' }] }), true);
    const rig = await rigFor();
    const [report] = await rig.poller.syncOnce();
    const error = report!.entities[0]!.error as FgcError;
    expect(error.code).toBe('FGC_ERP_INVALID_PAGE');
    expect(error.details[0]).toMatchObject({ entity: 'items', index: 1, problem: expect.stringMatching(/updated_at/) as unknown });
    expect(rig.ingestor.calls).toHaveLength(0);
    await rig.poller.close();
  });

  it('refuses a response larger than max_response_bytes', async () => {
    erp.hook = (_req, res) => (sendJson(res, 200, { data: [{ id: 'X', updated_at: hour(1), blob: 'x'.repeat(5_000) }] }), true);
    const rig = await rigFor([itemsEntity()], { max_response_bytes: 1_024 });
    const [report] = await rig.poller.syncOnce();
    expect(codeOf(report!.entities[0]!.error)).toBe('FGC_ERP_RESPONSE_TOO_LARGE');
    expect(rig.ingestor.calls).toHaveLength(0);
    await rig.poller.close();
  });

  it('does not follow redirects (the credential stays with the configured origin)', async () => {
    erp.hook = (_req, res) => (sendJson(res, 302, '', { location: 'http://elsewhere.example/api/items' }), true);
    const rig = await rigFor();
    const [report] = await rig.poller.syncOnce();
    expect(codeOf(report!.entities[0]!.error)).toBe('FGC_ERP_REQUEST_REJECTED');
    expect((report!.entities[0]!.error as Error).message).toMatch(/redirect to http:\/\/elsewhere\.example\/api\/items not followed/);
    await rig.poller.close();
  });

  it('refuses offset pages that are not sorted by updated_at', async () => {
    erp.hook = (_req, res) => (sendJson(res, 200, { data: [{ id: 'B', updated_at: hour(2) }, { id: 'A', updated_at: hour(1) }] }), true);
    const rig = await rigFor();
    const [report] = await rig.poller.syncOnce();
    expect((report!.entities[0]!.error as Error).message).toMatch(/not sorted by updated_at ascending/);
    expect(rig.ingestor.calls).toHaveLength(0);
    await rig.poller.close();
  });
});
