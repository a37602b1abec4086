import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALERT_TYPES, CHANNELS, SEVERITIES } from '../../../alerting/alert-model.js';
import { canonicalTimeZone, isEmailAddress, parsePreferences } from '../../../alerting/preferences/preferences-validation.js';
import { FgcError } from '../../../infra/errors.js';

const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);
const SECRET = 'a-long-enough-secret-0123';
const WHSEC = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;

const full = {
  user_id: 'supervisor-1',
  email: 'anna.schmidt@example.com',
  slack: { user: 'U012AB3CD' },
  webhook: { url: 'https://hooks.example.com/forgecast?x=1', secret: SECRET },
  channels: ['email', 'slack', 'webhook'],
  min_severity: 'warning',
  alert_types: ['stockout_risk', 'late_supplier'],
  sites: ['plant-1', ' P2 '],
  quiet_hours: { start: '22:00', end: '06:00', timezone: 'Europe/Berlin' },
  digest: 'daily',
  fallback_channel: 'email',
};

/** The `details` of the FGC_PREFERENCES_INVALID that `body` raises. */
function problems(body: unknown): { field: string; message: string }[] {
  try {
    parsePreferences('acme', body, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(FgcError);
    const fgc = error as FgcError;
    expect(fgc.code).toBe('FGC_PREFERENCES_INVALID');
    expect(fgc.status).toBe(422);
    return fgc.details as { field: string; message: string }[];
  }
  throw new Error(`expected ${JSON.stringify(body)} to be refused`);
}
const fields = (body: unknown): string[] => problems(body).map((p) => p.field);
const withField = (patch: Record<string, unknown>): Record<string, unknown> => ({ ...full, ...patch });

describe('parsePreferences', () => {
  it('accepts the SPEC body, normalizing sites and time zone and stamping tenant and time', () => {
    const prefs = parsePreferences('acme', { ...full, quiet_hours: { ...full.quiet_hours, timezone: 'europe/berlin' } }, NOW);
    expect(prefs).toEqual({
      tenant_id: 'acme',
      user_id: 'supervisor-1',
      email: 'anna.schmidt@example.com',
      slack: { user: 'U012AB3CD' },
      webhook: { url: 'https://hooks.example.com/forgecast?x=1', secret: SECRET },
      channels: ['email', 'slack', 'webhook'],
      min_severity: 'warning',
      alert_types: ['stockout_risk', 'late_supplier'],
      sites: ['PLANT-1', 'P2'],
      quiet_hours: { start: '22:00', end: '06:00', timezone: 'Europe/Berlin' },
      digest: 'daily',
      fallback_channel: 'email',
      updated_at: '2024-06-01T12:00:00.000Z',
    });
  });

  it('fills defaults for the optional fields of a minimal body', () => {
    const prefs = parsePreferences('t1', { user_id: 'u', email: 'u@example.org', channels: ['email'], min_severity: 'critical' }, NOW);
    expect(prefs).toMatchObject({ slack: null, webhook: null, alert_types: [], sites: [], quiet_hours: null, digest: 'off', fallback_channel: null, channels: ['email'] });
  });

  it('accepts a Slack channel id or #name, a whsec_ secret, explicit nulls and unicode ids', () => {
    for (const channel of ['C024BE91L', '#ops-alerts', '#werk_süd']) {
      expect(parsePreferences('t', { user_id: 'u', slack: { channel }, channels: ['slack'], min_severity: 'info' }, NOW).slack).toEqual({ channel });
    }
    const prefs = parsePreferences('t', { user_id: 'Jürgen 🏭', webhook: { url: 'http://10.0.0.5:8080/hook', secret: WHSEC }, email: null, slack: null, quiet_hours: null, channels: ['webhook'], min_severity: 'info', digest: null }, NOW);
    expect(prefs).toMatchObject({ user_id: 'Jürgen 🏭', webhook: { secret: WHSEC }, email: null, digest: 'off' });
  });

  it('drops duplicates in channels, alert types and sites, keeping first order', () => {
    const prefs = parsePreferences('t', { ...full, channels: ['slack', 'email', 'slack'], alert_types: ['late_supplier', 'late_supplier'], sites: ['A', 'a', ' A'] }, NOW);
    expect(prefs.channels).toEqual(['slack', 'email']);
    expect(prefs.alert_types).toEqual(['late_supplier']);
    expect(prefs.sites).toEqual(['A']);
  });

  it('names every bad field of one body at once', () => {
    const found = fields({
      user_id: '',
      email: 'not-an-address',
      slack: { user: 'anna' },
      webhook: { url: 'ftp://example.com/x', secret: 'short' },
      channels: ['email', 'pager'],
      min_severity: 'urgent',
      alert_types: ['stockout_risk', 'meteor'],
      sites: ['ok', 42],
      quiet_hours: { start: '24:00', end: '6:00', timezone: 'Mars/Olympus' },
      digest: 'weekly',
      fallback_channel: 'fax',
      colour: 'red',
    });
    expect(found.sort()).toEqual(
      ['user_id', 'email', 'slack.user', 'webhook.url', 'webhook.secret', 'channels.1', 'min_severity', 'alert_types.1', 'sites.1', 'quiet_hours.start', 'quiet_hours.end', 'quiet_hours.timezone', 'digest', 'fallback_channel', 'colour'].sort(),
    );
  });

  it('requires user_id, channels and min_severity', () => {
    expect(fields({}).sort()).toEqual(['channels', 'min_severity', 'user_id']);
  });

  it('refuses a body that is not an object', () => {
    for (const body of [null, [], 'prefs', 42, undefined]) expect(fields(body)).toEqual(['']);
  });

  it('refuses a channel listed without its target, and a fallback without one', () => {
    const found = problems({ user_id: 'u', email: 'u@example.com', channels: ['email', 'slack', 'webhook'], min_severity: 'info', fallback_channel: 'slack' });
    expect(found).toEqual([
      { field: 'channels', message: expect.stringContaining('slack') as string },
      { field: 'channels', message: expect.stringContaining('webhook') as string },
      { field: 'fallback_channel', message: expect.stringContaining('slack') as string },
    ]);
  });

  it('reports an invalid target once, not again as a missing one for its channel', () => {
    expect(fields(withField({ email: 'broken' }))).toEqual(['email']);
  });

  it('refuses empty channels and wrong types for lists', () => {
    expect(fields(withField({ channels: [] }))).toEqual(['channels']);
    expect(fields(withField({ channels: 'email' }))).toEqual(['channels']);
    expect(fields(withField({ alert_types: 'stockout_risk' }))).toEqual(['alert_types']);
    expect(fields(withField({ sites: { a: 1 } }))).toEqual(['sites']);
    expect(fields(withField({ min_severity: 2 }))).toEqual(['min_severity']);
    expect(fields(withField({ user_id: 7 }))).toEqual(['user_id']);
  });

  it('bounds user_id to 200 characters counted as code points, without control characters or lone surrogates', () => {
    expect(parsePreferences('t', withField({ user_id: '🏭'.repeat(200) }), NOW).user_id).toHaveLength(400);
    expect(fields(withField({ user_id: 'x'.repeat(201) }))).toEqual(['user_id']);
    for (const bad of ['a\nb', 'tab\there', 'nul\u0000', 'del\u007f', 'c1\u0085', 'lone\ud800', '   ', ' padded']) {
      expect(fields(withField({ user_id: bad })), JSON.stringify(bad)).toEqual(['user_id']);
    }
  });

  it('checks Slack: exactly one of user or channel, in Slack syntax, no other keys', () => {
    expect(problems(withField({ slack: { user: 'U012AB3CD', channel: 'C024BE91L' } }))[0]?.message).toMatch(/not both/);
    expect(fields(withField({ slack: {} }))).toEqual(['slack']);
    expect(fields(withField({ slack: 'U012AB3CD' }))).toEqual(['slack']);
    expect(fields(withField({ slack: { channel: 'general' } }))).toEqual(['slack.channel']);
    expect(fields(withField({ slack: { channel: '#Has Space' } }))).toEqual(['slack.channel']);
    expect(fields(withField({ slack: { user: 'u012ab3cd' } }))).toEqual(['slack.user']);
    expect(fields(withField({ slack: { user: 'U012AB3CD', team: 'T1' } }))).toEqual(['slack.team']);
  });

  it('checks the webhook: http(s), no credentials, at most 2048 characters, a strong secret that is not the mask', () => {
    const hook = (url: string, secret: unknown = SECRET): Record<string, unknown> => withField({ webhook: { url, secret } });
    expect(parsePreferences('t', hook(`https://example.com/${'a'.repeat(2028)}`), NOW).webhook?.url).toHaveLength(2048);
    expect(fields(hook(`https://example.com/${'a'.repeat(2029)}`))).toEqual(['webhook.url']);
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'example.com/hook', 'https://user:pw@example.com/hook', '']) {
      expect(fields(hook(url)), url).toEqual(['webhook.url']);
    }
    for (const secret of ['15-characters!!', 'whsec_', 'whsec_c2hvcnQ=', 'whsec_not base64!', 42, '***']) {
      expect(fields(hook('https://example.com/h', secret)), String(secret)).toEqual(['webhook.secret']);
    }
    expect(problems(hook('https://example.com/h', '***'))[0]?.message).toMatch(/never shown/);
    expect(fields(withField({ webhook: { url: 'https://example.com/h' } }))).toEqual(['webhook.secret']);
    expect(fields(withField({ webhook: ['https://example.com/h'] }))).toEqual(['webhook']);
  });

  it('checks quiet hours: HH:MM in 00:00–23:59, start ≠ end, a known zone, nothing else', () => {
    const quiet = (q: unknown): Record<string, unknown> => withField({ quiet_hours: q });
    expect(parsePreferences('t', quiet({ start: '00:00', end: '23:59', timezone: 'UTC' }), NOW).quiet_hours).toEqual({ start: '00:00', end: '23:59', timezone: 'UTC' });
    expect(fields(quiet({ start: '22:00', end: '22:00', timezone: 'UTC' }))).toEqual(['quiet_hours.end']);
    for (const start of ['7:00', '07:60', '24:00', '07:00:00', 'noon', 700]) expect(fields(quiet({ start, end: '08:00', timezone: 'UTC' })), String(start)).toEqual(['quiet_hours.start']);
    for (const timezone of ['', 'Europe/Atlantis', 'x'.repeat(101), 3]) expect(fields(quiet({ start: '22:00', end: '06:00', timezone })), String(timezone)).toEqual(['quiet_hours.timezone']);
    expect(fields(quiet({ start: '22:00', end: '06:00', timezone: 'UTC', days: 'weekdays' }))).toEqual(['quiet_hours.days']);
    expect(fields(quiet('22:00-06:00'))).toEqual(['quiet_hours']);
  });

  it('refuses more than 1000 sites and site codes that are blank or too long', () => {
    expect(fields(withField({ sites: Array.from({ length: 1001 }, (_, i) => `S${i}`) }))).toEqual(['sites']);
    expect(fields(withField({ sites: ['  '] }))).toEqual(['sites.0']);
    expect(fields(withField({ sites: ['x'.repeat(201)] }))).toEqual(['sites.0']);
  });

  it('property: any valid combination round-trips, and the output only holds allowed values', () => {
    fc.assert(
      fc.property(
        fc.subarray([...CHANNELS], { minLength: 1 }),
        fc.constantFrom(...SEVERITIES),
        fc.subarray([...ALERT_TYPES]),
        fc.array(fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/), { maxLength: 5 }),
        fc.constantFrom('off', 'hourly', 'daily'),
        (channels, minSeverity, alertTypes, sites, digest) => {
          const prefs = parsePreferences('t', { ...full, channels, min_severity: minSeverity, alert_types: alertTypes, sites, digest, fallback_channel: channels[0] }, NOW);
          expect(prefs.channels).toEqual(channels);
          expect(prefs.min_severity).toBe(minSeverity);
          expect(prefs.alert_types).toEqual(alertTypes);
          expect(prefs.sites).toEqual([...new Set(sites.map((s) => s.toUpperCase()))]);
          expect(prefs.digest).toBe(digest);
        },
      ),
    );
  });

  it('property: arbitrary JSON never throws anything but FGC_PREFERENCES_INVALID', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.constantFrom('user_id', 'email', 'slack', 'webhook', 'channels', 'min_severity', 'sites', 'quiet_hours', 'digest', 'fallback_channel'), fc.jsonValue()), (value, patch) => {
        for (const body of [value, { ...full, ...patch }]) {
          try {
            parsePreferences('t', body, NOW);
          } catch (error) {
            expect(error).toBeInstanceOf(FgcError);
            expect((error as FgcError).code).toBe('FGC_PREFERENCES_INVALID');
            expect((error as FgcError).details.length).toBeGreaterThan(0);
          }
        }
      }),
    );
  });
});

describe('isEmailAddress', () => {
  it.each(['a@example.com', 'first.last+tag@sub.example.co.uk', 'jürgen@müller.de', "o'brien@example.ie"])('accepts %s', (address) => {
    expect(isEmailAddress(address)).toBe(true);
  });
  it.each(['', 'plain', '@example.com', 'a@', 'a@localhost', 'a@b@example.com', 'a b@example.com', 'a@example.com\r\nBcc: x@evil.com', '.a@example.com', 'a..b@example.com', 'a@-example.com', 'a@example.123', `${'a'.repeat(65)}@example.com`, `a@${'b'.repeat(250)}.com`])(
    'refuses %j',
    (address) => {
      expect(isEmailAddress(address)).toBe(false);
    },
  );
});

describe('canonicalTimeZone', () => {
  it('canonicalizes known zones and refuses unknown ones', () => {
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('America/New_York')).toBe('America/New_York');
    expect(canonicalTimeZone('Nowhere/Special')).toBeUndefined();
  });
});
