/**
 * The delivery log's state machine for one idempotency key (notification × channel), as pure
 * functions the dispatcher applies. Every change writes a new version of the key's record
 * (version + 1; the log keeps the latest):
 *
 *   (none) | queued ──deliver_after in the future──► held ──its time came──► sending
 *   (none) | queued ──due now──► sending (attempts + 1) ──ok──► delivered            (terminal)
 *                                                      ──permanent error──► failed  (terminal)
 *                                                      ──transient error──► retrying ──its time came──► sending
 *                                                      ──transient, attempts = max──► failed
 *   sending, older than staleSendingMs (crashed before its outcome was saved) ──► sending (again)
 *   failed ──manual retry──► retrying (attempts 0, due now)
 *
 * A resolved notification that follows a firing one (`replaces_notification_id`) is held while
 * the firing one on the same channel has no outcome yet, so it never overtakes it, and carries the
 * firing one's provider id once delivered (Slack updates the message in place).
 */
import type { DeliveryRecord, DeliveryTarget, Notification, NotificationStatus } from '../alert-model.js';
import { DeliveryError } from '../alerting-ports.js';
import { retryDelayMs, type BackoffConfig } from './backoff.js';

/**
 * How long a resolved notification waits behind its firing one before looking again: short, so
 * the resolved message follows the firing one closely; one delivery-log query per look.
 */
export const RESOLVED_WAIT_MS = 1_000;
/** last_error is for people and the API; a stack-sized provider answer is cut here. */
const MAX_ERROR_LENGTH = 1_000;

/** The fields a step may change; the rest carry over from the previous version. */
export type RecordChange = Partial<Pick<DeliveryRecord, 'attempts' | 'last_error' | 'provider_id' | 'next_attempt_at' | 'delivered_at'>> & {
  readonly status: NotificationStatus;
};

/** The next version of a key's record (the first one when there is no previous record). */
export function nextRecord(previous: DeliveryRecord | undefined, notification: Notification, change: RecordChange, nowIso: string): DeliveryRecord {
  return {
    notification_id: notification.notification_id,
    tenant_id: notification.tenant_id,
    user_id: notification.user_id,
    channel: notification.channel,
    idempotency_key: notification.idempotency_key,
    attempts: previous?.attempts ?? 0,
    last_error: previous?.last_error ?? '',
    provider_id: previous?.provider_id ?? '',
    next_attempt_at: null,
    created_at: previous?.created_at ?? notification.created_at,
    delivered_at: previous?.delivered_at ?? null,
    ...change,
    updated_at: nowIso,
    notification,
    version: (previous?.version ?? 0) + 1,
  };
}

/** Whether the dispatcher should act on this record at `nowMs` (what `DeliveryLog.due` should return). */
export function isDue(record: DeliveryRecord, nowMs: number, staleSendingMs: number): boolean {
  switch (record.status) {
    case 'held':
    case 'retrying':
      return record.next_attempt_at !== null && Date.parse(record.next_attempt_at) <= nowMs;
    case 'queued':
    case 'sending':
      return Date.parse(record.updated_at) <= nowMs - staleSendingMs;
    case 'delivered':
    case 'failed':
      return false;
  }
}

/** How a send ended. */
export type SendOutcome = { readonly ok: true; readonly providerId: string } | { readonly ok: false; readonly error: unknown };

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly backoff: BackoffConfig;
  readonly random: () => number;
}

/** The record change after attempt number `attempts` ended with `outcome`. */
export function outcomeChange(attempts: number, outcome: SendOutcome, policy: RetryPolicy, nowMs: number): RecordChange {
  const nowIso = new Date(nowMs).toISOString();
  if (outcome.ok) return { status: 'delivered', provider_id: outcome.providerId, delivered_at: nowIso, next_attempt_at: null };
  const error = outcome.error;
  const lastError = errorText(error);
  // Anything but a DeliveryError saying otherwise is transient: a channel bug or a network hiccup
  // must not drop a notification for good.
  const permanent = error instanceof DeliveryError && error.permanent;
  if (permanent || attempts >= policy.maxAttempts) return { status: 'failed', last_error: lastError, next_attempt_at: null };
  const retryAfterMs = error instanceof DeliveryError ? error.retryAfterMs : undefined;
  const delay = retryDelayMs(attempts, retryAfterMs, policy.backoff, policy.random);
  return { status: 'retrying', last_error: lastError, next_attempt_at: new Date(nowMs + delay).toISOString() };
}

export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

/** What to do with a notification that follows another one (`replaces_notification_id`). */
export type FollowDecision =
  | { readonly kind: 'send'; readonly replacesProviderId: string | null }
  | { readonly kind: 'hold'; readonly until: number };

/**
 * Given the firing notification's record on the same channel — 'in-batch' when it is being
 * handled in the same pass, undefined when it never reached the log.
 */
export function followDecision(notification: Notification, firing: DeliveryRecord | 'in-batch' | undefined, nowMs: number): FollowDecision {
  if (firing === 'in-batch') return { kind: 'hold', until: nowMs + RESOLVED_WAIT_MS };
  // Never sent, or failed for good: the resolved message goes out on its own.
  if (firing === undefined || firing.status === 'failed') return { kind: 'send', replacesProviderId: notification.replaces_provider_id };
  if (firing.status === 'delivered') return { kind: 'send', replacesProviderId: firing.provider_id === '' ? notification.replaces_provider_id : firing.provider_id };
  // Still on its way: look again just after its own next attempt (not every second while it is
  // held for hours of quiet time — each look writes a version).
  const next = firing.next_attempt_at === null ? nowMs : Math.max(nowMs, Date.parse(firing.next_attempt_at));
  return { kind: 'hold', until: next + RESOLVED_WAIT_MS };
}

/** The copy of a failed critical notification that goes to its fallback target. */
export function fallbackCopy(notification: Notification, fallback: DeliveryTarget, nowIso: string): Notification {
  return {
    ...notification,
    channel: fallback.channel,
    target: fallback,
    idempotency_key: `${notification.notification_id}:${fallback.channel}`,
    // One hop only: the fallback's own failure is final.
    fallback: null,
    replaces_provider_id: null,
    deliver_after: nowIso,
  };
}
