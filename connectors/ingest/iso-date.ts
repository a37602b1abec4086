/**
 * Dates and timestamps as normalized ISO 8601 text, checked for real calendar values
 * (`2024-02-30`, `2024-13-45` and `25:00` are refused, leap years respected).
 *
 * Accepted input (canonical): `YYYY-MM-DD`, or `YYYY-MM-DD[T| ]HH:mm[:ss[.fraction]][Z|±HH[:]mm]`.
 * A mapping profile may also accept SAP's `YYYYMMDD` (where `00000000` means "no date").
 *
 * Output: a date field keeps the calendar date as written (a timestamp's own date, before any
 * offset is applied: an order placed at 23:30+02:00 on the 5th was placed on the 5th); a timestamp
 * field becomes UTC `YYYY-MM-DDTHH:mm:ss.sssZ`, a date alone meaning midnight UTC and a time without
 * an offset taken as UTC. Fractions beyond milliseconds are truncated, as ClickHouse's DateTime64(3) would.
 */
import { kindOf, preview, type DecimalProblem } from './decimal-text.js';

/** Accepted date formats: ISO 8601 always; `YYYYMMDD` when a profile says so. */
export type DateStyle = 'iso' | 'yyyymmdd';

/** Why a value is not a date, as for decimals. */
export type DateProblem = DecimalProblem;

/** SAP's initial date value: "no date". Callers treat it as an empty field. */
export const SAP_EMPTY_DATE = '00000000';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;


interface DateParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
  /** Offset east of UTC in minutes. */
  readonly offsetMinutes: number;
  /** The calendar date as written, `YYYY-MM-DD`. */
  readonly date: string;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function problem(text: string): DateProblem {
  return { problem: text };
}

function offsetOf(text: string | undefined): number | DateProblem {
  if (text === undefined || text === 'Z' || text === 'z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 18 || minutes > 59) return problem(`offset ${text} is out of range`);
  return sign * (hours * 60 + minutes);
}

function parseParts(value: unknown, style: DateStyle): DateParts | DateProblem {
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && style === 'yyyymmdd' && Number.isInteger(value)) text = String(value);
  else return problem(`got ${kindOf(value)}`);
  const expected = style === 'yyyymmdd' ? 'YYYYMMDD or ISO 8601 (YYYY-MM-DD[THH:mm:ss±hh:mm])' : 'ISO 8601 (YYYY-MM-DD or YYYY-MM-DDTHH:mm:ss±hh:mm)';
  const match = ISO.exec(text) ?? (style === 'yyyymmdd' ? COMPACT.exec(text) : null);
  if (match === null) return problem(`"${preview(text)}" is not ${expected}`);
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12) return problem(`"${preview(text)}" has month ${match[2]}`);
  if (day < 1 || day > daysInMonth(year, month)) return problem(`"${preview(text)}" has day ${match[3]}, but ${year}-${match[2]} has ${daysInMonth(year, month)} days`);
  if (year === 0) return problem(`"${preview(text)}" has year 0000`);
  const hour = match[4] === undefined ? 0 : Number(match[4]);
  const minute = match[5] === undefined ? 0 : Number(match[5]);
  const second = match[6] === undefined ? 0 : Number(match[6]);
  if (hour > 23 || minute > 59 || second > 59) return problem(`"${preview(text)}" has a time out of range`);
  const millisecond = match[7] === undefined ? 0 : Number(match[7].slice(0, 3).padEnd(3, '0'));
  const offsetMinutes = offsetOf(match[8]);
  if (typeof offsetMinutes !== 'number') return offsetMinutes;
  return { year, month, day, hour, minute, second, millisecond, offsetMinutes, date: `${match[1]}-${match[2]}-${match[3]}` };
}

/** A date field's value as `YYYY-MM-DD`, or the problem. */
export function parseDate(value: unknown, style: DateStyle): string | DateProblem {
  if (typeof value === 'string' && value.length === 10 && isNormalizedDate(value)) return value;
  const parts = parseParts(value, style);
  return 'problem' in parts ? parts : parts.date;
}

/** A timestamp field's value as UTC `YYYY-MM-DDTHH:mm:ss.sssZ`, or the problem. */
export function parseTimestamp(value: unknown, style: DateStyle): string | DateProblem {
  if (typeof value === 'string' && isNormalizedTimestamp(value)) return value;
  const parts = parseParts(value, style);
  if ('problem' in parts) return parts;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  date.setUTCFullYear(parts.year, parts.month - 1, parts.day);
  date.setUTCHours(parts.hour, parts.minute - parts.offsetMinutes, parts.second, parts.millisecond);
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) return problem('is out of range once converted to UTC');
  return date.toISOString();
}

/*
 * Fast paths for values already in the normalized form — the common case for machine-made data,
 * checked character by character (several times cheaper than the general regex) and returned as is.
 */

/** The number written by `length` ASCII digits at `from`, or −1 when one is not a digit. */
function digitsAt(text: string, from: number, length: number): number {
  let n = 0;
  for (let i = from; i < from + length; i += 1) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** `YYYY-MM-DD` naming a real calendar day (year 0001–9999). */
function isNormalizedDate(text: string): boolean {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** `YYYY-MM-DDTHH:mm:ss.sssZ` with a real date and time. */
function isNormalizedTimestamp(text: string): boolean {
  if (text.length !== 24 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 46 || text.charCodeAt(23) !== 90) return false;
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  return isNormalizedDate(text) && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && digitsAt(text, 20, 3) >= 0;
}
