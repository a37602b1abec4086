/**
 * What the file readers (CSV, JSON Lines) produce: one item per data record, in file order,
 * either a record for the ingestor or a line rejected before it got that far. Problems that make
 * the whole file unreadable (not UTF-8, an unterminated quote, no header) are thrown as
 * FGC_FILEDROP_UNPARSABLE instead, with the line in `details`.
 */

/** A record read from the file; `line` is the physical line where it starts (1-based). */
export interface ReadRecord {
  readonly kind: 'record';
  readonly line: number;
  readonly record: Readonly<Record<string, unknown>>;
}

/** A line the reader could not turn into a record (wrong field count, bad JSON…). */
export interface ReadRejection {
  readonly kind: 'rejected';
  readonly line: number;
  /** The field at fault, or null when the line as a whole is. */
  readonly field: string | null;
  readonly message: string;
}

export type ReadItem = ReadRecord | ReadRejection;

/**
 * Longest record (in characters) a reader accepts. Real ERP rows are a few kB; the limit exists
 * so that a quote that is never closed cannot pull a multi-GB file into one string.
 */
export const MAX_RECORD_CHARS = 1 << 20;
