/**
 * The coordination port: only what may expire or can be rebuilt lives here (idempotency windows,
 * locks and leases, counters for rate limits, schedules of retries). Durable truth stays in the
 * stream and ClickHouse. Adapters: Redis through ioredis (`redis-coordination.ts`) and an
 * in-process store (`memory-coordination.ts`); one contract suite covers both.
 */

/** A held lease. `token` is a fencing token: strictly greater for every new acquisition of a name. */
export interface Lease {
  readonly name: string;
  readonly holder: string;
  readonly token: number;
  /** Milliseconds since the epoch when the lease lapses unless renewed. */
  readonly expiresAt: number;
}

export interface ScheduledEntry {
  readonly member: string;
  readonly score: number;
}

export interface Coordination {
  readonly kind: 'embedded' | 'redis';
  /** Sets `key` only when absent; true when this call set it. `ttlMs` bounds its life. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  get(key: string): Promise<string | null>;
  /** Deletes the key; true when it existed. */
  del(key: string): Promise<boolean>;
  /**
   * Adds `by` to a counter and returns the new value. When the counter is created by this call and
   * `ttlMs` is given, it expires after `ttlMs` (a fixed window, as rate limits need).
   */
  incr(key: string, by?: number, ttlMs?: number): Promise<number>;
  /** Acquires the lease `name` for `holder` when free or lapsed; null when someone else holds it. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<Lease | null>;
  /** Extends a lease still held by the same holder and token; null when it was lost. */
  renewLease(lease: Lease, ttlMs: number): Promise<Lease | null>;
  /** Gives the lease up if still held with this token; true when it was. */
  releaseLease(lease: Lease): Promise<boolean>;
  /** Adds or moves `member` in the sorted set `key` to `score`. */
  zadd(key: string, score: number, member: string): Promise<void>;
  /** Members with score ≤ `maxScore`, lowest first, at most `limit`. */
  zrangeByScore(key: string, maxScore: number, limit: number): Promise<ScheduledEntry[]>;
  /** Removes `member`; true when it was there (so exactly one of several racing workers wins it). */
  zrem(key: string, member: string): Promise<boolean>;
  /** Resolves when the store answers; rejects with FGC_COORD_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
