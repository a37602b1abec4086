/**
 * One entity's sync — the poller's state machine:
 *
 *   load state ─► request page ─► read page ─► select fresh ─► ingest ─► remember ─► checkpoint
 *                      ▲                      (sync-cursor.ts)   (ack)   published    (cursor store)
 *                      └──────────────────────── more pages ◄─────────────────────────────┘
 *
 * The cursor rule is in sync-cursor.ts. How pages are walked decides when the cursor may move:
 *
 * - Offset paging (the server sorts by updated_at ascending). Every request is re-anchored on the
 *   last updated_at seen: `updated_since = that instant, offset = records already seen at or
 *   after it`. A record updated during the walk leaves the part already read and re-enters the
 *   result set at its end, so nothing unseen shifts past the next request (plain offsets would
 *   skip one record per such update). Each acknowledged page leaves the walk in a safe place, so
 *   the cursor is checkpointed after every page.
 * - Next links (opaque; often an offset underneath). A pass follows them from the window start and
 *   commits the cursor only when it ends. A record seen twice with different versions in one pass
 *   means it moved while we walked — and may have pushed an unseen record past a page boundary —
 *   so another pass walks the window again (published pairs are filtered out), up to MAX_PASSES.
 *   A source that keeps changing keeps its cursor: nothing is lost, the next poll tries again.
 *
 * Every page with fresh records is one ingest call whose batch_reference is derived from the
 * entity, the cursor before the page and a hash of its records: the same page from the same
 * cursor — an in-process retry, or a next-link pass walked again after a crash — is replayed by the
 * ingestor, not published twice. (An offset walk restarted after a crash between acknowledgement
 * and checkpoint starts at cursor − overlap with other page boundaries and may publish that one
 * page again: at-least-once.) The cursor moves only after the ingestor acknowledged. Any error ends this entity's sync with its
 * last checkpoint in place; the poller logs it and goes on with the next entity.
 */
import { createHash } from 'node:crypto';
import { FgcError, isRetriable } from '../../infra/errors.js';
import type { Logger } from '../../infra/logger.js';
import type { Ingestor, IngestRequest, IngestResult } from '../ingest/ingestor.js';
import type { CursorKey, CursorStore } from './cursor-store.js';
import { backoffMs, displayUrl, type ErpHttpClient } from './erp-http-client.js';
import { readErpPage, type ErpPage } from './erp-page.js';
import type { ErpEntityConfig, ErpSourceConfig, SinceFormat } from './erp-source-config.js';
import { PublishedSet, laterCursor, lastPosition, selectFresh, windowStartMs, type SourceRecord, type SyncCursor } from './sync-cursor.js';

/** Passes over a window with next links before giving up for this poll; a steady source needs one, a busy one two. */
export const MAX_PASSES = 3;

/**
 * Revisions are `epoch × 2^21 + sequence`: the epoch is at least the lease's fencing token, the
 * sequence counts checkpoints within one sync (≤ max_pages_per_sync + passes < 2^21), and the
 * product stays a safe integer for tokens below 2^32.
 */
export const REVISION_SEQUENCE = 2 ** 21;

export interface EntitySyncOptions {
  readonly source: ErpSourceConfig;
  readonly entity: ErpEntityConfig;
  readonly http: ErpHttpClient;
  readonly ingestor: Ingestor;
  readonly store: CursorStore;
  readonly logger: Logger;
  /** Aborts on shutdown or when the source's lease is lost (the reason says which). */
  readonly signal: AbortSignal;
  /** Renews the source's lease and returns its fencing token; throws FGC_ERP_LEASE_LOST. */
  readonly keepLease: () => Promise<number>;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random: () => number;
}

export interface EntitySyncReport {
  readonly entity: string;
  /** `aborted`: the signal fired (shutdown, lease lost); `failed`: an error ended the sync. */
  readonly status: 'ok' | 'failed' | 'aborted';
  readonly pages: number;
  readonly fetched: number;
  /** Records in acknowledged ingest batches (the ingestor's accepted plus rejected). */
  readonly published: number;
  readonly rejected: number;
  readonly passes: number;
  readonly cursor: SyncCursor | null;
  readonly error: unknown;
}

/** The `updated_since` value for `ms`, and the instant it really means (epoch seconds round down). */
function sinceValue(ms: number, format: SinceFormat): { text: string; ms: number } {
  if (format === 'epoch_s') return { text: String(Math.floor(ms / 1000)), ms: Math.floor(ms / 1000) * 1000 };
  return { text: format === 'epoch_ms' ? String(ms) : new Date(ms).toISOString(), ms };
}

/** `<entity>:<cursor before the page>:<hash of its records>` (64 bits of SHA-256: unique among one cursor's pages). */
export function batchReference(entity: string, before: SyncCursor | null, records: readonly SourceRecord[]): string {
  const hash = createHash('sha256');
  for (const r of records) hash.update(JSON.stringify(r.data)).update('\n');
  const id = before === null || before.id.length <= 64 ? before?.id : createHash('sha256').update(before.id).digest('hex').slice(0, 16);
  return `${entity}:${before === null ? 'start' : `${before.updatedAt}/${id}`}:${hash.digest('hex').slice(0, 16)}`;
}

