/**
 * Acceptance of POST /api/v1/ingest through the real HTTP shell and the real embedded adapters:
 * the seed request of SPEC.md, a 1,000-record mixed batch with known invalid records (exact error
 * set, every valid record on its topic exactly once with its content), replay and conflict,
 * Unicode end to end, the error statuses (400/413/415/422), and random input never causing a 5xx.
 */
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestResult } from '../../../connectors/ingest/ingestor.js';
import { RECORD_FIELDS } from '../../../connectors/ingest/record-fields.js';
import { RECORD_TYPES } from '../../../schemas/topics.js';
import { uniqueName } from '../../helpers/temp-dir.js';
import { bearer, createIngestHarness, type IngestHarness } from '../ingest/ingest-harness.js';
import { mixedBatchScenario, seedRequestScenario } from './ingest-acceptance.js';

const INGEST_BODY_LIMIT = 512 * 1024;
const MAX_RECORDS = 1_500;

let h: IngestHarness;
let ingestKey: string;
beforeAll(async () => {
  h = await createIngestHarness({ maxRecords: MAX_RECORDS, ingestBodyLimitBytes: INGEST_BODY_LIMIT });
  ingestKey = (await h.keys.create({ tenant: 'acme', scopes: ['ingest', 'read'] })).key;
});
afterAll(() => h.close());

const post = (payload: unknown, headers: Record<string, string> = bearer(ingestKey)): Promise<{ statusCode: number; json: <T>() => T; body: string }> =>
  h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers, payload: payload as InjectOptions['payload'] });

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown>[] };
}

