/**
 * The ingest acceptance scenarios of issue 3, as functions over an IngestHarness, so the same
 * assertions run on the embedded stack (`npm test`) and on Kafka + Redis (`npm run test:services`).
 */
import type { InjectOptions } from 'fastify';
import { expect } from 'vitest';
import type { IngestResult } from '../../../connectors/ingest/ingestor.js';
import { RECORD_FIELDS } from '../../../connectors/ingest/record-fields.js';
import { RECORD_TYPES } from '../../../schemas/topics.js';
import { uniqueName } from '../../helpers/temp-dir.js';
import { ADMIN_KEY, bearer, type IngestHarness } from '../ingest/ingest-harness.js';
import { mixedBatch } from './mixed-batch.js';

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown>[] };
}

function poster(h: IngestHarness, key: string) {
  return (payload: unknown, headers: Record<string, string> = bearer(key)): Promise<{ statusCode: number; json: <T>() => T; body: string }> =>
    h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers, payload: payload as InjectOptions['payload'] });
}

/** The seed request of SPEC.md as written (plus an auth header) → 202; GET /api/v1/batch/{id} → 200; the record on its topic. */
export async function seedRequestScenario(h: IngestHarness): Promise<void> {
  const post = poster(h, ADMIN_KEY);
  const seed = '{"source_type":"erp","source_id":"erp_001","batch_reference":"batch_20240101_001",\n "data":{"items":[{"sku":"ITEM-001","name":"Component A","qty":100}]}}';
  const response = await post(seed, { ...bearer(ADMIN_KEY), 'content-type': 'application/json' });
  expect(response.statusCode).toBe(202);
  const result = response.json<IngestResult>();
  expect(result).toMatchObject({ batch_reference: 'batch_20240101_001', status: 'accepted', received: 1, accepted: 1, rejected: 0, errors: [] });
  expect(result.batch_id).toMatch(/^[0-9a-f-]{36}$/);

  const batch = await h.app.inject({ url: `/api/v1/batch/${result.batch_id}`, headers: bearer(ADMIN_KEY) });
  expect(batch.statusCode).toBe(200);
  expect(batch.json()).toMatchObject({
    batch_id: result.batch_id,
    batch_reference: 'batch_20240101_001',
    source_id: 'erp_001',
    source_type: 'erp',
    status: 'pending',
    counts: { received: 1, accepted: 1, rejected: 0, normalized: 0, failed: 0 },
    errors: [],
  });
  const times = batch.json<{ received_at: string; updated_at: string }>();
  expect(times.received_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect(Date.parse(times.updated_at)).toBeGreaterThanOrEqual(Date.parse(times.received_at));
  const item = (await h.readAll(['items'])).find((m) => m.value.batch_id === result.batch_id)!;
  expect(item.value).toMatchObject({ tenant_id: 'default', sku: 'ITEM-001', name: 'Component A', extra: { qty: '100' } });
}

/**
 * A 1,000-record mixed batch with known invalid records → 202 partial naming exactly those; every
 * valid record on its topic once, intact; replay → 200 with nothing new; altered content → 409.
 * `key` must belong to tenant `acme` with the ingest scope.
 */
export async function mixedBatchScenario(h: IngestHarness, key: string): Promise<void> {
  const post = poster(h, key);
  const mixed = mixedBatch(1_000);
  const reference = uniqueName('mixed');
  const envelope = { source_type: 'erp', source_id: 'erp_mixed', batch_reference: reference, data: mixed.data };
  const before = await h.countAll([...RECORD_TYPES]);

  const response = await post(envelope);
  expect(response.statusCode).toBe(202);
  const result = response.json<IngestResult>();
  const invalid = mixed.records.filter((r) => r.valid === undefined).length;
  expect(invalid).toBeGreaterThan(100);
  expect(result).toMatchObject({ status: 'partial', received: 1_000, accepted: 1_000 - invalid, rejected: invalid, replayed: false });
  expect(new Set(result.errors.map((e) => `${e.record_type}|${e.index}|${String(e.field)}`))).toEqual(mixed.errors);
  expect(result.errors).toHaveLength(mixed.errors.size);
  for (const error of result.errors) expect(error.message.length).toBeGreaterThan(10);

  const messages = (await h.readAll([...RECORD_TYPES])).filter((m) => m.value.batch_id === result.batch_id);
  expect(messages).toHaveLength(1_000 - invalid);
  const byRecord = new Map(messages.map((m) => [`${m.topic}#${String(m.value.record_index)}`, m]));
  expect(byRecord.size).toBe(messages.length);
  for (const expected of mixed.records.filter((r) => r.valid !== undefined)) {
    const message = byRecord.get(`forgecast.raw.${expected.recordType}#${expected.index}`);
    expect(message, `${expected.recordType}[${expected.index}]`).toBeDefined();
    const canonical = new Set(RECORD_FIELDS[expected.recordType].map((f) => f.name));
    for (const field of canonical) expect(message!.value[field], `${expected.recordType}[${expected.index}].${field}`).toEqual(expected.valid![field] ?? null);
    const extra = Object.fromEntries(Object.entries(expected.valid!).filter(([k]) => !canonical.has(k)).map(([k, v]) => [k, JSON.stringify(v)]));
    expect(message!.value.extra).toEqual(extra);
    expect(message!.value).toMatchObject({ tenant_id: 'acme', source_id: 'erp_mixed', source_type: 'erp' });
  }
  const after = await h.countAll([...RECORD_TYPES]);
  expect(after - before).toBe(1_000 - invalid);

  const replay = await post(envelope);
  expect(replay.statusCode).toBe(200);
  expect(replay.json()).toEqual({ ...result, replayed: true });
  expect(await h.countAll([...RECORD_TYPES])).toBe(after);

  const altered = structuredClone(envelope);
  (altered.data.items[0] as Record<string, unknown>).name = 'changed';
  const conflict = await post(altered);
  expect(conflict.statusCode).toBe(409);
  expect(conflict.json<ErrorBody>().error.code).toBe('FGC_INGEST_CONFLICT');
  expect(await h.countAll([...RECORD_TYPES])).toBe(after);
}
