/**
 * The alerting domain's vocabulary (SPEC.md, Alerts and notifications): what rules observe, what
 * the lifecycle keeps per alert, what a supervisor prefers, and what gets delivered. Pure types
 * and a few constants; every other alerting module speaks these.
 *
 * Flow: forecast events / source freshness → rules (pure, `rules/`) → observations → lifecycle
 * (pure, `lifecycle/`) → alert transitions → notifier (preferences, silences, quiet hours,
 * grouping) → notifications in the outbox → dispatcher → channels (`channels/`) → delivery log.
 */

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 };

export const ALERT_TYPES = ['stockout_risk', 'demand_anomaly', 'quality_drift', 'late_supplier', 'stale_source'] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export const CHANNELS = ['email', 'slack', 'webhook'] as const;
export type ChannelName = (typeof CHANNELS)[number];

/** What a supervisor can do about an alert. `action` is machine-readable; `text` is the sentence shown. */
export interface Recommendation {
  readonly action: 'order' | 'expedite_po' | 'hold_lot' | 'review_forecast' | 'check_source';
  readonly text: string;
  /** order: quantity (base unit) and the latest order date. */
  readonly order_qty?: number;
  readonly order_by?: string;
  /** expedite_po: the purchase order (and line) to chase. */
  readonly po_id?: string;
  /** hold_lot: the line / sku / defect code to hold. */
  readonly line?: string;
  readonly sku?: string;
}

/**
 * One condition as a rule saw it on one evaluation. `state`:
 *  - `breach`: past the threshold (the alert should fire, after its pending period);
 *  - `ok`: past the recovery threshold (the alert may resolve, after keep-firing-for);
 *  - `between`: neither (hysteresis band: keep whatever state the alert is in).
 */
export interface Observation {
  readonly tenant_id: string;
  readonly type: AlertType;
  /** Stable identity of the condition: same tenant, type, entity and site (and, for demand_anomaly, period) → same fingerprint. */
  readonly fingerprint: string;
  readonly state: 'breach' | 'ok' | 'between';
  readonly severity: Severity;
  readonly entity_id: string;
  readonly site: string;
  readonly title: string;
  readonly message: string;
  readonly value: number;
  readonly threshold: number;
  readonly recommendation: Recommendation;
  /** Last day of data the observation was computed from (YYYY-MM-DD). */
  readonly data_as_of: string;
  /** When the observation was made (epoch ms). */
  readonly observed_at: number;
  /** Extra matchable labels (supplier_id, line, sku, forecast version…). */
  readonly labels: Readonly<Record<string, string>>;
}

