/**
 * The ingest stack on the REAL embedded adapters, as the platform runs it on a fresh machine: the
 * embedded log in a temp directory, the embedded schema registry, chDB migrated, in-process
 * coordination, API keys in ClickHouse, and the HTTP shell from infra/http/server.ts with the
 * ingest routes (Kafka and Redis instead, when the options say so). Plus what tests need to look at the result: reading raw topics back (a fresh
 * consumer group, decoded with the serde) and counting what a topic holds.
 */
import type { FastifyInstance } from 'fastify';
import { createBatchIngestor, type BatchIngestor, type BatchIngestorOptions } from '../../../connectors/ingest/batch-ingestor.js';
import { IngestBatches } from '../../../connectors/ingest/ingest-batches.js';
import { ingestRoutes } from '../../../connectors/http-ingest/ingest-routes.js';
import { loadMappingProfiles, type MappingProfiles } from '../../../connectors/mapping/profile-loader.js';
import { ApiKeys } from '../../../infra/auth/api-keys.js';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { createAnalyticsStore } from '../../../infra/clickhouse/clickhouse-analytics-store.js';
import { migrate } from '../../../infra/clickhouse/migrations.js';
import type { Coordination } from '../../../infra/coordination/coordination.js';
import { createMemoryCoordination } from '../../../infra/coordination/memory-coordination.js';
import { createEmbeddedEventBus } from '../../../infra/event-bus/embedded-event-bus.js';
import type { EventBus } from '../../../infra/event-bus/event-bus.js';
import { createMetricsRegistry } from '../../../infra/http/metrics.js';
import { buildServer } from '../../../infra/http/server.js';
import { silentLogger } from '../../../infra/logger.js';
import { AvroSerde } from '../../../infra/schema-registry/avro-serde.js';
import { createEmbeddedSchemaRegistry } from '../../../infra/schema-registry/embedded-schema-registry.js';
import type { SchemaRegistry } from '../../../infra/schema-registry/schema-registry.js';
import { RAW_TOPICS, type RecordType } from '../../../schemas/topics.js';
import { tempDir, uniqueName } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

export const ADMIN_KEY = 'ingest-test-admin-key-0123456789';

/** A decoded raw message: its key and its Avro value as a plain object. */
export interface RawMessage {
  readonly topic: string;
  readonly key: string | null;
  readonly value: Record<string, unknown>;
}

export interface IngestHarness {
  readonly bus: EventBus;
  readonly registry: SchemaRegistry;
  readonly serde: AvroSerde;
  readonly store: AnalyticsStore;
  readonly coordination: Coordination;
  readonly keys: ApiKeys;
  readonly profiles: MappingProfiles;
  readonly batches: IngestBatches;
  readonly ingestor: BatchIngestor;
  readonly app: FastifyInstance;
  /** Builds another ingestor over the same adapters (other limits, a wrapped store…). */
  ingestorWith(overrides: Partial<BatchIngestorOptions>): Promise<BatchIngestor>;
  /** Every message on the raw topics of these record types, decoded, in topic/partition/offset order. */
  readAll(types: readonly RecordType[]): Promise<RawMessage[]>;
  /** How many messages the raw topics of these record types hold. */
  countAll(types: readonly RecordType[]): Promise<number>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly maxRecords?: number;
  /** Server-wide body limit (the ingest route inherits it unless `ingestBodyLimitBytes`). */
  readonly bodyLimitBytes?: number;
  readonly ingestBodyLimitBytes?: number;
  /** Services mode: the stream and coordination to use instead of the embedded ones. */
  readonly bus?: () => Promise<EventBus>;
  readonly coordination?: () => Promise<Coordination>;
  /** Wraps the store every ingest part uses (e.g. a failing connection in front of chDB). */
  readonly wrapStore?: (store: AnalyticsStore) => AnalyticsStore;
  /** More route plugins on the same server (e.g. the pipelines' routes), given the harness's adapters. */
  readonly extraRoutes?: (app: FastifyInstance, stack: { readonly bus: EventBus; readonly store: AnalyticsStore; readonly serde: AvroSerde }) => Promise<void>;
}

export async function createIngestHarness(options: HarnessOptions = {}): Promise<IngestHarness> {
  const dir = await tempDir('forgecast-ingest-');
  const logger = silentLogger();
  const bus = options.bus === undefined ? await createEmbeddedEventBus({ dir: `${dir.path}/bus`, partitions: 4, fsync: false, logger }) : await options.bus();
  const registry = await createEmbeddedSchemaRegistry({ dir: `${dir.path}/registry`, logger });
  const serde = new AvroSerde(registry);
  const realStore = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'ingest_test', dataDir: dir.path, logger });
  await migrate(realStore, logger);
  const store = options.wrapStore?.(realStore) ?? realStore;
  const coordination = options.coordination === undefined ? createMemoryCoordination() : await options.coordination();
  const keys = new ApiKeys(store, ADMIN_KEY);
  const profiles = await loadMappingProfiles();
  const batches = new IngestBatches(store);
  const base: BatchIngestorOptions = { bus, serde, batches, coordination, profiles, logger, maxRecords: options.maxRecords };
  const ingestor = await createBatchIngestor(base);
  const app = await buildServer({
    logger,
    bodyLimitBytes: options.bodyLimitBytes ?? 10 * 1024 * 1024,
    rateLimitPerMinute: 1_000_000,
    health: { version: '0.0.0-test', mode: 'embedded', roles: ['api'], systems: { storage: 'embedded' } },
    readiness: [],
    apiKeys: keys,
    coordination,
    metrics: createMetricsRegistry(),
    routes: async (a) => {
      await a.register(ingestRoutes, { ingestor, batches, bodyLimitBytes: options.ingestBodyLimitBytes });
      await options.extraRoutes?.(a, { bus, store, serde });
    },
  });

  const topicsOf = (types: readonly RecordType[]): string[] => types.map((t) => RAW_TOPICS[t].topic);

  async function countAll(types: readonly RecordType[]): Promise<number> {
    const lag = await bus.lag(uniqueName('count'), topicsOf(types));
    return lag.reduce((sum, p) => sum + Number(p.end), 0);
  }

  async function readAll(types: readonly RecordType[]): Promise<RawMessage[]> {
    const expected = await countAll(types);
    const seen: RawMessage[] = [];
    const pending: Promise<void>[] = [];
    const subscription = await bus.subscribe({
      groupId: uniqueName('read'),
      topics: topicsOf(types),
      handler: async (batch) => {
        const decoding = (async () => {
          for (const message of batch.messages) {
            const decoded = await serde.decode(message.value);
            seen.push({ topic: message.topic, key: message.key, value: JSON.parse(JSON.stringify(decoded.value)) as Record<string, unknown> });
          }
        })();
        pending.push(decoding);
        await decoding;
      },
    });
    try {
      await waitFor(`${expected} raw messages`, () => seen.length >= expected, 20_000);
    } finally {
      await subscription.close();
      await Promise.all(pending);
    }
    return seen;
  }

  return {
    bus,
    registry,
    serde,
    store,
    coordination,
    keys,
    profiles,
    batches,
    ingestor,
    app,
    ingestorWith: (overrides) => createBatchIngestor({ ...base, ...overrides }),
    readAll,
    countAll,
    close: async () => {
      await app.close();
      await bus.close();
      await registry.close();
      await coordination.close();
      await store.close();
      await dir.remove();
    },
  };
}

export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });
