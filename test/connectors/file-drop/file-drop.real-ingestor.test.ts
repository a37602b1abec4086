/**
 * The file drop wired to the real ingestor over the embedded adapters (embedded log, embedded
 * schema registry, chDB, in-process coordination) and the shipped mapping profiles: an SAP export
 * arrives on the raw topic as canonical values, and dropping it again publishes nothing.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileDrop, type FileDrop } from '../../../connectors/file-drop/file-drop.js';
import { createBatchIngestor } from '../../../connectors/ingest/batch-ingestor.js';
import { IngestBatches } from '../../../connectors/ingest/ingest-batches.js';
import { loadMappingProfiles } from '../../../connectors/mapping/profile-loader.js';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { createAnalyticsStore } from '../../../infra/clickhouse/clickhouse-analytics-store.js';
import { migrate } from '../../../infra/clickhouse/migrations.js';
import { createMemoryCoordination } from '../../../infra/coordination/memory-coordination.js';
import { createEmbeddedEventBus } from '../../../infra/event-bus/embedded-event-bus.js';
import type { EventBus } from '../../../infra/event-bus/event-bus.js';
import { silentLogger } from '../../../infra/logger.js';
import { AvroSerde } from '../../../infra/schema-registry/avro-serde.js';
import { createEmbeddedSchemaRegistry } from '../../../infra/schema-registry/embedded-schema-registry.js';
import type { SchemaRegistry } from '../../../infra/schema-registry/schema-registry.js';
import { RAW_TOPICS } from '../../../schemas/topics.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { SAP_ITEMS_CSV, dropFile, waitForReport } from './drop-helpers.js';

describe('file drop → real ingestor (embedded adapters)', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let store: AnalyticsStore;
  let bus: EventBus;
  let registry: SchemaRegistry;
  let serde: AvroSerde;
  let drop: FileDrop;
  const dropDir = (): string => path.join(dir.path, 'drop');
  const topic = RAW_TOPICS.items.topic;

  /** Messages published to the items topic so far (the sum of partition ends). */
  async function published(): Promise<number> {
    return (await bus.lag('file-drop-it-count', [topic])).reduce((sum, p) => sum + Number(p.end), 0);
  }

  beforeAll(async () => {
    const logger = silentLogger();
    dir = await tempDir();
    store = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'file_drop_it', dataDir: dir.path, logger });
    await migrate(store, logger);
    bus = await createEmbeddedEventBus({ dir: path.join(dir.path, 'bus'), partitions: 2, fsync: false, logger });
    registry = await createEmbeddedSchemaRegistry({ dir: path.join(dir.path, 'registry'), logger });
    serde = new AvroSerde(registry);
    const ingestor = await createBatchIngestor({ bus, serde, batches: new IngestBatches(store), coordination: createMemoryCoordination(), profiles: await loadMappingProfiles(), logger });
    drop = createFileDrop({ dir: dropDir(), ingestor, tenant: 'acme', logger, pollIntervalMs: 25 });
    await drop.start();
  });
  afterAll(async () => {
    await drop.close();
    await bus.close();
    await registry.close();
    await store.close();
    await dir.remove();
  });

  it('ACCEPTANCE: ingests an SAP export to canonical values (standard_cost 1234.5), once', async () => {
    const name = 'erp__sap_p01__items__sap.csv';
    await dropFile(dropDir(), name, SAP_ITEMS_CSV);
    const first = await waitForReport(dropDir(), name);
    expect(first.where).toBe('done');
    expect(first.report).toMatchObject({ status: 'ingested', counts: { lines: 1, accepted: 1, rejected: 0, batches: 1, replayed: 0 } });

    const values: Record<string, unknown>[] = [];
    const subscription = await bus.subscribe({
      groupId: 'file-drop-it-read',
      topics: [topic],
      handler: async (batch) => {
        for (const message of batch.messages) values.push((await serde.decode(message.value)).value as Record<string, unknown>);
      },
    });
    await waitFor('the record on the raw topic', () => values.length >= 1);
    await subscription.close();
    expect(values).toHaveLength(1);
    expect(values[0]).toMatchObject({ tenant_id: 'acme', source_type: 'erp', source_id: 'sap_p01', sku: 'M-1', name: 'Schraube M6 – Edelstahl ✓' });
    // The raw schema carries decimals as exact decimal text: "1.234,50" under the sap profile is 1234.5.
    expect(values[0]?.standard_cost).toBe('1234.5');

    await dropFile(dropDir(), name, SAP_ITEMS_CSV);
    const second = await waitForReport(dropDir(), name, 2);
    expect(second.where).toBe('done');
    expect(second.report).toMatchObject({ status: 'replayed', counts: { accepted: 1, replayed: 1 } });
    expect(await published()).toBe(1);
  });

  it('sends a file whose records the real validation rejects to failed/, naming line and field', async () => {
    const name = 'erp__sap_p01__items__sap__bad.csv';
    await dropFile(dropDir(), name, 'MATNR;MAKTX;STPRS\n"M-2";"Mutter";"abc"\n"";"ohne Nummer";"1,5"\n');
    const { where, report } = await waitForReport(dropDir(), name);
    expect(where).toBe('failed');
    expect(report).toMatchObject({ status: 'rejected', counts: { lines: 2, accepted: 0, rejected: 2 } });
    expect(report.rejected_lines.map((r) => [r.line, r.field])).toEqual([
      [2, 'standard_cost'],
      [3, 'sku'],
    ]);
  });
});
