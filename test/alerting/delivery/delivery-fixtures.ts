/**
 * Test doubles for the delivery tests: an in-memory DeliveryLog that keeps the port's contract
 * (latest version per idempotency key wins; `due` as documented; records round-trip through JSON
 * as they would through ClickHouse) with injectable save faults, channels that fail on a script
 * and record what they were asked to send, and builders of notifications.
 */
import type { Alert, ChannelName, DeliveryRecord, DeliveryTarget, Notification } from '../../../alerting/alert-model.js';
import { DeliveryError, type Channel, type DeliveryLog, type DeliveryQuery, type SendResult } from '../../../alerting/alerting-ports.js';

/** Clone through JSON, as a store round trip would: callers never share objects with the log. */
const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export type SaveFault = 'before' | 'after';

export class MemoryDeliveryLog implements DeliveryLog {
  readonly #latest = new Map<string, DeliveryRecord>();
  /** Every version ever saved, in save order. */
  readonly history: DeliveryRecord[] = [];
  readonly #faults = new Map<number, SaveFault>();
  saves = 0;
  dueCalls = 0;

  /** `staleMs`: how old a `queued` / `sending` record must be for `due` to return it. */
  constructor(private readonly staleMs = 5 * 60_000) {}

  /** Makes save call number `call` (1-based, counted from now on) throw — before or after persisting. */
  failSave(call: number, when: SaveFault): void {
    this.#faults.set(this.saves + call, when);
  }

  save(records: readonly DeliveryRecord[]): Promise<void> {
    this.saves++;
    const fault = this.#faults.get(this.saves);
    if (fault === 'before') return Promise.reject(new Error(`injected fault before save #${this.saves}`));
    for (const record of roundTrip(records)) {
      this.history.push(record);
      const current = this.#latest.get(record.idempotency_key);
      // Latest version wins; an equal version written later replaces (ReplacingMergeTree keeps the last insert).
      if (current === undefined || record.version >= current.version) this.#latest.set(record.idempotency_key, record);
    }
    if (fault === 'after') return Promise.reject(new Error(`injected fault after save #${this.saves} (written, acknowledgement lost)`));
    return Promise.resolve();
  }

