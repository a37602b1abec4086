/**
 * Argument checks shared by both coordination adapters. A bad TTL or score is a programming error;
 * checking it here, before any store is touched, makes it fail the same way in embedded mode as in
 * services mode (Redis would otherwise reject some of these with a terse reply and the in-process
 * store would silently accept them), so a test on either adapter catches it.
 */

/** A TTL must be a whole, positive number of milliseconds: Redis `PX` accepts nothing else. */
export function checkTtl(ttlMs: number, what: string): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`${what}: ttlMs must be a positive whole number of milliseconds, got ${ttlMs}`);
  }
}

/** Counters are 64-bit integers in Redis (`INCRBY`); we keep them within JavaScript's exact range. */
export function checkIncrement(by: number): void {
  if (!Number.isSafeInteger(by)) throw new RangeError(`incr: by must be a whole number, got ${by}`);
}

/** Scores are doubles; ±Infinity is a valid score in Redis, NaN is not. */
export function checkScore(score: number, what: string): void {
  if (typeof score !== 'number' || Number.isNaN(score)) throw new RangeError(`${what}: score must be a number, got ${score}`);
}

export function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`zrangeByScore: limit must be a whole number ≥ 0, got ${limit}`);
}
