/**
 * The report written beside every processed file (`<name>.report.json`) and printed by
 * `ingest-file`: what the file was taken for, what became of its lines, and where it went.
 * The status decides the destination: anything accepted (now or in an earlier run) → `done/`;
 * nothing accepted, nothing readable, or a name that says nothing → `failed/`.
 */
import type { DropFileMeta } from './file-name.js';

export const FILE_STATUSES = ['ingested', 'partial', 'replayed', 'rejected', 'failed'] as const;
/**
 * - `ingested`: every line accepted; `partial`: some lines rejected;
 * - `replayed`: every batch had been ingested before (same content): nothing new;
 * - `rejected`: no line accepted; `failed`: the file could not be read or ingested (see `error`).
 */
export type FileStatus = (typeof FILE_STATUSES)[number];

export interface RejectedLine {
  /** Physical line where the record starts; null if the ingestor named a record we cannot place. */
  readonly line: number | null;
  readonly field: string | null;
  readonly message: string;
}

export interface FileCounts {
  /** Data records read (CSV records after the header, non-blank JSON lines). */
  readonly lines: number;
  /** Records the ingestor accepted (for replayed batches: as it accepted them the first time). */
  readonly accepted: number;
  /** Lines rejected by the reader plus records rejected by the ingestor. */
  readonly rejected: number;
  /** `ingest` calls made. */
  readonly batches: number;
  /** Batches the ingestor had seen before with the same content (nothing re-published). */
  readonly replayed: number;
}

export interface FileReport {
  readonly file: string;
  /** What the records were ingested as; null when the name said nothing usable. */
  readonly source: (Omit<DropFileMeta, 'mapping'> & { readonly mapping: string }) | null;
  readonly tenant: string;
  /** Hash of content and interpretation; batch references are `<content_hash>:<n>`. */
  readonly content_hash: string | null;
  readonly size_bytes: number;
  readonly status: FileStatus;
  readonly counts: FileCounts;
  /** Sorted by line; at most MAX_REPORTED_REJECTIONS (the counts stay exact). */
  readonly rejected_lines: readonly RejectedLine[];
  readonly rejected_lines_truncated: boolean;
  /** Why the file failed as a whole. */
  readonly error: { readonly code: string; readonly message: string; readonly line?: number } | null;
  readonly started_at: string;
  readonly finished_at: string;
}

/**
 * How many rejected lines a report lists. A file with a systematic problem (a wrong mapping) can
 * reject millions of lines; the first thousand show the pattern and keep the report readable and
 * the process's memory bounded.
 */
export const MAX_REPORTED_REJECTIONS = 1000;

/** Collects rejected lines up to MAX_REPORTED_REJECTIONS. */
export class RejectionLog {
  readonly #lines: RejectedLine[] = [];
  #truncated = false;

  add(line: RejectedLine): void {
    if (this.#lines.length < MAX_REPORTED_REJECTIONS) this.#lines.push(line);
    else this.#truncated = true;
  }

  /** The ingestor found more problems than it listed (`errors_total`): the list is incomplete. */
  markTruncated(): void {
    this.#truncated = true;
  }

  get truncated(): boolean {
    return this.#truncated;
  }

  sorted(): RejectedLine[] {
    return [...this.#lines].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  }
}

/** The status of a file that was read to the end. */
export function statusOf(counts: FileCounts): FileStatus {
  if (counts.accepted === 0) return 'rejected';
  if (counts.replayed === counts.batches) return 'replayed';
  return counts.rejected > 0 ? 'partial' : 'ingested';
}

/** Where a processed file goes. */
export function destinationOf(status: FileStatus): 'done' | 'failed' {
  return status === 'rejected' || status === 'failed' ? 'failed' : 'done';
}