  get(tenant: string, notificationId: string): Promise<DeliveryRecord[]> {
    return Promise.resolve(roundTrip([...this.#latest.values()].filter((r) => r.tenant_id === tenant && r.notification_id === notificationId)));
  }

  byKeys(keys: readonly string[]): Promise<Map<string, DeliveryRecord>> {
    const found = new Map<string, DeliveryRecord>();
    for (const key of keys) {
      const record = this.#latest.get(key);
      if (record !== undefined) found.set(key, roundTrip(record));
    }
    return Promise.resolve(found);
  }

  list(tenant: string, query: DeliveryQuery): Promise<DeliveryRecord[]> {
    const rows = [...this.#latest.values()]
      .filter((r) => r.tenant_id === tenant && (query.user_id === undefined || r.user_id === query.user_id) && (query.status === undefined || r.status === query.status))
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || a.idempotency_key.localeCompare(b.idempotency_key));
    return Promise.resolve(roundTrip(rows.slice(0, query.limit ?? 100)));
  }

  due(nowMs: number, limit: number): Promise<DeliveryRecord[]> {
    this.dueCalls++;
    const at = (r: DeliveryRecord): number => Date.parse(r.next_attempt_at ?? r.updated_at);
    const rows = [...this.#latest.values()]
      .filter((r) =>
        r.status === 'held' || r.status === 'retrying'
          ? r.next_attempt_at !== null && Date.parse(r.next_attempt_at) <= nowMs
          : (r.status === 'queued' || r.status === 'sending') && Date.parse(r.updated_at) <= nowMs - this.staleMs,
      )
      .sort((a, b) => at(a) - at(b));
    return Promise.resolve(roundTrip(rows.slice(0, limit)));
  }

  /** The latest record of a key (synchronous, for assertions). */
  latest(key: string): DeliveryRecord | undefined {
    return this.#latest.get(key);
  }

  /** The statuses a key went through, in order. */
  statuses(key: string): string[] {
    return this.history.filter((r) => r.idempotency_key === key).map((r) => r.status);
  }
}

/** What a scripted channel does on attempt number `attempt` (1-based) of a key: succeed (undefined) or throw. */
export type Script = (notification: Notification, attempt: number) => Error | undefined;

export class FakeChannel implements Channel {
  readonly sent: Notification[] = [];
  readonly #attempts = new Map<string, number>();
  #delivered = 0;

  constructor(
    readonly name: ChannelName,
    public script: Script = () => undefined,
  ) {}

  send(notification: Notification): Promise<SendResult> {
    this.sent.push(notification);
    const attempt = (this.#attempts.get(notification.idempotency_key) ?? 0) + 1;
    this.#attempts.set(notification.idempotency_key, attempt);
    const error = this.script(notification, attempt);
    if (error !== undefined) return Promise.reject(error);
    this.#delivered++;
    return Promise.resolve({ providerId: `${this.name}-msg-${this.#delivered}` });
  }

  /** How many times a key was sent. */
  count(key: string): number {
    return this.sent.filter((n) => n.idempotency_key === key).length;
  }
}

export const transient = (retryAfterMs?: number): DeliveryError =>
  new DeliveryError('503 Service Unavailable', retryAfterMs === undefined ? { permanent: false } : { permanent: false, retryAfterMs });
export const permanent = (): DeliveryError => new DeliveryError('550 mailbox unavailable', { permanent: true });

export const targets: Readonly<Record<ChannelName, DeliveryTarget>> = {
  email: { channel: 'email', address: 'ana@example.com' },
  slack: { channel: 'slack', conversation: 'C0123' },
  webhook: { channel: 'webhook', url: 'https://hooks.example.com/in', secret: 'whsec_abc' },
};

export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    alert_id: 'al-1',
    tenant_id: 't1',
    fingerprint: 'fp-1',
    type: 'stockout_risk',
    severity: 'critical',
    status: 'firing',
    entity_id: 'ITEM-001',
    site: 'PLANT-1',
    title: 'Stockout risk ITEM-001',
    message: 'On hand covers 3 of 10 days of lead time',
    value: 0.82,
    threshold: 0.5,
    recommendation: { action: 'order', text: 'Order 400 EA by 2024-06-03', order_qty: 400, order_by: '2024-06-03' },
    labels: { supplier_id: 'SUP-9' },
    data_as_of: '2024-05-31',
    starts_at: '2024-06-01T00:00:00.000Z',
    fired_at: '2024-06-01T00:05:00.000Z',
    resolved_at: null,
    updated_at: '2024-06-01T00:05:00.000Z',
    last_breach_at: '2024-06-01T00:05:00.000Z',
    ok_since: null,
    acknowledged_by: null,
    acknowledged_at: null,
    last_notified_at: null,
    version: 3,
    ...overrides,
  };
}

/** A notification on `channel` (default email) created at `atMs`; the key follows `id:channel`. */
export function notification(id: string, overrides: Partial<Notification> = {}, atMs = Date.parse('2024-06-01T00:00:00.000Z')): Notification {
  const channel = overrides.channel ?? 'email';
  const at = new Date(atMs).toISOString();
  return {
    notification_id: id,
    tenant_id: 't1',
    user_id: 'ana',
    channel,
    idempotency_key: `${id}:${channel}`,
    kind: 'alert',
    state: 'firing',
    severity: 'warning',
    title: 'Stockout risk ITEM-001',
    message: 'On hand covers 3 of 10 days of lead time',
    notification_type: 'stockout_risk',
    alerts: [alert()],
    target: targets[channel],
    replaces_provider_id: null,
    replaces_notification_id: null,
    fallback: null,
    created_at: at,
    deliver_after: at,
    ...overrides,
  };
}
