/**
 * A notification as the JSON body of an outgoing webhook. Pure. The schema is a public contract
 * (receivers parse it), documented in alerting/README.md; fields are only ever added, never
 * renamed or removed, and `schema_version` goes up when one is added.
 *
 * Numbers that are not finite (NaN, ±Infinity) become `null` rather than being dropped by
 * JSON.stringify's rules silently.
 */
import type { Alert, AlertStatus, AlertType, ChannelName, Notification, Recommendation, Severity } from '../alert-model.js';
import { alertLink, notificationLink, type RenderOptions } from './message-facts.js';

export const WEBHOOK_PAYLOAD_TYPE = 'forgecast.notification';
export const WEBHOOK_SCHEMA_VERSION = 1;

/** One alert inside a webhook payload. */
export interface WebhookAlert {
  readonly alert_id: string;
  readonly fingerprint: string;
  readonly type: AlertType;
  readonly severity: Severity;
  readonly status: AlertStatus;
  readonly entity_id: string;
  readonly site: string;
  readonly title: string;
  readonly message: string;
  readonly value: number | null;
  readonly threshold: number | null;
  readonly recommendation: Recommendation;
  readonly labels: Readonly<Record<string, string>>;
  readonly data_as_of: string;
  readonly starts_at: string;
  readonly fired_at: string | null;
  readonly resolved_at: string | null;
  readonly updated_at: string;
  readonly link: string;
}

/** The body of every outgoing webhook. */
export interface WebhookPayload {
  readonly type: typeof WEBHOOK_PAYLOAD_TYPE;
  readonly schema_version: typeof WEBHOOK_SCHEMA_VERSION;
  readonly notification_id: string;
  /** Same value as the `webhook-id` header: receivers dedupe on it. */
  readonly idempotency_key: string;
  readonly channel: ChannelName;
  readonly kind: Notification['kind'];
  /** `firing` / `resolved` for alert notifications, `''` for digests and direct messages. */
  readonly state: Notification['state'];
  readonly severity: Severity;
  readonly notification_type: string;
  readonly title: string;
  readonly message: string;
  readonly link: string;
  readonly alerts: readonly WebhookAlert[];
  readonly created_at: string;
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function webhookAlert(alert: Alert, baseUrl: string): WebhookAlert {
  return {
    alert_id: alert.alert_id,
    fingerprint: alert.fingerprint,
    type: alert.type,
    severity: alert.severity,
    status: alert.status,
    entity_id: alert.entity_id,
    site: alert.site,
    title: alert.title,
    message: alert.message,
    value: finite(alert.value),
    threshold: finite(alert.threshold),
    recommendation: alert.recommendation,
    labels: alert.labels,
    data_as_of: alert.data_as_of,
    starts_at: alert.starts_at,
    fired_at: alert.fired_at,
    resolved_at: alert.resolved_at,
    updated_at: alert.updated_at,
    link: alertLink(baseUrl, alert),
  };
}

export function renderWebhook(notification: Notification, options: RenderOptions): WebhookPayload {
  return {
    type: WEBHOOK_PAYLOAD_TYPE,
    schema_version: WEBHOOK_SCHEMA_VERSION,
    notification_id: notification.notification_id,
    idempotency_key: notification.idempotency_key,
    channel: notification.channel,
    kind: notification.kind,
    state: notification.state,
    severity: notification.severity,
    notification_type: notification.notification_type,
    title: notification.title,
    message: notification.message,
    link: notificationLink(options.baseUrl, notification),
    alerts: notification.alerts.map((alert) => webhookAlert(alert, options.baseUrl)),
    created_at: notification.created_at,
  };
}
