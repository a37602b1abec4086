/**
 * Routing (pure): which users an alert reaches and on which targets. Table tests for each filter,
 * and properties against an independent statement of the rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALERT_TYPES, CHANNELS, SEVERITIES, type Alert, type AlertType, type ChannelName, type Preferences, type Severity } from '../../../alerting/alert-model.js';
import { fallbackTargetFor, recipientsFor, targetFor, targetsFor } from '../../../alerting/preferences/routing.js';

const alert = (overrides: Partial<Alert> = {}): Alert => ({
  alert_id: 'al-1',
  tenant_id: 'acme',
  fingerprint: 'fp',
  type: 'stockout_risk',
  severity: 'warning',
  status: 'firing',
  entity_id: 'ITEM-1',
  site: 'PLANT-1',
  title: 't',
  message: 'm',
  value: 1,
  threshold: 0.5,
  recommendation: { action: 'order', text: 'order' },
  labels: {},
  data_as_of: '2024-06-01',
  starts_at: '2024-06-01T00:00:00.000Z',
  fired_at: '2024-06-01T00:00:00.000Z',
  resolved_at: null,
  updated_at: '2024-06-01T00:00:00.000Z',
  last_breach_at: '2024-06-01T00:00:00.000Z',
  ok_since: null,
  acknowledged_by: null,
  acknowledged_at: null,
  last_notified_at: null,
  version: 1,
  ...overrides,
});

const user = (overrides: Partial<Preferences> = {}): Preferences => ({
  tenant_id: 'acme',
  user_id: 'u',
  email: 'u@example.com',
  slack: null,
  webhook: null,
  channels: ['email'],
  min_severity: 'info',
  alert_types: [],
  sites: [],
  quiet_hours: null,
  digest: 'off',
  fallback_channel: null,
  updated_at: '2024-06-01T00:00:00.000Z',
  ...overrides,
});

const names = (users: readonly Preferences[]): string[] => users.map((u) => u.user_id);

describe('recipientsFor', () => {
  it.each<[string, Partial<Alert>, Partial<Preferences>, boolean]>([
    ['severity equal to the minimum', { severity: 'warning' }, { min_severity: 'warning' }, true],
    ['severity above the minimum', { severity: 'critical' }, { min_severity: 'warning' }, true],
    ['severity below the minimum', { severity: 'warning' }, { min_severity: 'critical' }, false],
    ['info to a user wanting info', { severity: 'info' }, { min_severity: 'info' }, true],
    ['empty alert_types = every type', { type: 'late_supplier' }, { alert_types: [] }, true],
    ['listed type', { type: 'quality_drift' }, { alert_types: ['quality_drift', 'stockout_risk'] }, true],
    ['unlisted type', { type: 'demand_anomaly' }, { alert_types: ['quality_drift'] }, false],
    ['empty sites = every site', { site: 'PLANT-9' }, { sites: [] }, true],
    ['listed site', { site: 'PLANT-2' }, { sites: ['PLANT-1', 'PLANT-2'] }, true],
    ['unlisted site', { site: 'PLANT-3' }, { sites: ['PLANT-1'] }, false],
    ['site compared trimmed and case-insensitively', { site: 'WERK-MÜNCHEN' }, { sites: [' werk-münchen '] }, true],
    ['an alert without a site reaches users with site filters', { site: '', type: 'late_supplier' }, { sites: ['PLANT-1'] }, true],
    ['another tenant never', { tenant_id: 'globex' }, {}, false],
    ['all filters together', { severity: 'critical', type: 'stockout_risk', site: 'PLANT-1' }, { min_severity: 'critical', alert_types: ['stockout_risk'], sites: ['PLANT-1'] }, true],
    ['one filter of several fails', { severity: 'critical', type: 'stockout_risk', site: 'PLANT-2' }, { min_severity: 'critical', alert_types: ['stockout_risk'], sites: ['PLANT-1'] }, false],
  ])('%s', (_name, a, u, expected) => {
    expect(recipientsFor(alert(a), [user(u)])).toHaveLength(expected ? 1 : 0);
  });

  it('keeps the order given and returns the same objects', () => {
    const users = [user({ user_id: 'c' }), user({ user_id: 'a', min_severity: 'critical' }), user({ user_id: 'b' })];
    const result = recipientsFor(alert(), users);
    expect(names(result)).toEqual(['c', 'b']);
    expect(result[0]).toBe(users[0]);
  });

  it('an empty user list gives nobody', () => {
    expect(recipientsFor(alert(), [])).toEqual([]);
  });

  const severity = fc.constantFrom<Severity>(...SEVERITIES);
  const alertType = fc.constantFrom<AlertType>(...ALERT_TYPES);
  const site = fc.constantFrom('', 'PLANT-1', 'PLANT-2', 'WERK-3');
  const arbUser = fc.record({
    user_id: fc.string({ minLength: 1, maxLength: 8 }),
    tenant_id: fc.constantFrom('acme', 'globex'),
    min_severity: severity,
    alert_types: fc.uniqueArray(alertType, { maxLength: 3 }),
    sites: fc.uniqueArray(site.filter((s) => s !== ''), { maxLength: 3 }),
  });
  const arbAlert = fc.record({ tenant_id: fc.constantFrom('acme', 'globex'), severity, type: alertType, site });
  const RANK = { info: 0, warning: 1, critical: 2 } as const;

  it('matches an independent statement of the rules (property)', () => {
    fc.assert(
      fc.property(arbAlert, fc.array(arbUser, { maxLength: 20 }), (a, us) => {
        const users = us.map((u) => user(u));
        const expected = users.filter(
          (u) =>
            u.tenant_id === a.tenant_id &&
            RANK[a.severity] >= RANK[u.min_severity] &&
            (u.alert_types.length === 0 || u.alert_types.includes(a.type)) &&
            (a.site === '' || u.sites.length === 0 || u.sites.includes(a.site)),
        );
        expect(recipientsFor(alert(a), users)).toEqual(expected);
      }),
    );
  });

  it('a more severe alert never loses a recipient (property)', () => {
    fc.assert(
      fc.property(arbAlert, fc.array(arbUser, { maxLength: 20 }), (a, us) => {
        const users = us.map((u) => user(u));
        const base = new Set(recipientsFor(alert(a), users));
        const escalated = new Set(recipientsFor(alert({ ...a, severity: 'critical' }), users));
        for (const u of base) expect(escalated.has(u)).toBe(true);
      }),
    );
  });
});

describe('targetsFor', () => {
  it('one target per listed channel that has one, in the user order', () => {
    const prefs = user({
      channels: ['webhook', 'email', 'slack'],
      email: 'u@example.com',
      slack: { channel: 'C0123456' },
      webhook: { url: 'https://hooks.example.com/x', secret: 'whsec_abc' },
    });
    expect(targetsFor(prefs)).toEqual({
      targets: [
        { channel: 'webhook', url: 'https://hooks.example.com/x', secret: 'whsec_abc' },
        { channel: 'email', address: 'u@example.com' },
        { channel: 'slack', conversation: 'C0123456' },
      ],
      skipped: [],
    });
  });

  it('skips and reports channels without a target', () => {
    const prefs = user({ channels: ['email', 'slack', 'webhook'], email: null, slack: {}, webhook: { url: 'https://x.example.com', secret: '' } });
    expect(targetsFor(prefs)).toEqual({ targets: [], skipped: ['email', 'slack', 'webhook'] });
  });

  it('treats blank values as missing, and trims addresses', () => {
    const prefs = user({ channels: ['email', 'slack'], email: '  ', slack: { user: ' ', channel: ' C999 ' } });
    expect(targetsFor(prefs)).toEqual({ targets: [{ channel: 'slack', conversation: 'C999' }], skipped: ['email'] });
    expect(targetFor(user({ email: ' a@b.example ' }), 'email')).toEqual({ channel: 'email', address: 'a@b.example' });
  });

  it('prefers the Slack user (a DM) when both user and channel are set', () => {
    expect(targetFor(user({ slack: { user: 'U1234567', channel: 'C7654321' } }), 'slack')).toEqual({ channel: 'slack', conversation: 'U1234567' });
  });

  it('lists a duplicated channel once, and reports an unknown one', () => {
    const prefs = user({ channels: ['email', 'email', 'pager' as ChannelName], email: 'u@example.com' });
    expect(targetsFor(prefs)).toEqual({ targets: [{ channel: 'email', address: 'u@example.com' }], skipped: ['pager'] });
  });

  it('no channels, no targets', () => {
    expect(targetsFor(user({ channels: [] }))).toEqual({ targets: [], skipped: [] });
  });

  it('every channel ends up in exactly one of targets and skipped (property)', () => {
    const arbPrefs = fc.record({
      channels: fc.array(fc.constantFrom<ChannelName>(...CHANNELS), { maxLength: 6 }),
      email: fc.option(fc.string({ maxLength: 10 }), { nil: null }),
      slack: fc.option(fc.record({ user: fc.string({ maxLength: 5 }), channel: fc.string({ maxLength: 5 }) }, { requiredKeys: [] }), { nil: null }),
      webhook: fc.option(fc.record({ url: fc.string({ maxLength: 10 }), secret: fc.string({ maxLength: 5 }) }), { nil: null }),
    });
    fc.assert(
      fc.property(arbPrefs, (p) => {
        const { targets, skipped } = targetsFor(user(p));
        const covered = [...targets.map((t) => t.channel), ...skipped];
        expect(covered.sort()).toEqual([...new Set(p.channels)].sort());
        for (const t of targets) expect(p.channels).toContain(t.channel);
      }),
    );
  });
});

describe('fallbackTargetFor', () => {
  it('the fallback channel target, or null', () => {
    expect(fallbackTargetFor(user({ fallback_channel: 'email', email: 'u@example.com' }))).toEqual({ channel: 'email', address: 'u@example.com' });
    expect(fallbackTargetFor(user({ fallback_channel: 'slack', slack: null }))).toBeNull();
    expect(fallbackTargetFor(user({ fallback_channel: null }))).toBeNull();
  });
});
