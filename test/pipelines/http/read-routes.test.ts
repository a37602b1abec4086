import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../../infra/auth/api-keys.js';
import { createMemoryCoordination } from '../../../infra/coordination/memory-coordination.js';
import { createMetricsRegistry } from '../../../infra/http/metrics.js';
import { buildServer } from '../../../infra/http/server.js';
import { silentLogger } from '../../../infra/logger.js';
import { readRoutes } from '../../../pipelines/http/read-routes.js';
import { NORMALIZERS } from '../../../pipelines/normalize/normalizers.js';
import { createStaticReference } from '../../../pipelines/reference/tenant-reference.js';
import { insertOutcome, openModelStore, type ModelStore } from '../normalize/model-store.js';
import { RECEIVED_AT, rawRecord } from '../normalize/raw-records.js';

const ADMIN_KEY = 'test-admin-key-0123456789';
const NOW = Date.UTC(2024, 0, 20, 12);
const reference = createStaticReference({ acme: { baseUoms: { 'ITEM-001': 'EA' }, skuMappings: [{ sourceId: 'erp_b', sourceSku: 'MAT-778', canonicalSku: 'ITEM-001' }] } });

interface ItemBody {
  sku: string;
  name: string;
  external_ids: { source_id: string; source_key: string }[];
  stock: { site: string; on_hand: string; reserved: string | null; as_of: string }[];
}
interface Page {
  items: { sku: string; name: string }[];
  next_cursor: string | null;
}

