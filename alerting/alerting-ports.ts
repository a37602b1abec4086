/**
 * The ports of the alerting domain: where alerts, silences, preferences and the delivery log are
 * kept (ClickHouse adapters in `stores/`, migration 008), how a message leaves (one Channel per
 * file in `channels/`), and the outbox notifications wait in (`delivery/`). Tests of pure modules
 * use in-memory versions; integration tests run the real adapters.
 */
import type { Alert, AlertStatus, ChannelName, DeliveryRecord, Notification, NotificationStatus, Preferences, Severity, Silence } from './alert-model.js';

export interface AlertQuery {
  readonly status?: AlertStatus;
  readonly severity?: Severity;
  readonly type?: string;
  readonly site?: string;
  /** ISO bounds on starts_at (history). */
  readonly from?: string;
  readonly to?: string;
  readonly limit?: number;
}

export interface AlertStore {
  /** Writes new versions of alerts (a version lower than the stored one is ignored by readers). */
  save(alerts: readonly Alert[]): Promise<void>;
  get(tenant: string, alertId: string): Promise<Alert | undefined>;
  /** Pending and firing alerts of every tenant: the lifecycle's state after a restart. */
  open(): Promise<Alert[]>;
  /** Alerts of every tenant resolved at or after `sinceMs` (the engine re-plans unsent resolved notifications after a restart). */
  recentlyResolved(sinceMs: number): Promise<Alert[]>;
  list(tenant: string, query: AlertQuery): Promise<Alert[]>;
}

export interface SilenceStore {
  save(silence: Silence): Promise<void>;
  get(tenant: string, silenceId: string): Promise<Silence | undefined>;
  /** Silences not deleted whose window has not ended at `nowMs`. */
  active(tenant: string, nowMs: number): Promise<Silence[]>;
}

export interface PreferenceStore {
  save(preferences: Preferences): Promise<void>;
  get(tenant: string, userId: string): Promise<Preferences | undefined>;
  /** Every user of the tenant (routing an alert looks at all of them; cached by the adapter). */
  all(tenant: string): Promise<Preferences[]>;
}

export interface DeliveryQuery {
  readonly user_id?: string;
  readonly status?: NotificationStatus;
  readonly limit?: number;
}

/** The delivery log: one row per idempotency key (notification × channel), latest version wins. */
export interface DeliveryLog {
  save(records: readonly DeliveryRecord[]): Promise<void>;
  get(tenant: string, notificationId: string): Promise<DeliveryRecord[]>;
  /** Latest state of each key. */
  byKeys(keys: readonly string[]): Promise<Map<string, DeliveryRecord>>;
  list(tenant: string, query: DeliveryQuery): Promise<DeliveryRecord[]>;
  /** Records in `held` or `retrying` whose next_attempt_at is at or before `nowMs`, and `queued`/`sending` ones older than `staleMs` (lost in a crash). */
  due(nowMs: number, limit: number): Promise<DeliveryRecord[]>;
}

/** What a channel reports for a message it accepted. */
export interface SendResult {
  /** Provider's id: SMTP message id, Slack `channel:ts`, webhook HTTP status. */
  readonly providerId: string;
}

/**
 * Why a send failed. `permanent`: retrying cannot help (HTTP 4xx other than 408/429, SMTP 5xx,
 * refused target). `retryAfterMs`: the server said when to come back (Retry-After, Slack 429).
 */
export class DeliveryError extends Error {
  readonly permanent: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: { permanent: boolean; retryAfterMs?: number; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeliveryError';
    this.permanent = options.permanent;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** One way a message leaves. Rendering is done by the channel with `render/` (pure). */
export interface Channel {
  readonly name: ChannelName;
  /** Sends (or, for Slack with `replaces_provider_id`, updates) the message; throws DeliveryError. */
  send(notification: Notification): Promise<SendResult>;
  close?(): Promise<void>;
}

/** Where notifications wait for the dispatcher; durable once `enqueue` resolves. */
export interface Outbox {
  enqueue(notifications: readonly Notification[]): Promise<void>;
}
