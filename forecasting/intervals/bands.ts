/**
 * Turning a point forecast plus a spread into interval bands that keep the contract's promises:
 * every requested level present, lower ≤ mean ≤ upper, wider levels containing narrower ones,
 * and no negative bound when the history never went negative.
 */
import type { ForecastOutput } from '../models/model.js';
import { centralZ } from './normal-quantile.js';

export type Bands = Pick<ForecastOutput, 'lower' | 'upper'>;

/** Normal bands mean ± z·sd[k] for each level. */
export function normalBands(mean: readonly number[], sd: readonly number[], levels: readonly number[]): Bands {
  const lower: Record<string, number[]> = {};
  const upper: Record<string, number[]> = {};
  for (const level of levels) {
    const z = centralZ(level);
    lower[String(level)] = mean.map((m, k) => m - z * (sd[k] ?? 0));
    upper[String(level)] = mean.map((m, k) => m + z * (sd[k] ?? 0));
  }
  return { lower, upper };
}

/** Validates levels: each strictly between 0 and 100. */
export function checkLevels(levels: readonly number[]): void {
  for (const level of levels) {
    if (!(level > 0 && level < 100)) throw new RangeError(`interval level must lie strictly between 0 and 100, got ${level}`);
  }
}

/**
 * Repairs bands in place of trusting every model: sorts out inverted bounds, clips at zero for
 * non-negative history, then nests levels (a wider level takes the min/max with the narrower).
 */
export function tidyBands(mean: readonly number[], bands: Bands, levels: readonly number[], nonNegative: boolean): Bands {
  const sorted = [...new Set(levels)].sort((a, b) => a - b);
  const lower: Record<string, number[]> = {};
  const upper: Record<string, number[]> = {};
  let prevLo: number[] | undefined;
  let prevHi: number[] | undefined;
  for (const level of sorted) {
    const key = String(level);
    const lo = bands.lower[key] ?? mean;
    const hi = bands.upper[key] ?? mean;
    const l: number[] = [];
    const u: number[] = [];
    for (let k = 0; k < mean.length; k += 1) {
      const m = mean[k] ?? 0;
      let a = Math.min(lo[k] ?? m, hi[k] ?? m, m);
      let b = Math.max(lo[k] ?? m, hi[k] ?? m, m);
      if (prevLo !== undefined) a = Math.min(a, prevLo[k] ?? a);
      if (prevHi !== undefined) b = Math.max(b, prevHi[k] ?? b);
      if (nonNegative) {
        a = Math.max(0, a);
        b = Math.max(0, b);
      }
      l.push(a);
      u.push(b);
    }
    lower[key] = l;
    upper[key] = u;
    prevLo = l;
    prevHi = u;
  }
  return { lower, upper };
}
