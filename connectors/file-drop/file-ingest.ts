/**
 * Ingests one file: the shared core of the file-drop watcher and `forgecast ingest-file`.
 *
 * Two streaming passes over the file:
 * 1. check — hashes the bytes and reads every record without sending anything. Problems that
 *    make the file unreadable (invalid UTF-8, an unterminated quote, no header) are usually found
 *    only near the end; finding them here means such a file goes to `failed/` with nothing of it
 *    ingested, instead of leaving its first batches in the platform.
 * 2. ingest — reads again and hands records to the ingestor in batches of `batchSize`, batch n
 *    with batch_reference `<content hash>:<n>`. Parsing is deterministic, so a file read again
 *    (dropped twice, or re-processed after a crash mid-file) produces the same batches under the
 *    same references, and the ingestor's idempotency turns them into replays: nothing doubles.
 *
 * The hash covers the bytes and how they are interpreted (source type, record type, mapping,
 * batch size, reader version): the same bytes under another profile are another ingestion, not a
 * conflicting replay. Bump HASH_VERSION whenever the readers change what records a file yields.
 *
 * Errors: a non-retriable FgcError (unreadable file, envelope refused, conflicting replay) ends
 * in a `failed` report; anything else — a retriable FgcError, an unknown error, an abort — is
 * thrown, so the caller can leave the file where it is and try again later.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { isFgcError } from '../../infra/errors.js';
import type { Ingestor, IngestRequest, IngestResult, RecordError } from '../ingest/ingestor.js';
import type { DropFileMeta } from './file-name.js';
import { RejectionLog, statusOf, type FileReport } from './file-report.js';
import { fileBytes, readRecords } from './record-stream.js';

/**
 * Records per `ingest` call: large enough that per-batch overhead (one publish acknowledgement,
 * one batch row) is amortized, small enough to stay well inside an ingestor's record-count limit.
 * Part of the content hash, so changing it re-ingests (idempotently per batch, not per record).
 */
export const DEFAULT_BATCH_SIZE = 1000;

/** Progress is reported every this many lines: frequent enough to show life, rare enough to read. */
export const DEFAULT_PROGRESS_EVERY = 10_000;

/** Version of how files become batches; part of the content hash (see the module comment). */
const HASH_VERSION = 'forgecast-file-drop/1';

/** Hex digits of the SHA-256 kept: 128 bits cannot collide by accident, and references stay short. */
const HASH_HEX_CHARS = 32;

export interface FileProgress {
  readonly phase: 'check' | 'ingest';
  readonly lines: number;
  readonly accepted: number;
  readonly rejected: number;
  /** Bytes read and milliseconds spent in this phase (pass) so far. */
  readonly bytes: number;
  readonly elapsedMs: number;
}

export interface IngestFileOptions {
  readonly path: string;
  readonly meta: DropFileMeta;
  readonly ingestor: Ingestor;
  readonly tenant: string;
  readonly batchSize?: number;
  /** Stops between batches (throwing the signal's reason); the file can be processed again later. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: FileProgress) => void;
  readonly progressEvery?: number;
}

export async function ingestFile(options: IngestFileOptions): Promise<FileReport> {
  const { meta, ingestor, tenant } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const progressEvery = options.progressEvery ?? DEFAULT_PROGRESS_EVERY;
  const startedAt = new Date().toISOString();
  /** Start of the current pass, for throughput. */
  let passStarted = performance.now();
  const file = path.basename(options.path);
  const source = { ...meta, mapping: meta.mapping ?? 'canonical' };
  const { size } = await stat(options.path);

  const counts = { lines: 0, accepted: 0, rejected: 0, batches: 0, replayed: 0 };
  const rejections = new RejectionLog();
  let bytes = 0;
  const progress = (phase: FileProgress['phase'], lines: number): void => {
    if (options.onProgress !== undefined && lines % progressEvery === 0) {
      options.onProgress({ phase, lines, accepted: counts.accepted, rejected: counts.rejected, bytes, elapsedMs: performance.now() - passStarted });
    }
  };
  const report = (extra: Pick<FileReport, 'status' | 'error' | 'content_hash'>): FileReport => ({
    file,
    source,
    tenant,
    size_bytes: size,
    counts: { ...counts },
    rejected_lines: rejections.sorted(),
    rejected_lines_truncated: rejections.truncated,
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    ...extra,
  });

