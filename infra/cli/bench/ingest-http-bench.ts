/**
 * The ingest-http benchmark: records per second accepted through POST /api/v1/ingest over real
 * HTTP (the app listening on 127.0.0.1, a few concurrent fetch clients, batches of `batchSize`
 * mixed-type records), against a ceiling measured in the same run: the bus's own publish rate for
 * the same Avro-encoded messages published straight to the bus with the same batching and
 * concurrency. `ratio` = HTTP rate / ceiling: what HTTP, JSON, validation, encoding, idempotency
 * and the batch record cost on top of the stream.
 *
 * Request bodies and ceiling messages are prepared before the clock starts, so the figures measure
 * the platform, not the load generator. Both phases get a short warm-up (JIT, topic creation).
 * Prints `{"bench":"ingest-http","mode","records","batch_size","clients","records_per_s","ceiling_per_s","ratio"}`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createBatchIngestor } from '../../../connectors/ingest/batch-ingestor.js';
import { IngestBatches } from '../../../connectors/ingest/ingest-batches.js';
import { validateRecord } from '../../../connectors/ingest/validate-record.js';
import { ingestRoutes } from '../../../connectors/http-ingest/ingest-routes.js';
import { loadMappingProfiles } from '../../../connectors/mapping/profile-loader.js';
import { RAW_TOPICS, RECORD_TYPES, rawSchemaText, type RecordType } from '../../../schemas/topics.js';
import { ApiKeys } from '../../auth/api-keys.js';
import { createAnalyticsStore } from '../../clickhouse/clickhouse-analytics-store.js';
import { migrate } from '../../clickhouse/migrations.js';
import type { Config } from '../../config.js';
import { createMemoryCoordination } from '../../coordination/memory-coordination.js';
import { createEmbeddedEventBus } from '../../event-bus/embedded-event-bus.js';
import type { BusMessage, EventBus } from '../../event-bus/event-bus.js';
import { createKafkaEventBus } from '../../event-bus/kafkajs-event-bus.js';
import { createMetricsRegistry } from '../../http/metrics.js';
import { buildServer } from '../../http/server.js';
import type { Logger } from '../../logger.js';
import { AvroSerde } from '../../schema-registry/avro-serde.js';
import { createEmbeddedSchemaRegistry } from '../../schema-registry/embedded-schema-registry.js';

export interface IngestHttpBenchOptions {
  readonly mode: 'embedded' | 'kafka';
  readonly records: number;
  readonly batchSize: number;
  /** Built by the caller with the ingest routes registered; this bench makes it listen. */
  readonly app: FastifyInstance;
  readonly bus: EventBus;
  readonly serde: AvroSerde;
  /** A key with the `ingest` scope. */
  readonly ingestKey: string;
  /** Concurrent HTTP clients, and concurrent publishers in the ceiling (default 8). */
  readonly clients?: number;
  readonly print: (line: object) => void;
}

export interface IngestHttpBenchResult {
  readonly bench: 'ingest-http';
  readonly mode: 'embedded' | 'kafka';
  readonly records: number;
  readonly batch_size: number;
  readonly clients: number;
  readonly records_per_s: number;
  readonly ceiling_per_s: number;
  readonly ratio: number;
}

/**
 * Concurrent HTTP clients (and concurrent publishers in the ceiling): a few sources sending at
 * once. A batch spends most of its time waiting on the bus and ClickHouse acknowledgements, so a
 * few requests in flight are what keeps one process busy; 8 is still a modest number of sources.
 */
const DEFAULT_CLIENTS = 8;
/** Warm-up batches per phase: enough for the JIT to settle on the hot paths, small next to a run. */
const WARMUP_BATCHES = 5;
/** Records from `mixedRecord`: a realistic spread over every record type. */
const TYPES: readonly RecordType[] = RECORD_TYPES;

