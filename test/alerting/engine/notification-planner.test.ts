import { describe, expect, it } from 'vitest';
import type { Alert, Preferences, Silence } from '../../../alerting/alert-model.js';
import { notificationId, pendingChange, planNotifications } from '../../../alerting/engine/notification-planner.js';
import { lastDigestSlot, planDigest } from '../../../alerting/engine/digest-planner.js';
import { anAlert, somePreferences } from '../stores/store-fixture.js';

const T0 = Date.parse('2026-11-11T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

/** The stores' fixtures, pinned to this test's clock, site and ids. */
function alert(overrides: Partial<Alert> = {}): Alert {
  return anAlert({ alert_id: 'a1', fingerprint: 'fp1', site: 'MUC', starts_at: iso(T0), fired_at: iso(T0), updated_at: iso(T0), last_breach_at: iso(T0), ...overrides });
}

function user(overrides: Partial<Preferences> = {}): Preferences {
  return somePreferences({ user_id: 'sup', slack: { channel: 'C123' }, min_severity: 'info', quiet_hours: null, ...overrides });
}

const options = { nowMs: T0 + 5_000, groupWaitMs: 2_000, repeatIntervalMs: 4 * 3_600_000 };

describe('pendingChange', () => {
  it('asks for firing, then resolved after a firing notification, then nothing', () => {
    expect(pendingChange(alert(), T0, 1e9)).toEqual({ kind: 'firing', at: T0 });
    const notified = alert({ last_notified_at: iso(T0 + 1) });
    expect(pendingChange(notified, T0 + 2, 1e9)).toBeUndefined();
    const resolved = alert({ status: 'resolved', resolved_at: iso(T0 + 10), last_notified_at: iso(T0 + 1) });
    expect(pendingChange(resolved, T0 + 20, 1e9)).toEqual({ kind: 'resolved', at: T0 + 10 });
    expect(pendingChange({ ...resolved, last_notified_at: iso(T0 + 11) }, T0 + 20, 1e9)).toBeUndefined();
  });

  it('never sends a resolved notification for an alert nobody was told about', () => {
    expect(pendingChange(alert({ status: 'resolved', resolved_at: iso(T0 + 10) }), T0 + 20, 1e9)).toBeUndefined();
  });

  it('repeats an unacknowledged firing alert after the interval, not an acknowledged one', () => {
    const notified = alert({ last_notified_at: iso(T0) });
    expect(pendingChange(notified, T0 + 100, 100)?.kind).toBe('repeat');
    expect(pendingChange({ ...notified, acknowledged_at: iso(T0 + 1), acknowledged_by: 'k' }, T0 + 100, 100)).toBeUndefined();
  });
});

describe('planNotifications', () => {
  it('waits for the group wait, then sends one message per user and channel for every pending alert', () => {
    const a = alert();
    const b = alert({ alert_id: 'a2', fingerprint: 'fp2', fired_at: iso(T0 + 4_000), severity: 'critical' });
    expect(planNotifications('acme', [a], [user()], [], { ...options, nowMs: T0 + 1_000 }).notifications).toEqual([]);
    // A newer change restarts the wait (a burst is one message)…
    expect(planNotifications('acme', [a, b], [user()], [], { ...options, nowMs: T0 + 5_000 }).notifications).toEqual([]);
    // …but never beyond GROUP_MAX_WAITS group waits of the oldest.
    expect(planNotifications('acme', [a, alert({ alert_id: 'a3', fingerprint: 'fp3', fired_at: iso(T0 + 7_500) })], [user()], [], { ...options, nowMs: T0 + 8_000 }).notifications).toHaveLength(3);
    const plan = planNotifications('acme', [a, b], [user()], [], { ...options, nowMs: T0 + 6_000 });
    expect(plan.notifications.map((n) => n.channel).sort()).toEqual(['email', 'slack', 'webhook']);
    expect(plan.notifications.every((n) => n.alerts.length === 2 && n.severity === 'critical' && n.state === 'firing')).toBe(true);
    expect(new Set(plan.notifications.map((n) => n.notification_id)).size).toBe(1);
    expect(plan.notified.map((x) => x.alert_id).sort()).toEqual(['a1', 'a2']);
  });

  it('gives the same ids when the same state is planned twice (a retried enqueue is deduplicated)', () => {
    const first = planNotifications('acme', [alert()], [user()], [], options);
    const second = planNotifications('acme', [alert()], [user()], [], { ...options, nowMs: options.nowMs + 60_000 });
    expect(second.notifications.map((n) => n.idempotency_key)).toEqual(first.notifications.map((n) => n.idempotency_key));
    expect(notificationId('acme', 'sup', 'firing', [{ alert: alert(), at: 1 }])).not.toBe(notificationId('acme', 'sup', 'firing', [{ alert: alert(), at: 2 }]));
  });

  it('routes by severity and site, and holds a warning until quiet hours end while a critical goes now', () => {
    const criticalOnly = user({ user_id: 'boss', min_severity: 'critical' });
    const otherSite = user({ user_id: 'chi', sites: ['CHI'] });
    const night = user({ user_id: 'night', quiet_hours: { start: '10:00', end: '14:00', timezone: 'UTC' } });
    const plan = planNotifications('acme', [alert()], [criticalOnly, otherSite, night], [], options);
    expect([...new Set(plan.notifications.map((n) => n.user_id))]).toEqual(['night']);
    expect(plan.notifications.every((n) => n.deliver_after === '2026-11-11T14:00:00.000Z')).toBe(true);
    const critical = planNotifications('acme', [alert({ severity: 'critical' })], [night], [], options);
    expect(critical.notifications.every((n) => n.deliver_after === iso(options.nowMs))).toBe(true);
  });

  it('marks silenced alerts without a message, and leaves non-critical alerts of digest users to the digest', () => {
    const silence: Silence = { silence_id: 's', tenant_id: 'acme', matchers: [{ name: 'site', op: '=', value: 'MUC' }], starts_at: iso(T0 - 1), ends_at: iso(T0 + 3_600_000), created_by: 'k', comment: '', created_at: iso(T0), deleted: false };
    const silenced = planNotifications('acme', [alert()], [user()], [silence], options);
    expect(silenced.notifications).toEqual([]);
    expect(silenced.silenced.map((a) => a.alert_id)).toEqual(['a1']);
    expect(silenced.notified.map((a) => a.alert_id)).toEqual(['a1']);
    const digest = planNotifications('acme', [alert()], [user({ digest: 'hourly' })], [], options);
    expect(digest.notifications).toEqual([]);
  });

  it('adds the fallback target to critical notifications only', () => {
    const prefs = user({ channels: ['webhook'], fallback_channel: 'email' });
    const critical = planNotifications('acme', [alert({ severity: 'critical' })], [prefs], [], options);
    expect(critical.notifications.map((n) => [n.channel, n.fallback?.channel])).toEqual([['webhook', 'email']]);
    const warning = planNotifications('acme', [alert()], [prefs], [], options);
    expect(warning.notifications.map((n) => n.fallback)).toEqual([null]);
  });
});

describe('digests', () => {
  it('finds the latest hourly slot and sends one digest per channel with the user\'s non-critical alerts', () => {
    const prefs = user({ digest: 'hourly', channels: ['email'] });
    const slot = lastDigestSlot(prefs, Date.parse('2026-11-11T12:34:00Z'));
    expect(slot).toBe(Date.parse('2026-11-11T12:00:00Z'));
    const digest = planDigest('acme', prefs, [alert(), alert({ alert_id: 'a2', severity: 'critical' })], slot ?? 0);
    expect(digest).toHaveLength(1);
    expect(digest[0]?.alerts.map((a) => a.alert_id)).toEqual(['a1']);
    expect(planDigest('acme', prefs, [alert({ severity: 'critical' })], slot ?? 0)).toEqual([]);
    expect(lastDigestSlot(user(), T0)).toBeUndefined();
  });
});
