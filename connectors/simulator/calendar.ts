/**
 * Simulated time. The simulation counts days from the first history day (day 0 = `startDate`);
 * dates are UTC calendar days, so there are no time zones or DST in generated timestamps. The
 * seasonal shapes every smooth demand pattern shares live here too.
 */

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of an ISO date `YYYY-MM-DD`; throws RangeError if it is not a real date. */
export function parseIsoDate(text: string): number {
  const match = ISO_DATE.exec(text);
  if (match === null) throw new RangeError(`not an ISO date (YYYY-MM-DD): ${text}`);
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  const epochDay = Math.round(ms / MS_PER_DAY);
  if (isoDate(epochDay) !== text) throw new RangeError(`not a calendar date: ${text}`);
  return epochDay;
}

/** `YYYY-MM-DD` of a day since 1970-01-01. */
export function isoDate(epochDay: number): string {
  return new Date(epochDay * MS_PER_DAY).toISOString().slice(0, 10);
}

/** `YYYYMMDD`, for identifiers and batch references. */
export function compactDate(epochDay: number): string {
  return isoDate(epochDay).replaceAll('-', '');
}

/** An ISO timestamp (UTC, whole minutes) at `minuteOfDay` of the day. */
export function isoTimestamp(epochDay: number, minuteOfDay: number): string {
  return new Date(epochDay * MS_PER_DAY + minuteOfDay * 60_000).toISOString().replace('.000Z', 'Z');
}

/** 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
export function weekday(epochDay: number): number {
  return (((epochDay + 3) % 7) + 7) % 7;
}

/** 0-based day of the year. */
export function dayOfYear(epochDay: number): number {
  const date = new Date(epochDay * MS_PER_DAY);
  return Math.round((epochDay * MS_PER_DAY - Date.UTC(date.getUTCFullYear(), 0, 1)) / MS_PER_DAY);
}

/**
 * Relative order intake per weekday, Monday first, for a B2B manufacturer: the week starts with
 * the backlog of the weekend, Friday tails off, the weekend sees only web/EDI orders. Normalised
 * below to a mean of 1 so `level` stays the average daily demand.
 */
const WEEKDAY_SHAPE = [1.25, 1.2, 1.15, 1.1, 1.0, 0.2, 0.1] as const;
const WEEKDAY_MEAN = WEEKDAY_SHAPE.reduce((a, b) => a + b, 0) / WEEKDAY_SHAPE.length;

/** The designed weekly factor of smooth demand on a weekday (mean 1 over a week). */
export const WEEKLY_FACTORS: readonly number[] = WEEKDAY_SHAPE.map((f) => f / WEEKDAY_MEAN);

export function weeklyFactor(epochDay: number): number {
  return WEEKLY_FACTORS[weekday(epochDay)] ?? 1;
}

/** Days in a year on average; keeps the yearly cycle aligned over leap years. */
const YEAR_DAYS = 365.25;

/** 1 + amplitude·cos at the peak day of the year: a single yearly swell (mean 1 over a year). */
export function yearlyFactor(epochDay: number, amplitude: number, peakDayOfYear: number): number {
  return 1 + amplitude * Math.cos((2 * Math.PI * (dayOfYear(epochDay) - peakDayOfYear)) / YEAR_DAYS);
}

/** Linear trend: `perYear` growth (0.1 = +10 % a year) after `day` days. */
export function trendFactor(day: number, perYear: number): number {
  return Math.max(0.1, 1 + (perYear * day) / YEAR_DAYS);
}
