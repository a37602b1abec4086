/**
 * The cursor rule of the ERP poller, as pure functions (no I/O).
 *
 * Records are ordered by position (updated_at, id). A cursor is the position of the last record
 * acknowledged by the ingestor. A sync asks the server for `updated_at >= cursor.updated_at -
 * overlap` — the overlap window catches rows committed late by long transactions and clock skew
 * between ERP servers — and publishes a record only when
 *   1. it lies inside that window (a server ignoring the filter cannot flood us with history), and
 *   2. its (id, version) is not in the published set: the pairs recently acknowledged, kept for
 *      as long as they can come back inside the window, persisted beside the cursor.
 * So a record at or before the cursor is dropped when it was published before, and published when
 * it was not — a late commit, or a record inserted with an updated_at equal to the cursor's and a
 * smaller id, both of which a plain "after the cursor" rule would lose for good.
 */

/** One record of a page, with the fields the cursor needs pulled out. */
export interface SourceRecord {
  readonly id: string;
  /** The version field when the source has one, else updated_at as the source wrote it. */
  readonly version: string;
  readonly updatedAtMs: number;
  /** The record as received, handed to the ingestor unchanged. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** A position in (updated_at, id) order. `updatedAt` is ISO 8601 with milliseconds, UTC. */
export interface SyncCursor {
  readonly updatedAt: string;
  readonly id: string;
}

/** A published (id, version) pair and the updated_at that decides how long it is remembered. */
export interface PublishedKey {
  readonly id: string;
  readonly version: string;
  readonly updatedAtMs: number;
}

/**
 * How many published pairs are remembered at most. The window normally holds far fewer (records
 * changed within five minutes); past this, the oldest are forgotten, and such a record seen again
 * is published once more — a duplicate downstream deduplicates, never a loss. 100,000 pairs keep
 * the stored state around 5 MB.
 */
export const PUBLISHED_LIMIT = 100_000;

const DIGITS = /^\d+$/;

/** Orders ids numerically when both are whole numbers (ERP keys often are), else by UTF-16 units. */
export function compareIds(a: string, b: string): number {
  if (DIGITS.test(a) && DIGITS.test(b)) {
    const x = a.replace(/^0+(?=\d)/, '');
    const y = b.replace(/^0+(?=\d)/, '');
    if (x.length !== y.length) return x.length - y.length;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function positionMs(p: SyncCursor | SourceRecord): number {
  return 'updatedAtMs' in p ? p.updatedAtMs : Date.parse(p.updatedAt);
}

/** Compares two positions in (updated_at, id) order. */
export function comparePositions(a: SyncCursor | SourceRecord, b: SyncCursor | SourceRecord): number {
  return positionMs(a) - positionMs(b) || compareIds(a.id, b.id);
}

export function cursorOf(record: SourceRecord): SyncCursor {
  return { updatedAt: new Date(record.updatedAtMs).toISOString(), id: record.id };
}

/** The later of two cursors; a cursor never moves backwards. */
export function laterCursor(a: SyncCursor | null, b: SyncCursor | null): SyncCursor | null {
  if (a === null) return b;
  if (b === null) return a;
  return comparePositions(a, b) >= 0 ? a : b;
}

/** The last record of `records` in (updated_at, id) order, or null for none. */
export function lastPosition(records: readonly SourceRecord[]): SyncCursor | null {
  let last: SourceRecord | undefined;
  for (const r of records) if (last === undefined || comparePositions(r, last) > 0) last = r;
  return last === undefined ? null : cursorOf(last);
}

/**
 * Where the next request starts: the cursor minus the overlap, or the configured start (or
 * everything, `undefined`) before the first acknowledged record.
 */
export function windowStartMs(cursor: SyncCursor | null, overlapMs: number, startFrom: string | undefined): number | undefined {
  if (cursor !== null) return Date.parse(cursor.updatedAt) - overlapMs;
  return startFrom === undefined ? undefined : Date.parse(startFrom);
}

function keyOf(id: string, version: string): string {
  // NUL cannot appear in JSON-decoded ids from sane ERPs and keeps "a|b"+"c" apart from "a"+"b|c".
  return `${id}\u0000${version}`;
}

/** The remembered published pairs (see the module comment). Insertion order = publication order. */
export class PublishedSet {
  readonly #entries = new Map<string, PublishedKey>();

  constructor(entries: readonly PublishedKey[] = []) {
    for (const e of entries) this.#entries.set(keyOf(e.id, e.version), e);
  }

  get size(): number {
    return this.#entries.size;
  }

  has(record: Pick<SourceRecord, 'id' | 'version'>): boolean {
    return this.#entries.has(keyOf(record.id, record.version));
  }

  add(record: SourceRecord): void {
    this.#entries.set(keyOf(record.id, record.version), { id: record.id, version: record.version, updatedAtMs: record.updatedAtMs });
  }

  /** Forgets pairs that can no longer come back (before `minMs`), then the oldest past `limit`. */
  prune(minMs: number | undefined, limit = PUBLISHED_LIMIT): void {
    if (minMs !== undefined) for (const [key, e] of this.#entries) if (e.updatedAtMs < minMs) this.#entries.delete(key);
    if (this.#entries.size <= limit) return;
    const oldest = [...this.#entries].sort(([, a], [, b]) => a.updatedAtMs - b.updatedAtMs).slice(0, this.#entries.size - limit);
    for (const [key] of oldest) this.#entries.delete(key);
  }

  entries(): PublishedKey[] {
    return [...this.#entries.values()];
  }
}

/**
 * The records of one page to publish, sorted by (updated_at, id): inside the window, not
 * published before, and each (id, version) once even when a page repeats it.
 */
export function selectFresh(records: readonly SourceRecord[], published: PublishedSet, windowStart: number | undefined): SourceRecord[] {
  const seen = new Set<string>();
  const fresh: SourceRecord[] = [];
  for (const r of records) {
    if (windowStart !== undefined && r.updatedAtMs < windowStart) continue;
    const key = keyOf(r.id, r.version);
    if (seen.has(key) || published.has(r)) continue;
    seen.add(key);
    fresh.push(r);
  }
  return fresh.sort(comparePositions);
}