describe('POST /api/v1/ingest', () => {
  it('takes the seed request of SPEC.md as written (202), and GET /api/v1/batch/{id} shows it', () => seedRequestScenario(h));

  it('accepts a 1,000-record mixed batch partially, naming exactly the invalid records; each valid record is on its topic once, intact; replay and conflict', () => mixedBatchScenario(h, ingestKey));

  it('keeps Unicode text unchanged end to end (decoded from the topic)', async () => {
    const texts = ['Schraube M6 – Edelstahl ✓', '螺丝', '🔩 Bolzen 𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'e\u0301 (combining) vs é', 'ℌ\u200d\u00a0Ω', 'שלום مرحبا'];
    const response = await post({
      source_type: 'erp',
      source_id: 'ünï-çødé ✓',
      batch_reference: uniqueName('unicode'),
      data: { items: texts.map((name, i) => ({ sku: `Ü-${i}-螺丝`, name, 'Farbe ✓': name })) },
    });
    expect(response.statusCode).toBe(202);
    const batchId = response.json<IngestResult>().batch_id;
    const items = (await h.readAll(['items'])).filter((m) => m.value.batch_id === batchId).sort((a, b) => Number(a.value.record_index) - Number(b.value.record_index));
    expect(items.map((m) => m.value.name)).toEqual(texts);
    expect(items.map((m) => m.value.sku)).toEqual(texts.map((_, i) => `Ü-${i}-螺丝`));
    expect(items.map((m) => JSON.parse((m.value.extra as Record<string, string>)['Farbe ✓']!) as string)).toEqual(texts);
    expect(items[0]!.value.source_id).toBe('ünï-çødé ✓');
    expect(items[0]!.key).toBe('acme|ünï-çødé ✓|Ü-0-螺丝');
  });

  it('answers 422 with every record error when all records are invalid', async () => {
    const response = await post({ source_type: 'quality', source_id: 'qms', batch_reference: uniqueName('bad'), data: { inspections: [{ inspection_id: 'I', sku: 'S', site: 'W', inspected_qty: 5, defect_qty: 6, inspected_at: '2024-01-01' }, 'x'] } });
    expect(response.statusCode).toBe(422);
    const body = response.json<ErrorBody>();
    expect(body.error.code).toBe('FGC_INGEST_ALL_INVALID');
    expect(body.error.details).toEqual([
      { record_type: 'inspections', index: 0, field: 'defect_qty', message: 'defect_qty (6) must not exceed inspected_qty (5)' },
      { record_type: 'inspections', index: 1, field: null, message: 'record must be a JSON object, got a string' },
    ]);
  });

  it('answers 400 for an invalid envelope, naming the problems, and stores nothing', async () => {
    const before = await h.countAll(['items']);
    const cases: [unknown, string[]][] = [
      [{ source_type: 'mainframe', source_id: 's', batch_reference: 'r', data: { items: [{ sku: 'A', name: 'B' }] } }, ['source_type']],
      [{ source_type: 'erp', source_id: 's', batch_reference: 'r', data: { orders: [] } }, ['data.orders']],
      [{ source_type: 'erp', source_id: 's', batch_reference: 'r', mapping: 'oracle', data: { items: [{}] } }, ['mapping']],
      [{ source_type: 'erp', data: { items: [{}] } }, ['source_id', 'batch_reference']],
      [[1, 2], [null as unknown as string]],
      ['"just a string"', [null as unknown as string]],
    ];
    for (const [payload, fields] of cases) {
      const response = await post(typeof payload === 'string' ? payload : payload, { ...bearer(ingestKey), 'content-type': 'application/json' });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      const body = response.json<ErrorBody>();
      expect(body.error.code).toBe('FGC_INGEST_INVALID_ENVELOPE');
      expect(body.error.details.map((d) => d.field)).toEqual(fields);
    }
    expect(await h.countAll(['items'])).toBe(before);
  });

  it('answers 415 for anything but JSON, 413 over the body or record limit, 400 for malformed JSON', async () => {
    const valid = JSON.stringify({ source_type: 'erp', source_id: 's', batch_reference: uniqueName('ct'), data: { items: [{ sku: 'A', name: 'B' }] } });
    for (const type of ['text/plain', 'text/csv', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await post(valid, { ...bearer(ingestKey), 'content-type': type });
      expect(response.statusCode, type).toBe(415);
      expect(response.json<ErrorBody>().error.code).toBe('FGC_HTTP_UNSUPPORTED_MEDIA_TYPE');
    }
    const noType = await h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: bearer(ingestKey), payload: Buffer.from(valid) });
    expect(noType.statusCode).toBe(415);
    expect((await post(valid, { ...bearer(ingestKey), 'content-type': 'application/json; charset=utf-8' })).statusCode).toBe(202);

    const big = JSON.stringify({ source_type: 'erp', source_id: 's', batch_reference: 'big', data: { items: [{ sku: 'A', name: 'x'.repeat(INGEST_BODY_LIMIT) }] } });
    const tooBig = await post(big, { ...bearer(ingestKey), 'content-type': 'application/json' });
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json<ErrorBody>().error.code).toBe('FGC_HTTP_BODY_TOO_LARGE');

    const many = await post({ source_type: 'erp', source_id: 's', batch_reference: 'many', data: { items: Array.from({ length: MAX_RECORDS + 1 }, () => ({})) } });
    expect(many.statusCode).toBe(413);
    expect(many.json<ErrorBody>().error.code).toBe('FGC_INGEST_TOO_MANY_RECORDS');

    for (const malformed of ['{"source_type":', '', '{"a":1}garbage', Buffer.from([0x7b, 0x22, 0xe8, 0x9e])]) {
      const response = await post(malformed, { ...bearer(ingestKey), 'content-type': 'application/json' });
      expect(response.statusCode).toBe(400);
      expect(response.json<ErrorBody>().error.code).toBe('FGC_HTTP_MALFORMED_JSON');
    }
  });

  it('needs a key with the ingest scope', async () => {
    const body = { source_type: 'erp', source_id: 's', batch_reference: 'r', data: { items: [{ sku: 'A', name: 'B' }] } };
    expect((await post(body, {})).statusCode).toBe(401);
    const readOnly = (await h.keys.create({ tenant: 'acme', scopes: ['read'] })).key;
    expect((await post(body, bearer(readOnly))).statusCode).toBe(403);
  });

  it('never answers 5xx to random JSON, random envelopes or random bytes (property)', async () => {
    const fieldNames = [...new Set(RECORD_TYPES.flatMap((t) => RECORD_FIELDS[t].map((f) => f.name))), 'extra', '__proto__', 'constructor'];
    const record = fc.oneof(
      fc.dictionary(fc.constantFrom(...fieldNames), fc.oneof(fc.jsonValue({ stringUnit: 'binary', maxDepth: 2 }), fc.constantFrom('2024-02-30', '-1', '1e21', '1.234,5', '20240101', 'NaN', '\ud800'))),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const envelope = fc.record(
      {
        source_type: fc.oneof(fc.constantFrom('erp', 'quality', 'nope'), fc.jsonValue({ maxDepth: 1 })),
        source_id: fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.jsonValue({ maxDepth: 1 })),
        batch_reference: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), fc.constant(''), fc.integer()),
        mapping: fc.oneof(fc.constantFrom('canonical', 'sap', 'none'), fc.jsonValue({ maxDepth: 1 })),
        data: fc.oneof(fc.dictionary(fc.constantFrom(...RECORD_TYPES, 'other'), fc.oneof(fc.array(record, { maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }))), fc.jsonValue({ maxDepth: 2 })),
      },
      { requiredKeys: [] },
    );
    const payload = fc.oneof(
      envelope.map((e) => JSON.stringify(e)),
      fc.jsonValue({ stringUnit: 'binary' }).map((v) => JSON.stringify(v)),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ unit: 'binary', maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(payload, async (body) => {
        const response = await post(body, { ...bearer(ingestKey), 'content-type': 'application/json' });
        expect(response.statusCode, response.body).toBeLessThan(500);
        expect([200, 202, 400, 409, 413, 422]).toContain(response.statusCode);
      }),
      { numRuns: 200 },
    );
  });
});

