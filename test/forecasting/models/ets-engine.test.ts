import { describe, expect, it } from 'vitest';
import { EtsWork, etsPass, etsPassGeneral } from '../../../forecasting/models/ets-engine.js';
import type { EtsParams, EtsSpec } from '../../../forecasting/models/ets-engine.js';
import { mulberry32 } from '../../../infra/seeded-random.js';

function seasonalSeries(n: number, m: number, level: number, rand: () => number): Float64Array {
  return Float64Array.from({ length: n }, (_, t) => level * (1 + 0.3 * Math.sin((2 * Math.PI * t) / m) + 0.001 * t) * (0.8 + 0.4 * rand()));
}

const SPECS: EtsSpec[] = [
  { error: 'A', trend: 'N', season: 'N', m: 1 },
  { error: 'A', trend: 'A', season: 'N', m: 1 },
  { error: 'A', trend: 'Ad', season: 'N', m: 1 },
  { error: 'A', trend: 'N', season: 'A', m: 7 },
  { error: 'A', trend: 'Ad', season: 'A', m: 12 },
  { error: 'M', trend: 'N', season: 'N', m: 1 },
  { error: 'M', trend: 'Ad', season: 'N', m: 1 },
  { error: 'M', trend: 'N', season: 'M', m: 7 },
  { error: 'M', trend: 'Ad', season: 'M', m: 24 },
];

function params(spec: EtsSpec, y: Float64Array, rand: () => number): EtsParams {
  const m = spec.season === 'N' ? 1 : spec.m;
  const s0 = Float64Array.from({ length: m }, () => (spec.season === 'M' ? 0.9 + 0.2 * rand() : 5 * (rand() - 0.5)));
  const alpha = 0.05 + 0.9 * rand();
  return { alpha, beta: alpha * rand() * 0.5, gamma: (1 - alpha) * rand() * 0.5, phi: 0.8 + 0.18 * rand(), l0: (y[0] ?? 1) * (0.9 + 0.2 * rand()), b0: rand() - 0.5, s0 };
}

describe('ETS pass: the specialised loops compute what the general recursion does', () => {
  for (const spec of SPECS) {
    it(`${spec.error}${spec.trend}${spec.season} (m=${spec.m}): same loss, variance and final state`, () => {
      const rand = mulberry32(7 + spec.m + spec.trend.length);
      for (let trial = 0; trial < 20; trial += 1) {
        const level = [0.01, 1, 1e3, 1e7][trial % 4] ?? 1;
        const y = seasonalSeries(200 + 37 * trial, spec.season === 'N' ? 7 : spec.m, level, rand);
        const p = params(spec, y, rand);
        const m = spec.season === 'N' ? 1 : spec.m;
        const fast = etsPass(y, spec, p, new EtsWork(m), true);
        const general = etsPassGeneral(y, spec, p, new EtsWork(m), true);
        if (!Number.isFinite(general.loss)) {
          expect(fast.loss).toBe(general.loss);
          continue;
        }
        // The fast loops reassociate the updates and take Σ log μ from running products:
        // equal up to rounding.
        const close = (a: number, b: number): void => {
          expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
        };
        close(fast.loss, general.loss);
        close(fast.sigma2, general.sigma2);
        close(fast.state.level, general.state.level);
        close(fast.state.trend, general.state.trend);
        expect(fast.state.nextSeasonIndex).toBe(general.state.nextSeasonIndex);
        if (spec.season !== 'N') fast.state.season.forEach((v, i) => close(v, general.state.season[i] ?? Number.NaN));
      }
    });
  }

  it('a multiplicative model whose mean turns non-positive breaks down (infinite loss) in both', () => {
    const spec: EtsSpec = { error: 'M', trend: 'A', season: 'N', m: 1 };
    const y = Float64Array.from({ length: 50 }, (_, t) => 100 - 3 * t + 1);
    const p: EtsParams = { alpha: 0.5, beta: 0.4, gamma: 0, phi: 1, l0: 100, b0: -5, s0: new Float64Array(1) };
    expect(etsPass(y, spec, p, new EtsWork(1)).loss).toBe(Number.POSITIVE_INFINITY);
    expect(etsPassGeneral(y, spec, p, new EtsWork(1)).loss).toBe(Number.POSITIVE_INFINITY);
  });

  it('a huge multiplicative series (μ near 1e12 for 1,000 steps) keeps a finite, matching log-likelihood', () => {
    const spec: EtsSpec = { error: 'M', trend: 'N', season: 'N', m: 1 };
    const y = Float64Array.from({ length: 1000 }, (_, t) => 1e12 * (1 + 0.1 * Math.sin(t)));
    const p: EtsParams = { alpha: 0.3, beta: 0, gamma: 0, phi: 1, l0: 1e12, b0: 0, s0: new Float64Array(1) };
    const fast = etsPass(y, spec, p, new EtsWork(1));
    const general = etsPassGeneral(y, spec, p, new EtsWork(1));
    expect(Number.isFinite(fast.loss)).toBe(true);
    expect(Math.abs(fast.loss - general.loss)).toBeLessThanOrEqual(1e-9 * Math.abs(general.loss));
  });
});