/** A valid record of `type` (ERP-like values, a little Unicode, one unknown field). */
function mixedRecord(type: RecordType, n: number): Record<string, unknown> {
  const sku = `SKU-${n % 5000}`;
  const ts = '2024-03-05T10:15:30.000Z';
  switch (type) {
    case 'items':
      return { sku, name: `Schraube M${n % 20} – Edelstahl`, uom: 'PC', standard_cost: '12.5', supplier_id: 'V-1', lead_time_days: 14, plant_note: 'Werk Süd' };
    case 'sales_orders':
      return { order_id: `SO-${n}`, line: 1, sku, site: 'W1', customer_id: 'C-9', qty: '25', unit_price: '19.99', currency: 'EUR', order_date: '2024-03-05', status: 'open' };
    case 'purchase_orders':
      return { po_id: `PO-${n}`, line: 10, sku, site: 'W1', supplier_id: 'V-1', qty: '1000', order_date: '2024-03-01', promised_date: '2024-03-20' };
    case 'inventory':
      return { sku, site: 'W1', on_hand: '420.5', reserved: '20', as_of: ts };
    case 'inventory_movements':
      return { movement_id: `MV-${n}`, sku, site: 'W1', qty: '-5', movement_type: 'issue', ts };
    case 'gl_entries':
      return { entry_id: `GL-${n}`, account: '400000', amount: '-1250.5', currency: 'EUR', posted_at: ts, cost_center: 'CC-1' };
    case 'inspections':
      return { inspection_id: `QI-${n}`, sku, site: 'W1', inspected_qty: '100', defect_qty: '2', defect_code: 'D-01', inspected_at: ts };
    case 'work_orders':
      return { wo_id: `WO-${n}`, sku, site: 'W1', qty_planned: '500', qty_completed: '480', start_at: ts, status: 'released' };
  }
}

function batchData(from: number, size: number): Record<RecordType, Record<string, unknown>[]> {
  const data = Object.fromEntries(TYPES.map((t) => [t, [] as Record<string, unknown>[]])) as Record<RecordType, Record<string, unknown>[]>;
  for (let n = from; n < from + size; n += 1) {
    const type = TYPES[n % TYPES.length]!;
    data[type].push(mixedRecord(type, n));
  }
  return data;
}

/** Runs `work(i)` for i in [0, count) with `concurrency` workers; resolves when all finished. */
async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** The messages the ingestor would publish for one batch, per topic (same encoding, keys and envelope). */
async function ceilingMessages(serde: AvroSerde, data: Record<RecordType, Record<string, unknown>[]>, tenant: string, profile: Parameters<typeof validateRecord>[2]): Promise<[RecordType, BusMessage[]][]> {
  const out: [RecordType, BusMessage[]][] = [];
  const batchId = randomUUID();
  for (const type of TYPES) {
    const { schemaId, type: avroType } = await serde.prepare(RAW_TOPICS[type].subject, rawSchemaText(type));
    const messages = data[type].map((raw, index) => {
      const checked = validateRecord(type, raw, profile, index);
      if (checked.ok === undefined) throw new Error(`ingest bench: generated an invalid ${type} record: ${JSON.stringify(checked.errors)}`);
      const value = { ...checked.ok, tenant_id: tenant, source_type: 'erp', source_id: 'bench', batch_id: batchId, record_index: index, received_at: Date.now() };
      return { key: `${tenant}|bench|${RAW_TOPICS[type].keyFields.map((f) => String(checked.ok[f] as string | number | null ?? '')).join('|')}`, value: serde.encodeWith(schemaId, avroType, value) };
    });
    out.push([type, messages]);
  }
  return out;
}

