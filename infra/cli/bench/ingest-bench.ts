/**
 * The ingest benchmark, end to end: records POSTed over real HTTP (8 clients, 1,000-record mixed
 * batches) until they are visible in ClickHouse query results — ingest API → raw topics (Avro) →
 * pipeline runner (decode, the real normalizers, inserts) → unified model tables — all embedded in
 * this process, as `npm run demo` runs it.
 *
 * Visible: a batch counts as visible once the pipelines' progress for it adds up to its accepted
 * records; progress rows are each chunk's last write, after its model rows, so this is the moment
 * `SELECT … FINAL` shows all of them. A poller checks every VISIBILITY_POLL_MS; latencies are from
 * the POST's start, so they include the HTTP round trip.
 *
 * Ceiling, measured in the same run: the stream's own produce + consume rate for the same Avro
 * messages (published with the same batching and concurrency to bench topics and consumed by a
 * group that does nothing) — what the bus could carry if ingest, normalizing and ClickHouse cost
 * nothing. ratio = records_per_s / ceiling.
 *
 * Prints `{"bench":"ingest","mode","records","records_per_s","p50_visible_ms","p99_visible_ms","ceiling_records_per_s","ratio","peak_rss_mb"}`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { createBatchIngestor } from '../../../connectors/ingest/batch-ingestor.js';
import { IngestBatches } from '../../../connectors/ingest/ingest-batches.js';
import { ingestRoutes } from '../../../connectors/http-ingest/ingest-routes.js';
import { loadMappingProfiles } from '../../../connectors/mapping/profile-loader.js';
import { createPipelines } from '../../../pipelines/runner/create-pipelines.js';
import { validateRecord } from '../../../connectors/ingest/validate-record.js';
import { RAW_TOPICS, RECORD_TYPES, rawSchemaText, type RecordType } from '../../../schemas/topics.js';
import { ApiKeys } from '../../auth/api-keys.js';
import { createAnalyticsStore } from '../../clickhouse/clickhouse-analytics-store.js';
import { migrate } from '../../clickhouse/migrations.js';
import type { Config } from '../../config.js';
import { createMemoryCoordination } from '../../coordination/memory-coordination.js';
import { createEmbeddedEventBus } from '../../event-bus/embedded-event-bus.js';
import type { BusMessage } from '../../event-bus/event-bus.js';
import { createMetricsRegistry } from '../../http/metrics.js';
import { buildServer } from '../../http/server.js';
import type { Logger } from '../../logger.js';
import { AvroSerde } from '../../schema-registry/avro-serde.js';
import { createEmbeddedSchemaRegistry } from '../../schema-registry/embedded-schema-registry.js';

/** The acceptance size: at least 200,000 records, long enough for steady state past warm-up. */
const RECORDS = 200_000;
const BATCH = 1_000;
/** A few concurrent sources, as in ingest-http. */
const CLIENTS = 8;
/** Visibility resolution: far below the latencies measured, one small grouped query per poll. */
const VISIBILITY_POLL_MS = 100;
const ADMIN_KEY = `bench-${randomUUID()}`;

export interface IngestBenchResult {
  readonly bench: 'ingest';
  readonly mode: 'embedded';
  readonly records: number;
  readonly records_per_s: number;
  readonly p50_visible_ms: number;
  readonly p99_visible_ms: number;
  readonly ceiling_records_per_s: number;
  readonly ratio: number;
  readonly peak_rss_mb: number;
}

function record(type: RecordType, n: number): Record<string, unknown> {
  const v = `${(n % 997) + 1}.25`;
  const sku = `SKU-${n % 500}`;
  const ts = '2024-03-05T10:15:30.000Z';
  switch (type) {
    case 'items':
      return { sku: `ITEM-${n}`, name: `Schraube M${n % 20}`, uom: 'PC', standard_cost: v, supplier_id: 'V-1', lead_time_days: 14 };
    case 'sales_orders':
      return { order_id: `SO-${n}`, line: 1, sku, site: 'W1', customer_id: 'C-9', qty: v, unit_price: '19.99', currency: 'EUR', order_date: '2024-03-05' };
    case 'purchase_orders':
      return { po_id: `PO-${n}`, line: 10, sku, site: 'W1', supplier_id: 'V-1', qty: v, order_date: '2024-03-01', promised_date: '2024-03-20' };
    case 'inventory':
      return { sku: `INV-${n}`, site: 'W1', on_hand: v, reserved: '20', as_of: ts };
    case 'inventory_movements':
      return { movement_id: `MV-${n}`, sku, site: 'W1', qty: `-${v}`, movement_type: 'issue', ts };
    case 'gl_entries':
      return { entry_id: `GL-${n}`, account: '400000', amount: v, currency: 'EUR', posted_at: ts, cost_center: 'CC-1' };
    case 'inspections':
      return { inspection_id: `QI-${n}`, sku, site: 'W1', inspected_qty: v, defect_qty: '1', inspected_at: ts };
    case 'work_orders':
      return { wo_id: `WO-${n}`, sku, site: 'W1', qty_planned: v, start_at: ts, status: 'released' };
  }
}

function batchData(b: number): Partial<Record<RecordType, Record<string, unknown>[]>> {
  const data: Partial<Record<RecordType, Record<string, unknown>[]>> = {};
  for (let n = b * BATCH; n < (b + 1) * BATCH; n++) {
    const type = RECORD_TYPES[n % RECORD_TYPES.length]!;
    (data[type] ??= []).push(record(type, n));
  }
  return data;
}

