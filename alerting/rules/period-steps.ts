/**
 * Stepping between forecast periods by their start dates (UTC calendar: days, ISO weeks starting
 * Monday, months, quarters), so a rule can tell which period was the last actual one of an event:
 * the forecast's first point is the period right after it.
 */

/** Months per step of the calendar periods; days per step of the others. */
const MONTHS_PER_STEP: Readonly<Record<string, number>> = { monthly: 1, quarterly: 3 };
const DAYS_PER_STEP: Readonly<Record<string, number>> = { daily: 1, weekly: 7 };
const DAY_MS = 86_400_000;

/** The start of the period `steps` periods from `start` (negative: earlier); undefined for an unknown period. */
export function shiftPeriod(start: string, period: string, steps: number): string | undefined {
  const ms = Date.parse(`${start}T00:00:00Z`);
  if (Number.isNaN(ms)) return undefined;
  const days = DAYS_PER_STEP[period];
  if (days !== undefined) return new Date(ms + steps * days * DAY_MS).toISOString().slice(0, 10);
  const months = MONTHS_PER_STEP[period];
  if (months === undefined) return undefined;
  const d = new Date(ms);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + steps * months, d.getUTCDate())).toISOString().slice(0, 10);
}

/** The start of the last period with actuals: the one before the first forecast point (undefined when unknown). */
export function lastActualPeriod(points: readonly { readonly period_start: string }[], period: string): string | undefined {
  const first = points[0];
  return first === undefined ? undefined : shiftPeriod(first.period_start, period, -1);
}

/** Whole days from `from` to `to` (YYYY-MM-DD, positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** `date` plus `days` (YYYY-MM-DD). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + Math.round(days) * DAY_MS).toISOString().slice(0, 10);
}