export async function runIngestHttpBench(options: IngestHttpBenchOptions): Promise<IngestHttpBenchResult> {
  const { records, batchSize, app, bus, serde } = options;
  const clients = options.clients ?? DEFAULT_CLIENTS;
  if (!Number.isInteger(records) || records < 1 || !Number.isInteger(batchSize) || batchSize < 1) throw new Error('ingest bench: records and batchSize must be positive integers');
  const batches = Math.ceil(records / batchSize);
  const run = `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
  const profile = (await loadMappingProfiles()).get('canonical')!;

  // Ceiling: the same encoded messages straight to the bus, to bench topics so raw topics stay clean.
  const benchTopic = (type: RecordType): string => `forgecast.bench.ingest-${run}.${type}`;
  await bus.ensureTopics(TYPES.map((t) => ({ topic: benchTopic(t) })));
  const prepared: [RecordType, BusMessage[]][][] = [];
  for (let b = 0; b < batches + WARMUP_BATCHES; b += 1) prepared.push(await ceilingMessages(serde, batchData(b * batchSize, batchSize), 'bench', profile));
  const publishBatch = async (b: number): Promise<void> => {
    await Promise.all(prepared[b]!.filter(([, m]) => m.length > 0).map(([type, m]) => bus.publish(benchTopic(type), m)));
  };
  await pool(WARMUP_BATCHES, clients, (b) => publishBatch(batches + b));
  const ceilingStart = performance.now();
  await pool(batches, clients, publishBatch);
  const ceilingMs = performance.now() - ceilingStart;
  prepared.length = 0;

  // HTTP: pre-serialized bodies, each a new batch_reference.
  const body = (b: number, phase: string): string => JSON.stringify({ source_type: 'erp', source_id: `bench-${run}`, batch_reference: `${phase}-${b}`, data: batchData(b * batchSize, batchSize) });
  const warmup = Array.from({ length: WARMUP_BATCHES }, (_, b) => body(b, 'warmup'));
  const bodies = Array.from({ length: batches }, (_, b) => body(b, 'run'));
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  let accepted = 0;
  const send = async (text: string): Promise<number> => {
    const response = await fetch(`${address}/api/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${options.ingestKey}` }, body: text });
    const result = (await response.json()) as { accepted?: number };
    if (response.status !== 202) throw new Error(`ingest bench: POST /api/v1/ingest answered ${response.status}: ${JSON.stringify(result).slice(0, 300)}`);
    return result.accepted ?? 0;
  };
  let httpMs: number;
  try {
    await pool(warmup.length, clients, async (b) => void (await send(warmup[b]!)));
    const httpStart = performance.now();
    await pool(bodies.length, clients, async (b) => {
      const count = await send(bodies[b]!);
      accepted += count;
    });
    httpMs = performance.now() - httpStart;
  } finally {
    await app.close();
  }
  if (accepted !== batches * batchSize) throw new Error(`ingest bench: ${accepted} of ${batches * batchSize} records accepted`);

  const perSecond = (count: number, ms: number): number => Math.round(count / (Math.max(ms, 0.001) / 1000));
  const recordsPerS = perSecond(accepted, httpMs);
  const ceilingPerS = perSecond(batches * batchSize, ceilingMs);
  const result: IngestHttpBenchResult = {
    bench: 'ingest-http',
    mode: options.mode,
    records: accepted,
    batch_size: batchSize,
    clients,
    records_per_s: recordsPerS,
    ceiling_per_s: ceilingPerS,
    ratio: Math.round((recordsPerS / ceilingPerS) * 100) / 100,
  };
  options.print(result);
  return result;
}

/** Bench key of tenant `default` (admin): only ever lives in the bench's temporary stack. */
const BENCH_KEY = `bench-${randomUUID()}`;

/**
 * `forgecast bench ingest`: builds a throw-away ingest stack in a temp directory (embedded log or,
 * when KAFKA_BROKERS is set, also Kafka; embedded registry and chDB either way) and runs the
 * benchmark on each bus. For run-bench.ts's table: `ingest: (config, logger) => benchIngestHttp(config, logger)`.
 */
export async function benchIngestHttp(config: Config, logger: Logger, records = 100_000, batchSize = 1_000): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'forgecast-bench-ingest-'));
  const quiet = logger.child({ component: 'bench' }, { level: 'warn' });
  try {
    const registry = await createEmbeddedSchemaRegistry({ dir: path.join(dir, 'registry'), logger: quiet });
    const store = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'bench', dataDir: dir, logger: quiet });
    await migrate(store, quiet);
    const buses: [IngestHttpBenchOptions['mode'], () => Promise<EventBus>][] = [['embedded', () => createEmbeddedEventBus({ dir: path.join(dir, 'bus'), partitions: config.bus.partitions, fsync: config.bus.fsync, logger: quiet })]];
    const kafka = config.kafka;
    if (kafka !== undefined) buses.push(['kafka', () => createKafkaEventBus({ config: kafka, logger: quiet, defaultPartitions: config.bus.partitions })]);
    for (const [mode, open] of buses) {
      const bus = await open();
      const coordination = createMemoryCoordination();
      try {
        const serde = new AvroSerde(registry);
        const batches = new IngestBatches(store);
        const ingestor = await createBatchIngestor({ bus, serde, batches, coordination, profiles: await loadMappingProfiles(), logger: quiet });
        const app = await buildServer({
          logger: quiet,
          bodyLimitBytes: config.http.bodyLimitBytes,
          rateLimitPerMinute: 100_000_000,
          health: { version: 'bench', mode: mode === 'kafka' ? 'services' : 'embedded', roles: ['api'], systems: {} },
          readiness: [],
          apiKeys: new ApiKeys(store, BENCH_KEY),
          coordination,
          metrics: createMetricsRegistry(),
          routes: async (a) => void (await a.register(ingestRoutes, { ingestor, batches })),
        });
        await runIngestHttpBench({ mode, records, batchSize, app, bus, serde, ingestKey: BENCH_KEY, print: (line) => process.stdout.write(`${JSON.stringify(line)}\n`) });
      } finally {
        await coordination.close();
        await bus.close();
      }
    }
    await registry.close();
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
