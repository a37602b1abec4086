/**
 * The read side of ingest and the single-item route: GET /api/v1/batch/{id} (404 for unknown ids
 * and other tenants' batches), GET /api/v1/batches with filters and keyset pagination, POST
 * /api/v1/items through the same ingestor (201 new, 200 same content), and the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchIdFor } from '../../../connectors/ingest/batch-identity.js';
import type { BatchView } from '../../../connectors/ingest/ingest-batches.js';
import type { IngestResult } from '../../../connectors/ingest/ingestor.js';
import { uniqueName } from '../../helpers/temp-dir.js';
import { bearer, createIngestHarness, type IngestHarness } from '../ingest/ingest-harness.js';

let h: IngestHarness;
let acme: string;
let globex: string;
beforeAll(async () => {
  h = await createIngestHarness();
  acme = (await h.keys.create({ tenant: 'acme', scopes: ['ingest', 'read', 'write'] })).key;
  globex = (await h.keys.create({ tenant: 'globex', scopes: ['ingest', 'read', 'write'] })).key;
});
afterAll(() => h.close());

interface Page {
  batches: BatchView[];
  next_cursor: string | null;
}

/** Ingests and returns the batch id (also for a 422, whose body is an error). */
async function ingest(key: string, tenant: string, sourceId: string, items: unknown[]): Promise<string> {
  const reference = uniqueName('b');
  const response = await h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: bearer(key), payload: { source_type: 'erp', source_id: sourceId, batch_reference: reference, data: { items } } });
  expect([202, 422]).toContain(response.statusCode);
  const batchId = batchIdFor(tenant, sourceId, reference);
  if (response.statusCode === 202) expect(response.json<IngestResult>().batch_id).toBe(batchId);
  return batchId;
}

describe('GET /api/v1/batch/{id}', () => {
  it('shows a batch of the tenant with counts and errors, and 404 for unknown ids and other tenants', async () => {
    const result = { batch_id: await ingest(acme, 'acme', 'erp_read', [{ sku: 'A', name: 'a' }, { sku: 'B' }]) };
    const own = await h.app.inject({ url: `/api/v1/batch/${result.batch_id}`, headers: bearer(acme) });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({
      batch_id: result.batch_id,
      source_id: 'erp_read',
      status: 'pending',
      counts: { received: 2, accepted: 1, rejected: 1, normalized: 0, failed: 0 },
      by_record_type: { items: { received: 2, accepted: 1, rejected: 1 } },
      errors: [{ record_type: 'items', index: 1, field: 'name', message: 'name is required' }],
    });
    for (const [url, key] of [[`/api/v1/batch/${result.batch_id}`, globex], ['/api/v1/batch/00000000-0000-8000-8000-000000000000', acme], [`/api/v1/batch/${'x'.repeat(64)}`, acme]] as const) {
      const response = await h.app.inject({ url, headers: bearer(key) });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: { code: 'FGC_INGEST_BATCH_NOT_FOUND' } });
    }
    const ingestOnly = (await h.keys.create({ tenant: 'acme', scopes: ['ingest'] })).key;
    expect((await h.app.inject({ url: `/api/v1/batch/${result.batch_id}`, headers: bearer(ingestOnly) })).statusCode).toBe(403);
  });
});

describe('GET /api/v1/batches', () => {
  it('lists the tenant’s batches newest first, filtered by source and status, page by page', async () => {
    const source = uniqueName('src');
    const made: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      made.push(await ingest(acme, 'acme', source, i === 3 ? [{ name: 'no sku' }] : [{ sku: `S${i}`, name: 'n' }]));
      await new Promise((r) => setTimeout(r, 3)); // distinct received_at, so the order is observable
    }
    await ingest(globex, 'globex', source, [{ sku: 'G', name: 'g' }]);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/api/v1/batches?source_id=${encodeURIComponent(source)}&limit=3${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const response = await h.app.inject({ url: query, headers: bearer(acme) });
      expect(response.statusCode).toBe(200);
      const page = response.json<Page>();
      expect(page.batches.length).toBeLessThanOrEqual(3);
      for (const b of page.batches) {
        expect(b.source_id).toBe(source);
        expect(b).not.toHaveProperty('errors');
      }
      seen.push(...page.batches.map((b) => b.batch_id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...made].reverse());

    const failed = await h.app.inject({ url: `/api/v1/batches?source_id=${encodeURIComponent(source)}&status=failed`, headers: bearer(acme) });
    expect(failed.json<Page>().batches.map((b) => b.batch_id)).toEqual([made[3]]);
    const theirs = await h.app.inject({ url: `/api/v1/batches?source_id=${encodeURIComponent(source)}`, headers: bearer(globex) });
    expect(theirs.json<Page>().batches).toHaveLength(1);
  });

  it('refuses bad filters and cursors with 400', async () => {
    for (const query of ['status=done', 'limit=0', 'limit=501', 'limit=abc', 'cursor=not-a-cursor', `cursor=${Buffer.from('[1,2]').toString('base64url')}`]) {
      const response = await h.app.inject({ url: `/api/v1/batches?${query}`, headers: bearer(acme) });
      expect(response.statusCode, query).toBe(400);
      expect(response.json()).toMatchObject({ error: { code: 'FGC_HTTP_INVALID_REQUEST' } });
    }
  });
});

