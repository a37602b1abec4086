/**
 * Realized accuracy: how earlier forecast versions did against the demand that has since arrived,
 * and which actuals fell outside a version's bands (the bound breaches the forecast events carry
 * for alerting). Pure.
 */
import type { ForecastPoint } from './forecast-record.js';

export interface RealizedAccuracy {
  /** Forecast points with a known actual, pooled over the versions. */
  readonly points: number;
  readonly versions: number;
  readonly wape: number | null;
  readonly bias: number | null;
  readonly coverage_95: number | null;
  readonly coverage: Readonly<Record<string, number | null>>;
}

/** An actual outside a version's band at one level. */
export interface BoundBreach {
  readonly period_start: string;
  readonly actual: number;
  readonly forecast: number;
  readonly level: number;
  readonly lower: number;
  readonly upper: number;
  readonly direction: 'above' | 'below';
}

interface Version {
  readonly levels: readonly number[];
  readonly points: readonly ForecastPoint[];
}

export function realizedAccuracy(versions: readonly Version[], actuals: ReadonlyMap<string, number>): RealizedAccuracy {
  let points = 0;
  let absError = 0;
  let absActual = 0;
  let error = 0;
  let used = 0;
  const inside = new Map<string, number>();
  const seen = new Map<string, number>();
  for (const version of versions) {
    let any = false;
    for (const p of version.points) {
      const actual = actuals.get(p.period_start);
      if (actual === undefined) continue;
      any = true;
      points += 1;
      absError += Math.abs(actual - p.value);
      absActual += Math.abs(actual);
      error += p.value - actual;
      for (const level of version.levels) {
        const key = String(level);
        seen.set(key, (seen.get(key) ?? 0) + 1);
        const lo = p.lower[key];
        const hi = p.upper[key];
        if (lo !== undefined && hi !== undefined && actual >= lo && actual <= hi) inside.set(key, (inside.get(key) ?? 0) + 1);
      }
    }
    if (any) used += 1;
  }
  const coverage: Record<string, number | null> = {};
  for (const [key, n] of seen) coverage[key] = n > 0 ? (inside.get(key) ?? 0) / n : null;
  return {
    points,
    versions: used,
    wape: absActual > 0 ? absError / absActual : null,
    bias: points > 0 ? error / points : null,
    coverage_95: coverage['95'] ?? null,
    coverage,
  };
}

/** Actuals of `version`'s periods that fell outside its band at `level` (the widest by default). */
export function boundBreaches(version: Version, actuals: ReadonlyMap<string, number>, level?: number): BoundBreach[] {
  const at = level ?? Math.max(...version.levels);
  const key = String(at);
  const out: BoundBreach[] = [];
  for (const p of version.points) {
    const actual = actuals.get(p.period_start);
    const lower = p.lower[key];
    const upper = p.upper[key];
    if (actual === undefined || lower === undefined || upper === undefined) continue;
    if (actual < lower || actual > upper) {
      out.push({ period_start: p.period_start, actual, forecast: p.value, level: at, lower, upper, direction: actual > upper ? 'above' : 'below' });
    }
  }
  return out;
}
