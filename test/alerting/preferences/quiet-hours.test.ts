/**
 * Quiet hours and digest slots (pure): table tests on fixed instants — Europe/Berlin and
 * America/New_York across spring-forward and fall-back, ends inside the skipped and the repeated
 * hour — and properties over many zones and instants (a release is never before now, never more
 * than 24 h after, always now for critical, and lands on the first instant outside the window).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Preferences, Severity } from '../../../alerting/alert-model.js';
import { MAX_HOLD_MS, nextDigestTime, releaseTime } from '../../../alerting/preferences/quiet-hours.js';

const quiet = (start: string, end: string, timezone: string): Pick<Preferences, 'quiet_hours'> => ({ quiet_hours: { start, end, timezone } });
const at = (isoText: string): number => Date.parse(isoText);
const iso = (ms: number): string => new Date(ms).toISOString();

describe('releaseTime', () => {
  it.each<[string, string, string, string, string, string]>([
    // label, start, end, zone, now (UTC), expected release (UTC)
    ['Berlin winter night, inside', '22:00', '06:00', 'Europe/Berlin', '2024-01-15T22:00:00.000Z', '2024-01-16T05:00:00.000Z'],
    ['Berlin, a minute before the end', '22:00', '06:00', 'Europe/Berlin', '2024-01-16T04:59:00.000Z', '2024-01-16T05:00:00.000Z'],
    ['Berlin, at the end: outside', '22:00', '06:00', 'Europe/Berlin', '2024-01-16T05:00:00.000Z', '2024-01-16T05:00:00.000Z'],
    ['Berlin, just before the start: outside', '22:00', '06:00', 'Europe/Berlin', '2024-01-15T20:59:59.999Z', '2024-01-15T20:59:59.999Z'],
    ['Berlin, at the start: inside', '22:00', '06:00', 'Europe/Berlin', '2024-01-15T21:00:00.000Z', '2024-01-16T05:00:00.000Z'],
    ['Berlin, after midnight: inside', '22:00', '06:00', 'Europe/Berlin', '2024-01-16T01:30:00.000Z', '2024-01-16T05:00:00.000Z'],
    ['Berlin summer (CEST)', '22:00', '06:00', 'Europe/Berlin', '2024-07-01T21:00:00.000Z', '2024-07-02T04:00:00.000Z'],
    ['Berlin spring-forward night (7 h)', '22:00', '06:00', 'Europe/Berlin', '2024-03-30T22:00:00.000Z', '2024-03-31T04:00:00.000Z'],
    ['Berlin fall-back night (9 h)', '22:00', '06:00', 'Europe/Berlin', '2024-10-26T21:00:00.000Z', '2024-10-27T05:00:00.000Z'],
    ['Berlin, end inside the skipped hour → the jump', '01:00', '02:30', 'Europe/Berlin', '2024-03-31T00:30:00.000Z', '2024-03-31T01:00:00.000Z'],
    ['Berlin, end inside the repeated hour → first occurrence', '01:00', '02:30', 'Europe/Berlin', '2024-10-26T23:30:00.000Z', '2024-10-27T00:30:00.000Z'],
    ['Berlin, now in the second pass of the repeated hour', '01:00', '02:30', 'Europe/Berlin', '2024-10-27T01:10:00.000Z', '2024-10-27T01:30:00.000Z'],
    ['Berlin, daytime window', '12:00', '13:30', 'Europe/Berlin', '2024-01-15T11:15:00.000Z', '2024-01-15T12:30:00.000Z'],
    ['New York spring-forward night', '22:00', '07:00', 'America/New_York', '2024-03-10T04:00:00.000Z', '2024-03-10T11:00:00.000Z'],
    ['New York fall-back night', '22:00', '07:00', 'America/New_York', '2024-11-03T03:00:00.000Z', '2024-11-03T12:00:00.000Z'],
    ['New York, end in the skipped hour', '01:00', '02:30', 'America/New_York', '2024-03-10T06:30:00.000Z', '2024-03-10T07:00:00.000Z'],
    ['New York, end in the repeated hour, first pass', '00:30', '01:30', 'America/New_York', '2024-11-03T05:00:00.000Z', '2024-11-03T05:30:00.000Z'],
    ['Kolkata (+05:30)', '22:00', '06:00', 'Asia/Kolkata', '2024-01-15T17:00:00.000Z', '2024-01-16T00:30:00.000Z'],
  ])('%s', (_label, start, end, zone, now, expected) => {
    expect(iso(releaseTime(quiet(start, end, zone), 'warning', at(now)))).toBe(expected);
    expect(iso(releaseTime(quiet(start, end, zone), 'info', at(now)))).toBe(expected);
  });

  it('critical bypasses quiet hours', () => {
    const now = at('2024-01-15T23:00:00.000Z');
    expect(releaseTime(quiet('22:00', '06:00', 'Europe/Berlin'), 'critical', now)).toBe(now);
  });

  it.each<[string, Pick<Preferences, 'quiet_hours'>]>([
    ['no quiet hours', { quiet_hours: null }],
    ['start equals end (empty window)', quiet('22:00', '22:00', 'Europe/Berlin')],
    ['unknown time zone', quiet('00:00', '23:59', 'Mars/Olympus_Mons')],
    ['malformed start', quiet('7:00', '23:59', 'UTC')],
    ['out-of-range end', quiet('00:00', '24:30', 'UTC')],
    ['empty strings', quiet('', '', '')],
  ])('%s → now', (_label, prefs) => {
    const now = at('2024-01-15T23:00:00.000Z');
    expect(releaseTime(prefs, 'warning', now)).toBe(now);
  });

  it('caps a hold at 24 h (near-day window on a 25-hour fall-back day)', () => {
    const now = at('2024-10-26T22:00:00.000Z'); // 00:00 CEST on the fall-back Sunday
    const release = releaseTime(quiet('00:00', '23:59', 'Europe/Berlin'), 'warning', now);
    expect(release).toBe(now + MAX_HOLD_MS);
  });
});

/** The local "HH:MM" of an instant, by a formatter independent of the module's. */
function localMinute(zone: string, t: number): number {
  const text = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t);
  const [h, m] = text.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

