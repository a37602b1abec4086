/**
 * DeliveryLog on ClickHouse (`notification_deliveries`, migration 008) over the AnalyticsStore
 * port: one key per idempotency key (notification × channel), one row per state change with the
 * dispatcher's version; reads use FINAL, so the highest version is the key's state. `save` is one
 * insert per call (the dispatcher batches its state changes), its token hashed from the rows so an
 * insert retried after a timeout lands once.
 *
 * `due(nowMs, limit)` — what the dispatcher must (re)send, across tenants, oldest first:
 *  - `held` and `retrying` rows whose next_attempt_at is at or before now (a row of those states
 *    without a next_attempt_at is due at once, so it can never be stuck);
 *  - `queued` and `sending` rows whose updated_at is older than the staleness window
 *    (`staleMs`, default 5 min): a process died between claiming and finishing the send. The
 *    window must exceed the longest a live send can take (every channel's timeout), or a slow send
 *    still in flight would be picked up again; 5 min is well past the webhook and Slack timeouts
 *    and an SMTP transaction. The idempotency key still guards the receiver if it happens.
 *
 * `byKeys` takes keys of any tenant (idempotency keys embed a globally unique notification id) and
 * queries them in chunks through the bloom filter on idempotency_key.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import type { ChannelName, DeliveryRecord, Notification, NotificationStatus } from '../alert-model.js';
import type { DeliveryLog, DeliveryQuery } from '../alerting-ports.js';
import { boundedLimit, chTime, chTimeOfMs, chTimeOrNull, isoTime, isoTimeOrNull, parseJson, rowsToken } from './clickhouse-rows.js';

export const DELIVERIES_TABLE = 'notification_deliveries';
/** Default staleness window of queued / sending rows (see the header for why 5 min). */
export const DEFAULT_DELIVERY_STALE_MS = 5 * 60_000;
/** `list` without a limit, and its ceiling: rows carry the whole notification (a few KB each). */
export const DEFAULT_DELIVERY_LIST_LIMIT = 100;
export const MAX_DELIVERY_LIST_LIMIT = 1_000;
/** Keys per `byKeys` query: ~100 bytes each keeps a query's parameters near 200 KB, far below ClickHouse's 1 MiB URI limit over HTTP. */
export const BY_KEYS_CHUNK = 2_000;

interface DeliveryRow {
  tenant_id: string;
  idempotency_key: string;
  notification_id: string;
  user_id: string;
  channel: string;
  status: string;
  attempts: number | string;
  last_error: string;
  provider_id: string;
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
  notification: string;
  version: number | string;
}

const COLUMNS = `tenant_id, idempotency_key, notification_id, user_id, channel, status, attempts, last_error, provider_id, next_attempt_at,
  created_at, updated_at, delivered_at, notification, version`;

function toRow(d: DeliveryRecord): Record<string, unknown> {
  const at = (field: string): string => `notification_deliveries ${d.tenant_id}/${d.idempotency_key} ${field}`;
  return {
    tenant_id: d.tenant_id,
    idempotency_key: d.idempotency_key,
    notification_id: d.notification_id,
    user_id: d.user_id,
    channel: d.channel,
    status: d.status,
    attempts: d.attempts,
    last_error: d.last_error,
    provider_id: d.provider_id,
    next_attempt_at: chTimeOrNull(d.next_attempt_at, at('next_attempt_at')),
    created_at: chTime(d.created_at, at('created_at')),
    updated_at: chTime(d.updated_at, at('updated_at')),
    delivered_at: chTimeOrNull(d.delivered_at, at('delivered_at')),
    notification: JSON.stringify(d.notification),
    version: d.version,
  };
}

