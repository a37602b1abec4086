/**
 * Calendar buckets of forecast periods, pure and in UTC: daily, weekly (ISO weeks, starting on
 * Monday), monthly and quarterly. Dates travel as `YYYY-MM-DD` text (ClickHouse Date32), and
 * arithmetic runs on whole UTC days so no time zone or DST ever shifts a bucket.
 */

export const PERIODS = ['daily', 'weekly', 'monthly', 'quarterly'] as const;
export type Period = (typeof PERIODS)[number];

export function isPeriod(value: unknown): value is Period {
  return typeof value === 'string' && (PERIODS as readonly string[]).includes(value);
}

/** Seasonal cycle of each period handed to the models: a week of days, a year of weeks, months, quarters. */
export const SEASON: Readonly<Record<Period, number>> = { daily: 7, weekly: 52, monthly: 12, quarterly: 4 };

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` → days since 1970-01-01 (UTC). Throws on anything else. */
export function dayNumber(date: string): number {
  const m = DATE.exec(date);
  if (m === null) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(ms).toISOString().slice(0, 10);
  if (back !== date) throw new RangeError(`not a calendar date: ${date}`);
  return Math.round(ms / DAY_MS);
}

/** Days since 1970-01-01 → `YYYY-MM-DD`. */
export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Adds (or with a negative count, subtracts) whole days. */
export function addDays(date: string, days: number): string {
  return dateOfDay(dayNumber(date) + days);
}

/** First day of the bucket holding `date`. */
export function bucketStart(date: string, period: Period): string {
  const day = dayNumber(date);
  switch (period) {
    case 'daily':
      return date;
    case 'weekly': {
      // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
      const sinceMonday = (((day + 3) % 7) + 7) % 7;
      return dateOfDay(day - sinceMonday);
    }
    case 'monthly':
      return `${date.slice(0, 7)}-01`;
    case 'quarterly': {
      const month = Number(date.slice(5, 7));
      const first = month - ((month - 1) % 3);
      return `${date.slice(0, 4)}-${String(first).padStart(2, '0')}-01`;
    }
  }
}

/** First day of the bucket after the one starting at `start` (`start` must be a bucket start). */
export function nextBucket(start: string, period: Period): string {
  switch (period) {
    case 'daily':
      return addDays(start, 1);
    case 'weekly':
      return addDays(start, 7);
    case 'monthly':
    case 'quarterly': {
      const step = period === 'monthly' ? 1 : 3;
      const year = Number(start.slice(0, 4));
      const month0 = Number(start.slice(5, 7)) - 1 + step;
      return `${String(year + Math.floor(month0 / 12)).padStart(4, '0')}-${String((month0 % 12) + 1).padStart(2, '0')}-01`;
    }
  }
}

/** Last day of the bucket starting at `start`. */
export function bucketEnd(start: string, period: Period): string {
  return addDays(nextBucket(start, period), -1);
}

/** The `count` bucket starts following `lastStart`. */
export function followingBuckets(lastStart: string, period: Period, count: number): string[] {
  const out: string[] = [];
  let at = lastStart;
  for (let i = 0; i < count; i += 1) {
    at = nextBucket(at, period);
    out.push(at);
  }
  return out;
}

/** A daily total: the unit the series source reads from storage. */
export interface DailyAmount {
  readonly date: string;
  readonly qty: number;
}

/** A bucketed series: bucket starts and totals, gaps filled with zeros. */
export interface BucketedSeries {
  readonly periodStarts: readonly string[];
  readonly values: readonly number[];
}

/**
 * Sums daily amounts into the buckets of `period` that lie wholly inside [from, to]: a bucket cut
 * by either end would look like a drop in demand, so it is left out. Buckets without any amount
 * are zeros (no order is demand of zero, not a missing value). Days outside [from, to] are ignored.
 */
export function bucketize(days: readonly DailyAmount[], period: Period, from: string, to: string): BucketedSeries {
  const firstStart = bucketStart(from, period) === from ? from : nextBucket(bucketStart(from, period), period);
  const lastDay = dayNumber(to);
  const periodStarts: string[] = [];
  const index = new Map<string, number>();
  for (let start = firstStart; dayNumber(bucketEnd(start, period)) <= lastDay; start = nextBucket(start, period)) {
    index.set(start, periodStarts.length);
    periodStarts.push(start);
  }
  const values = periodStarts.map(() => 0);
  for (const { date, qty } of days) {
    const i = index.get(bucketStart(date, period));
    if (i !== undefined) values[i] = (values[i] ?? 0) + qty;
  }
  return { periodStarts, values };
}