function insideWindow(start: number, end: number, minute: number): boolean {
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/St_Johns', 'UTC', 'Asia/Kathmandu', 'America/Sao_Paulo', 'Africa/Casablanca'] as const;
/** Transitions the generator clusters around (Berlin, New York, Lord Howe, Casablanca). */
const TRANSITIONS = ['2024-03-31T01:00:00Z', '2024-10-27T01:00:00Z', '2024-03-10T07:00:00Z', '2024-11-03T06:00:00Z', '2024-04-06T15:00:00Z', '2024-10-05T15:30:00Z', '2024-03-10T02:00:00Z', '2024-04-14T02:00:00Z'].map(Date.parse);
const DAY = 86_400_000;
const hhmm = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

const arbNow = fc.oneof(
  fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2037-12-31T00:00:00Z') }),
  fc.constantFrom(...TRANSITIONS).chain((t) => fc.integer({ min: t - 2 * DAY, max: t + 2 * DAY })),
);
const arbMinute = fc.integer({ min: 0, max: 1439 });
const arbSeverity = fc.constantFrom<Severity>('info', 'warning', 'critical');

describe('releaseTime properties', () => {
  it('never before now, never more than 24 h after, now for critical; inside ⇔ held', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), arbMinute, arbMinute, arbNow, arbSeverity, (zone, start, end, now, severity) => {
        const release = releaseTime(quiet(hhmm(start), hhmm(end), zone), severity, now);
        expect(release).toBeGreaterThanOrEqual(now);
        expect(release).toBeLessThanOrEqual(now + MAX_HOLD_MS);
        if (severity === 'critical' || start === end) {
          expect(release).toBe(now);
          return;
        }
        expect(release > now).toBe(insideWindow(start, end, localMinute(zone, now)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('a held notification is released at the first instant outside the window (or at a jump over all of it)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), arbMinute, arbMinute, arbNow, (zone, start, end, now) => {
        fc.pre(start !== end);
        const release = releaseTime(quiet(hhmm(start), hhmm(end), zone), 'warning', now);
        fc.pre(release > now && release < now + MAX_HOLD_MS);
        const before = localMinute(zone, release - 1);
        const at = localMinute(zone, release);
        expect(insideWindow(start, end, before)).toBe(true);
        if (insideWindow(start, end, at)) {
          // Only when a spring-forward jump at `release` skips every minute outside the window
          // (a near-24-hour window whose end and start both fall in the gap): the clock passed
          // `end` at the jump, and the next window had already begun.
          const skipped = (m: number): boolean => {
            const gap = (at - before + 1_440) % 1_440;
            const offset = (m - before + 1_440) % 1_440;
            return offset > 0 && offset < gap;
          };
          expect(skipped(end)).toBe(true);
          expect(skipped((start + 1_439) % 1_440)).toBe(true);
        }
        for (let i = 1; i < 8; i++) {
          const t = now + Math.floor(((release - now) * i) / 8);
          expect(insideWindow(start, end, localMinute(zone, t))).toBe(true);
        }
      }),
      // Found by a CI run: St. John's skips 02:00–03:00 on 2024-03-10, swallowing 02:00–02:01.
      { numRuns: 1_000, examples: [['America/St_Johns', 121, 120, Date.parse('2024-03-09T05:31:00Z')]] },
    );
  });
});

