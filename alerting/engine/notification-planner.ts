/**
 * Which notifications the current alert states call for (pure). Notifications are derived from
 * the durable alert state, not from transient events, so a restart re-derives exactly what was
 * not yet sent:
 *  - a firing alert whose last_notified_at is before fired_at needs its firing notification;
 *  - a resolved alert that was notified as firing (last_notified_at ≥ fired_at) and not since
 *    resolved_at needs its resolved notification — so a resolved one always follows a firing one,
 *    and an alert that fired and resolved before anyone was told produces neither;
 *  - a firing, unacknowledged alert notified longer than the repeat interval ago needs a repeat.
 * After the notifications are enqueued, the caller marks the alerts notified (`markNotified`).
 *
 * Grouping: changes go out once the newest pending one has waited `groupWaitMs` (a burst — a
 * forecast run's events — becomes one message, not one per wait) or the oldest has waited
 * GROUP_MAX_WAITS group waits (a steady trickle still goes out); then every pending change goes
 * out at once, one message per user, state (firing / resolved) and channel.
 * Notification ids are a hash of user, state and the alerts' transition instants, so planning
 * the same state twice (a crash after enqueue, before the alerts were marked) yields the same ids
 * and the dispatcher's idempotency keys drop the second copy.
 *
 * Preferences decide who gets what (routing.ts) and when (quiet hours; digest users get
 * non-critical alerts in their digest instead — see digest-planner.ts). Silenced alerts are marked
 * notified without a message.
 */
import { createHash } from 'node:crypto';
import { SEVERITY_RANK, type Alert, type DeliveryTarget, type Notification, type Preferences, type Severity, type Silence } from '../alert-model.js';
import { isSilenced } from '../lifecycle/silence-matcher.js';
import { releaseTime } from '../preferences/quiet-hours.js';
import { fallbackTargetFor, targetsFor, wantsAlert } from '../preferences/routing.js';

export type NotifyKind = 'firing' | 'resolved' | 'repeat';

/** The oldest change waits at most this many group waits: 4 × 2 s keeps "within 10 s of the run". */
export const GROUP_MAX_WAITS = 4;

export interface PlannerOptions {
  readonly nowMs: number;
  readonly groupWaitMs: number;
  readonly repeatIntervalMs: number;
}

export interface Plan {
  readonly notifications: Notification[];
  /** Alerts that were considered (notified or silenced): the caller marks them notified at nowMs. */
  readonly notified: Alert[];
  /** Alerts whose change is silenced (marked without a message). */
  readonly silenced: Alert[];
  /** Users skipped for a channel without a target (for the log). */
  readonly skippedTargets: { readonly user_id: string; readonly channel: string }[];
}

const ms = (iso: string | null): number => (iso === null ? Number.NEGATIVE_INFINITY : Date.parse(iso));

/** What this alert needs now, and the instant of the change it is about. */
export function pendingChange(alert: Alert, nowMs: number, repeatIntervalMs: number): { kind: NotifyKind; at: number } | undefined {
  const notified = ms(alert.last_notified_at);
  if (alert.status === 'firing' && alert.fired_at !== null) {
    const fired = ms(alert.fired_at);
    if (notified < fired) return { kind: 'firing', at: fired };
    if (alert.acknowledged_at === null && notified + repeatIntervalMs <= nowMs) return { kind: 'repeat', at: notified + repeatIntervalMs };
    return undefined;
  }
  if (alert.status === 'resolved' && alert.fired_at !== null && alert.resolved_at !== null) {
    const resolved = ms(alert.resolved_at);
    if (notified >= ms(alert.fired_at) && notified < resolved) return { kind: 'resolved', at: resolved };
  }
  return undefined;
}

function highest(alerts: readonly Alert[]): Severity {
  return alerts.reduce<Severity>((top, a) => (SEVERITY_RANK[a.severity] > SEVERITY_RANK[top] ? a.severity : top), 'info');
}

