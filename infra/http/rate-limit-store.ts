/**
 * A @fastify/rate-limit store on the coordination port, so the same code counts in process
 * (embedded) and in Redis (services mode, shared by every API replica). Fixed windows: the
 * counter key names the window, so no TTL read is needed to answer "how long until reset".
 */
import type { Coordination } from '../coordination/coordination.js';

interface RateLimitState {
  current: number;
  ttl: number;
}
type Callback = (error: Error | null, state?: RateLimitState) => void;

export interface RateLimitStore {
  incr(key: string, callback: Callback, timeWindow: number): void;
  child(): RateLimitStore;
}

export function rateLimitStoreClass(coordination: Coordination, now: () => number = Date.now): new () => RateLimitStore {
  return class CoordinationRateLimitStore implements RateLimitStore {
    incr(key: string, callback: Callback, timeWindow: number): void {
      const at = now();
      const window = Math.floor(at / timeWindow);
      const ttl = (window + 1) * timeWindow - at;
      // The counter outlives its window a little so a slow clock on another replica still counts into it.
      coordination.incr(`ratelimit:${key}:${window}`, 1, timeWindow * 2).then(
        (current) => callback(null, { current, ttl }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }

    child(): RateLimitStore {
      return this;
    }
  };
}