async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await work(next++);
  }));
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function benchIngest(config: Config, logger: Logger, records = RECORDS): Promise<IngestBenchResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'forgecast-bench-ingest-'));
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const bus = await createEmbeddedEventBus({ dir: path.join(dir, 'bus'), partitions: config.bus.partitions, fsync: config.bus.fsync, logger });
  const registry = await createEmbeddedSchemaRegistry({ dir: path.join(dir, 'registry'), logger });
  const realStore = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'bench', dataDir: dir, logger });
  try {
    await migrate(realStore, logger);
    const store = realStore;
    const serde = new AvroSerde(registry);
    const coordination = createMemoryCoordination();
    const batches = new IngestBatches(store);
    const ingestor = await createBatchIngestor({ bus, serde, batches, coordination, profiles: await loadMappingProfiles(), logger });
    const count = Math.ceil(records / BATCH);

    // Ceiling: produce + consume the same encoded messages (validated and encoded as the ingestor does) on bench topics.
    const profile = (await loadMappingProfiles()).get('canonical')!;
    const prepared: [string, BusMessage[]][][] = [];
    for (let b = 0; b < count; b++) {
      const out: [string, BusMessage[]][] = [];
      for (const [type, list] of Object.entries(batchData(b)) as [RecordType, Record<string, unknown>[]][]) {
        const { schemaId, type: avro } = await serde.prepare(RAW_TOPICS[type].subject, rawSchemaText(type));
        const messages = list.map((raw, i) => {
          const checked = validateRecord(type, raw, profile, i);
          if (checked.ok === undefined) throw new Error(`ingest bench: generated an invalid ${type} record`);
          const value = { ...checked.ok, tenant_id: 'bench', source_type: 'erp', source_id: 'ceiling', batch_id: `c-${b}`, record_index: i, received_at: Date.now() };
          return { key: `bench|ceiling|${b}-${i}`, value: serde.encodeWith(schemaId, avro, value) };
        });
        out.push([`forgecast.bench.ceiling.${type}`, messages]);
      }
      prepared.push(out);
    }
    await bus.ensureTopics(RECORD_TYPES.map((t) => ({ topic: `forgecast.bench.ceiling.${t}` })));
    let consumed = 0;
    const expected = count * BATCH;
    let allConsumed!: () => void;
    const consumedAll = new Promise<void>((resolve) => (allConsumed = resolve));
    const sub = await bus.subscribe({ groupId: 'bench-ceiling', topics: RECORD_TYPES.map((t) => `forgecast.bench.ceiling.${t}`), handler: async (batch) => {
      consumed += batch.messages.length;
      if (consumed >= expected) allConsumed();
    } });
    const ceilingStart = performance.now();
    await pool(count, CLIENTS, async (b) => void (await Promise.all(prepared[b]!.map(([topic, m]) => bus.publish(topic, m)))));
    await consumedAll;
    const ceilingMs = performance.now() - ceilingStart;
    await sub.close();
    prepared.length = 0;

    // End to end: HTTP → visible in ClickHouse.
    const { runner } = createPipelines({ bus, serde, store, logger, metrics: new Registry() });
    await runner.start();
    const app = await buildServer({
      logger,
      bodyLimitBytes: config.http.bodyLimitBytes,
      rateLimitPerMinute: 100_000_000,
      health: { version: 'bench', mode: 'embedded', roles: ['api', 'pipelines'], systems: { storage: 'embedded' } },
      readiness: [],
      apiKeys: new ApiKeys(store, ADMIN_KEY),
      coordination,
      metrics: createMetricsRegistry(),
      routes: async (a) => void (await a.register(ingestRoutes, { ingestor, batches })),
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const bodies = Array.from({ length: count }, (_, b) => JSON.stringify({ source_type: 'erp', source_id: 'bench', batch_reference: `b-${b}`, data: batchData(b) }));
    const startedAt = new Map<string, number>();
    const latencies: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling || startedAt.size > 0) {
        await new Promise((r) => setTimeout(r, VISIBILITY_POLL_MS));
        if (startedAt.size === 0) continue;
        const rows = await realStore.query<{ batch_id: string; n: string }>('SELECT batch_id, sum(normalized) AS n FROM batch_progress FINAL WHERE batch_id IN {ids:Array(String)} GROUP BY batch_id', { ids: [...startedAt.keys()] });
        const now = performance.now();
        for (const row of rows) {
          if (Number(row.n) < BATCH) continue;
          latencies.push(now - startedAt.get(row.batch_id)!);
          startedAt.delete(row.batch_id);
        }
      }
    })();
    const start = performance.now();
    await pool(count, CLIENTS, async (b) => {
      const posted = performance.now();
      const response = await fetch(`${url}/api/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` }, body: bodies[b] });
      const result = (await response.json()) as { batch_id: string; accepted: number };
      if (response.status !== 202 || result.accepted !== BATCH) throw new Error(`ingest bench: batch ${b} answered ${response.status}: ${JSON.stringify(result).slice(0, 300)}`);
      startedAt.set(result.batch_id, posted);
    });
    polling = false;
    await poller;
    const elapsed = performance.now() - start;
    await app.close();
    await runner.close();

    latencies.sort((a, b) => a - b);
    const recordsPerS = Math.round(expected / (elapsed / 1000));
    const ceiling = Math.round(expected / (ceilingMs / 1000));
    const result: IngestBenchResult = {
      bench: 'ingest',
      mode: 'embedded',
      records: expected,
      records_per_s: recordsPerS,
      p50_visible_ms: Math.round(percentile(latencies, 50)),
      p99_visible_ms: Math.round(percentile(latencies, 99)),
      ceiling_records_per_s: ceiling,
      ratio: Math.round((recordsPerS / ceiling) * 100) / 100,
      peak_rss_mb: Math.round(peakRss / 1024 / 1024),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result;
  } finally {
    clearInterval(rssTimer);
    await bus.close();
    await registry.close();
    await realStore.close();
    await rm(dir, { recursive: true, force: true });
  }
}
