/**
 * When a notification may go out (pure): quiet hours and digest slots on the user's local wall
 * clock, computed with Intl.DateTimeFormat (the IANA zone database Node ships), so daylight-saving
 * transitions are honoured without a date library.
 *
 * Quiet hours `{start, end, timezone}` (HH:MM, local): a window [start, end); end before start
 * crosses midnight (22:00–06:00); start = end is an empty window (no quiet hours — a 24-hour
 * window would hold everything forever). Inside the window a non-critical notification is held
 * until the FIRST instant the local clock reads `end` or later:
 *  - spring forward, `end` inside the skipped hour (Berlin 02:30 on the last Sunday of March):
 *    the instant of the jump (03:00 CEST);
 *  - fall back, `end` inside the repeated hour: its first occurrence still ahead of now;
 *  - a near-24-hour window whose whole outside part falls in the skipped hour (St. John's
 *    02:01–02:00 on its spring-forward night): the instant of the jump, although the next window
 *    has begun by then — the clock never shows a minute outside, and holding until the next
 *    day's gap-free `end` would exceed MAX_HOLD_MS.
 * A hold never exceeds 24 h (MAX_HOLD_MS): a near-24-hour window on a 25-hour fall-back day would
 * otherwise hold a notification past the next day's start of quiet hours. Invalid quiet hours
 * (bad HH:MM, unknown time zone) never hold anything: a notification delivered during quiet hours
 * beats one held forever (the API validates them before they are stored).
 *
 * Digests: the user's zone is the quiet-hours time zone (UTC without quiet hours). Hourly: the
 * next local top of the hour; daily: the next local 08:00 (DIGEST_DAILY_HOUR), both strictly
 * after now. Quiet hours are not applied to the digest slot here: the caller passes the slot to
 * `releaseTime` as its `nowMs` when a digest must respect them too.
 */
import type { Preferences, Severity } from '../alert-model.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Longest hold: quiet hours are a daily window, so a release is always within one day. */
export const MAX_HOLD_MS = DAY_MS;
/** Daily digests go out at 08:00 local: the start of a supervisor's working day in most plants. */
export const DIGEST_DAILY_HOUR = 8;
/** Offsets are sampled this far either side of a target wall time: beyond every UTC offset (±14 h). */
const OFFSET_PROBE_MS = 15 * HOUR_MS;
/** Formatters kept per zone (creating one costs ~20 µs); bounded, as the zone text comes from users. */
const MAX_CACHED_ZONES = 1_000;

const HH_MM = /^(\d{2}):(\d{2})$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The formatter of a zone, or undefined for a zone Intl does not know. */
function formatterOf(zone: string): Intl.DateTimeFormat | undefined {
  const cached = formatters.get(zone);
  if (cached !== undefined) return cached;
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
  if (formatters.size >= MAX_CACHED_ZONES) formatters.clear();
  formatters.set(zone, formatter);
  return formatter;
}

/** Local wall clock of an instant as "wall ms": the local date and time written as if they were UTC. */
function wallOf(formatter: Intl.DateTimeFormat, t: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(t)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const hour = parts.hour === 24 ? 0 : (parts.hour ?? 0);
  const wholeSeconds = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, hour, parts.minute ?? 0, parts.second ?? 0);
  return wholeSeconds + (t - Math.floor(t / 1000) * 1000);
}

/**
 * The first instant at or after `notBefore` at which the local clock reads `target` (wall ms) or
 * later. A target that exists once or twice (fall back) maps to its earliest occurrence not before
 * `notBefore`; a target skipped by a spring-forward gap maps to the instant of the jump.
 */
