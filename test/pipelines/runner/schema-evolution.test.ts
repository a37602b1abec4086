/**
 * Schema evolution through a running consumer (pipelines issue, deliverable 5), on the real
 * embedded stack (log, registry, chDB with every migration, the real normalizers):
 * raw-items.avsc v2 adds the optional `abc_class` (default null; column by migration 009).
 *
 * One pipeline runner is started once and never restarted. While it runs, the previous release's
 * ingestor publishes items written with the v1 schema (its own registered id: the v1 text is kept
 * as a fixture, byte for byte the schema as committed before the change), the new ingestor
 * publishes items with classes under the v2 id, then both at once, as during a rolling upgrade.
 * Every record lands — v1 records with NULL (or the class an old ingestor kept in `extra`), v2
 * records with their class — readable through the item read model, and nothing is dead-lettered.
 *
 * What the platform guarantees (and what this file pins):
 * - The registry enforces BACKWARD compatibility per subject: a new version must read everything
 *   the previous one wrote, so a field may only be added with a default.
 * - Pipelines decode each message with its writer schema (the id in its header) resolved against
 *   the reader schema of the running release, so one consumer reads any mix of writer versions
 *   without a restart; fields the writer lacked take their defaults.
 * - Adding an optional field is also FORWARD compatible: a consumer still on v1 reads v2 messages
 *   without error, but it does not know the field (it would store NULL). The registry does not
 *   enforce FORWARD, so the upgrade order is consumers first: migrations and the pipelines role,
 *   then the ingest role and connectors.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchIdFor } from '../../../connectors/ingest/batch-identity.js';
import type { BatchView } from '../../../connectors/ingest/ingest-batches.js';
import type { IngestResult } from '../../../connectors/ingest/ingestor.js';
import type { ConsumedMessage } from '../../../infra/event-bus/event-bus.js';
import type { PreparedSchema } from '../../../infra/schema-registry/avro-serde.js';
import { createEmbeddedSchemaRegistry } from '../../../infra/schema-registry/embedded-schema-registry.js';
import { silentLogger } from '../../../infra/logger.js';
import { normalizeItem } from '../../../pipelines/normalize/items.js';
import { createStaticReference } from '../../../pipelines/reference/tenant-reference.js';
import { getItem, searchItems } from '../../../pipelines/read-model/item-queries.js';
import type { PipelineRunner } from '../../../pipelines/runner/pipeline-runner.js';
import { DLQ_TOPIC, RAW_TOPICS, rawSchemaText } from '../../../schemas/topics.js';
import { tempDir, uniqueName } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { ADMIN_KEY, bearer } from '../../connectors/ingest/ingest-harness.js';
import { createPipelineHarness, type PipelineHarness } from './pipeline-harness.js';

/** raw-items.avsc as committed before `abc_class`: what the previous release registered and wrote with. */
const V1 = readFileSync(new URL('./fixtures/raw-items.v1.avsc', import.meta.url), 'utf8');
const V2 = rawSchemaText('items');
const { topic: TOPIC, subject: SUBJECT } = RAW_TOPICS.items;
const TENANT = 'default';
const SOURCE = uniqueName('erp-evolution');

interface Item {
  readonly sku: string;
  readonly name: string;
  readonly abc_class?: string;
}

/** A raw items value exactly as the previous release's ingestor built it: v1 fields only, unknown ones in `extra`. */
function v1Value(item: Item, batchId: string, index: number, receivedAt: number): Record<string, unknown> {
  const extra: Record<string, string> = {};
  if (item.abc_class !== undefined) extra.abc_class = JSON.stringify(item.abc_class);
  return {
    tenant_id: TENANT,
    source_type: 'erp',
    source_id: SOURCE,
    batch_id: batchId,
    record_index: index,
    received_at: receivedAt,
    sku: item.sku,
    name: item.name,
    uom: 'EA',
    family: 'EVOLUTION',
    standard_cost: null,
    currency: null,
    supplier_id: null,
    supplier_name: null,
    lead_time_days: null,
    deleted: null,
    extra,
  };
}

