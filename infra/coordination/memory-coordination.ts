/**
 * The in-process coordination store (embedded mode): the Coordination port over plain Maps, for one
 * process on one machine. It mirrors the Redis adapter's semantics closely enough that both pass
 * the same contract suite:
 *
 * - One keyspace for strings, counters and sorted sets, like Redis: a counter reads back through
 *   `get` as its decimal text, and using a key as the wrong kind fails (WRONGTYPE).
 * - Expiry is lazy — every read checks the deadline against the injected clock, so answers are
 *   exact — plus a periodic, unref'd sweep that only bounds memory held by keys nobody reads again
 *   (idempotency keys, finished windows).
 * - `set` without a TTL clears any previous TTL, as Redis `SET` does.
 * - Leases live apart from the keys. Each name has a fencing counter that is never dropped, so a
 *   token is never handed out twice for a name, not even after the lease lapsed or was released.
 *   Acquiring a lease its own holder still holds succeeds with a new token (the old token is then
 *   stale), which is what "null when someone else holds it" in the port asks for.
 *
 * Every operation runs synchronously inside its promise, so concurrent calls from one process are
 * atomic by construction — the property the Redis adapter gets from single commands and Lua.
 */
import { FgcError } from '../errors.js';
import { checkIncrement, checkLimit, checkScore, checkTtl } from './coordination-arguments.js';
import type { Coordination, Lease, ScheduledEntry } from './coordination.js';

/**
 * Why every 30 s: lazy expiry already keeps answers exact; the sweep only returns memory of
 * expired keys nobody touches again, and a pass is O(keys), so there is no point doing it often.
 */
const SWEEP_INTERVAL_MS = 30_000;

export interface MemoryCoordinationOptions {
  /** The clock expiry and lease deadlines are measured on; `Date.now` by default. Tests pass a fake one. */
  readonly now?: () => number;
  /** How often expired entries are dropped from memory; 30 s by default. */
  readonly sweepIntervalMs?: number;
}

type Entry =
  | { kind: 'string'; value: string; expiresAt: number | undefined }
  // Sorted sets never carry a TTL: the port has no way to give them one.
  | { kind: 'zset'; members: Map<string, number> };

interface HeldLease {
  readonly holder: string;
  readonly token: number;
  expiresAt: number;
}

/** The same canonical integer text Redis accepts for INCRBY (no sign, spaces or leading zeros). */
const INTEGER_TEXT = /^-?(0|[1-9][0-9]*)$/;

function wrongType(): FgcError {
  // Redis's own wording, so logs read the same in both modes. A bug, not an outage: not retriable.
  return new FgcError('FGC_COORD_COMMAND_FAILED', 'WRONGTYPE Operation against a key holding the wrong kind of value');
}

/** Redis orders equal scores by member, comparing bytes; JavaScript's `<` compares UTF-16 units. */
function byScoreThenMember(a: ScheduledEntry, b: ScheduledEntry): number {
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  return Buffer.compare(Buffer.from(a.member), Buffer.from(b.member));
}

class MemoryCoordination implements Coordination {
  readonly kind = 'embedded' as const;
  readonly #entries = new Map<string, Entry>();
  readonly #leases = new Map<string, HeldLease>();
  /** Last token handed out per lease name; never deleted, so tokens only grow. */
  readonly #fences = new Map<string, number>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;
  #closed = false;

