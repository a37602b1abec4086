/**
 * Digests (pure): a user with `digest: hourly | daily` gets their non-critical alerts as one
 * summary per digest slot instead of a message per change (critical alerts still go out at once,
 * notification-planner.ts). The slot instants come from quiet-hours.ts (`nextDigestTime`: top of
 * the hour, or 08:00 in the user's time zone); a digest covers the alerts that started in the
 * slot's period. Its id is a hash of user and slot, so planning a slot twice enqueues one message.
 */
import { createHash } from 'node:crypto';
import { SEVERITY_RANK, type Alert, type Notification, type Preferences, type Severity } from '../alert-model.js';
import { nextDigestTime } from '../preferences/quiet-hours.js';
import { recipientsFor, targetsFor } from '../preferences/routing.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The digest period's length for a user (0 when digests are off). */
export function digestPeriodMs(user: Preferences): number {
  if (user.digest === 'hourly') return HOUR_MS;
  if (user.digest === 'daily') return DAY_MS;
  return 0;
}

/** The latest digest slot at or before `nowMs` (undefined when digests are off). */
export function lastDigestSlot(user: Preferences, nowMs: number): number | undefined {
  const period = digestPeriodMs(user);
  if (period === 0) return undefined;
  // The next slot after (now − period) is the last one at or before now; a DST day is 23 or 25
  // hours long, so step once more when the first answer lies after now.
  let slot = nextDigestTime(user, nowMs - period);
  if (slot > nowMs) slot = nextDigestTime(user, nowMs - period - HOUR_MS);
  return slot <= nowMs ? slot : undefined;
}

/** One digest message per channel of the user for the alerts of their slot; [] when nothing concerns them. */
export function planDigest(tenant: string, user: Preferences, alerts: readonly Alert[], slotMs: number): Notification[] {
  const mine = alerts.filter((a) => a.severity !== 'critical' && recipientsFor(a, [user]).length > 0).sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  if (mine.length === 0) return [];
  const id = `ntf_${createHash('sha256').update(`${tenant}\u0000${user.user_id}\u0000digest\u0000${slotMs}`).digest('hex').slice(0, 24)}`;
  const severity = mine.reduce<Severity>((top, a) => (SEVERITY_RANK[a.severity] > SEVERITY_RANK[top] ? a.severity : top), 'info');
  const slot = new Date(slotMs).toISOString();
  const firing = mine.filter((a) => a.status !== 'resolved').length;
  return targetsFor(user).targets.map((target) => ({
    notification_id: id,
    tenant_id: tenant,
    user_id: user.user_id,
    channel: target.channel,
    idempotency_key: `${id}:${target.channel}`,
    kind: 'digest',
    state: '',
    severity,
    title: `Forgecast ${user.digest} digest: ${mine.length} alert${mine.length === 1 ? '' : 's'} (${firing} still firing)`,
    message: mine.map((a) => `[${a.status}] ${a.title} — ${a.recommendation.text}`).join('\n'),
    notification_type: 'digest',
    alerts: mine,
    target,
    replaces_provider_id: null,
    replaces_notification_id: null,
    fallback: null,
    created_at: slot,
    deliver_after: slot,
  }));
}
