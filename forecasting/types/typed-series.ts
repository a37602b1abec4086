/**
 * What the supply and quality handlers share: the calendar grid their points sit on, the
 * lookback window, how ClickHouse decimals and codes are read, and the scoring of a rolling-origin
 * backtest into the `BacktestAccuracy` every forecast carries. Pure: no I/O here.
 *
 * The grid follows the demand forecast's (forecast-service.ts): the last bucket of `period` that
 * is complete by `data_as_of` is the last observed one, and points start with the bucket after it,
 * so a planner comparing demand, supply and quality for the same week sees the same period starts.
 */
import { addDays, bucketEnd, bucketStart, dayNumber, followingBuckets, type Period } from '../series/periods.js';
import type { BacktestAccuracy } from '../service/forecast-record.js';

/**
 * Statuses of a purchase-order line that mean it will never be received (any case). `closed`
 * without a receipt date is an order closed short: nothing more is expected either.
 */
export const NEVER_RECEIVED_STATUSES = ['cancelled', 'canceled', 'closed'] as const;
/** Statuses that take a line out of every supply statistic (a cancelled order was never really placed). */
export const CANCELLED_STATUSES = ['cancelled', 'canceled'] as const;

/** First day of a `lookbackDays`-day window ending on `asOf` (inclusive on both ends). */
export function lookbackFrom(asOf: string, lookbackDays: number): string {
  return addDays(asOf, -(Math.max(1, Math.floor(lookbackDays)) - 1));
}

/** Start of the last bucket of `period` wholly on or before `asOf`. */
export function lastCompleteBucket(asOf: string, period: Period): string {
  const start = bucketStart(asOf, period);
  return dayNumber(bucketEnd(start, period)) <= dayNumber(asOf) ? start : bucketStart(addDays(start, -1), period);
}

/** The `horizon` bucket starts the points of a forecast made with data up to `asOf` cover. */
export function forecastStarts(asOf: string, period: Period, horizon: number): string[] {
  return followingBuckets(lastCompleteBucket(asOf, period), period, horizon);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

/** A ClickHouse Decimal read with toString(); anything unreadable counts as 0 (a null quantity is none). */
export function decimalNumber(text: string | null | undefined): number {
  if (text === null || text === undefined) return 0;
  const n = Number(text);
  return Number.isFinite(n) ? n : 0;
}

/** Codes (supplier, site, line) are stored trimmed and upper-cased by the normalizers; look them up the same way. */
export function codeKey(code: string): string {
  return code.trim().toUpperCase();
}

/** The accuracy of a forecast that could not be backtested: every metric null, no window. */
export function noBacktest(levels: readonly number[]): BacktestAccuracy {
  const coverage: Record<string, number | null> = {};
  for (const level of levels) coverage[String(level)] = null;
  return { wape: null, mase: null, bias: null, coverage_95: null, coverage, msis: null, windows: 0, horizon: 0 };
}

/** One scored origin: the held-out actuals, the forecast of them and its bands per level (text keys). */
export interface BacktestWindow {
  readonly actual: readonly number[];
  readonly forecast: readonly number[];
  readonly lower: Readonly<Record<string, readonly number[]>>;
  readonly upper: Readonly<Record<string, readonly number[]>>;
  /** The MASE / MSIS scale of this origin (in-sample naive error); not finite or 0 → no MASE for it. */
  readonly scale: number;
}

/** Significance of the 95 % band in the interval score (M4's MSIS uses α = 0.05). */
const MSIS_ALPHA = 0.05;

/**
 * Pools scored origins into a `BacktestAccuracy`, with the same definitions as the demand
 * backtest (service/backtest.ts): WAPE and bias over every point, MASE and MSIS averaged over
 * windows, coverage per level over every point.
 */
export function scoreBacktest(windows: readonly BacktestWindow[], levels: readonly number[], horizon: number): BacktestAccuracy {
  if (windows.length === 0) return noBacktest(levels);
  let absError = 0;
  let absActual = 0;
  let error = 0;
  let points = 0;
  let maseSum = 0;
  let maseCount = 0;
  let msisSum = 0;
  let msisCount = 0;
  const inside = new Map<string, number>();
  const has95 = levels.includes(95);
  for (const w of windows) {
    let windowAbs = 0;
    let score = 0;
    const lo95 = w.lower['95'];
    const hi95 = w.upper['95'];
    w.actual.forEach((a, j) => {
      const f = w.forecast[j] ?? 0;
      absError += Math.abs(a - f);
      windowAbs += Math.abs(a - f);
      absActual += Math.abs(a);
      error += f - a;
      points += 1;
      for (const level of levels) {
        const key = String(level);
        const lo = w.lower[key]?.[j] ?? f;
        const hi = w.upper[key]?.[j] ?? f;
        if (a >= lo && a <= hi) inside.set(key, (inside.get(key) ?? 0) + 1);
      }
      if (lo95 !== undefined && hi95 !== undefined) {
        const l = lo95[j] ?? f;
        const u = hi95[j] ?? f;
        score += u - l + (a < l ? (2 / MSIS_ALPHA) * (l - a) : 0) + (a > u ? (2 / MSIS_ALPHA) * (a - u) : 0);
      }
    });
    const n = w.actual.length;
    if (n > 0 && Number.isFinite(w.scale) && w.scale > 0) {
      maseSum += windowAbs / n / w.scale;
      maseCount += 1;
      if (has95 && lo95 !== undefined && hi95 !== undefined) {
        msisSum += score / n / w.scale;
        msisCount += 1;
      }
    }
  }
  const coverage: Record<string, number | null> = {};
  for (const level of levels) coverage[String(level)] = points > 0 ? (inside.get(String(level)) ?? 0) / points : null;
  return {
    wape: absActual > 0 ? absError / absActual : null,
    mase: maseCount > 0 ? maseSum / maseCount : null,
    bias: points > 0 ? error / points : null,
    coverage_95: has95 ? (coverage['95'] ?? null) : null,
    coverage,
    msis: msisCount > 0 ? msisSum / msisCount : null,
    windows: windows.length,
    horizon,
  };
}