export function notificationId(tenant: string, userId: string, state: string, changes: readonly { alert: Alert; at: number }[]): string {
  const hash = createHash('sha256');
  hash.update(`${tenant}\u0000${userId}\u0000${state}`);
  for (const c of [...changes].sort((a, b) => a.alert.alert_id.localeCompare(b.alert.alert_id))) hash.update(`\u0000${c.alert.alert_id}@${c.at}`);
  return `ntf_${hash.digest('hex').slice(0, 24)}`;
}

function titleOf(state: 'firing' | 'resolved', alerts: readonly Alert[]): string {
  const [first] = alerts;
  if (alerts.length === 1 && first !== undefined) return state === 'resolved' ? `Resolved: ${first.title}` : first.title;
  return state === 'resolved' ? `${alerts.length} alerts resolved` : `${alerts.length} alerts firing`;
}

function messageOf(state: 'firing' | 'resolved', alerts: readonly Alert[]): string {
  return alerts.map((a) => (state === 'resolved' ? `Resolved: ${a.title}` : `${a.title} — ${a.recommendation.text}`)).join('\n');
}

function fallbackTarget(prefs: Preferences, severity: Severity, channel: string): DeliveryTarget | null {
  if (severity !== 'critical') return null;
  const fallback = fallbackTargetFor(prefs);
  return fallback === null || fallback.channel === channel ? null : fallback;
}

/**
 * Notifications for the pending changes of one tenant's alerts. `users` are the tenant's
 * preferences, `silences` its active silences. Digest users are left out for non-critical
 * alerts (their digest covers them).
 */
export function planNotifications(tenant: string, alerts: readonly Alert[], users: readonly Preferences[], silences: readonly Silence[], options: PlannerOptions): Plan {
  const { nowMs } = options;
  const changes = alerts.flatMap((alert) => {
    const change = pendingChange(alert, nowMs, options.repeatIntervalMs);
    return change === undefined ? [] : [{ alert, ...change }];
  });
  const newest = Math.max(...changes.map((c) => c.at));
  const oldest = Math.min(...changes.map((c) => c.at));
  const due = newest + options.groupWaitMs <= nowMs || oldest + GROUP_MAX_WAITS * options.groupWaitMs <= nowMs;
  if (changes.length === 0 || !due) return { notifications: [], notified: [], silenced: [], skippedTargets: [] };

  const silenced = changes.filter((c) => isSilenced(c.alert, silences, nowMs)).map((c) => c.alert);
  const silencedIds = new Set(silenced.map((a) => a.alert_id));
  const live = changes.filter((c) => !silencedIds.has(c.alert.alert_id));
  const notifications: Notification[] = [];
  const skippedTargets: { user_id: string; channel: string }[] = [];
  const created = new Date(nowMs).toISOString();

  for (const user of users) {
    const mine = live.filter((c) => (user.digest === 'off' || c.alert.severity === 'critical') && wantsAlert(c.alert, user));
    const { targets, skipped } = targetsFor(user);
    for (const channel of skipped) skippedTargets.push({ user_id: user.user_id, channel });
    for (const state of ['firing', 'resolved'] as const) {
      const group = mine.filter((c) => (state === 'resolved' ? c.kind === 'resolved' : c.kind !== 'resolved'));
      if (group.length === 0) continue;
      const groupAlerts = group.map((c) => c.alert);
      const severity = highest(groupAlerts);
      const id = notificationId(tenant, user.user_id, state, group);
      const deliverAfter = new Date(Math.max(nowMs, releaseTime(user, severity, nowMs))).toISOString();
      for (const target of targets) {
        notifications.push({
          notification_id: id,
          tenant_id: tenant,
          user_id: user.user_id,
          channel: target.channel,
          idempotency_key: `${id}:${target.channel}`,
          kind: 'alert',
          state,
          severity,
          title: titleOf(state, groupAlerts),
          message: messageOf(state, groupAlerts),
          notification_type: groupAlerts.length === 1 ? (groupAlerts[0]?.type ?? 'alert') : 'alert_group',
          alerts: groupAlerts,
          target,
          replaces_provider_id: null,
          replaces_notification_id: null,
          fallback: fallbackTarget(user, severity, target.channel),
          created_at: created,
          deliver_after: deliverAfter,
        });
      }
    }
  }
  return { notifications, notified: changes.map((c) => c.alert), silenced, skippedTargets };
}