  constructor(options: MemoryCoordinationOptions) {
    this.#now = options.now ?? Date.now;
    this.#sweeper = setInterval(() => this.#sweep(), options.sweepIntervalMs ?? SWEEP_INTERVAL_MS);
    // The sweep is housekeeping; it must never keep a process alive that has nothing else to do.
    this.#sweeper.unref();
  }

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.#run(() => {
      checkTtl(ttlMs, 'setIfAbsent');
      if (this.#live(key) !== undefined) return false;
      this.#entries.set(key, { kind: 'string', value, expiresAt: this.#now() + ttlMs });
      return true;
    });
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    return this.#run(() => {
      if (ttlMs !== undefined) checkTtl(ttlMs, 'set');
      this.#entries.set(key, { kind: 'string', value, expiresAt: ttlMs === undefined ? undefined : this.#now() + ttlMs });
    });
  }

  get(key: string): Promise<string | null> {
    return this.#run(() => {
      const entry = this.#live(key);
      if (entry === undefined) return null;
      if (entry.kind !== 'string') throw wrongType();
      return entry.value;
    });
  }

  del(key: string): Promise<boolean> {
    return this.#run(() => this.#live(key) !== undefined && this.#entries.delete(key));
  }

  incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    return this.#run(() => {
      checkIncrement(by);
      if (ttlMs !== undefined) checkTtl(ttlMs, 'incr');
      const entry = this.#live(key);
      if (entry === undefined) {
        // Created by this call: only now does the window start (a fixed window, not a sliding one).
        this.#entries.set(key, { kind: 'string', value: String(by), expiresAt: ttlMs === undefined ? undefined : this.#now() + ttlMs });
        return by;
      }
      if (entry.kind !== 'string') throw wrongType();
      const current = INTEGER_TEXT.test(entry.value) ? Number(entry.value) : Number.NaN;
      const next = current + by;
      if (!Number.isSafeInteger(current) || !Number.isSafeInteger(next)) {
        throw new FgcError('FGC_COORD_COMMAND_FAILED', 'ERR value is not an integer or out of range');
      }
      entry.value = String(next); // the deadline stays as it was
      return next;
    });
  }

  acquireLease(name: string, holder: string, ttlMs: number): Promise<Lease | null> {
    return this.#run(() => {
      checkTtl(ttlMs, 'acquireLease');
      const current = this.#liveLease(name);
      if (current !== undefined && current.holder !== holder) return null;
      const token = (this.#fences.get(name) ?? 0) + 1;
      this.#fences.set(name, token);
      const expiresAt = this.#now() + ttlMs;
      this.#leases.set(name, { holder, token, expiresAt });
      return { name, holder, token, expiresAt };
    });
  }

  renewLease(lease: Lease, ttlMs: number): Promise<Lease | null> {
    return this.#run(() => {
      checkTtl(ttlMs, 'renewLease');
      const current = this.#heldBy(lease);
      if (current === undefined) return null;
      current.expiresAt = this.#now() + ttlMs;
      return { name: lease.name, holder: lease.holder, token: lease.token, expiresAt: current.expiresAt };
    });
  }

  releaseLease(lease: Lease): Promise<boolean> {
    return this.#run(() => this.#heldBy(lease) !== undefined && this.#leases.delete(lease.name));
  }

  zadd(key: string, score: number, member: string): Promise<void> {
    return this.#run(() => {
      checkScore(score, 'zadd');
      const entry = this.#live(key);
      if (entry === undefined) {
        this.#entries.set(key, { kind: 'zset', members: new Map([[member, score]]) });
        return;
      }
      if (entry.kind !== 'zset') throw wrongType();
      entry.members.set(member, score);
    });
  }

  zrangeByScore(key: string, maxScore: number, limit: number): Promise<ScheduledEntry[]> {
    return this.#run(() => {
      checkScore(maxScore, 'zrangeByScore');
      checkLimit(limit);
      const entry = this.#live(key);
      if (entry === undefined || limit === 0) return [];
      if (entry.kind !== 'zset') throw wrongType();
      // A full sort per call: embedded mode serves one machine's retry schedules, which stay small.
      const due: ScheduledEntry[] = [];
      for (const [member, score] of entry.members) if (score <= maxScore) due.push({ member, score });
      return due.sort(byScoreThenMember).slice(0, limit);
    });
  }

  zrem(key: string, member: string): Promise<boolean> {
    return this.#run(() => {
      const entry = this.#live(key);
      if (entry === undefined) return false;
      if (entry.kind !== 'zset') throw wrongType();
      const removed = entry.members.delete(member);
      // Redis drops a sorted set with its last member; so do we, or the key would linger forever.
      if (entry.members.size === 0) this.#entries.delete(key);
      return removed;
    });
  }

  ping(): Promise<void> {
    return this.#run(() => undefined);
  }

  close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#entries.clear();
    this.#leases.clear();
    return Promise.resolve();
  }

  /** Runs `operation` inside a promise, so a throw (closed store, bad argument) becomes a rejection. */
  #run<T>(operation: () => T): Promise<T> {
    return new Promise<T>((resolve) => {
      if (this.#closed) throw new FgcError('FGC_COORD_UNAVAILABLE', 'the coordination store is closed', { retriable: false });
      resolve(operation());
    });
  }

  /** The entry under `key` unless it has expired (then it is dropped on the spot). */
  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry?.kind === 'string' && entry.expiresAt !== undefined && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #liveLease(name: string): HeldLease | undefined {
    const lease = this.#leases.get(name);
    if (lease !== undefined && lease.expiresAt <= this.#now()) {
      this.#leases.delete(name);
      return undefined;
    }
    return lease;
  }

  /** The live lease `name` when it is still held by this holder with this very token. */
  #heldBy(lease: Lease): HeldLease | undefined {
    const current = this.#liveLease(lease.name);
    return current !== undefined && current.holder === lease.holder && current.token === lease.token ? current : undefined;
  }

  #sweep(): void {
    for (const key of this.#entries.keys()) this.#live(key);
    for (const name of this.#leases.keys()) this.#liveLease(name);
  }
}

/** The in-process coordination store; `close()` stops its sweep and drops everything it holds. */
export function createMemoryCoordination(options: MemoryCoordinationOptions = {}): Coordination {
  return new MemoryCoordination(options);
}
