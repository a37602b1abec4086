/**
 * The cursor-store port: where the ERP poller keeps, per (tenant, source, entity), its cursor and
 * the recently published (id, version) pairs, so a restart resumes where the last acknowledged
 * page left off. Adapters: a file per entity in the data directory (`file-cursor-store.ts`) and a
 * ClickHouse table (`clickhouse-cursor-store.ts`, migration 003) that replicas share.
 *
 * Every saved state carries a revision and the store keeps the highest one. The poller builds
 * revisions from its lease's fencing token, so a replica that lost its lease without noticing
 * (a long pause) cannot overwrite the state of the replica that took over.
 */
import { FgcError } from '../../infra/errors.js';
import type { PublishedKey, SyncCursor } from './sync-cursor.js';

export interface CursorKey {
  readonly tenant: string;
  readonly sourceId: string;
  readonly entity: string;
}

export interface CursorState {
  /** Higher wins; see the module comment. A safe integer. */
  readonly revision: number;
  readonly cursor: SyncCursor | null;
  readonly published: readonly PublishedKey[];
}

export interface CursorStore {
  /** The state with the highest revision saved for `key`, or null when none was. */
  load(key: CursorKey): Promise<CursorState | null>;
  /** Saves `state` unless a higher revision is already stored (then it is ignored). */
  save(key: CursorKey, state: CursorState): Promise<void>;
  close(): Promise<void>;
}

/** Stored form: published pairs as `[id, version, updatedAtMs]` triples, a third of the size of objects. */
interface StoredState {
  readonly format: 1;
  readonly revision: number;
  readonly cursor: SyncCursor | null;
  readonly published: readonly (readonly [string, string, number])[];
}

export function encodeCursorState(state: CursorState): string {
  const stored: StoredState = {
    format: 1,
    revision: state.revision,
    cursor: state.cursor,
    published: state.published.map((p) => [p.id, p.version, p.updatedAtMs] as const),
  };
  return JSON.stringify(stored);
}

function corrupt(where: string, problem: string, cause?: unknown): FgcError {
  return new FgcError('FGC_ERP_CURSOR_CORRUPT', `cursor ${where} cannot be read: ${problem}`, { cause, details: [{ where, problem }] });
}

function isCursor(value: unknown): value is SyncCursor {
  const c = value as Partial<SyncCursor> | null;
  return typeof c === 'object' && c !== null && typeof c.id === 'string' && typeof c.updatedAt === 'string' && !Number.isNaN(Date.parse(c.updatedAt));
}

function isTriple(value: unknown): value is [string, string, number] {
  return Array.isArray(value) && value.length === 3 && typeof value[0] === 'string' && typeof value[1] === 'string' && Number.isFinite(value[2]);
}

/**
 * Parses a stored state; anything else is FGC_ERP_CURSOR_CORRUPT naming `where`. Never "no
 * cursor": silently starting over would re-pull a source's whole history.
 */
export function decodeCursorState(text: string, where: string): CursorState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw corrupt(where, `not JSON (${(error as Error).message})`, error);
  }
  const s = raw as Partial<Record<keyof StoredState, unknown>> | null;
  if (typeof s !== 'object' || s === null || s.format !== 1) throw corrupt(where, 'unknown format');
  if (typeof s.revision !== 'number' || !Number.isSafeInteger(s.revision) || s.revision < 0) throw corrupt(where, 'revision is not a whole number');
  if (s.cursor !== null && !isCursor(s.cursor)) throw corrupt(where, 'cursor is not {updatedAt, id}');
  if (!Array.isArray(s.published) || !s.published.every(isTriple)) throw corrupt(where, 'published is not a list of [id, version, updatedAtMs]');
  return {
    revision: s.revision,
    cursor: s.cursor,
    published: s.published.map(([id, version, updatedAtMs]) => ({ id, version, updatedAtMs })),
  };
}

/** Tenants, sources and entities become path segments and keys; the config enforces this shape too. */
const KEY_PART = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export function checkCursorKey(key: CursorKey): void {
  for (const part of [key.tenant, key.sourceId, key.entity]) {
    if (!KEY_PART.test(part)) throw new FgcError('FGC_CONFIG_INVALID', `invalid cursor key part ${JSON.stringify(part)}`);
  }
}
