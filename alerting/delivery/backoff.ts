/**
 * How long a notification waits before its next attempt after a transient failure: exponential
 * backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"), honouring
 * the server's Retry-After. Pure: the random source is passed in, so tests replay exactly.
 *
 *   ceiling(attempt) = min(capMs, baseMs × factor^(attempt − 1))    monotone in attempt, ≤ capMs
 *   delay            = max(random() × ceiling(attempt), min(retryAfterMs, maxRetryAfterMs))
 *
 * Full jitter spreads a burst of failures (a receiver that was down for everyone) over the whole
 * window instead of synchronizing the retries into the next burst. Retry-After is a floor: coming
 * back earlier than the server asked only earns another 429 and burns an attempt. It is bounded by
 * `maxRetryAfterMs` so a bogus header cannot park a notification for days.
 */

export interface BackoffConfig {
  /** Ceiling of the first retry's delay. */
  readonly baseMs: number;
  /** Growth of the ceiling per attempt. */
  readonly factor: number;
  /** Largest ceiling of the exponential part. */
  readonly capMs: number;
  /** Largest Retry-After honoured. */
  readonly maxRetryAfterMs: number;
}

/**
 * Base 1 s: a receiver's blip is retried at once-ish. Factor 2 up to 5 min: ten attempts span
 * about 20 minutes of worst-case waits (1+2+4+…+256 s, then 300 s), enough to ride out a restart
 * of an SMTP server or a Slack rate-limit window, short enough that a real outage becomes a
 * visible `failed` row the same hour. Retry-After is honoured up to one hour (Slack asks for
 * seconds to a minute; anything past an hour is treated as an hour).
 */
export const DEFAULT_BACKOFF: BackoffConfig = Object.freeze({ baseMs: 1_000, factor: 2, capMs: 5 * 60_000, maxRetryAfterMs: 60 * 60_000 });

/** The exponential ceiling of the delay after failed attempt number `attempt` (1-based; below 1 counts as 1). */
export function backoffCeilingMs(attempt: number, config: BackoffConfig = DEFAULT_BACKOFF): number {
  const n = Number.isFinite(attempt) ? Math.max(1, Math.floor(attempt)) : 1;
  const base = Math.min(nonNegative(config.baseMs), Number.MAX_SAFE_INTEGER);
  const cap = nonNegative(config.capMs);
  const factor = Number.isFinite(config.factor) && config.factor >= 1 ? config.factor : 1;
  // factor^(n-1) overflows to Infinity for large n; min() then yields the cap, as it should.
  return Math.min(cap, base * factor ** (n - 1));
}

/**
 * Milliseconds to wait after failed attempt number `attempt` (1-based), given the server's
 * Retry-After (undefined when it said nothing). `random` returns a number in [0, 1).
 */
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, config: BackoffConfig = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
  const jittered = Math.floor(unit * backoffCeilingMs(attempt, config));
  const asked = retryAfterMs === undefined ? 0 : Math.min(nonNegative(retryAfterMs), nonNegative(config.maxRetryAfterMs));
  const delay = Math.max(jittered, Math.ceil(asked));
  // Only an infinite config can get here; waiting forever would strand the notification.
  return Number.isFinite(delay) ? delay : DEFAULT_BACKOFF.maxRetryAfterMs;
}

/** NaN and negative values count as 0; Infinity stays (min() with it is harmless). */
function nonNegative(value: number): number {
  return Number.isNaN(value) || value < 0 ? 0 : value;
}