const items = (prefix: string, n: number, classOf: (i: number) => string | undefined = () => undefined): Item[] =>
  Array.from({ length: n }, (_, i) => {
    const abc = classOf(i);
    return { sku: `${prefix}-${String(i).padStart(3, '0')}`, name: `${prefix} item ${i} – Prüfteil ✓`, ...(abc === undefined ? {} : { abc_class: abc }) };
  });

describe('schema evolution: raw-items v1 and v2 through one running pipeline', () => {
  let h: PipelineHarness;
  let runner: PipelineRunner;
  let v1: PreparedSchema;
  let v1Id: number;
  let v2Id: number;

  beforeAll(async () => {
    h = await createPipelineHarness();
    runner = await h.startRunner();
    // The previous release registered v1 when it started; this release's ingestor registered v2.
    v1 = await h.ingest.serde.prepare(SUBJECT, V1);
    v1Id = v1.schemaId;
    v2Id = (await h.ingest.serde.prepare(SUBJECT, V2)).schemaId;
  }, 60_000);
  afterAll(() => h.close());

  /** What the previous release's ingestor did with a batch: encode with v1, publish keyed by sku, record the batch. */
  async function publishV1(reference: string, list: readonly Item[]): Promise<string> {
    const batchId = batchIdFor(TENANT, SOURCE, reference);
    const receivedAt = Date.now();
    const messages = list.map((item, index) => ({ key: `${TENANT}|${SOURCE}|${item.sku}`, value: h.ingest.serde.encodeWith(v1.schemaId, v1.type, v1Value(item, batchId, index, receivedAt)) }));
    await h.ingest.bus.publish(TOPIC, messages);
    const counts = { items: list.length };
    await h.ingest.batches.record({
      tenant: TENANT,
      batchId,
      sourceType: 'erp',
      sourceId: SOURCE,
      batchReference: reference,
      mapping: 'canonical',
      contentHash: `v1-${reference}`,
      status: 'pending',
      statusNote: `accepted ${list.length} of ${list.length} records`,
      received: list.length,
      accepted: list.length,
      rejected: 0,
      receivedByType: counts,
      acceptedByType: counts,
      rejectedByType: { items: 0 },
      errors: [],
      errorsTotal: 0,
      receivedAt,
    });
    return batchId;
  }

  /** This release's ingest: the HTTP API, which encodes with v2. */
  async function postV2(reference: string, list: readonly Item[]): Promise<string> {
    const response = await h.ingest.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: bearer(ADMIN_KEY),
      payload: { source_type: 'erp', source_id: SOURCE, batch_reference: reference, data: { items: list.map((i) => ({ ...i, uom: 'EA', family: 'EVOLUTION' })) } },
    });
    expect(response.statusCode, response.body).toBe(202);
    const result = response.json<IngestResult>();
    expect(result).toMatchObject({ accepted: list.length, rejected: 0 });
    return result.batch_id;
  }

  async function succeeded(batchId: string, records: number): Promise<void> {
    const view = await waitFor(
      `batch ${batchId} to succeed`,
      async () => {
        await runner.refresh();
        const response = await h.ingest.app.inject({ url: `/api/v1/batch/${batchId}`, headers: bearer(ADMIN_KEY) });
        const batch = response.json<BatchView>();
        return batch.status === 'success' ? batch : undefined;
      },
      20_000,
      50,
    );
    expect(view.counts).toMatchObject({ accepted: records, normalized: records, failed: 0 });
  }

  async function classes(prefix: string): Promise<Map<string, string | null>> {
    const rows = await h.ingest.store.query<{ sku: string; abc_class: string | null }>(
      'SELECT sku, abc_class FROM items FINAL WHERE tenant_id = {tenant:String} AND startsWith(sku, {prefix:String}) ORDER BY sku',
      { tenant: TENANT, prefix },
    );
    return new Map(rows.map((r) => [r.sku, r.abc_class]));
  }

  /** Every message of the items topic with its writer schema id, read by a fresh group. */
  async function rawItems(): Promise<ConsumedMessage[]> {
    const expected = (await h.ingest.bus.lag(uniqueName('count'), [TOPIC])).reduce((sum, p) => sum + Number(p.end), 0);
    const seen: ConsumedMessage[] = [];
    const subscription = await h.ingest.bus.subscribe({ groupId: uniqueName('raw-items'), topics: [TOPIC], handler: (batch) => { seen.push(...batch.messages); return Promise.resolve(); } });
    try {
      await waitFor(`${expected} raw items`, () => seen.length >= expected, 20_000);
    } finally {
      await subscription.close();
    }
    return seen;
  }

  it('keeps v1 as the current schema without abc_class, registered under the subject with its own id', () => {
    const fields = (text: string): unknown[] => (JSON.parse(text) as { fields: { name: string }[] }).fields;
    expect(fields(V1)).toEqual(fields(V2).filter((f) => (f as { name: string }).name !== 'abc_class'));
    expect(fields(V2)).toHaveLength(fields(V1).length + 1);
    expect(v1Id).not.toBe(v2Id);
  });

  it('normalizes v1 records, then v2 records, then both at once, with the same runner: v1 NULL, v2 the class, nothing dead-lettered', async () => {
    // 1. Only the previous release publishes. One record was sent with the new field: v1 kept it in extra.
    const before = items('V1A', 20, (i) => (i === 3 ? 'a' : undefined));
    const v1a = await publishV1('v1-a', before);
    await succeeded(v1a, 20);
    const phase1 = await classes('V1A-');
    expect(phase1.size).toBe(20);
    expect([...phase1].filter(([, c]) => c !== null)).toEqual([['V1A-003', 'A']]);

    // 2. The new release publishes, classes in any case.
    const cycle = ['a', 'B', ' c '];
    const v2a = await postV2('v2-a', items('V2A', 30, (i) => (i % 4 === 3 ? undefined : cycle[i % 4])));
    await succeeded(v2a, 30);
    const phase2 = await classes('V2A-');
    expect(phase2.size).toBe(30);
    for (const [i, [sku, abc]] of [...phase2].entries()) expect(abc, sku).toBe(i % 4 === 3 ? null : (['A', 'B', 'C'] as const)[i % 4]);

    // 3. A rolling upgrade: both releases publish at the same time; a v2 update classifies a v1 item.
    const [v1b, v2b] = await Promise.all([
      publishV1('v1-b', items('V1B', 25)),
      postV2('v2-b', [...items('V2B', 25, () => 'C'), { sku: 'V1A-000', name: 'V1A item 0 – Prüfteil ✓', abc_class: 'b' }]),
    ]);
    await succeeded(v1b, 25);
    await succeeded(v2b, 26);
    await h.drained();
    expect([...(await classes('V1B-')).values()]).toEqual(Array.from({ length: 25 }, () => null));
    expect([...(await classes('V2B-')).values()]).toEqual(Array.from({ length: 25 }, () => 'C'));
    expect((await classes('V1A-')).get('V1A-000')).toBe('B');

    // The raw topic really holds both writer versions, and v1 messages carry no abc_class.
    const raw = await rawItems();
    const written = (id: number): ConsumedMessage[] => raw.filter((m) => m.value.readInt32BE(1) === id);
    expect(written(v1Id)).toHaveLength(45);
    expect(written(v2Id)).toHaveLength(56);
    expect(raw).toHaveLength(101);
    for (const message of written(v1Id)) expect((await h.ingest.serde.decode(message.value)).value).not.toHaveProperty('abc_class');

    // Same runner, never restarted or failed; nothing dead-lettered anywhere.
    expect(h.runner).toBe(runner);
    expect(runner.status()).toMatchObject({ state: 'running', error: null });
    expect(await h.ingest.store.query('SELECT count() AS n FROM dead_letters')).toEqual([{ n: 0 }]);
    const dlq = await h.ingest.bus.lag(uniqueName('dlq'), [DLQ_TOPIC]);
    expect(dlq.reduce((sum, p) => sum + Number(p.end), 0)).toBe(0);
    const outcomes = (await h.metrics.getSingleMetric('forgecast_pipeline_records_total')!.get()).values.filter((v) => v.labels.topic === TOPIC);
    expect(outcomes.filter((v) => v.labels.outcome === 'dead_lettered').reduce((sum, v) => sum + v.value, 0)).toBe(0);
    expect(outcomes.filter((v) => v.labels.outcome === 'normalized').reduce((sum, v) => sum + v.value, 0)).toBe(101);
  });

  it('serves the class through the item read model: NULL for v1 items, the class for v2 ones, filterable', async () => {
    expect(await getItem(h.ingest.store, TENANT, 'V1B-007')).toMatchObject({ sku: 'V1B-007', family: 'EVOLUTION', abc_class: null });
    expect(await getItem(h.ingest.store, TENANT, 'V2A-001')).toMatchObject({ sku: 'V2A-001', abc_class: 'B' });
    const classA = await searchItems(h.ingest.store, TENANT, { family: 'EVOLUTION', abc_class: 'a', limit: 100 });
    expect(classA.items.map((i) => i.sku)).toEqual(['V1A-003', ...Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 4 === 0).map((i) => `V2A-${String(i).padStart(3, '0')}`)]);
    expect(classA.items.every((i) => i.abc_class === 'A')).toBe(true);
    const all = await searchItems(h.ingest.store, TENANT, { family: 'EVOLUTION', limit: 500 });
    expect(all.items).toHaveLength(100);
  });

  it('a consumer still reading with v1 reads v2 messages without error; v2 reads v1 messages with the default', async () => {
    const raw = await rawItems();
    const v2Message = raw.find((m) => m.value.readInt32BE(1) === v2Id && m.key?.endsWith('|V2A-000') === true)!;
    const v1Message = raw.find((m) => m.value.readInt32BE(1) === v1Id && m.key?.endsWith('|V1B-000') === true)!;

    // Forward: the old reader drops the field it does not know; the rest reads as written.
    const asV1 = (await h.ingest.serde.decode(v2Message.value, V1)).value as Record<string, unknown>;
    expect(asV1).not.toHaveProperty('abc_class');
    expect(asV1).toMatchObject({ sku: 'V2A-000', family: 'EVOLUTION', source_id: SOURCE });
    const reference = createStaticReference({});
    const oldOutcome = normalizeItem(asV1, reference);
    expect(oldOutcome.ok && oldOutcome.rows.items?.[0]).toMatchObject({ sku: 'V2A-000', abc_class: null });

    // Backward (what the running pipelines do): the new reader fills the default.
    expect((await h.ingest.serde.decode(v1Message.value, V2)).value).toMatchObject({ sku: 'V1B-000', abc_class: null });
    expect((await h.ingest.serde.decode(v2Message.value, V2)).value).toMatchObject({ sku: 'V2A-000', abc_class: 'A' });
    expect((await h.ingest.serde.decode(v2Message.value)).value).toMatchObject({ abc_class: 'A' });
  });
});

