/**
 * Wires the connectors to the runtime: one Ingestor for the process, the ingest routes on the
 * api role's server, and — when configured — the file drop and the ERP REST poller, each
 * registered with the lifecycle so shutdown stops them before the adapters they use.
 */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import { createBatchIngestor, type BatchIngestor } from '../../connectors/ingest/batch-ingestor.js';
import { IngestBatches } from '../../connectors/ingest/ingest-batches.js';
import { loadMappingProfiles } from '../../connectors/mapping/profile-loader.js';
import { ingestRoutes } from '../../connectors/http-ingest/ingest-routes.js';
import { createFileDrop } from '../../connectors/file-drop/file-drop.js';
import { createErpPoller } from '../../connectors/erp-rest/erp-poller.js';
import { parseErpSources } from '../../connectors/erp-rest/erp-source-config.js';
import { createFileCursorStore } from '../../connectors/erp-rest/file-cursor-store.js';
import { createClickHouseCursorStore } from '../../connectors/erp-rest/clickhouse-cursor-store.js';

export interface Ingestion {
  readonly ingestor: BatchIngestor;
  readonly batches: IngestBatches;
}

/** The process's one Ingestor (registers the raw schemas and creates the raw topics once). */
export async function createIngestion(runtime: Runtime): Promise<Ingestion> {
  const batches = new IngestBatches(runtime.store);
  const ingestor = await createBatchIngestor({
    bus: runtime.bus,
    serde: runtime.serde,
    batches,
    coordination: runtime.coordination,
    profiles: await loadMappingProfiles(),
    logger: runtime.logger,
    maxRecords: runtime.config.ingest.maxRecords,
  });
  return { ingestor, batches };
}

/** The ingestion front door of the api role: HTTP routes, plus file drop and ERP polling when configured. */
export async function startIngestion(runtime: Runtime, ingestion: Ingestion, addRoutes: (register: (app: FastifyInstance) => Promise<void>) => void): Promise<void> {
  const { config, lifecycle, logger } = runtime;
  addRoutes(async (app) => {
    await app.register(ingestRoutes, { ingestor: ingestion.ingestor, batches: ingestion.batches, bodyLimitBytes: config.ingest.bodyLimitBytes });
  });

  if (config.ingest.dropDir !== undefined) {
    const drop = lifecycle.use(
      'file-drop',
      createFileDrop({ dir: config.ingest.dropDir, ingestor: ingestion.ingestor, tenant: config.ingest.dropTenant, logger, pollIntervalMs: config.ingest.dropPollMs }),
    );
    await drop.start();
  }

  if (config.ingest.erpSources !== undefined) {
    const sources = parseErpSources(config.ingest.erpSources, process.env);
    const cursorStore = config.ingest.erpCursorStore === 'clickhouse' ? createClickHouseCursorStore(runtime.store) : await createFileCursorStore(config.dataDir);
    const poller = lifecycle.use(
      'erp-poller',
      createErpPoller({ sources, env: process.env, ingestor: ingestion.ingestor, cursorStore, coordination: runtime.coordination, logger }),
    );
    poller.start();
  }
}
