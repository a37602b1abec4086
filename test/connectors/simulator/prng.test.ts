import { describe, expect, it } from 'vitest';
import { Rng, hash32, rngFor } from '../../../connectors/simulator/prng.js';

describe('seeded PRNG', () => {
  it('repeats a stream for the same key and differs for another key', () => {
    const draw = (rng: Rng): number[] => Array.from({ length: 8 }, () => rng.next());
    expect(draw(rngFor(42, 1, 2, 3))).toEqual(draw(rngFor(42, 1, 2, 3)));
    expect(draw(rngFor(42, 1, 2, 3))).not.toEqual(draw(rngFor(42, 1, 2, 4)));
    expect(draw(rngFor(42, 1, 2, 3))).not.toEqual(draw(rngFor(43, 1, 2, 3)));
    // Seeds beyond 32 bits still matter.
    expect(hash32(2 ** 40 + 5, 1)).not.toBe(hash32(5, 1));
  });

  it('draws uniforms in [0, 1) with the right mean, and hits every bucket', () => {
    const rng = new Rng(1);
    const buckets = Array.from({ length: 10 }, () => 0);
    let sum = 0;
    for (let i = 0; i < 20_000; i += 1) {
      const u = rng.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      sum += u;
      buckets[Math.floor(u * 10)]! += 1;
    }
    expect(sum / 20_000).toBeCloseTo(0.5, 1);
    for (const count of buckets) expect(count).toBeGreaterThan(1_800);
  });

  it('samples Poisson and binomial with the right means', () => {
    const rng = new Rng(9);
    const n = 10_000;
    const meanOf = (draw: () => number): number => Array.from({ length: n }, draw).reduce((a, b) => a + b, 0) / n;
    expect(meanOf(() => rng.poisson(3))).toBeCloseTo(3, 1);
    expect(meanOf(() => rng.poisson(80))).toBeGreaterThan(79);
    expect(meanOf(() => rng.poisson(80))).toBeLessThan(81);
    expect(meanOf(() => rng.binomial(100, 0.02))).toBeCloseTo(2, 1);
    expect(meanOf(() => rng.binomial(200, 0.4))).toBeGreaterThan(79);
    expect(meanOf(() => rng.binomial(200, 0.4))).toBeLessThan(81);
    for (let i = 0; i < 1000; i += 1) {
      const k = rng.binomial(50, 0.3);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThanOrEqual(50);
    }
  });
});