describe('the registry and the v2 schema', () => {
  it('takes v2 as the next version of a subject holding v1, and refuses an abc_class without default', async () => {
    const dir = await tempDir('forgecast-registry-evolution-');
    const registry = await createEmbeddedSchemaRegistry({ dir: dir.path, logger: silentLogger() });
    try {
      const v1 = await registry.register(SUBJECT, V1);
      const v2 = await registry.register(SUBJECT, V2);
      expect(v2).not.toBe(v1);
      expect(await registry.getLatest(SUBJECT)).toMatchObject({ id: v2, version: 2, schema: V2 });
      expect(await registry.register(SUBJECT, V1)).toBe(v1);

      const required = JSON.parse(V2) as { fields: Record<string, unknown>[] };
      const field = required.fields.find((f) => f.name === 'abc_class')!;
      field.type = 'string';
      delete field.default;
      const other = await createEmbeddedSchemaRegistry({ dir: `${dir.path}/other`, logger: silentLogger() });
      try {
        await other.register(SUBJECT, V1);
        expect(await other.isCompatible(SUBJECT, JSON.stringify(required))).toBe(false);
        await expect(other.register(SUBJECT, JSON.stringify(required))).rejects.toMatchObject({ code: 'FGC_SCHEMA_INCOMPATIBLE' });
      } finally {
        await other.close();
      }
    } finally {
      await registry.close();
      await dir.remove();
    }
  });
});