describe('unified-data read routes', () => {
  let model: ModelStore;
  let app: FastifyInstance;
  let acme: string;
  let globex: string;
  let index = 0;

  const put = async (type: Parameters<typeof rawRecord>[0], fields: Record<string, unknown>, envelope: Parameters<typeof rawRecord>[2] = {}): Promise<void> => {
    index += 1;
    await insertOutcome(model.store, NORMALIZERS[type](rawRecord(type, fields, { record_index: index, ...envelope }), reference));
  };
  const get = (url: string, key = acme): Promise<LightMyRequestResponse> => app.inject({ url, headers: { authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    model = await openModelStore('read_routes_test');
    const keys = new ApiKeys(model.store, ADMIN_KEY);
    acme = (await keys.create({ tenant: 'acme', scopes: ['read'] })).key;
    globex = (await keys.create({ tenant: 'globex', scopes: ['read'] })).key;
    app = await buildServer({
      logger: silentLogger(),
      bodyLimitBytes: 4096,
      rateLimitPerMinute: 10_000,
      health: { version: '0.0.0', mode: 'embedded', roles: ['api'], systems: {} },
      readiness: [],
      apiKeys: keys,
      coordination: createMemoryCoordination(),
      metrics: createMetricsRegistry(),
      routes: async (a) => {
        await a.register(readRoutes, { store: model.store, now: () => NOW });
      },
    });

    // One item from two ERPs, merged by the mapping; the later ingest (erp_b) names it.
    await put('items', { sku: 'ITEM-001', name: 'Component A', uom: 'PCS', family: 'PARTS' }, { source_id: 'erp_a' });
    await put('items', { sku: 'MAT-778', name: 'Komponente A', uom: 'ST', family: 'PARTS' }, { source_id: 'erp_b', received_at: RECEIVED_AT + 1000 });
    // Stock: PLANT-1 daily with two snapshots on the 12th, PLANT-2 once (site sent lower-case).
    for (const [asOf, onHand] of [['2024-01-10T18:00:00Z', '10'], ['2024-01-11T18:00:00Z', '11'], ['2024-01-12T08:00:00Z', '5'], ['2024-01-12T20:00:00+02:00', '12.5'], ['2024-01-14T06:00:00Z', '14']] as const) {
      await put('inventory', { sku: 'ITEM-001', site: 'plant-1', on_hand: onHand, reserved: null, as_of: asOf });
    }
    await put('inventory', { sku: 'MAT-778', site: ' plant-2 ', on_hand: '0.1', reserved: '0.1', as_of: '2024-01-13T00:00:00Z' }, { source_id: 'erp_b' });
    // Searchable items, a deleted one, hostile-looking names.
    for (const [sku, name, family] of [['A-100', 'Bolt M8', 'FASTENERS'], ['A-200', 'Nut M8', 'FASTENERS'], ['A-300', 'Washer', 'FASTENERS'], ['B-100', '100% cotton rag', 'CONSUMABLES'], ['B-200', "O'Brien bracket", 'PARTS'], ['C-100', 'Übergangsstück Ø20', 'PARTS']] as const) {
      await put('items', { sku, name, family, abc_class: sku.startsWith('A-') ? 'a' : sku.startsWith('B-') ? null : 'C' });
    }
    await put('items', { sku: 'DEL-1', name: 'Gone' });
    await put('items', { sku: 'DEL-1', name: 'Gone', deleted: true });
    // Another tenant, with a sku acme also has and one only it has.
    await put('items', { sku: 'SECRET-1', name: 'Globex secret' }, { tenant_id: 'globex' });
    await put('items', { sku: 'ITEM-001', name: 'Globex component' }, { tenant_id: 'globex' });
    await put('inventory', { sku: 'ITEM-001', site: 'GX', on_hand: '999', as_of: '2024-01-14T00:00:00Z' }, { tenant_id: 'globex' });
  });
  afterAll(async () => {
    await app.close();
    await model.close();
  });

  describe('GET /api/v1/items/{sku}', () => {
    it('answers the merged item with its ids in both ERPs and latest stock per site', async () => {
      const response = await get('/api/v1/items/ITEM-001');
      expect(response.statusCode).toBe(200);
      const item = response.json<ItemBody>();
      expect(item).toMatchObject({ sku: 'ITEM-001', name: 'Komponente A', uom: 'EA', family: 'PARTS', source_id: 'erp_b' });
      expect(item.external_ids).toEqual([
        { source_id: 'erp_a', source_key: 'ITEM-001' },
        { source_id: 'erp_b', source_key: 'MAT-778' },
      ]);
      expect(item.stock).toEqual([
        { site: 'PLANT-1', on_hand: '14', reserved: null, as_of: '2024-01-14T06:00:00.000Z' },
        { site: 'PLANT-2', on_hand: '0.1', reserved: '0.1', as_of: '2024-01-13T00:00:00.000Z' },
      ]);
    });

    it('answers 404 for unknown, deleted and another tenant’s skus', async () => {
      for (const [sku, key] of [['NOPE', acme], ['DEL-1', acme], ['SECRET-1', acme], ['A-100', globex]] as const) {
        const response = await get(`/api/v1/items/${sku}`, key);
        expect(response.statusCode, sku).toBe(404);
        expect(response.json()).toMatchObject({ error: { code: 'FGC_DATA_NOT_FOUND' } });
      }
      // Globex sees its own ITEM-001, not acme's.
      expect((await get('/api/v1/items/ITEM-001', globex)).json<ItemBody>()).toMatchObject({ name: 'Globex component', stock: [{ site: 'GX', on_hand: '999' }] });
    });

    it('needs a key with the read scope', async () => {
      expect((await app.inject({ url: '/api/v1/items/ITEM-001' })).statusCode).toBe(401);
    });
  });

  describe('GET /api/v1/items', () => {
    it('pages through every live item of the tenant by sku', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/api/v1/items?limit=3${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const page: Page = (await get(url)).json<Page>();
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((i) => i.sku));
        cursor = page.next_cursor;
        pages += 1;
      } while (cursor !== null && pages < 10);
      expect(seen).toEqual(['A-100', 'A-200', 'A-300', 'B-100', 'B-200', 'C-100', 'ITEM-001']);
      expect(pages).toBe(3);
    });

    it('filters by q on sku or name in any case, and by family', async () => {
      const skus = async (query: string): Promise<string[]> => (await get(`/api/v1/items?${query}`)).json<Page>().items.map((i) => i.sku);
      expect(await skus('q=m8')).toEqual(['A-100', 'A-200']);
      expect(await skus('q=a-3')).toEqual(['A-300']);
      expect(await skus('q=KOMPONENTE')).toEqual(['ITEM-001']);
      expect(await skus('family=FASTENERS&q=nut')).toEqual(['A-200']);
      expect(await skus(`q=${encodeURIComponent('übergangsSTÜCK ø')}`)).toEqual(['C-100']);
    });

    it('serves and filters by the ABC class (schema v2 field, migration 009)', async () => {
      const page = (await get('/api/v1/items?abc_class=a')).json<Page>();
      expect(page.items.map((i) => i.sku)).toEqual(['A-100', 'A-200', 'A-300']);
      expect((await get('/api/v1/items/A-100')).json()).toMatchObject({ sku: 'A-100', abc_class: 'A' });
      expect((await get('/api/v1/items/B-100')).json()).toMatchObject({ sku: 'B-100', abc_class: null });
    });

    it('treats hostile q as data, never as SQL or a pattern', async () => {
      const skus = async (q: string): Promise<string[]> => {
        const response = await get(`/api/v1/items?q=${encodeURIComponent(q)}`);
        expect(response.statusCode, q).toBe(200);
        return response.json<Page>().items.map((i) => i.sku);
      };
      expect(await skus("' OR 1=1 --")).toEqual([]);
      expect(await skus("O'Brien")).toEqual(['B-200']);
      expect(await skus('%')).toEqual(['B-100']);
      expect(await skus('_')).toEqual([]);
      expect(await skus('{q:String}')).toEqual([]);
      expect(await skus('Gone')).toEqual([]);
    });

    it('refuses bad limits and cursors with 400', async () => {
      for (const query of ['limit=0', 'limit=501', 'cursor=garbage', `cursor=${Buffer.from('{"x":1}').toString('base64url')}`]) {
        expect((await get(`/api/v1/items?${query}`)).statusCode, query).toBe(400);
      }
    });
  });

  describe('GET /api/v1/inventory/{sku}', () => {
    interface Inventory {
      from: string;
      to: string;
      latest: { site: string; on_hand: string }[];
      history: { site: string; day: string; on_hand: string }[];
      truncated: boolean;
    }

    it('answers the latest per site and one point per site and day in the range', async () => {
      const body = (await get('/api/v1/inventory/ITEM-001?from=2024-01-11&to=2024-01-13')).json<Inventory>();
      expect(body.latest.map((l) => [l.site, l.on_hand])).toEqual([['PLANT-1', '14'], ['PLANT-2', '0.1']]);
      expect(body.history.map((p) => [p.site, p.day, p.on_hand])).toEqual([
        ['PLANT-1', '2024-01-11', '11'],
        ['PLANT-1', '2024-01-12', '12.5'],
        ['PLANT-2', '2024-01-13', '0.1'],
      ]);
      expect(body).toMatchObject({ from: '2024-01-11', to: '2024-01-13', truncated: false });
    });

    it('filters by site (any case) and defaults the range to the 90 days before today', async () => {
      const body = (await get('/api/v1/inventory/ITEM-001?site=plant-2')).json<Inventory>();
      expect(body).toMatchObject({ from: '2023-10-23', to: '2024-01-20' });
      expect(body.latest.map((l) => l.site)).toEqual(['PLANT-2']);
      expect(body.history.map((p) => p.day)).toEqual(['2024-01-13']);
    });

    it('refuses inverted, too wide and malformed ranges', async () => {
      for (const query of ['from=2024-01-13&to=2024-01-11', 'from=2022-01-01&to=2024-01-01', 'from=2024-02-30', 'to=yesterday']) {
        expect((await get(`/api/v1/inventory/ITEM-001?${query}`)).statusCode, query).toBe(400);
      }
    });

    it('answers 404 for a sku the tenant has neither as item nor in stock', async () => {
      expect((await get('/api/v1/inventory/SECRET-1')).statusCode).toBe(404);
      expect((await get('/api/v1/inventory/NOPE')).statusCode).toBe(404);
    });
  });

  describe('GET /api/v1/sources', () => {
    it('counts received, rejected, stored and dead-lettered records per source and record type', async () => {
      const batch = (source: string, receivedAtMs: number, received: Record<string, number>, rejected: Record<string, number>): Record<string, unknown> => ({
        tenant_id: 'acme', batch_id: `b-${source}-${receivedAtMs}`, source_type: 'erp', source_id: source, batch_reference: 'r', mapping: 'canonical', content_hash: 'h', status: 'success', status_note: '',
        received: 0, accepted: 0, rejected: 0, normalized: 0, failed: 0, received_by_type: received, accepted_by_type: received, rejected_by_type: rejected,
        errors: '[]', errors_total: 0, received_at: new Date(receivedAtMs).toISOString().replace('T', ' ').replace('Z', ''), updated_at: '2024-01-15 10:00:00.000', version: 1,
      });
      await model.store.insert('ingest_batches', [batch('erp_a', RECEIVED_AT, { items: 9, inventory: 6 }, { items: 1 }), batch('erp_a', RECEIVED_AT + 5000, { items: 1 }, {}), batch('erp_b', RECEIVED_AT + 1000, { items: 1, inventory: 1 }, {})]);
      await model.store.insert('dead_letters', [{ tenant_id: 'acme', dlq_id: 't:0:1', batch_id: 'b', source_id: 'erp_a', record_type: 'inventory', record_index: 0, source_topic: 't', partition: 0, offset: 1, stage: 'normalize', error_code: 'UNKNOWN_UOM', field: 'uom', message: 'm', payload: '', key: null, replay_of: '', created_at: '2024-01-15 10:00:00.000', status: 'open', replayed_at: null, version: 1 }]);

      const response = await get('/api/v1/sources');
      expect(response.statusCode).toBe(200);
      const { sources } = response.json<{ sources: { source_id: string; last_received_at: string; record_types: Record<string, unknown>[] }[] }>();
      expect(sources.map((s) => s.source_id)).toEqual(['erp_a', 'erp_b']);
      const erpA = sources[0]!;
      expect(erpA.last_received_at).toBe(new Date(RECEIVED_AT + 5000).toISOString());
      // items: 6 searchable items + DEL-1 (deleted, not stored) + ITEM-001 whose latest version came from erp_b.
      expect(erpA.record_types).toEqual([
        { record_type: 'inventory', received: 6, accepted: 6, rejected: 0, stored: 5, dead_lettered: 1, last_received_at: new Date(RECEIVED_AT).toISOString() },
        { record_type: 'items', received: 10, accepted: 10, rejected: 1, stored: 6, dead_lettered: 0, last_received_at: new Date(RECEIVED_AT + 5000).toISOString() },
      ]);
      expect(sources[1]!.record_types).toEqual([
        expect.objectContaining({ record_type: 'inventory', received: 1, stored: 1 }),
        expect.objectContaining({ record_type: 'items', received: 1, stored: 1 }),
      ]);
      // Another tenant sees only its own sources.
      const theirs = (await get('/api/v1/sources', globex)).json<{ sources: { source_id: string; record_types: { record_type: string; stored: number; received: number }[] }[] }>();
      expect(theirs.sources).toEqual([expect.objectContaining({ source_id: 'erp_a', record_types: [expect.objectContaining({ record_type: 'inventory', stored: 1, received: 0 }), expect.objectContaining({ record_type: 'items', stored: 2, received: 0 })] })]);
    });
  });

  it('publishes the routes in the OpenAPI document', async () => {
    const document = (await app.inject({ url: '/docs/json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/v1/items/{sku}', '/api/v1/items', '/api/v1/inventory/{sku}', '/api/v1/sources']));
  });
});