describe('POST /api/v1/items', () => {
  it('creates an item through the ingest path: 201 new, 200 the same content again, 201 for a change', async () => {
    const item = { sku: `ITEM-${uniqueName('i')}`, name: 'Lager 6204 ✓', uom: 'PC', standard_cost: '4.20', supplier_name: 'SKF' };
    const before = await h.countAll(['items']);
    const created = await h.app.inject({ method: 'POST', url: '/api/v1/items', headers: bearer(acme), payload: item });
    expect(created.statusCode).toBe(201);
    const body = created.json<{ sku: string; batch_id: string; batch_reference: string; status: string; replayed: boolean }>();
    expect(body).toMatchObject({ sku: item.sku, status: 'accepted', replayed: false });
    expect(body.batch_reference).toMatch(new RegExp(`^item:${item.sku}:[0-9a-f]{16}$`));

    const again = await h.app.inject({ method: 'POST', url: '/api/v1/items', headers: bearer(acme), payload: { ...item } });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ batch_id: body.batch_id, replayed: true });
    expect(await h.countAll(['items'])).toBe(before + 1);

    const changed = await h.app.inject({ method: 'POST', url: '/api/v1/items', headers: bearer(acme), payload: { ...item, standard_cost: '4.30' } });
    expect(changed.statusCode).toBe(201);
    expect(changed.json<{ batch_id: string }>().batch_id).not.toBe(body.batch_id);

    const published = (await h.readAll(['items'])).filter((m) => m.value.sku === item.sku);
    expect(published.map((m) => m.value.standard_cost)).toEqual(['4.2', '4.3']);
    expect(published[0]!.value).toMatchObject({ tenant_id: 'acme', source_type: 'erp', source_id: 'api', name: 'Lager 6204 ✓', supplier_name: 'SKF' });
    const batch = await h.app.inject({ url: `/api/v1/batch/${body.batch_id}`, headers: bearer(acme) });
    expect(batch.json()).toMatchObject({ source_id: 'api', counts: { accepted: 1 } });
  });

  it('answers 422 naming the field for an invalid item, 400 for a body that is not an object, 403 without write scope', async () => {
    const invalid = await h.app.inject({ method: 'POST', url: '/api/v1/items', headers: bearer(acme), payload: { sku: 'X-1', standard_cost: 'cheap' } });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json()).toMatchObject({ error: { code: 'FGC_INGEST_ALL_INVALID', details: [{ field: 'name' }, { field: 'standard_cost' }] } });
    const noSku = await h.app.inject({ method: 'POST', url: '/api/v1/items', headers: bearer(acme), payload: { name: 'nameless' } });
    expect(noSku.statusCode).toBe(422);
    const longSku = await h.app.inject({ method: 'POST', url: '/api/v1/items', headers: bearer(acme), payload: { sku: 'S'.repeat(500), name: 'long' } });
    expect(longSku.statusCode).toBe(201);
    expect(longSku.json<{ batch_reference: string }>().batch_reference).toMatch(/^item:[0-9a-f]{16}:[0-9a-f]{16}$/);
    const notObject = await h.app.inject({ method: 'POST', url: '/api/v1/items', headers: { ...bearer(acme), 'content-type': 'application/json' }, payload: '[{"sku":"A"}]' });
    expect(notObject.statusCode).toBe(400);
    const readOnly = (await h.keys.create({ tenant: 'acme', scopes: ['read', 'ingest'] })).key;
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/items', headers: bearer(readOnly), payload: { sku: 'A', name: 'B' } })).statusCode).toBe(403);
  });
});

describe('OpenAPI', () => {
  it('documents the ingest routes with their bodies and responses', async () => {
    const response = await h.app.inject({ url: '/docs/json' });
    const document = response.json<{ paths: Record<string, Record<string, { requestBody?: unknown; responses?: Record<string, unknown> }>> }>();
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/v1/ingest', '/api/v1/batch/{id}', '/api/v1/batches', '/api/v1/items']));
    expect(JSON.stringify(document.paths['/api/v1/ingest']!.post!.requestBody)).toContain('inspected_qty');
    expect(Object.keys(document.paths['/api/v1/ingest']!.post!.responses!)).toEqual(expect.arrayContaining(['200', '202']));
  });
});
