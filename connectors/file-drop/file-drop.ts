/**
 * The file-drop watcher: files dropped into a directory are ingested one at a time and moved to
 * `done/` or `failed/` beside a `<name>.report.json` (see file-report.ts for the report).
 *
 * A file's life in the drop directory:
 *
 *   seen ──(size and mtime unchanged for pollIntervalMs)──► stable ──► processing ──► moved
 *    ▲  └─(changed)─► seen again                                           │
 *    └──────────── waiting (retriable error: backoff 1 s, 2 s, … 5 min) ◄──┘
 *
 * - Discovery: `fs.watch` wakes the loop early; a poll every pollIntervalMs is the fallback for
 *   file systems where watching is unreliable (network shares, some containers) and the clock for
 *   the stability check. Writers should still write under a temporary name (`.x`, `*.tmp`,
 *   `*.part`: ignored) and rename; the stability check only guards writers that do not.
 * - One file at a time, oldest first, in one loop: ordering within a source is kept and the
 *   ingestor sees one batch at a time from us.
 * - Crash safety: a file leaves the drop directory only after its report is written (report
 *   first, then an atomic rename). If the process dies before, the file is processed again on
 *   restart, and its deterministic batch references make every already-sent batch a replay.
 * - Errors: an unreadable file or a refused ingestion has a `failed` report and moves to
 *   `failed/`. A retriable error (ingestor or event bus down) or an unexpected one leaves the
 *   file where it is and retries it later with exponential backoff; other files go on meanwhile.
 * - Run one watcher per directory: two would ingest each file once (idempotency) but race on
 *   moving it.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isFgcError } from '../../infra/errors.js';
import type { Logger } from '../../infra/logger.js';
import type { Ingestor } from '../ingest/ingestor.js';
import { ingestFile } from './file-ingest.js';
import { isIgnoredFileName, parseDropFileName } from './file-name.js';
import { destinationOf, type FileReport } from './file-report.js';

export interface FileDropOptions {
  /** The drop directory; created if missing, with `done/` and `failed/` inside. */
  readonly dir: string;
  readonly ingestor: Ingestor;
  /** The tenant every dropped file is ingested for. */
  readonly tenant: string;
  readonly logger: Logger;
  /** Poll period and how long a file must stay unchanged before it is taken; default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Records per ingest call; default DEFAULT_BATCH_SIZE. */
  readonly batchSize?: number;
  /** First retry delay after a retriable error, doubled per attempt up to retryMaxMs. */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
}

export interface FileDrop extends AsyncDisposable {
  /** Creates the directories, starts watching and processes what is already there. */
  start(): Promise<void>;
  /** Stops after the batch in flight; a file left half-way is taken up again on the next start. */
  close(): Promise<void>;
}

/** A second is short enough for a person waiting on a drop, long enough to span write pauses. */
const DEFAULT_POLL_INTERVAL_MS = 1000;
/** Outages (a restarting broker) usually last seconds: retry soon, then back off to 5 minutes. */
const DEFAULT_RETRY_BASE_MS = 1000;
const DEFAULT_RETRY_MAX_MS = 5 * 60_000;
/** Writers cause bursts of watch events; one scan per burst is enough. */
const WATCH_DEBOUNCE_MS = 50;

interface Observation {
  size: number;
  mtimeMs: number;
  /** When this size and mtime were first seen. */
  since: number;
  /** Retriable failures so far and when the next attempt may start. */
  attempts: number;
  notBefore: number;
}

export function createFileDrop(options: FileDropOptions): FileDrop {
  return new FileDropWatcher(options);
}

class FileDropWatcher implements FileDrop {
  readonly #dir: string;
  readonly #log: Logger;
  readonly #pollMs: number;
  readonly #retryBaseMs: number;
  readonly #retryMaxMs: number;
  readonly #observed = new Map<string, Observation>();
  readonly #abort = new AbortController();
  #watcher: FSWatcher | undefined;
  #loop: Promise<void> | undefined;
  #closed = false;
  #wake: (() => void) | undefined;
  #debounce: NodeJS.Timeout | undefined;

  constructor(private readonly options: FileDropOptions) {
    this.#dir = path.resolve(options.dir);
    this.#log = options.logger.child({ component: 'file-drop', dir: this.#dir });
    this.#pollMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.#retryBaseMs = options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
    this.#retryMaxMs = options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
  }

