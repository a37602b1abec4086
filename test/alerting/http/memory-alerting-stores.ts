/**
 * In-memory versions of the four alerting store ports, faithful to their contracts in
 * alerting/alerting-ports.ts (highest version wins, tenant-scoped reads, `from` inclusive and `to`
 * exclusive on starts_at, newest first), for route tests that need no ClickHouse.
 */
import type { Alert, DeliveryRecord, Preferences, Silence } from '../../../alerting/alert-model.js';
import type { AlertQuery, AlertStore, DeliveryLog, DeliveryQuery, PreferenceStore, SilenceStore } from '../../../alerting/alerting-ports.js';

/** Stale queued/sending records count as lost in a crash after this long (mirrors the dispatcher's default). */
const STALE_MS = 5 * 60_000;

const key = (tenant: string, id: string): string => `${tenant}\u0000${id}`;
const newestFirst = (a: { starts_at?: string; created_at?: string; alert_id?: string }, b: typeof a): number => (b.starts_at ?? b.created_at ?? '').localeCompare(a.starts_at ?? a.created_at ?? '');

export class MemoryAlertStore implements AlertStore {
  readonly rows = new Map<string, Alert>();

  async save(alerts: readonly Alert[]): Promise<void> {
    for (const alert of alerts) {
      const k = key(alert.tenant_id, alert.alert_id);
      const stored = this.rows.get(k);
      if (stored === undefined || stored.version <= alert.version) this.rows.set(k, structuredClone(alert));
    }
  }

  async get(tenant: string, alertId: string): Promise<Alert | undefined> {
    return this.rows.get(key(tenant, alertId));
  }

  async open(): Promise<Alert[]> {
    return [...this.rows.values()].filter((a) => a.status !== 'resolved');
  }

  async recentlyResolved(sinceMs: number): Promise<Alert[]> {
    return [...this.rows.values()].filter((a) => a.status === 'resolved' && a.resolved_at !== null && Date.parse(a.resolved_at) >= sinceMs);
  }

  async list(tenant: string, query: AlertQuery): Promise<Alert[]> {
    return [...this.rows.values()]
      .filter(
        (a) =>
          a.tenant_id === tenant &&
          (query.status === undefined || a.status === query.status) &&
          (query.severity === undefined || a.severity === query.severity) &&
          (query.type === undefined || a.type === query.type) &&
          (query.site === undefined || a.site === query.site) &&
          (query.from === undefined || Date.parse(a.starts_at) >= Date.parse(query.from)) &&
          (query.to === undefined || Date.parse(a.starts_at) < Date.parse(query.to)),
      )
      .sort((a, b) => newestFirst(a, b) || b.alert_id.localeCompare(a.alert_id))
      .slice(0, query.limit ?? 1000);
  }
}

export class MemorySilenceStore implements SilenceStore {
  readonly rows = new Map<string, Silence>();

  async save(silence: Silence): Promise<void> {
    this.rows.set(key(silence.tenant_id, silence.silence_id), structuredClone(silence));
  }

  async get(tenant: string, silenceId: string): Promise<Silence | undefined> {
    return this.rows.get(key(tenant, silenceId));
  }

  async active(tenant: string, nowMs: number): Promise<Silence[]> {
    return [...this.rows.values()].filter((s) => s.tenant_id === tenant && !s.deleted && Date.parse(s.ends_at) > nowMs);
  }
}

export class MemoryPreferenceStore implements PreferenceStore {
  readonly rows = new Map<string, Preferences>();

  async save(preferences: Preferences): Promise<void> {
    this.rows.set(key(preferences.tenant_id, preferences.user_id), structuredClone(preferences));
  }

  async get(tenant: string, userId: string): Promise<Preferences | undefined> {
    return this.rows.get(key(tenant, userId));
  }

  async all(tenant: string): Promise<Preferences[]> {
    return [...this.rows.values()].filter((p) => p.tenant_id === tenant);
  }
}

export class MemoryDeliveryLog implements DeliveryLog {
  /** By idempotency key. */
  readonly rows = new Map<string, DeliveryRecord>();

  async save(records: readonly DeliveryRecord[]): Promise<void> {
    for (const record of records) {
      const stored = this.rows.get(record.idempotency_key);
      if (stored === undefined || stored.version <= record.version) this.rows.set(record.idempotency_key, structuredClone(record));
    }
  }

  async get(tenant: string, notificationId: string): Promise<DeliveryRecord[]> {
    return [...this.rows.values()].filter((r) => r.tenant_id === tenant && r.notification_id === notificationId);
  }

  async byKeys(keys: readonly string[]): Promise<Map<string, DeliveryRecord>> {
    const out = new Map<string, DeliveryRecord>();
    for (const k of keys) {
      const record = this.rows.get(k);
      if (record !== undefined) out.set(k, record);
    }
    return out;
  }

  async list(tenant: string, query: DeliveryQuery): Promise<DeliveryRecord[]> {
    return [...this.rows.values()]
      .filter((r) => r.tenant_id === tenant && (query.user_id === undefined || r.user_id === query.user_id) && (query.status === undefined || r.status === query.status))
      .sort((a, b) => newestFirst(a, b) || b.idempotency_key.localeCompare(a.idempotency_key))
      .slice(0, query.limit ?? 1000);
  }

  async due(nowMs: number, limit: number): Promise<DeliveryRecord[]> {
    return [...this.rows.values()]
      .filter(
        (r) =>
          ((r.status === 'held' || r.status === 'retrying') && r.next_attempt_at !== null && Date.parse(r.next_attempt_at) <= nowMs) ||
          ((r.status === 'queued' || r.status === 'sending') && Date.parse(r.updated_at) <= nowMs - STALE_MS),
      )
      .slice(0, limit);
  }
}
