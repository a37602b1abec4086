/**
 * Shared set-up of the alerting store tests: chDB in a temp dir with the shipped migrations
 * applied (one store per test file: chDB binds one data directory per process), and builders of
 * valid records that each test overrides.
 */
import { expect } from 'vitest';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { createAnalyticsStore } from '../../../infra/clickhouse/clickhouse-analytics-store.js';
import { migrate } from '../../../infra/clickhouse/migrations.js';
import { silentLogger } from '../../../infra/logger.js';
import type { Alert, DeliveryRecord, Notification, Preferences, Silence } from '../../../alerting/alert-model.js';
import { tempDir } from '../../helpers/temp-dir.js';

export interface ChdbFixture {
  readonly analytics: AnalyticsStore;
  close(): Promise<void>;
}

export async function openChdb(database: string): Promise<ChdbFixture> {
  const dir = await tempDir('forgecast-alerting-chdb-');
  const analytics = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database, dataDir: dir.path, logger: silentLogger() });
  const { applied } = await migrate(analytics, silentLogger());
  expect(applied).toContain('008-alerting');
  return {
    analytics,
    close: async () => {
      await analytics.close();
      await dir.remove();
    },
  };
}

export const T0 = Date.parse('2024-06-01T10:00:00.000Z');
export const iso = (ms: number): string => new Date(ms).toISOString();

export function anAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    alert_id: 'al-1',
    tenant_id: 'acme',
    fingerprint: 'fp-1',
    type: 'stockout_risk',
    severity: 'warning',
    status: 'firing',
    entity_id: 'ITEM-001',
    site: 'PLANT-1',
    title: 'Stockout risk for ITEM-001',
    message: 'On hand covers 3 days; lead time is 10 days',
    value: 0.42,
    threshold: 0.2,
    recommendation: { action: 'order', text: 'Order 500 units by 2024-06-03', order_qty: 500, order_by: '2024-06-03' },
    labels: { sku: 'ITEM-001', supplier_id: 'SUP-9' },
    data_as_of: '2024-05-31',
    starts_at: iso(T0),
    fired_at: iso(T0 + 60_000),
    resolved_at: null,
    updated_at: iso(T0 + 60_000),
    last_breach_at: iso(T0 + 60_000),
    ok_since: null,
    acknowledged_by: null,
    acknowledged_at: null,
    last_notified_at: null,
    version: 1,
    ...overrides,
  };
}

export function aSilence(overrides: Partial<Silence> = {}): Silence {
  return {
    silence_id: 'sil-1',
    tenant_id: 'acme',
    matchers: [
      { name: 'type', op: '=', value: 'stockout_risk' },
      { name: 'site', op: '=~', value: 'PLANT-.*' },
    ],
    starts_at: iso(T0),
    ends_at: iso(T0 + 3_600_000),
    created_by: 'alice',
    comment: 'maintenance window',
    created_at: iso(T0),
    deleted: false,
    ...overrides,
  };
}

export function somePreferences(overrides: Partial<Preferences> = {}): Preferences {
  return {
    tenant_id: 'acme',
    user_id: 'alice',
    email: 'alice@example.com',
    slack: { user: 'U0123456' },
    webhook: { url: 'https://hooks.example.com/a', secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0' },
    channels: ['email', 'slack', 'webhook'],
    min_severity: 'warning',
    alert_types: [],
    sites: [],
    quiet_hours: { start: '22:00', end: '06:00', timezone: 'Europe/Berlin' },
    digest: 'off',
    fallback_channel: null,
    updated_at: iso(T0),
    ...overrides,
  };
}

export function aNotification(overrides: Partial<Notification> = {}): Notification {
  const id = overrides.notification_id ?? 'ntf-1';
  const channel = overrides.channel ?? 'email';
  return {
    notification_id: id,
    tenant_id: 'acme',
    user_id: 'alice',
    channel,
    idempotency_key: `${id}:${channel}`,
    kind: 'alert',
    state: 'firing',
    severity: 'warning',
    title: 'Stockout risk for ITEM-001',
    message: 'Order 500 units',
    notification_type: 'stockout_risk',
    alerts: [anAlert()],
    target: { channel: 'email', address: 'alice@example.com' },
    replaces_provider_id: null,
    replaces_notification_id: null,
    fallback: null,
    created_at: iso(T0),
    deliver_after: iso(T0),
    ...overrides,
  };
}

export function aDelivery(overrides: Partial<DeliveryRecord> = {}): DeliveryRecord {
  const id = overrides.notification_id ?? 'ntf-1';
  const channel = overrides.channel ?? 'email';
  const tenant = overrides.tenant_id ?? 'acme';
  const user = overrides.user_id ?? 'alice';
  return {
    notification_id: id,
    tenant_id: tenant,
    user_id: user,
    channel,
    idempotency_key: `${id}:${channel}`,
    status: 'queued',
    attempts: 0,
    last_error: '',
    provider_id: '',
    next_attempt_at: null,
    created_at: iso(T0),
    updated_at: iso(T0),
    delivered_at: null,
    notification: aNotification({ notification_id: id, channel, tenant_id: tenant, user_id: user }),
    version: 1,
    ...overrides,
  };
}