  async start(): Promise<void> {
    if (this.#loop !== undefined || this.#closed) return;
    for (const sub of ['done', 'failed']) await mkdir(path.join(this.#dir, sub), { recursive: true });
    try {
      this.#watcher = watch(this.#dir, { persistent: false }, () => this.#onWatchEvent());
      this.#watcher.on('error', (error) => {
        this.#log.warn({ err: error }, 'watching the drop directory failed; polling only');
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch (error) {
      this.#log.warn({ err: error }, 'cannot watch the drop directory; polling only');
    }
    this.#loop = this.#run();
    this.#log.info({ pollIntervalMs: this.#pollMs }, 'file drop started');
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#abort.abort(new Error('file drop closing'));
      this.#watcher?.close();
      clearTimeout(this.#debounce);
      this.#wake?.();
    }
    await this.#loop;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #onWatchEvent(): void {
    if (this.#closed) return;
    this.#debounce ??= setTimeout(() => {
      this.#debounce = undefined;
      this.#wake?.();
    }, WATCH_DEBOUNCE_MS);
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      let waitMs = this.#pollMs;
      try {
        const scan = await this.#scan();
        waitMs = scan.waitMs;
        if (scan.next !== undefined && !this.#closed) {
          await this.#process(scan.next);
          continue;
        }
      } catch (error) {
        this.#log.error({ err: error }, 'scanning the drop directory failed');
      }
      await this.#sleep(waitMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(ms, 1));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  /** Updates what is known of each file; returns the oldest one ready and when to look again. */
  async #scan(): Promise<{ next: string | undefined; waitMs: number }> {
    const now = Date.now();
    const entries = await readdir(this.#dir, { withFileTypes: true });
    const present = new Set<string>();
    const ready: { name: string; mtimeMs: number }[] = [];
    let waitMs = this.#pollMs;
    for (const entry of entries) {
      if (!entry.isFile() || isIgnoredFileName(entry.name)) continue;
      const info = await stat(path.join(this.#dir, entry.name)).catch(() => undefined);
      if (info === undefined) continue; // gone between readdir and stat
      present.add(entry.name);
      const seen = this.#observed.get(entry.name);
      if (seen === undefined || seen.size !== info.size || seen.mtimeMs !== info.mtimeMs) {
        // New or changed (also resets a backoff: a rewritten file deserves a fresh attempt).
        this.#observed.set(entry.name, { size: info.size, mtimeMs: info.mtimeMs, since: now, attempts: 0, notBefore: 0 });
        continue;
      }
      const readyAt = Math.max(seen.since + this.#pollMs, seen.notBefore);
      if (readyAt <= now) ready.push({ name: entry.name, mtimeMs: info.mtimeMs });
      else waitMs = Math.min(waitMs, readyAt - now);
    }
    for (const name of this.#observed.keys()) if (!present.has(name)) this.#observed.delete(name);
    ready.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : 1));
    return { next: ready[0]?.name, waitMs };
  }

  async #process(name: string): Promise<void> {
    const log = this.#log.child({ file: name });
    const source = path.join(this.#dir, name);
    try {
      let report: FileReport;
      try {
        const meta = parseDropFileName(name);
        report = await ingestFile({ path: source, meta, ingestor: this.options.ingestor, tenant: this.options.tenant, batchSize: this.options.batchSize, signal: this.#abort.signal });
      } catch (error) {
        if (!isFgcError(error) || error.code !== 'FGC_FILEDROP_INVALID_NAME') throw error;
        report = await nameFailureReport(source, this.options.tenant, error.code, error.message);
      }
      const moved = await this.#finish(source, name, report);
      this.#observed.delete(name);
      const fields = { status: report.status, counts: report.counts, to: moved, ...(report.error === null ? {} : { error: report.error }) };
      if (report.status === 'failed' || report.status === 'rejected') log.warn(fields, 'file failed');
      else log.info(fields, 'file processed');
    } catch (error) {
      if (this.#closed) return; // stopped half-way: the file stays and is taken up again on restart
      if (isFileGone(error)) {
        this.#observed.delete(name);
        log.warn('the file disappeared while being processed');
        return;
      }
      const seen = this.#observed.get(name);
      if (seen === undefined) return;
      seen.attempts++;
      const delayMs = Math.min(this.#retryBaseMs * 2 ** (seen.attempts - 1), this.#retryMaxMs);
      seen.notBefore = Date.now() + delayMs;
      log.warn({ err: error, attempt: seen.attempts, retryInMs: delayMs }, 'ingesting the file failed; it stays in the drop directory and is retried');
    }
  }

  /** Writes the report, then moves the file: the move is the commit. Returns the new path. */
  async #finish(source: string, name: string, report: FileReport): Promise<string> {
    const dir = path.join(this.#dir, destinationOf(report.status));
    const target = await freeName(dir, name);
    const reportPath = path.join(dir, `${target}.report.json`);
    const temp = path.join(dir, `.${target}.report.json.tmp`);
    await writeFile(temp, `${JSON.stringify(report, null, 2)}\n`);
    await rename(temp, reportPath);
    const moved = path.join(dir, target);
    await rename(source, moved);
    return moved;
  }
}

/**
 * `name` in `dir`, or `<stem>.<n><ext>` when a file of that name is already there (the same file
 * dropped again keeps both, each with its report). A report without its file is a leftover of a
 * crash between the two renames and is simply overwritten.
 */
async function freeName(dir: string, name: string): Promise<string> {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${stem}.${n}${ext}`;
    const taken = await stat(path.join(dir, candidate)).then(
      () => true,
      (error: unknown) => {
        if (isFileGone(error)) return false;
        throw error;
      },
    );
    if (!taken) return candidate;
  }
}

async function nameFailureReport(file: string, tenant: string, code: string, message: string): Promise<FileReport> {
  const now = new Date().toISOString();
  const { size } = await stat(file);
  return {
    file: path.basename(file),
    source: null,
    tenant,
    content_hash: null,
    size_bytes: size,
    status: 'failed',
    counts: { lines: 0, accepted: 0, rejected: 0, batches: 0, replayed: 0 },
    rejected_lines: [],
    rejected_lines_truncated: false,
    error: { code, message },
    started_at: now,
    finished_at: now,
  };
}

function isFileGone(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT';
}