function fromRow(r: DeliveryRow): DeliveryRecord {
  return {
    notification_id: r.notification_id,
    tenant_id: r.tenant_id,
    user_id: r.user_id,
    channel: r.channel as ChannelName,
    idempotency_key: r.idempotency_key,
    status: r.status as NotificationStatus,
    attempts: Number(r.attempts),
    last_error: r.last_error,
    provider_id: r.provider_id,
    next_attempt_at: isoTimeOrNull(r.next_attempt_at),
    created_at: isoTime(r.created_at),
    updated_at: isoTime(r.updated_at),
    delivered_at: isoTimeOrNull(r.delivered_at),
    notification: parseJson<Notification>(r.notification, `notification_deliveries ${r.tenant_id}/${r.idempotency_key} notification`),
    version: Number(r.version),
  };
}

export interface DeliveryLogOptions {
  /** How old a queued / sending row must be (by updated_at) before `due` hands it out again. Default 5 min. */
  readonly staleMs?: number;
}

export function createClickHouseDeliveryLog(store: AnalyticsStore, options: DeliveryLogOptions = {}): DeliveryLog {
  const staleMs = options.staleMs ?? DEFAULT_DELIVERY_STALE_MS;
  const select = async (where: string, params: Record<string, unknown>, tail: string): Promise<DeliveryRecord[]> => {
    const rows = await store.query<DeliveryRow>(`SELECT ${COLUMNS} FROM ${DELIVERIES_TABLE} FINAL WHERE ${where} ${tail}`, params);
    return rows.map(fromRow);
  };

  return {
    async save(records: readonly DeliveryRecord[]): Promise<void> {
      if (records.length === 0) return;
      const rows = records.map(toRow);
      await store.insert(DELIVERIES_TABLE, rows, { deduplicationToken: rowsToken(DELIVERIES_TABLE, rows) });
    },

    get(tenant: string, notificationId: string): Promise<DeliveryRecord[]> {
      return select('tenant_id = {tenant:String} AND notification_id = {notificationId:String}', { tenant, notificationId }, 'ORDER BY channel, idempotency_key');
    },

    async byKeys(keys: readonly string[]): Promise<Map<string, DeliveryRecord>> {
      const unique = [...new Set(keys)];
      const found = new Map<string, DeliveryRecord>();
      for (let i = 0; i < unique.length; i += BY_KEYS_CHUNK) {
        const chunk = unique.slice(i, i + BY_KEYS_CHUNK);
        for (const record of await select('idempotency_key IN {keys:Array(String)}', { keys: chunk }, '')) found.set(record.idempotency_key, record);
      }
      return found;
    },

    async list(tenant: string, query: DeliveryQuery): Promise<DeliveryRecord[]> {
      const conditions = ['tenant_id = {tenant:String}'];
      const params: Record<string, unknown> = { tenant, limit: boundedLimit(query.limit, DEFAULT_DELIVERY_LIST_LIMIT, MAX_DELIVERY_LIST_LIMIT) };
      if (query.user_id !== undefined) {
        conditions.push('user_id = {userId:String}');
        params.userId = query.user_id;
      }
      if (query.status !== undefined) {
        conditions.push('status = {status:String}');
        params.status = query.status;
      }
      return select(conditions.join(' AND '), params, 'ORDER BY created_at DESC, idempotency_key LIMIT {limit:UInt32}');
    },

    async due(nowMs: number, limit: number): Promise<DeliveryRecord[]> {
      if (!(limit >= 1)) return [];
      return select(
        `(status IN ('held', 'retrying') AND (next_attempt_at IS NULL OR next_attempt_at <= {now:DateTime64(3, 'UTC')}))
          OR (status IN ('queued', 'sending') AND updated_at < {stale:DateTime64(3, 'UTC')})`,
        { now: chTimeOfMs(nowMs, 'now'), stale: chTimeOfMs(nowMs - staleMs, 'now - staleMs'), limit: Math.floor(Math.min(limit, Number.MAX_SAFE_INTEGER)) },
        'ORDER BY ifNull(next_attempt_at, updated_at), idempotency_key LIMIT {limit:UInt64}',
      );
    },
  };
}
