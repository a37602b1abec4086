/**
 * The ERP REST poller: pulls every configured entity of every configured source on an interval
 * and hands each page to the Ingestor (entity-sync.ts holds the per-entity state machine, and
 * sync-cursor.ts the cursor rule).
 *
 * Per source and poll: acquire the lease `erp-poller:<tenant>:<source>` (skip this poll when
 * another replica holds it) → sync the entities one after another (one request at a time per ERP:
 * they are rate-limited) → release the lease. The lease is renewed before every page and by a
 * timer (every third of its TTL, so a slow page or a backoff cannot let it lapse); when a renewal
 * fails the source's sync is aborted before its next request, and the fencing token in every
 * checkpoint's revision keeps a late write of the lost holder from winning. An entity that fails
 * is logged with its FgcError and the next entity still runs; sources run independently.
 *
 * `createErpPoller` is the factory the entry point wires: `start()` polls on the sources'
 * intervals, `syncOnce()` runs one poll of every source now (CLI, tests), `close()` stops the
 * timers, aborts requests in flight and waits for running syncs. Domain code never reads the
 * environment itself: the entry point passes `env`, from which only the credential variables
 * named in the configuration are read.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Coordination, Lease } from '../../infra/coordination/coordination.js';
import { FgcError } from '../../infra/errors.js';
import type { Logger } from '../../infra/logger.js';
import type { Ingestor } from '../ingest/ingestor.js';
import type { CursorStore } from './cursor-store.js';
import { syncEntity, type EntitySyncReport } from './entity-sync.js';
import { ErpHttpClient } from './erp-http-client.js';
import type { ErpSourceConfig } from './erp-source-config.js';

/**
 * A replica that dies mid-sync blocks its sources for at most a minute; renewals every 20 s are
 * cheap, and two of them may fail or lag before the lease lapses.
 */
export const DEFAULT_LEASE_TTL_MS = 60_000;

export interface ErpPollerOptions {
  readonly sources: readonly ErpSourceConfig[];
  /** The process environment (or a copy): only the variables named by `auth.value_env` are read. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly ingestor: Ingestor;
  readonly cursorStore: CursorStore;
  readonly coordination: Coordination;
  readonly logger: Logger;
  /** Names this replica in leases; `<host>:<pid>:<random>` by default. */
  readonly holderId?: string;
  readonly leaseTtlMs?: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
}

export interface SourceSyncReport {
  readonly tenant: string;
  readonly sourceId: string;
  /** `skipped`: another replica holds the lease; `partial`: some entities failed. */
  readonly status: 'ok' | 'partial' | 'failed' | 'skipped' | 'aborted';
  readonly entities: readonly EntitySyncReport[];
}

export interface ErpPoller extends AsyncDisposable {
  /** Polls every source now and then on its interval, until `close()`. */
  start(): void;
  /** One poll of every source, now; resolves with what happened (never rejects). */
  syncOnce(): Promise<SourceSyncReport[]>;
  close(): Promise<void>;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return sleepFor(ms, undefined, { signal });
}

function errorCode(error: unknown): string | undefined {
  return error instanceof FgcError ? error.code : undefined;
}

class ErpRestPoller implements ErpPoller {
  readonly #o: ErpPollerOptions;
  readonly #log: Logger;
  readonly #clients = new Map<ErpSourceConfig, ErpHttpClient>();
  readonly #holderId: string;
  readonly #leaseTtlMs: number;
  readonly #closing = new AbortController();
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Tail of each source's syncs: one at a time per source, whoever asks (timer or syncOnce). */
  readonly #running = new Map<ErpSourceConfig, Promise<SourceSyncReport>>();
  #started = false;
  #closed: Promise<void> | undefined;

