/**
 * A server for the alerting routes: the real HTTP shell, real API keys (on chDB, one data
 * directory per test file), in-memory alerting stores, a fixed clock, and recording send/retry.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Alert, DeliveryRecord, Notification } from '../../../alerting/alert-model.js';
import { alertRoutes, type AlertRoutesOptions, type SendRequest } from '../../../alerting/http/alert-routes.js';
import { ApiKeys } from '../../../infra/auth/api-keys.js';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { createAnalyticsStore } from '../../../infra/clickhouse/clickhouse-analytics-store.js';
import { migrate } from '../../../infra/clickhouse/migrations.js';
import { createMemoryCoordination } from '../../../infra/coordination/memory-coordination.js';
import { createMetricsRegistry } from '../../../infra/http/metrics.js';
import { buildServer } from '../../../infra/http/server.js';
import { silentLogger } from '../../../infra/logger.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { MemoryAlertStore, MemoryDeliveryLog, MemoryPreferenceStore, MemorySilenceStore } from './memory-alerting-stores.js';

export const NOW = Date.UTC(2024, 5, 10, 12, 0, 0);
export const NOW_ISO = new Date(NOW).toISOString();
const ADMIN_KEY = 'test-admin-key-0123456789';

export interface Caller {
  readonly headers: Record<string, string>;
  readonly keyId: string;
}

export interface AlertApi {
  readonly app: FastifyInstance;
  readonly alerts: MemoryAlertStore;
  readonly silences: MemorySilenceStore;
  readonly preferences: MemoryPreferenceStore;
  readonly deliveries: MemoryDeliveryLog;
  /** Calls of the injected send / retry. */
  readonly sent: { tenant: string; request: SendRequest }[];
  readonly retried: { tenant: string; id: string }[];
  /** What the injected retry does (default: marks failed records queued and returns them). */
  retryImpl: AlertRoutesOptions['retry'];
  /** acme, read only; acme, read + write; globex, read + write; acme, ingest only. */
  readonly reader: Caller;
  readonly writer: Caller;
  readonly other: Caller;
  readonly ingestOnly: Caller;
  call(options: InjectOptions, caller?: Caller | null): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startAlertApi(database: string): Promise<AlertApi> {
  const dir = await tempDir();
  const store: AnalyticsStore = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database, dataDir: dir.path, logger: silentLogger() });
  await migrate(store, silentLogger());
  const keys = new ApiKeys(store, ADMIN_KEY);
  const caller = async (tenant: string, scopes: string[]): Promise<Caller> => {
    const created = await keys.create({ tenant, scopes });
    return { headers: { authorization: `Bearer ${created.key}` }, keyId: created.record.keyId };
  };
  const alerts = new MemoryAlertStore();
  const silences = new MemorySilenceStore();
  const preferences = new MemoryPreferenceStore();
  const deliveries = new MemoryDeliveryLog();
  const sent: AlertApi['sent'] = [];
  const retried: AlertApi['retried'] = [];
  let ids = 0;
  const api: AlertApi = {
    alerts,
    silences,
    preferences,
    deliveries,
    sent,
    retried,
    retryImpl: async (tenant, id) => {
      const records = (await deliveries.get(tenant, id)).map((r) => (r.status === 'failed' ? { ...r, status: 'queued' as const, version: r.version + 1 } : r));
      await deliveries.save(records);
      return records;
    },
    reader: await caller('acme', ['read']),
    writer: await caller('acme', ['read', 'write']),
    other: await caller('globex', ['read', 'write']),
    ingestOnly: await caller('acme', ['ingest']),
    app: undefined as unknown as FastifyInstance,
    call: (options, who) => api.app.inject({ ...options, headers: { ...(who === null ? {} : (who ?? api.writer).headers), ...options.headers } }),
    close: async () => {
      await api.app.close();
      await store.close();
      await dir.remove();
    },
  };
  const app = await buildServer({
    logger: silentLogger(),
    bodyLimitBytes: 10 * 1024 * 1024,
    rateLimitPerMinute: 100_000,
    health: { version: '0.0.0', mode: 'embedded', roles: ['api', 'alerting'], systems: {} },
    readiness: [],
    apiKeys: keys,
    coordination: createMemoryCoordination(),
    metrics: createMetricsRegistry(),
    routes: async (a) => {
      await a.register(alertRoutes, {
        alerts,
        silences,
        preferences,
        deliveries,
        send: async (tenant, request) => {
          sent.push({ tenant, request });
          return { notification_id: `n-${sent.length}`, status: 'queued' };
        },
        retry: async (tenant, id) => {
          retried.push({ tenant, id });
          return api.retryImpl(tenant, id);
        },
        now: () => NOW,
        newId: () => `silence-${++ids}`,
      });
    },
  });
  (api as { app: FastifyInstance }).app = app;
  return api;
}

/** A firing stockout alert of `tenant`; override anything. */
export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    alert_id: 'a-1',
    tenant_id: 'acme',
    fingerprint: 'fp-1',
    type: 'stockout_risk',
    severity: 'critical',
    status: 'firing',
    entity_id: 'ITEM-001',
    site: 'PLANT-1',
    title: 'Stockout risk for ITEM-001 at PLANT-1',
    message: 'On hand covers 3 days; lead time is 10 days.',
    value: 0.92,
    threshold: 0.5,
    recommendation: { action: 'order', text: 'Order 400 EA by 2024-06-12', order_qty: 400, order_by: '2024-06-12' },
    labels: { sku: 'ITEM-001', supplier_id: 'SUP-9' },
    data_as_of: '2024-06-09',
    starts_at: '2024-06-09T08:00:00.000Z',
    fired_at: '2024-06-09T08:10:00.000Z',
    resolved_at: null,
    updated_at: '2024-06-10T11:00:00.000Z',
    last_breach_at: '2024-06-10T11:00:00.000Z',
    ok_since: null,
    acknowledged_by: null,
    acknowledged_at: null,
    last_notified_at: '2024-06-09T08:10:05.000Z',
    version: 3,
    ...overrides,
  };
}

/** One delivery-log row; the notification inside carries a webhook target with a secret. */
export function delivery(overrides: Partial<DeliveryRecord> & { notification_id: string }): DeliveryRecord {
  const channel = overrides.channel ?? 'webhook';
  const notification: Notification = {
    notification_id: overrides.notification_id,
    tenant_id: overrides.tenant_id ?? 'acme',
    user_id: overrides.user_id ?? 'anna',
    channel,
    idempotency_key: `${overrides.notification_id}:${channel}`,
    kind: 'alert',
    state: 'firing',
    severity: 'critical',
    title: 'Stockout risk for ITEM-001',
    message: 'Order 400 EA',
    notification_type: 'alert',
    alerts: [alert()],
    target: { channel: 'webhook', url: 'https://hooks.example.com/x', secret: 'super-secret-webhook-key' },
    replaces_provider_id: null,
    replaces_notification_id: null,
    fallback: null,
    created_at: overrides.created_at ?? NOW_ISO,
    deliver_after: overrides.created_at ?? NOW_ISO,
  };
  return {
    tenant_id: 'acme',
    user_id: 'anna',
    channel,
    idempotency_key: `${overrides.notification_id}:${channel}`,
    status: 'delivered',
    attempts: 1,
    last_error: '',
    provider_id: '200',
    next_attempt_at: null,
    created_at: NOW_ISO,
    updated_at: NOW_ISO,
    delivered_at: NOW_ISO,
    notification,
    version: 1,
    ...overrides,
  };
}
