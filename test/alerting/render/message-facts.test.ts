import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertLink, formatNumber, formatTime, notificationLink, singleLine, truncate } from '../../../alerting/render/message-facts.js';
import { alertFixture, manyAlerts, notificationFixture } from './notification-fixture.js';

describe('message facts', () => {
  it('truncate never exceeds the limit and never leaves half a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: 1, max: 200 }), (text, max) => {
        const out = truncate(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        if (text.length <= max) expect(out).toBe(text);
        else {
          expect(out.endsWith('…')).toBe(true);
          // Every high surrogate the cut kept is followed by its low half (when the input had one).
          const body = out.slice(0, -1);
          expect(text.startsWith(body)).toBe(true);
          const last = body.charCodeAt(body.length - 1);
          const next = text.charCodeAt(body.length);
          expect(last >= 0xd800 && last <= 0xdbff && next >= 0xdc00 && next <= 0xdfff).toBe(false);
        }
      }),
    );
    expect(truncate('ab🚨cd', 4)).toBe('ab…');
    expect(truncate('abc', 0)).toBe('');
  });

  it('formats numbers independently of locale and refuses non-finite ones', () => {
    expect(formatNumber(1234567.891)).toBe('1,234,567.89');
    expect(formatNumber(-0.5)).toBe('-0.5');
    expect(formatNumber(Number.NaN)).toBe('n/a');
    expect(formatNumber(Number.NEGATIVE_INFINITY)).toBe('n/a');
  });

  it('formats times in UTC and shows unreadable ones as given', () => {
    expect(formatTime('2024-03-01T08:05:59.999+02:00')).toBe('2024-03-01 06:05 UTC');
    expect(formatTime(null)).toBe('n/a');
    expect(formatTime('not a date\n')).toBe('not a date');
  });

  it('singleLine removes line breaks and control characters', () => {
    expect(singleLine(' a\r\nb\u0000c\u2028d\t e ')).toBe('a b c d e');
  });

  it('links one alert by status, type, site and start; several to the active list', () => {
    const alert = alertFixture({ site: 'Plant #1 & Co' });
    const link = new URL(alertLink('http://localhost:8080//', alert));
    expect(link.pathname).toBe('/api/v1/alerts');
    expect(Object.fromEntries(link.searchParams)).toEqual({ status: 'firing', type: 'stockout_risk', site: 'Plant #1 & Co', from: alert.starts_at });
    expect(notificationLink('http://x', notificationFixture({ alerts: manyAlerts(2) }))).toBe('http://x/api/v1/alerts/active');
    expect(notificationLink('http://x', notificationFixture({ alerts: [] }))).toBe('http://x/api/v1/alerts/active');
  });
});
