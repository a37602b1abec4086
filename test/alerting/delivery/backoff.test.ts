import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffCeilingMs, DEFAULT_BACKOFF, retryDelayMs, type BackoffConfig } from '../../../alerting/delivery/backoff.js';
import { mulberry32 } from '../../../infra/seeded-random.js';

const config = fc.record({
  baseMs: fc.integer({ min: 1, max: 60_000 }),
  factor: fc.double({ min: 1, max: 10, noNaN: true }),
  capMs: fc.integer({ min: 1, max: 3_600_000 }),
  maxRetryAfterMs: fc.integer({ min: 0, max: 86_400_000 }),
}) satisfies fc.Arbitrary<BackoffConfig>;
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('backoff', () => {
  it('doubles from 1 s up to the 5 min cap by default', () => {
    expect([1, 2, 3, 4, 8, 9, 10, 50].map((n) => backoffCeilingMs(n))).toEqual([1_000, 2_000, 4_000, 8_000, 128_000, 256_000, 300_000, 300_000]);
    // Full jitter: the delay spans the whole window, from 0 to just under the ceiling.
    expect(retryDelayMs(4, undefined, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(retryDelayMs(4, undefined, DEFAULT_BACKOFF, () => 0.5)).toBe(4_000);
    expect(retryDelayMs(4, undefined, DEFAULT_BACKOFF, () => 0.999_999)).toBe(7_999);
  });

  it('has a ceiling that never decreases with the attempt and never passes the cap', () => {
    fc.assert(
      fc.property(config, fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 0, max: 50 }), (c, attempt, more) => {
        const a = backoffCeilingMs(attempt, c);
        const b = backoffCeilingMs(attempt + more, c);
        expect(a).toBeLessThanOrEqual(b);
        expect(b).toBeLessThanOrEqual(c.capMs);
        expect(a).toBeGreaterThanOrEqual(Math.min(c.baseMs, c.capMs));
      }),
    );
  });

  it('keeps a jittered delay within [0, ceiling] and honours Retry-After as a floor up to its bound', () => {
    fc.assert(
      fc.property(config, fc.integer({ min: 1, max: 100 }), unit, fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined }), (c, attempt, r, retryAfter) => {
        const ceiling = backoffCeilingMs(attempt, c);
        const delay = retryDelayMs(attempt, retryAfter, c, () => r);
        expect(Number.isInteger(delay)).toBe(true);
        const floor = retryAfter === undefined ? 0 : Math.min(retryAfter, c.maxRetryAfterMs);
        expect(delay).toBeGreaterThanOrEqual(floor);
        expect(delay).toBeLessThanOrEqual(Math.max(ceiling, floor));
        if (retryAfter === undefined) expect(delay).toBe(Math.floor(r * ceiling));
      }),
    );
  });

  it('spreads delays over the window with a seeded source, and replays it exactly', () => {
    const delays = (seed: number): number[] => {
      const random = mulberry32(seed);
      return Array.from({ length: 200 }, () => retryDelayMs(6, undefined, DEFAULT_BACKOFF, random));
    };
    const first = delays(42);
    expect(delays(42)).toEqual(first);
    expect(delays(43)).not.toEqual(first);
    // Ceiling 32 s: the draws cover the low, middle and high thirds of it.
    for (const [lo, hi] of [[0, 10_667], [10_667, 21_333], [21_333, 32_000]] as const) expect(first.some((d) => d >= lo && d < hi)).toBe(true);
  });

  it('survives nonsense: attempt 0, negative or NaN attempts, random outside [0, 1), negative or huge Retry-After', () => {
    expect(backoffCeilingMs(0)).toBe(1_000);
    expect(backoffCeilingMs(-5)).toBe(1_000);
    expect(backoffCeilingMs(Number.NaN)).toBe(1_000);
    expect(backoffCeilingMs(1e9)).toBe(300_000);
    expect(backoffCeilingMs(3, { ...DEFAULT_BACKOFF, factor: 0.5 })).toBe(1_000);
    expect(retryDelayMs(1, undefined, DEFAULT_BACKOFF, () => 7)).toBe(1_000);
    expect(retryDelayMs(1, undefined, DEFAULT_BACKOFF, () => -1)).toBe(0);
    expect(retryDelayMs(1, undefined, DEFAULT_BACKOFF, () => Number.NaN)).toBe(0);
    expect(retryDelayMs(1, -30_000, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(retryDelayMs(1, Number.NaN, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(retryDelayMs(1, 90 * 86_400_000, DEFAULT_BACKOFF, () => 0)).toBe(3_600_000);
    expect(retryDelayMs(1, Number.POSITIVE_INFINITY, DEFAULT_BACKOFF, () => 0)).toBe(3_600_000);
    expect(retryDelayMs(2, 1.2, DEFAULT_BACKOFF, () => 0)).toBe(2);
  });
});