describe('nextDigestTime', () => {
  const digest = (mode: Preferences['digest'], timezone: string | null): Pick<Preferences, 'digest' | 'quiet_hours'> => ({
    digest: mode,
    quiet_hours: timezone === null ? null : { start: '22:00', end: '06:00', timezone },
  });

  it.each<[string, Preferences['digest'], string | null, string, string]>([
    ['off → now', 'off', 'Europe/Berlin', '2024-01-15T10:10:00.000Z', '2024-01-15T10:10:00.000Z'],
    ['hourly, UTC without quiet hours', 'hourly', null, '2024-01-15T10:10:00.000Z', '2024-01-15T11:00:00.000Z'],
    ['hourly, exactly on the hour → the next one', 'hourly', null, '2024-01-15T10:00:00.000Z', '2024-01-15T11:00:00.000Z'],
    ['hourly, Kolkata tops of the hour are at :30 UTC', 'hourly', 'Asia/Kolkata', '2024-01-15T10:10:00.000Z', '2024-01-15T10:30:00.000Z'],
    ['hourly, across the Berlin fall-back', 'hourly', 'Europe/Berlin', '2024-10-27T00:30:00.000Z', '2024-10-27T01:00:00.000Z'],
    ['daily, before 08:00 Berlin → today', 'daily', 'Europe/Berlin', '2024-01-15T06:00:00.000Z', '2024-01-15T07:00:00.000Z'],
    ['daily, after 08:00 Berlin → tomorrow', 'daily', 'Europe/Berlin', '2024-01-15T10:10:00.000Z', '2024-01-16T07:00:00.000Z'],
    ['daily, exactly 08:00 → tomorrow', 'daily', 'Europe/Berlin', '2024-01-15T07:00:00.000Z', '2024-01-16T07:00:00.000Z'],
    ['daily, over the spring-forward night', 'daily', 'Europe/Berlin', '2024-03-30T12:00:00.000Z', '2024-03-31T06:00:00.000Z'],
    ['daily, New York', 'daily', 'America/New_York', '2024-11-02T20:00:00.000Z', '2024-11-03T13:00:00.000Z'],
    ['daily, UTC without quiet hours', 'daily', null, '2024-01-15T07:10:00.000Z', '2024-01-15T08:00:00.000Z'],
    ['daily, unknown zone falls back to UTC', 'daily', 'Nowhere/Land', '2024-01-15T07:10:00.000Z', '2024-01-15T08:00:00.000Z'],
  ])('%s', (_label, mode, zone, now, expected) => {
    expect(iso(nextDigestTime(digest(mode, zone), at(now)))).toBe(expected);
  });

  it('hourly: strictly after now, within the hour, on a local top of the hour (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), arbNow, (zone, now) => {
        const slot = nextDigestTime(digest('hourly', zone), now);
        expect(slot).toBeGreaterThan(now);
        expect(slot).toBeLessThanOrEqual(now + 3_600_000);
        expect(localMinute(zone, slot) % 60).toBe(0);
        expect(slot % 60_000).toBe(0);
      }),
      { numRuns: 1_000 },
    );
  });

  it('daily: strictly after now, within 25 h, at 08:00 local (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), arbNow, (zone, now) => {
        const slot = nextDigestTime(digest('daily', zone), now);
        expect(slot).toBeGreaterThan(now);
        expect(slot).toBeLessThanOrEqual(now + 25 * 3_600_000);
        expect(localMinute(zone, slot)).toBe(8 * 60);
      }),
      { numRuns: 1_000 },
    );
  });
});