function instantOfWall(formatter: Intl.DateTimeFormat, target: number, notBefore: number): number {
  const offsets = new Set([target - OFFSET_PROBE_MS, target + OFFSET_PROBE_MS].map((t) => wallOf(formatter, t) - t));
  const exact = [...offsets].map((offset) => target - offset).filter((t) => wallOf(formatter, t) === target && t >= notBefore);
  if (exact.length > 0) return Math.min(...exact);
  // A gap (or an occurrence already behind us): the clock reaches the target inside the interval
  // between the candidates; find the first instant whose wall time is at or past the target.
  const candidates = [...offsets].map((offset) => target - offset);
  let lo = Math.max(notBefore, Math.min(...candidates) - HOUR_MS);
  let hi = Math.max(lo, ...candidates);
  if (wallOf(formatter, hi) < target) return hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallOf(formatter, mid) >= target) hi = mid;
    else lo = mid;
  }
  return wallOf(formatter, lo) >= target ? lo : hi;
}

/** "HH:MM" → minutes after midnight, or undefined. */
function minutesOf(text: string): number | undefined {
  const match = HH_MM.exec(text);
  if (match === null) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  return hours <= 23 && minutes <= 59 ? hours * 60 + minutes : undefined;
}

/** Floor of wall ms to its local midnight (also before 1970). */
const dayStartOf = (wall: number): number => Math.floor(wall / DAY_MS) * DAY_MS;

/**
 * When a notification of this severity for this user may go out: `nowMs` for critical, without
 * (valid) quiet hours, or outside them; otherwise the instant the quiet hours end — never before
 * `nowMs`, never more than MAX_HOLD_MS after it.
 */
export function releaseTime(prefs: Pick<Preferences, 'quiet_hours'>, severity: Severity, nowMs: number): number {
  const quiet = prefs.quiet_hours;
  if (severity === 'critical' || quiet === null || !Number.isFinite(nowMs)) return nowMs;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const formatter = formatterOf(quiet.timezone);
  if (start === undefined || end === undefined || start === end || formatter === undefined) return nowMs;

  const wall = wallOf(formatter, nowMs);
  const dayStart = dayStartOf(wall);
  const minute = Math.floor((wall - dayStart) / MINUTE_MS);
  let endWall: number;
  if (start < end) {
    if (minute < start || minute >= end) return nowMs;
    endWall = dayStart + end * MINUTE_MS;
  } else if (minute >= start) {
    endWall = dayStart + DAY_MS + end * MINUTE_MS;
  } else if (minute < end) {
    endWall = dayStart + end * MINUTE_MS;
  } else {
    return nowMs;
  }
  const release = instantOfWall(formatter, endWall, nowMs);
  return Math.min(Math.max(release, nowMs), nowMs + MAX_HOLD_MS);
}

/** When the user's next digest goes out: `nowMs` when digests are off (see the header for the slots). */
export function nextDigestTime(prefs: Pick<Preferences, 'digest' | 'quiet_hours'>, nowMs: number): number {
  if (prefs.digest === 'off' || !Number.isFinite(nowMs)) return nowMs;
  const formatter = formatterOf(prefs.quiet_hours?.timezone ?? 'UTC') ?? formatterOf('UTC');
  if (formatter === undefined) return nowMs;
  const wall = wallOf(formatter, nowMs);

  if (prefs.digest === 'hourly') {
    // The next instant whose local minutes and seconds are zero: with the offset of now, or, when
    // an offset change comes first, with the offset after it.
    const candidates = [nowMs, nowMs + HOUR_MS].map((probe) => {
      const offset = wallOf(formatter, probe) - probe;
      return Math.floor((nowMs + offset) / HOUR_MS) * HOUR_MS + HOUR_MS - offset;
    });
    const valid = candidates.filter((t) => t > nowMs && wallOf(formatter, t) % HOUR_MS === 0);
    return valid.length > 0 ? Math.min(...valid) : Math.min(...candidates.filter((t) => t > nowMs), nowMs + HOUR_MS);
  }

  const today = dayStartOf(wall) + DIGEST_DAILY_HOUR * HOUR_MS;
  const target = wall < today ? today : today + DAY_MS;
  const slot = instantOfWall(formatter, target, nowMs + 1);
  return Math.max(slot, nowMs + 1);
}
