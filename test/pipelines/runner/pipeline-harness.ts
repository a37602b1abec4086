/**
 * The pipelines on the REAL embedded stack: the ingest harness (embedded log, embedded registry,
 * chDB migrated through 005, the HTTP shell with the ingest routes) plus the pipeline routes on the
 * same server, and runners over the real normalizers and reference data. The runner's store can be
 * put behind an outage switch (`OutageStore`): while `down` is set every call throws
 * FGC_STORE_UNAVAILABLE, as a ClickHouse that does not answer does — or the switch flips at the
 * next insert into a chosen table, so an outage can begin in the middle of a write; the ingestor
 * keeps the real store.
 */
import { Registry } from 'prom-client';
import type { AnalyticsStore, InsertOptions, QueryParams } from '../../../infra/clickhouse/analytics-store.js';
import { FgcError } from '../../../infra/errors.js';
import { silentLogger } from '../../../infra/logger.js';
import { pipelineRoutes } from '../../../pipelines/http/pipeline-routes.js';
import { DeadLetterReplayer } from '../../../pipelines/dead-letters/dead-letter-replay.js';
import { DeadLetterStore } from '../../../pipelines/dead-letters/dead-letter-store.js';
import { NORMALIZERS } from '../../../pipelines/normalize/normalizers.js';
import { ReferenceData } from '../../../pipelines/reference/reference-data.js';
import { createPipelineRunner, type PipelineRunner, type PipelineRunnerOptions } from '../../../pipelines/runner/pipeline-runner.js';
import { RAW_TOPIC_NAMES } from '../../../schemas/topics.js';
import { uniqueName } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { createIngestHarness, type HarnessOptions, type IngestHarness } from '../../connectors/ingest/ingest-harness.js';

/** An AnalyticsStore in front of the real one that fails every call while `down` (an unreachable ClickHouse). */
export class OutageStore implements AnalyticsStore {
  down = false;
  /** The outage begins at the next insert into this table: the inserts of the same write before it land. */
  downFromInsertInto: string | undefined;
  /** Fails the next inserts into this table (one-shot each), to cut a chunk between two of its writes. */
  readonly failNextInsertInto = new Map<string, number>();
  calls = 0;

  constructor(private readonly real: AnalyticsStore) {}

  get kind(): AnalyticsStore['kind'] {
    return this.real.kind;
  }

  get database(): string {
    return this.real.database;
  }

  #check(what: string): void {
    this.calls += 1;
    if (this.down) throw new FgcError('FGC_STORE_UNAVAILABLE', `${what}: connect ECONNREFUSED 127.0.0.1:8123 (test outage)`);
  }

  async query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]> {
    this.#check('query failed');
    return this.real.query<T>(sql, params);
  }

  async command(sql: string, params?: QueryParams): Promise<void> {
    this.#check('command failed');
    return this.real.command(sql, params);
  }

  async insert(table: string, rows: readonly object[], options?: InsertOptions): Promise<void> {
    if (this.downFromInsertInto === table) {
      this.downFromInsertInto = undefined;
      this.down = true;
    }
    this.#check(`insert into ${table} failed`);
    const pending = this.failNextInsertInto.get(table) ?? 0;
    if (pending > 0) {
      this.failNextInsertInto.set(table, pending - 1);
      throw new FgcError('FGC_STORE_UNAVAILABLE', `insert into ${table} failed: socket hang up (test)`);
    }
    return this.real.insert(table, rows, options);
  }

  async ping(): Promise<void> {
    this.#check('ping failed');
    return this.real.ping();
  }

  async close(): Promise<void> {
    // the real store belongs to the harness
  }
}

export interface PipelineHarness {
  readonly ingest: IngestHarness;
  readonly store: OutageStore;
  readonly reference: ReferenceData;
  readonly metrics: Registry;
  /** The runner the routes report on (the last one started). */
  runner: PipelineRunner | undefined;
  startRunner(overrides?: Partial<PipelineRunnerOptions>): Promise<PipelineRunner>;
  /** Waits until the group committed everything on the raw topics. */
  drained(groupId?: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function createPipelineHarness(options: Pick<HarnessOptions, 'bus' | 'coordination'> = {}): Promise<PipelineHarness> {
  const holder: { harness?: PipelineHarness } = {};
  const ingest = await createIngestHarness({
    ...options,
    extraRoutes: async (app, { bus, store }) => {
      const deadLetters = new DeadLetterStore(store);
      await app.register(pipelineRoutes, {
        deadLetters,
        replayer: new DeadLetterReplayer(bus, deadLetters, silentLogger()),
        runner: { status: () => (holder.harness?.runner ?? { status: () => ({ state: 'idle' as const, group_id: '', error: null, partitions: [] }) }).status() },
      });
    },
  });
  const store = new OutageStore(ingest.store);
  // A short TTL is not needed: tests that change reference data call `reference.refresh(tenant)`.
  const reference = new ReferenceData(store);
  const metrics = new Registry();
  const runners: PipelineRunner[] = [];
  let groupId = uniqueName('pipelines');

  const harness: PipelineHarness = {
    ingest,
    store,
    reference,
    metrics,
    runner: undefined,
    async startRunner(overrides = {}) {
      groupId = overrides.groupId ?? groupId;
      const runner = createPipelineRunner({
        bus: ingest.bus,
        serde: ingest.serde,
        store,
        normalizers: NORMALIZERS,
        referenceData: reference,
        logger: silentLogger(),
        metrics,
        groupId,
        lagPollMs: 200,
        sweepMs: 200,
        retry: { initialMs: 50, maxMs: 400 },
        ...overrides,
      });
      await runner.start();
      runners.push(runner);
      harness.runner = runner;
      return runner;
    },
    async drained(group = groupId, timeoutMs = 30_000) {
      await waitFor(
        `group ${group} to commit every raw message`,
        async () => {
          const lags = await ingest.bus.lag(group, RAW_TOPIC_NAMES);
          return lags.every((l) => l.lag === 0);
        },
        timeoutMs,
        25,
      );
    },
    async close() {
      for (const runner of runners) await runner.close();
      await ingest.close();
    },
  };
  holder.harness = harness;
  return harness;
}