export function syncEntity(options: EntitySyncOptions): Promise<EntitySyncReport> {
  return new EntitySync(options).run();
}

class EntitySync {
  readonly #o: EntitySyncOptions;
  readonly #key: CursorKey;
  readonly #log: Logger;
  #cursor: SyncCursor | null = null;
  #published = new PublishedSet();
  #epoch = 0;
  #sequence = 0;
  #pages = 0;
  #fetched = 0;
  #sent = 0;
  #rejected = 0;
  #passes = 0;

  constructor(options: EntitySyncOptions) {
    this.#o = options;
    this.#key = { tenant: options.source.tenant, sourceId: options.source.id, entity: options.entity.name };
    this.#log = options.logger.child({ entity: options.entity.name });
  }

  async run(): Promise<EntitySyncReport> {
    try {
      const token = await this.#o.keepLease();
      const state = await this.#o.store.load(this.#key);
      this.#cursor = state?.cursor ?? null;
      this.#published = new PublishedSet(state?.published ?? []);
      this.#epoch = Math.max(token, Math.floor((state?.revision ?? 0) / REVISION_SEQUENCE) + 1);
      if (this.#o.entity.paging.kind === 'offset') await this.#walkOffset();
      else await this.#walkLinks();
      return this.#report('ok', undefined);
    } catch (error) {
      if (this.#o.signal.aborted) return this.#report('aborted', this.#o.signal.reason);
      return this.#report('failed', error);
    }
  }

  #report(status: EntitySyncReport['status'], error: unknown): EntitySyncReport {
    return { entity: this.#o.entity.name, status, pages: this.#pages, fetched: this.#fetched, published: this.#sent, rejected: this.#rejected, passes: this.#passes, cursor: this.#cursor, error };
  }

  async #walkOffset(): Promise<void> {
    const { entity, source } = this.#o;
    const windowStart = windowStartMs(this.#cursor, source.overlapMs, entity.startFrom);
    let since = windowStart === undefined ? undefined : sinceValue(windowStart, entity.updatedSince.format);
    let offset = 0;
    /** updated_at of the records walked at or after `since`, ascending: the request's prefix already read. */
    let tail: number[] = [];
    this.#passes = 1;
    for (;;) {
      if (this.#pages >= source.maxPagesPerSync) {
        this.#log.info({ pages: this.#pages }, 'page budget of this sync spent; the next poll continues from the cursor');
        return;
      }
      const url = this.#url(since?.text, offset, undefined);
      const page = await this.#fetch(url);
      const { records } = page;
      for (let i = 1; i < records.length; i++) {
        if (records[i]!.updatedAtMs < records[i - 1]!.updatedAtMs) {
          throw new FgcError('FGC_ERP_INVALID_PAGE', `${entity.name}: page from ${displayUrl(url)} is not sorted by ${entity.updatedAtField} ascending (index ${i}); offset paging needs that order — add the server's sort parameter to the entity's "query"`, {
            details: [{ entity: entity.name, url: displayUrl(url), index: i }],
          });
        }
      }
      const before = this.#cursor;
      const sent = await this.#publish(records, windowStart, before);
      this.#cursor = laterCursor(before, lastPosition(records));
      if (sent || this.#cursor !== before) await this.#checkpoint();
      if (records.length < entity.pageSize) return;
      tail.push(...records.map((r) => r.updatedAtMs));
      const anchor = sinceValue(records.at(-1)!.updatedAtMs, entity.updatedSince.format);
      if (since === undefined || anchor.ms > since.ms) {
        since = anchor;
        tail = tail.filter((ms) => ms >= anchor.ms);
      }
      offset = tail.length;
    }
  }

  async #walkLinks(): Promise<void> {
    const { entity, source } = this.#o;
    const windowStart = windowStartMs(this.#cursor, source.overlapMs, entity.startFrom);
    const committed = this.#cursor;
    const first = this.#url(windowStart === undefined ? undefined : sinceValue(windowStart, entity.updatedSince.format).text, undefined, undefined);
    for (let pass = 1; pass <= MAX_PASSES; pass++) {
      this.#passes = pass;
      const versions = new Map<string, string>();
      let moved = false;
      let high = committed;
      let sent = false;
      for (let url = first; ; ) {
        if (this.#pages >= source.maxPagesPerSync) {
          throw new FgcError('FGC_ERP_INVALID_PAGE', `${entity.name}: a pass needs more than ${source.maxPagesPerSync} pages; with next links the cursor moves only when a pass ends — raise max_pages_per_sync`, {
            details: [{ entity: entity.name, pages: this.#pages }],
          });
        }
        const page: ErpPage = await this.#fetch(url);
        for (const r of page.records) {
          const seen = versions.get(r.id);
          if (seen !== undefined && seen !== r.version) moved = true;
          versions.set(r.id, r.version);
        }
        sent = (await this.#publish(page.records, windowStart, committed)) || sent;
        high = laterCursor(high, lastPosition(page.records));
        if (page.next === undefined) break;
        url = this.#nextUrl(page.next, first, url);
      }
      if (!moved) {
        this.#cursor = high;
        if (sent || high !== committed) await this.#checkpoint();
        return;
      }
      // Remember what this pass published; the cursor stays where the pass started.
      if (sent) await this.#checkpoint();
      this.#log.info({ pass }, 'records changed while the pass walked the pages; walking the window again so none is skipped');
    }
    this.#log.warn({ passes: MAX_PASSES, cursor: committed }, 'records kept changing during every pass; the cursor stays and the next poll walks the window again');
  }

  #url(since: string | undefined, offset: number | undefined, token: string | undefined): URL {
    const { entity, source } = this.#o;
    // Relative to the base URL's path, even when written with a leading slash.
    const url = new URL(entity.path.replace(/^\/+/, ''), source.baseUrl);
    for (const [name, value] of Object.entries(entity.query)) url.searchParams.set(name, value);
    if (since !== undefined) url.searchParams.set(entity.updatedSince.param, since);
    const paging = entity.paging;
    if (paging.kind === 'offset') {
      url.searchParams.set(paging.offsetParam, String(offset ?? 0));
      url.searchParams.set(paging.limitParam, String(entity.pageSize));
    } else {
      if (paging.limitParam !== undefined) url.searchParams.set(paging.limitParam, String(entity.pageSize));
      if (token !== undefined && paging.cursorParam !== undefined) url.searchParams.set(paging.cursorParam, token);
    }
    return url;
  }

  #nextUrl(next: string, first: URL, current: URL): URL {
    const { entity, source } = this.#o;
    if (entity.paging.kind === 'next' && entity.paging.cursorParam !== undefined) {
      const url = new URL(first);
      url.searchParams.set(entity.paging.cursorParam, next);
      return url;
    }
    let url: URL;
    try {
      url = new URL(next, current);
    } catch {
      throw new FgcError('FGC_ERP_INVALID_PAGE', `${entity.name}: next link ${JSON.stringify(next)} is not a URL`, { details: [{ entity: entity.name, next }] });
    }
    if (url.origin !== new URL(source.baseUrl).origin) {
      // The credential header goes to the configured origin only.
      throw new FgcError('FGC_ERP_INVALID_PAGE', `${entity.name}: next link leads to ${url.origin}, not the source's origin ${new URL(source.baseUrl).origin}`, {
        details: [{ entity: entity.name, next: displayUrl(url) }],
      });
    }
    return url;
  }

  async #fetch(url: URL): Promise<ErpPage> {
    await this.#o.keepLease();
    const response = await this.#o.http.getJson(url, this.#o.entity.name, this.#o.signal);
    const page = readErpPage(response.body, response.headers, this.#o.entity, displayUrl(url));
    this.#pages++;
    this.#fetched += page.records.length;
    return page;
  }

  /** Ingests the page's fresh records as one batch; true when there were any. */
  async #publish(records: readonly SourceRecord[], windowStart: number | undefined, before: SyncCursor | null): Promise<boolean> {
    const { entity, source } = this.#o;
    const fresh = selectFresh(records, this.#published, windowStart);
    if (fresh.length === 0) return false;
    const request: IngestRequest = {
      tenant: source.tenant,
      source_type: source.sourceType,
      source_id: source.id,
      batch_reference: batchReference(entity.name, before, fresh),
      ...(entity.mapping === undefined ? {} : { mapping: entity.mapping }),
      data: { [entity.recordType]: fresh.map((r) => r.data) },
    };
    const result = await this.#ingest(request);
    if (result.rejected > 0) {
      // Acknowledged all the same: the batch records which records failed and why; pulling them again cannot fix them.
      this.#log.warn({ batchReference: request.batch_reference, rejected: result.rejected, errors: result.errors.slice(0, 5) }, 'the ingestor rejected records of an ERP page');
    }
    for (const r of fresh) this.#published.add(r);
    this.#sent += fresh.length;
    this.#rejected += result.rejected;
    return true;
  }

  /** Ingests, retrying what may pass later (an outage) under the source's backoff; the same batch_reference every time. */
  async #ingest(request: IngestRequest): Promise<IngestResult> {
    const { retry } = this.#o.source;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#o.ingestor.ingest(request);
      } catch (error) {
        if (!isRetriable(error) || attempt >= retry.maxAttempts) throw error;
        const delayMs = backoffMs(attempt, retry, this.#o.random);
        this.#log.warn({ err: error, batchReference: request.batch_reference, attempt, delayMs }, 'ingest failed; retrying');
        await this.#o.sleep(delayMs, this.#o.signal);
      }
    }
  }

  async #checkpoint(): Promise<void> {
    this.#published.prune(windowStartMs(this.#cursor, this.#o.source.overlapMs, undefined));
    if (++this.#sequence >= REVISION_SEQUENCE) {
      this.#epoch++;
      this.#sequence = 1;
    }
    await this.#o.store.save(this.#key, { revision: this.#epoch * REVISION_SEQUENCE + this.#sequence, cursor: this.#cursor, published: this.#published.entries() });
  }
}