  constructor(options: ErpPollerOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'erp-poller' });
    this.#holderId = options.holderId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    for (const source of options.sources) {
      const authValue = source.auth === undefined ? undefined : options.env[source.auth.valueEnv];
      if (source.auth !== undefined && (authValue ?? '') === '') {
        throw new FgcError('FGC_CONFIG_INVALID', `ERP source ${source.id}: environment variable ${source.auth.valueEnv} (its credential) is not set`);
      }
      this.#clients.set(
        source,
        new ErpHttpClient({
          source,
          authValue,
          logger: this.#log.child({ source: source.id, tenant: source.tenant }),
          fetch: options.fetch ?? fetch,
          sleep: options.sleep ?? defaultSleep,
          random: options.random ?? Math.random,
          now: options.now ?? Date.now,
        }),
      );
    }
  }

  start(): void {
    if (this.#started || this.#closed !== undefined) return;
    this.#started = true;
    for (const source of this.#o.sources) this.#schedule(source, 0);
    this.#log.info({ sources: this.#o.sources.map((s) => `${s.tenant}/${s.id}`), holder: this.#holderId }, 'ERP poller started');
  }

  #schedule(source: ErpSourceConfig, delayMs: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#run(source).then(() => {
        if (this.#closed === undefined) this.#schedule(source, source.pollIntervalMs);
      });
    }, delayMs);
    this.#timers.add(timer);
  }

  syncOnce(): Promise<SourceSyncReport[]> {
    return Promise.all(this.#o.sources.map((source) => this.#run(source)));
  }

  #run(source: ErpSourceConfig): Promise<SourceSyncReport> {
    const previous = this.#running.get(source) ?? Promise.resolve(undefined);
    const next = previous.then(() =>
      this.#syncSource(source).catch((error: unknown): SourceSyncReport => {
        this.#log.error({ err: error, source: source.id, tenant: source.tenant }, 'ERP source sync failed unexpectedly');
        return { tenant: source.tenant, sourceId: source.id, status: 'failed', entities: [] };
      }),
    );
    this.#running.set(source, next);
    return next;
  }

  async #syncSource(source: ErpSourceConfig): Promise<SourceSyncReport> {
    const report = (status: SourceSyncReport['status'], entities: EntitySyncReport[] = []): SourceSyncReport => ({ tenant: source.tenant, sourceId: source.id, status, entities });
    const log = this.#log.child({ source: source.id, tenant: source.tenant });
    if (this.#closing.signal.aborted) return report('aborted');
    const name = `erp-poller:${source.tenant}:${source.id}`;
    let lease: Lease | null;
    try {
      lease = await this.#o.coordination.acquireLease(name, this.#holderId, this.#leaseTtlMs);
    } catch (error) {
      log.error({ err: error, code: errorCode(error) }, 'cannot take the ERP source lease; skipping this poll');
      return report('failed');
    }
    if (lease === null) {
      log.debug('another replica holds the ERP source lease; skipping this poll');
      return report('skipped');
    }
    let held: Lease = lease;
    const lost = new AbortController();
    const signal = AbortSignal.any([this.#closing.signal, lost.signal]);
    const keepLease = async (): Promise<number> => {
      signal.throwIfAborted();
      let renewed: Lease | null;
      try {
        renewed = await this.#o.coordination.renewLease(held, this.#leaseTtlMs);
      } catch (error) {
        // Unconfirmed is as good as lost: another replica may already be polling.
        renewed = null;
        log.warn({ err: error }, 'could not renew the ERP source lease');
      }
      if (renewed === null) {
        if (!lost.signal.aborted) lost.abort(new FgcError('FGC_ERP_LEASE_LOST', `lease ${name} was lost; this replica stops polling ${source.id} until the next poll`));
        throw lost.signal.reason;
      }
      held = renewed;
      return held.token;
    };
    let renewal: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      renewal = keepLease().catch(() => undefined);
    }, Math.max(1, Math.floor(this.#leaseTtlMs / 3)));
    const entities: EntitySyncReport[] = [];
    try {
      for (const entity of source.entities) {
        if (signal.aborted) break;
        const result = await syncEntity({
          source,
          entity,
          http: this.#clients.get(source)!,
          ingestor: this.#o.ingestor,
          store: this.#o.cursorStore,
          logger: log,
          signal,
          keepLease,
          sleep: this.#o.sleep ?? defaultSleep,
          random: this.#o.random ?? Math.random,
        });
        entities.push(result);
        this.#logEntity(log, result);
      }
    } finally {
      clearInterval(timer);
      await renewal;
      if (!lost.signal.aborted) await this.#o.coordination.releaseLease(held).catch((error: unknown) => log.warn({ err: error }, 'could not release the ERP source lease'));
    }
    const failed = entities.filter((e) => e.status === 'failed').length;
    if (signal.aborted) return report('aborted', entities);
    return report(failed === 0 ? 'ok' : failed === entities.length ? 'failed' : 'partial', entities);
  }

  #logEntity(log: Logger, r: EntitySyncReport): void {
    const facts = { entity: r.entity, pages: r.pages, fetched: r.fetched, published: r.published, rejected: r.rejected, passes: r.passes, cursor: r.cursor };
    if (r.status === 'failed') log.error({ ...facts, err: r.error, code: errorCode(r.error) }, 'ERP entity sync failed; its cursor stays at the last acknowledged page and the other entities go on');
    else if (r.status === 'aborted') log.warn({ ...facts, reason: r.error instanceof Error ? r.error.message : String(r.error) }, 'ERP entity sync aborted');
    else if (r.published > 0) log.info(facts, 'ERP entity synced');
    else log.debug(facts, 'ERP entity synced, nothing new');
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
      this.#closing.abort(new Error('the ERP poller is closing'));
      await Promise.all([...this.#running.values()]);
      this.#log.info('ERP poller closed');
    })();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Builds the poller; throws FGC_CONFIG_INVALID when a source's credential variable is not set. */
export function createErpPoller(options: ErpPollerOptions): ErpPoller {
  return new ErpRestPoller(options);
}