  // Pass 1: hash and check.
  const hash = createHash('sha256').update([HASH_VERSION, meta.source_type, meta.record_type, source.mapping, String(batchSize), ''].join('\n'));
  let checked = 0;
  try {
    const tap = (chunk: Uint8Array): void => {
      hash.update(chunk);
      bytes += chunk.length;
    };
    for await (const _item of readRecords(fileBytes(options.path, tap), meta.format)) {
      progress('check', ++checked);
      if (checked % batchSize === 0) options.signal?.throwIfAborted(); // a huge file must not hold up a shutdown
    }
  } catch (error) {
    if (isFgcError(error) && !error.retriable) {
      const line = error.details[0]?.line;
      return report({ status: 'failed', content_hash: null, error: { code: error.code, message: error.message, ...(typeof line === 'number' ? { line } : {}) } });
    }
    throw error;
  }
  const contentHash = hash.digest('hex').slice(0, HASH_HEX_CHARS);
  if (checked === 0) {
    return report({ status: 'failed', content_hash: contentHash, error: { code: 'FGC_FILEDROP_UNPARSABLE', message: 'the file holds no records' } });
  }

  // Pass 2: ingest in batches.
  bytes = 0;
  passStarted = performance.now();
  let records: Readonly<Record<string, unknown>>[] = [];
  let lines: number[] = [];
  const flush = async (): Promise<void> => {
    options.signal?.throwIfAborted();
    counts.batches++;
    const request: IngestRequest = {
      tenant,
      source_type: meta.source_type,
      source_id: meta.source_id,
      batch_reference: `${contentHash}:${counts.batches}`,
      ...(meta.mapping === undefined ? {} : { mapping: meta.mapping }),
      data: { [meta.record_type]: records },
    };
    const result = await ingestor.ingest(request).catch((error: unknown) => allInvalidResult(error, records.length));
    counts.accepted += result.accepted;
    counts.rejected += result.rejected;
    if (result.replayed) counts.replayed++;
    for (const e of result.errors) rejections.add({ line: lines[e.index] ?? null, field: e.field, message: e.message });
    if ((result.errors_total ?? 0) > result.errors.length) rejections.markTruncated();
    records = [];
    lines = [];
  };
  try {
    for await (const item of readRecords(fileBytes(options.path, (chunk) => (bytes += chunk.length)), meta.format)) {
      counts.lines++;
      if (item.kind === 'rejected') {
        counts.rejected++;
        rejections.add({ line: item.line, field: item.field, message: item.message });
      } else {
        records.push(item.record);
        lines.push(item.line);
        if (records.length >= batchSize) await flush();
      }
      progress('ingest', counts.lines);
    }
    if (records.length > 0) await flush();
  } catch (error) {
    if (isFgcError(error) && !error.retriable) {
      const where = error.code.startsWith('FGC_FILEDROP_') ? '' : `batch ${counts.batches}: `;
      return report({ status: 'failed', content_hash: contentHash, error: { code: error.code, message: `${where}${error.message}` } });
    }
    throw error;
  }
  return report({ status: statusOf(counts), content_hash: contentHash, error: null });
}

/**
 * The Ingestor contract returns a `rejected` result when every record of a batch is invalid, but
 * an implementation may signal it as FGC_INGEST_ALL_INVALID (the HTTP 422) with the record errors
 * in `details`. For a file that is one bad batch among good ones, never a reason to fail the file.
 */
function allInvalidResult(error: unknown, received: number): IngestResult {
  if (!isFgcError(error) || error.code !== 'FGC_INGEST_ALL_INVALID') throw error;
  const errors: RecordError[] = error.details.map((d) => ({
    record_type: typeof d.record_type === 'string' ? d.record_type : '',
    index: typeof d.index === 'number' ? d.index : -1,
    field: typeof d.field === 'string' ? d.field : null,
    message: typeof d.message === 'string' ? d.message : error.message,
  }));
  return { batch_id: '', batch_reference: '', status: 'rejected', received, accepted: 0, rejected: received, errors, replayed: false };
}
