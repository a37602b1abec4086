/**
 * The composition root: picks an adapter per system (services mode when its connection setting
 * is present, embedded otherwise), logs each choice, and registers every resource with the
 * lifecycle so `release()` closes them last-in-first-out. Entry points and tests build the
 * platform from this; domains receive the ports, never the adapters.
 */
import path from 'node:path';
import { describeModes, type Config } from './config.js';
import { Lifecycle } from './lifecycle.js';
import type { Logger } from './logger.js';
import { lockDataDir } from './data-dir-lock.js';
import type { EventBus } from './event-bus/event-bus.js';
import { createEmbeddedEventBus } from './event-bus/embedded-event-bus.js';
import { createKafkaEventBus } from './event-bus/kafkajs-event-bus.js';
import type { SchemaRegistry } from './schema-registry/schema-registry.js';
import { createEmbeddedSchemaRegistry } from './schema-registry/embedded-schema-registry.js';
import { createConfluentSchemaRegistry } from './schema-registry/confluent-schema-registry.js';
import { AvroSerde } from './schema-registry/avro-serde.js';
import type { AnalyticsStore } from './clickhouse/analytics-store.js';
import { createAnalyticsStore } from './clickhouse/clickhouse-analytics-store.js';
import { migrate } from './clickhouse/migrations.js';
import type { Coordination } from './coordination/coordination.js';
import { createMemoryCoordination } from './coordination/memory-coordination.js';
import { createRedisCoordination } from './coordination/redis-coordination.js';
import type { ReadinessCheck } from './http/health-routes.js';

export type SystemModes = ReturnType<typeof describeModes>;

export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly systems: SystemModes;
  /** `embedded` when every system runs embedded, `services` otherwise. */
  readonly mode: 'embedded' | 'services';
  readonly bus: EventBus;
  readonly registry: SchemaRegistry;
  readonly serde: AvroSerde;
  readonly store: AnalyticsStore;
  readonly coordination: Coordination;
  /** One probe per configured dependency, for /ready. */
  readonly readiness: readonly ReadinessCheck[];
  release(): Promise<void>;
}

/** Opens only the analytics store, migrated: for CLI commands that need nothing else. */
export async function openStore(config: Config, logger: Logger, lifecycle: Lifecycle): Promise<AnalyticsStore> {
  if (config.clickhouse.url === undefined) {
    lifecycle.register('data-dir-lock', lockDataDir(config.dataDir), (release) => release());
  }
  const store = lifecycle.register('analytics-store', await createAnalyticsStore({ ...config.clickhouse, dataDir: config.dataDir, logger }), (s) => s.close());
  await migrate(store, logger);
  return store;
}

export async function createRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const log = logger.child({ component: 'runtime' });
  const lifecycle = new Lifecycle(log, config.shutdownTimeoutMs);
  const systems = describeModes(config);
  log.info({ systems, dataDir: config.dataDir }, 'adapters chosen per system (services when its connection setting is present)');

  try {
    const store = await openStore(config, logger, lifecycle);

    const coordination = lifecycle.register(
      'coordination',
      config.redis.url === undefined
        ? createMemoryCoordination()
        : await createRedisCoordination({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, logger }),
      (c) => c.close(),
    );

    const registry = lifecycle.register(
      'schema-registry',
      config.schemaRegistry === undefined
        ? await createEmbeddedSchemaRegistry({ dir: path.join(config.dataDir, 'registry'), logger })
        : await createConfluentSchemaRegistry({ url: config.schemaRegistry.url, basicAuth: config.schemaRegistry.basicAuth, logger }),
      (r) => r.close(),
    );

    const bus = lifecycle.register(
      'event-bus',
      config.kafka === undefined
        ? await createEmbeddedEventBus({ dir: path.join(config.dataDir, 'bus'), partitions: config.bus.partitions, fsync: config.bus.fsync, logger })
        : await createKafkaEventBus({ config: config.kafka, logger, defaultPartitions: config.bus.partitions }),
      (b) => b.close(),
    );

    const readiness: ReadinessCheck[] = [
      { name: 'storage', check: () => store.ping() },
      { name: 'stream', check: () => bus.ping() },
      { name: 'schemas', check: () => registry.ping() },
      { name: 'coordination', check: () => coordination.ping() },
    ];

    const allEmbedded = Object.values(systems).every((m) => m === 'embedded');
    return {
      config,
      logger,
      lifecycle,
      systems,
      mode: allEmbedded ? 'embedded' : 'services',
      bus,
      registry,
      serde: new AvroSerde(registry),
      store,
      coordination,
      readiness,
      release: () => lifecycle.release(),
    };
  } catch (error) {
    // Whatever opened before the failure is closed again, so a failed start leaves nothing behind.
    await lifecycle.release().catch(() => undefined);
    throw error;
  }
}
