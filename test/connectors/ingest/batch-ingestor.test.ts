/**
 * The BatchIngestor on the real embedded adapters: envelope and size checks that store nothing,
 * partial acceptance, what lands on the topics (envelope, keys, Avro), idempotency that survives a
 * restart, conflicts, concurrent identical requests, and the crash window between publishing and
 * recording a batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchIdFor } from '../../../connectors/ingest/batch-identity.js';
import type { IngestRequest } from '../../../connectors/ingest/ingestor.js';
import { IngestBatches } from '../../../connectors/ingest/ingest-batches.js';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { createMemoryCoordination } from '../../../infra/coordination/memory-coordination.js';
import { FgcError } from '../../../infra/errors.js';
import { uniqueName } from '../../helpers/temp-dir.js';
import { createIngestHarness, type IngestHarness } from './ingest-harness.js';

let h: IngestHarness;
beforeAll(async () => {
  h = await createIngestHarness({ maxRecords: 50 });
});
afterAll(() => h.close());

const batch = (overrides: Partial<IngestRequest> = {}): IngestRequest => ({
  tenant: 'acme',
  source_type: 'erp',
  source_id: 'erp_001',
  batch_reference: uniqueName('ref'),
  data: { items: [{ sku: 'A-1', name: 'Alpha' }, { sku: 'B-2', name: 'Beta', uom: 'PC' }] },
  ...overrides,
});

async function caught(promise: Promise<unknown>): Promise<FgcError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FgcError);
  return error as FgcError;
}

async function storedRows(tenant: string, batchId: string): Promise<number> {
  const rows = await h.store.query<{ n: string }>('SELECT count() AS n FROM ingest_batches WHERE tenant_id = {tenant:String} AND batch_id = {batchId:String}', { tenant, batchId });
  return Number(rows[0]!.n);
}

describe('BatchIngestor', () => {
  it('refuses an invalid envelope with every problem named, and stores nothing', async () => {
    const before = await h.countAll(['items']);
    const cases: [Partial<IngestRequest>, string[]][] = [
      [{ source_type: 'mainframe' }, ['source_type']],
      [{ source_id: '' }, ['source_id']],
      [{ source_id: 'x'.repeat(201) }, ['source_id']],
      [{ batch_reference: undefined }, ['batch_reference']],
      [{ batch_reference: 42 as unknown as string }, ['batch_reference']],
      [{ mapping: 'oracle' }, ['mapping']],
      [{ data: { items: [{ sku: 'A', name: 'B' }], orders: [] } }, ['data.orders']],
      [{ data: { items: { sku: 'A', name: 'B' } } }, ['data.items']],
      [{ data: [] as unknown as Record<string, unknown> }, ['data']],
      [{ data: { items: [] } }, ['data']],
      [{ source_type: 'x', source_id: '  ', data: 'nope' as unknown as Record<string, unknown> }, ['source_type', 'source_id', 'data']],
    ];
    for (const [overrides, fields] of cases) {
      const request = batch(overrides);
      const error = await caught(h.ingestor.ingest(request));
      expect(error.code, JSON.stringify(overrides)).toBe('FGC_INGEST_INVALID_ENVELOPE');
      expect(error.status).toBe(400);
      expect(error.details.map((d) => d.field)).toEqual(fields);
      if (typeof request.source_id === 'string' && typeof request.batch_reference === 'string') {
        expect(await storedRows('acme', batchIdFor('acme', request.source_id, request.batch_reference))).toBe(0);
      }
    }
    expect((await caught(h.ingestor.ingest(batch({ mapping: 'oracle' })))).message).toContain('known: canonical, sap');
    expect(await h.countAll(['items'])).toBe(before);
  });

  it('refuses more records than the limit with 413, storing nothing', async () => {
    const before = await h.countAll(['items', 'inventory']);
    const items = Array.from({ length: 30 }, (_, i) => ({ sku: `S${i}`, name: 'n' }));
    const inventory = Array.from({ length: 21 }, (_, i) => ({ sku: `S${i}`, site: 'W', on_hand: 1, as_of: '2024-01-01' }));
    const error = await caught(h.ingestor.ingest(batch({ data: { items, inventory } })));
    expect(error.code).toBe('FGC_INGEST_TOO_MANY_RECORDS');
    expect(error.status).toBe(413);
    expect(error.message).toContain('51 records; at most 50');
    expect(await h.countAll(['items', 'inventory'])).toBe(before);
    expect((await h.ingestor.ingest(batch({ data: { items, inventory: inventory.slice(1) } }))).accepted).toBe(50);
  });

  it('accepts the valid records, reports the invalid ones, and publishes each valid one once with its envelope and key', async () => {
    const request = batch({
      source_id: 'erp_parts',
      data: {
        items: [{ sku: 'A-1', name: 'Alpha', colour: 'red' }, { sku: '', name: 'no sku' }, { sku: 'C-3', name: 'Gamma', standard_cost: '12.50' }],
        sales_orders: [{ order_id: 'SO-1', line: 2, sku: 'A-1', site: 'W1', qty: 5, order_date: '2024-01-05' }, 'not a record'],
      },
    });
    const before = Date.now();
    const result = await h.ingestor.ingest(request);
    const batchId = batchIdFor('acme', 'erp_parts', request.batch_reference);
    expect(result).toEqual({
      batch_id: batchId,
      batch_reference: request.batch_reference,
      status: 'partial',
      received: 5,
      accepted: 3,
      rejected: 2,
      errors: [
        { record_type: 'items', index: 1, field: 'sku', message: 'sku is required' },
        { record_type: 'sales_orders', index: 1, field: null, message: 'record must be a JSON object, got a string' },
      ],
      replayed: false,
    });
    expect(batchId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const messages = (await h.readAll(['items', 'sales_orders'])).filter((m) => m.value.batch_id === batchId);
    expect(messages).toHaveLength(3);
    const alpha = messages.find((m) => m.value.sku === 'A-1' && m.topic === 'forgecast.raw.items')!;
    expect(alpha.key).toBe('acme|erp_parts|A-1');
    expect(alpha.value).toMatchObject({ tenant_id: 'acme', source_type: 'erp', source_id: 'erp_parts', batch_id: batchId, record_index: 0, name: 'Alpha', uom: null, extra: { colour: '"red"' } });
    expect(alpha.value.received_at as number).toBeGreaterThanOrEqual(before - 1);
    expect(messages.find((m) => m.value.sku === 'C-3')!.value).toMatchObject({ record_index: 2, standard_cost: '12.5' });
    const order = messages.find((m) => m.topic === 'forgecast.raw.sales_orders')!;
    expect(order.key).toBe('acme|erp_parts|SO-1|2');
    expect(order.value).toMatchObject({ record_index: 0, qty: '5', line: 2, order_date: '2024-01-05' });

    const view = await h.batches.get('acme', batchId);
    expect(view).toMatchObject({
      batch_id: batchId,
      status: 'pending',
      counts: { received: 5, accepted: 3, rejected: 2, normalized: 0, failed: 0 },
      by_record_type: { items: { received: 3, accepted: 2, rejected: 1 }, sales_orders: { received: 2, accepted: 1, rejected: 1 } },
      errors: result.errors,
      errors_total: 2,
    });
    const events = await h.store.query<{ status: string; note: string }>('SELECT status, note FROM ingest_batch_events WHERE tenant_id = {t:String} AND batch_id = {b:String}', { t: 'acme', b: batchId });
    expect(events).toEqual([{ status: 'pending', note: 'accepted 3 of 5 records, rejected 2' }]);
  });

  it('replays the same content (whatever its key order) with the original result and publishes nothing', async () => {
    const request = batch({ data: { items: [{ sku: 'R-1', name: 'Replay', uom: 'PC' }, { sku: '', name: 'bad' }] } });
    const first = await h.ingestor.ingest(request);
    const count = await h.countAll(['items']);
    const reordered: IngestRequest = { ...request, mapping: 'canonical', data: { items: [{ uom: 'PC', name: 'Replay', sku: 'R-1' }, { name: 'bad', sku: '' }] } };
    const again = await h.ingestor.ingest(reordered);
    expect(again).toEqual({ ...first, replayed: true });
    expect(await h.countAll(['items'])).toBe(count);
    expect(await storedRows('acme', first.batch_id)).toBe(1);
  });

  it('answers 409 for the same reference with different content, publishing nothing', async () => {
    const request = batch();
    await h.ingestor.ingest(request);
    const count = await h.countAll(['items']);
    for (const changed of [
      { ...request, data: { items: [{ sku: 'A-1', name: 'Alpha!' }] } },
      { ...request, source_type: 'inventory' },
      { ...request, mapping: 'sap' },
    ]) {
      const error = await caught(h.ingestor.ingest(changed));
      expect(error).toMatchObject({ code: 'FGC_INGEST_CONFLICT', status: 409, retriable: false });
      expect(error.message).toContain(request.batch_reference);
    }
    expect(await h.countAll(['items'])).toBe(count);
  });

  it('keeps tenants and sources apart: the same reference elsewhere is another batch', async () => {
    const reference = uniqueName('shared');
    const a = await h.ingestor.ingest(batch({ batch_reference: reference }));
    const b = await h.ingestor.ingest(batch({ batch_reference: reference, tenant: 'globex' }));
    const c = await h.ingestor.ingest(batch({ batch_reference: reference, source_id: 'erp_002' }));
    expect(new Set([a.batch_id, b.batch_id, c.batch_id]).size).toBe(3);
    expect([a, b, c].every((r) => !r.replayed && r.accepted === 2)).toBe(true);
    expect(await h.batches.get('globex', a.batch_id)).toBeNull();
  });

  it('returns a rejected result when every record is invalid, records it as failed, and lets a fixed batch reuse the reference', async () => {
    const count = await h.countAll(['items']);
    const request = batch({ data: { items: [{ name: 'no sku' }, 7] } });
    const result = await h.ingestor.ingest(request);
    expect(result).toMatchObject({ status: 'rejected', received: 2, accepted: 0, rejected: 2 });
    expect(result.errors.map((e) => [e.index, e.field])).toEqual([[0, 'sku'], [1, null]]);
    expect(await h.countAll(['items'])).toBe(count);
    expect(await h.batches.get('acme', result.batch_id)).toMatchObject({ status: 'failed', counts: { accepted: 0, rejected: 2 } });
    expect(await h.ingestor.ingest(request)).toEqual({ ...result, replayed: true });
    const fixed = await h.ingestor.ingest({ ...request, data: { items: [{ sku: 'F-1', name: 'fixed' }] } });
    expect(fixed).toMatchObject({ batch_id: result.batch_id, status: 'accepted', accepted: 1, replayed: false });
    expect(await h.batches.get('acme', result.batch_id)).toMatchObject({ status: 'pending', counts: { accepted: 1 } });
  });

  it('caps the listed errors at 1,000 and says how many there were', async () => {
    const ingestor = await h.ingestorWith({ maxRecords: 2_000 });
    const items = Array.from({ length: 1_500 }, (_, i) => (i === 0 ? { sku: 'OK', name: 'ok' } : { sku: i }));
    const request = batch({ data: { items } });
    const result = await ingestor.ingest(request);
    expect(result).toMatchObject({ status: 'partial', accepted: 1, rejected: 1_499, errors_total: 1_499 });
    expect(result.errors).toHaveLength(1_000);
    expect((await h.batches.get('acme', result.batch_id))!.errors).toHaveLength(1_000);
    expect(await ingestor.ingest(request)).toEqual({ ...result, replayed: true });
  });

  it('serializes concurrent identical requests: one publishes, the others get its result', async () => {
    const request = batch({ data: { items: Array.from({ length: 20 }, (_, i) => ({ sku: `C-${i}`, name: 'concurrent' })) } });
    const count = await h.countAll(['items']);
    const results = await Promise.all(Array.from({ length: 5 }, () => h.ingestor.ingest(request)));
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.batch_id)).size).toBe(1);
    expect(results.every((r) => r.accepted === 20)).toBe(true);
    expect(await h.countAll(['items'])).toBe(count + 20);
  });

  it('answers 409 "in progress" (retriable) when another holder keeps the batch busy', async () => {
    const request = batch();
    const batchId = batchIdFor(request.tenant, request.source_id, request.batch_reference);
    const lease = await h.coordination.acquireLease(`ingest-batch:${batchId}`, 'someone-else', 10_000);
    expect(lease).not.toBeNull();
    const impatient = await h.ingestorWith({ lockWaitMs: 100 });
    const error = await caught(impatient.ingest(request));
    expect(error).toMatchObject({ code: 'FGC_INGEST_IN_PROGRESS', status: 409, retriable: true });
    await h.coordination.releaseLease(lease!);
    expect((await impatient.ingest(request)).replayed).toBe(false);
  });

  it('after a crash between publishing and recording, the retry republishes under the same batch_id and indexes', async () => {
    let failNext = true;
    const flaky: AnalyticsStore = {
      ...h.store,
      kind: h.store.kind,
      database: h.store.database,
      query: (sql, params) => h.store.query(sql, params),
      insert: async (table, rows, options) => {
        if (table === 'ingest_batches' && failNext) {
          failNext = false;
          throw new FgcError('FGC_STORE_UNAVAILABLE', 'simulated outage after publishing');
        }
        return h.store.insert(table, rows, options);
      },
    };
    const ingestor = await h.ingestorWith({ batches: new IngestBatches(flaky) });
    const request = batch({ data: { items: [{ sku: 'K-1', name: 'one' }, { sku: 'K-2', name: 'two' }] } });
    const error = await caught(ingestor.ingest(request));
    expect(error).toMatchObject({ code: 'FGC_STORE_UNAVAILABLE', retriable: true });
    const retried = await ingestor.ingest(request);
    expect(retried).toMatchObject({ accepted: 2, replayed: false });
    const published = (await h.readAll(['items'])).filter((m) => m.value.batch_id === retried.batch_id);
    // Published twice (at-least-once), but as the same two records: pipelines dedupe on (batch_id, record_index).
    expect(published).toHaveLength(4);
    expect(new Set(published.map((m) => `${String(m.value.batch_id)}#${String(m.value.record_index)}`))).toEqual(new Set([`${retried.batch_id}#0`, `${retried.batch_id}#1`]));
    expect(await storedRows('acme', retried.batch_id)).toBe(1);
  });

  it('remembers batches across a restart: a new ingestor with fresh coordination still replays', async () => {
    const request = batch();
    const first = await h.ingestor.ingest(request);
    const restarted = await h.ingestorWith({ coordination: createMemoryCoordination(), batches: new IngestBatches(h.store) });
    expect(await restarted.ingest(request)).toEqual({ ...first, replayed: true });
    await expect(restarted.ingest({ ...request, data: { items: [{ sku: 'other', name: 'x' }] } })).rejects.toMatchObject({ code: 'FGC_INGEST_CONFLICT' });
  });
});
