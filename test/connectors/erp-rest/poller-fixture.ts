/**
 * Wiring for the poller's tests: a source description (as the JSON operators write), a poller over
 * the local ERP, the recording ingestor, an in-process coordination store and a file cursor store
 * in a temporary data directory. Sleeps are recorded and skipped, and jitter is pinned to its
 * maximum, so retries are instant and their delays exact.
 */
import { Writable } from 'node:stream';
import { createErpPoller, type ErpPoller, type ErpPollerOptions } from '../../../connectors/erp-rest/erp-poller.js';
import { parseErpSources, type ErpSourceConfig } from '../../../connectors/erp-rest/erp-source-config.js';
import { createFileCursorStore } from '../../../connectors/erp-rest/file-cursor-store.js';
import type { CursorStore } from '../../../connectors/erp-rest/cursor-store.js';
import type { Coordination } from '../../../infra/coordination/coordination.js';
import { createMemoryCoordination } from '../../../infra/coordination/memory-coordination.js';
import { createLogger, type Logger } from '../../../infra/logger.js';
import { RecordingIngestor } from './recording-ingestor.js';

export const TOKEN = 'test-token-123';
export const ENV = { ERP_TOKEN: `Bearer ${TOKEN}` } as const;

/** One source with the given entities (snake_case, as in FORGECAST_ERP_SOURCES) and source overrides. */
export function sourcesJson(baseUrl: string, entities: readonly Record<string, unknown>[], overrides: Record<string, unknown> = {}): string {
  return JSON.stringify([
    {
      id: 'erp_001',
      tenant: 'acme',
      base_url: baseUrl,
      auth: { header: 'Authorization', value_env: 'ERP_TOKEN' },
      retry: { max_attempts: 4, base_delay_ms: 10, max_delay_ms: 100, max_retry_after_ms: 5_000 },
      request_timeout_ms: 2_000,
      ...overrides,
      entities,
    },
  ]);
}

export function itemsEntity(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'items', path: 'items', record_type: 'items', page_size: 2, ...overrides };
}

/** A logger whose lines tests can read. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

export interface PollerRig {
  readonly poller: ErpPoller;
  readonly ingestor: RecordingIngestor;
  readonly sleeps: number[];
  readonly sources: readonly ErpSourceConfig[];
  readonly lines: Record<string, unknown>[];
}

export async function pollerRig(options: {
  sourcesJson: string;
  dataDir: string;
  ingestor?: RecordingIngestor;
  coordination?: Coordination;
  cursorStore?: CursorStore;
  extra?: Partial<ErpPollerOptions>;
}): Promise<PollerRig> {
  const sources = parseErpSources(options.sourcesJson, ENV);
  const ingestor = options.ingestor ?? new RecordingIngestor();
  const sleeps: number[] = [];
  const { logger, lines } = capturingLogger();
  const poller = createErpPoller({
    sources,
    env: ENV,
    ingestor,
    cursorStore: options.cursorStore ?? (await createFileCursorStore(options.dataDir)),
    coordination: options.coordination ?? createMemoryCoordination(),
    logger,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.999_999,
    ...options.extra,
  });
  return { poller, ingestor, sleeps, sources, lines };
}

/** `updated_at` of the nth hour of 2024-01-01: far outside any overlap window from each other. */
export function hour(n: number, minutes = 0): string {
  return new Date(Date.UTC(2024, 0, 1, n, minutes)).toISOString();
}