export const ALERT_STATUSES = ['pending', 'firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** An alert as stored and served (SPEC.md `GET /api/v1/alerts/active`, plus lifecycle bookkeeping). */
export interface Alert {
  readonly alert_id: string;
  readonly tenant_id: string;
  readonly fingerprint: string;
  readonly type: AlertType;
  readonly severity: Severity;
  readonly status: AlertStatus;
  readonly entity_id: string;
  readonly site: string;
  readonly title: string;
  readonly message: string;
  readonly value: number;
  readonly threshold: number;
  readonly recommendation: Recommendation;
  readonly labels: Readonly<Record<string, string>>;
  readonly data_as_of: string;
  /** ISO timestamps. starts_at: first breach; fired_at: became firing; resolved_at: resolved. */
  readonly starts_at: string;
  readonly fired_at: string | null;
  readonly resolved_at: string | null;
  readonly updated_at: string;
  /** Last breach seen, and first ok seen since (null while breaching): drive keep-firing-for. */
  readonly last_breach_at: string;
  readonly ok_since: string | null;
  /** Acknowledgement (no repeat notifications while acknowledged). */
  readonly acknowledged_by: string | null;
  readonly acknowledged_at: string | null;
  /** When firing notifications were last sent (repeat interval). */
  readonly last_notified_at: string | null;
  /** Monotonic per alert; the store keeps the highest. */
  readonly version: number;
}

/** What the lifecycle decided happened to an alert on one step. */
export interface AlertTransition {
  readonly kind: 'firing' | 'resolved' | 'repeat';
  readonly alert: Alert;
}

/** A silence: alerts matching every matcher inside [starts_at, ends_at) notify nobody. */
export interface Silence {
  readonly silence_id: string;
  readonly tenant_id: string;
  /** Label matchers over alert fields (type, severity, entity_id, site) and labels; `=` equality, `!=` inequality, `=~` anchored regex. */
  readonly matchers: readonly { readonly name: string; readonly op: '=' | '!=' | '=~'; readonly value: string }[];
  readonly starts_at: string;
  readonly ends_at: string;
  readonly created_by: string;
  readonly comment: string;
  readonly created_at: string;
  readonly deleted: boolean;
}

/** A supervisor's preferences (SPEC.md `POST /api/v1/preferences`). */
export interface Preferences {
  readonly tenant_id: string;
  readonly user_id: string;
  readonly email: string | null;
  readonly slack: { readonly user?: string; readonly channel?: string } | null;
  readonly webhook: { readonly url: string; readonly secret: string } | null;
  readonly channels: readonly ChannelName[];
  readonly min_severity: Severity;
  /** Empty = every type / every site. */
  readonly alert_types: readonly AlertType[];
  readonly sites: readonly string[];
  /** Local wall-clock window (HH:MM, end may be before start = over midnight) in an IANA time zone. */
  readonly quiet_hours: { readonly start: string; readonly end: string; readonly timezone: string } | null;
  readonly digest: 'off' | 'hourly' | 'daily';
  /** Critical alerts whose primary channels all failed permanently go here (optional). */
  readonly fallback_channel: ChannelName | null;
  readonly updated_at: string;
}

export const NOTIFICATION_STATUSES = ['held', 'queued', 'sending', 'retrying', 'delivered', 'failed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * One message to one user on one channel. Its `idempotency_key` (`notification_id:channel`) is
 * sent with every attempt (webhook-id, email Message-ID, the Slack message metadata) and is the
 * key of the delivery log: a key delivered once is never sent again.
 */
export interface Notification {
  readonly notification_id: string;
  readonly tenant_id: string;
  readonly user_id: string;
  readonly channel: ChannelName;
  readonly idempotency_key: string;
  /** alert: about alerts (grouped); digest: a summary; direct: POST /api/v1/send. */
  readonly kind: 'alert' | 'digest' | 'direct';
  /** firing / resolved for alert notifications; '' otherwise. */
  readonly state: 'firing' | 'resolved' | '';
  readonly severity: Severity;
  readonly title: string;
  readonly message: string;
  readonly notification_type: string;
  /** The alerts this message is about (snapshots at enqueue time). */
  readonly alerts: readonly Alert[];
  /** Where it goes (resolved from preferences at enqueue time). */
  readonly target: DeliveryTarget;
  /** Slack: the message to update in place (the firing notification's provider id), when known. */
  readonly replaces_provider_id: string | null;
  /**
   * A resolved notification: the firing notification it follows. The dispatcher looks up that
   * one's provider id on the same channel at send time (Slack updates the message in place).
   */
  readonly replaces_notification_id: string | null;
  /** Critical notifications: where to go when this channel fails permanently (from preferences.fallback_channel). */
  readonly fallback: DeliveryTarget | null;
  readonly created_at: string;
  /** Not before (quiet hours end, digest time); equals created_at when due at once. */
  readonly deliver_after: string;
}

export type DeliveryTarget =
  | { readonly channel: 'email'; readonly address: string }
  | { readonly channel: 'slack'; readonly conversation: string }
  | { readonly channel: 'webhook'; readonly url: string; readonly secret: string };

/** A row of the delivery log: the state of one idempotency key. */
export interface DeliveryRecord {
  readonly notification_id: string;
  readonly tenant_id: string;
  readonly user_id: string;
  readonly channel: ChannelName;
  readonly idempotency_key: string;
  readonly status: NotificationStatus;
  readonly attempts: number;
  readonly last_error: string;
  /** Provider's id of the sent message (SMTP message id, Slack channel:ts, webhook response status). */
  readonly provider_id: string;
  readonly next_attempt_at: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly delivered_at: string | null;
  /** The notification itself (JSON), so a retry or a restart can send it again. */
  readonly notification: Notification;
  readonly version: number;
}
