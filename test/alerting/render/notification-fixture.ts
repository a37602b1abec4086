/** Alerts and notifications for the render and channel tests: realistic defaults, any field overridable. */
import type { Alert, DeliveryTarget, Notification } from '../../../alerting/alert-model.js';

export function alertFixture(overrides: Partial<Alert> = {}): Alert {
  return {
    alert_id: 'al-1',
    tenant_id: 'acme',
    fingerprint: 'fp-stockout-ITEM-001-PLANT-1',
    type: 'stockout_risk',
    severity: 'critical',
    status: 'firing',
    entity_id: 'ITEM-001',
    site: 'PLANT-1',
    title: 'Stockout risk: ITEM-001 at PLANT-1',
    message: 'Probability of a stockout within lead time is 82%.',
    value: 0.82,
    threshold: 0.5,
    recommendation: { action: 'order', text: 'Order 1,200 units by 2024-03-05', order_qty: 1200, order_by: '2024-03-05' },
    labels: { supplier_id: 'SUP-9' },
    data_as_of: '2024-03-01',
    starts_at: '2024-03-01T08:00:00.000Z',
    fired_at: '2024-03-01T08:05:00.000Z',
    resolved_at: null,
    updated_at: '2024-03-01T08:05:00.000Z',
    last_breach_at: '2024-03-01T08:05:00.000Z',
    ok_since: null,
    acknowledged_by: null,
    acknowledged_at: null,
    last_notified_at: null,
    version: 2,
    ...overrides,
  };
}

const TARGETS: Record<Notification['channel'], DeliveryTarget> = {
  email: { channel: 'email', address: 'supervisor@example.com' },
  slack: { channel: 'slack', conversation: 'C0123456' },
  webhook: { channel: 'webhook', url: 'https://hooks.example.com/forgecast', secret: 'whsec_c2VjcmV0LWtleS1ieXRlcw==' },
};

export function notificationFixture(overrides: Partial<Notification> = {}): Notification {
  const channel = overrides.channel ?? 'email';
  const id = overrides.notification_id ?? 'n-1';
  return {
    notification_id: id,
    tenant_id: 'acme',
    user_id: 'u-1',
    channel,
    idempotency_key: `${id}:${channel}`,
    kind: 'alert',
    state: 'firing',
    severity: 'critical',
    title: 'Stockout risk: ITEM-001 at PLANT-1',
    message: 'Probability of a stockout within lead time is 82%.',
    notification_type: 'alert',
    alerts: [alertFixture()],
    target: TARGETS[channel],
    replaces_provider_id: null,
    replaces_notification_id: null,
    fallback: null,
    created_at: '2024-03-01T08:05:01.000Z',
    deliver_after: '2024-03-01T08:05:01.000Z',
    ...overrides,
  };
}

/** The resolved counterpart of a firing notification (alerts resolved). */
export function resolvedFixture(overrides: Partial<Notification> = {}): Notification {
  return notificationFixture({
    notification_id: 'n-2',
    state: 'resolved',
    alerts: [alertFixture({ status: 'resolved', resolved_at: '2024-03-02T09:30:00.000Z', updated_at: '2024-03-02T09:30:00.000Z', version: 3 })],
    replaces_notification_id: 'n-1',
    ...overrides,
  });
}

/** `n` distinct alerts. */
export function manyAlerts(n: number, overrides: Partial<Alert> = {}): Alert[] {
  return Array.from({ length: n }, (_, i) => alertFixture({ alert_id: `al-${i}`, fingerprint: `fp-${i}`, entity_id: `ITEM-${i}`, title: `Alert number ${i}`, ...overrides }));
}
