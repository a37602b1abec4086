import { describe, expect, it } from 'vitest';
import { renderWebhook } from '../../../alerting/render/webhook-payload.js';
import { alertFixture, manyAlerts, notificationFixture, resolvedFixture } from './notification-fixture.js';

const options = { baseUrl: 'https://forgecast.example.com' };

describe('renderWebhook', () => {
  it('has the documented top-level schema', () => {
    const n = notificationFixture({ channel: 'webhook' });
    const payload = renderWebhook(n, options);
    expect(Object.keys(payload).sort()).toEqual(
      ['alerts', 'channel', 'created_at', 'idempotency_key', 'kind', 'link', 'message', 'notification_id', 'notification_type', 'schema_version', 'severity', 'state', 'title', 'type'].sort(),
    );
    expect(payload).toMatchObject({
      type: 'forgecast.notification',
      schema_version: 1,
      notification_id: 'n-1',
      idempotency_key: 'n-1:webhook',
      kind: 'alert',
      state: 'firing',
      severity: 'critical',
      title: n.title,
      created_at: n.created_at,
    });
  });

  it('carries each alert with its value, threshold, recommendation, data_as_of and link, and no bookkeeping', () => {
    const [alert] = renderWebhook(notificationFixture(), options).alerts;
    expect(alert).toMatchObject({
      alert_id: 'al-1',
      value: 0.82,
      threshold: 0.5,
      recommendation: { action: 'order', order_qty: 1200, order_by: '2024-03-05' },
      data_as_of: '2024-03-01',
      labels: { supplier_id: 'SUP-9' },
    });
    expect(alert?.link).toMatch(/^https:\/\/forgecast\.example\.com\/api\/v1\/alerts\?/);
    for (const internal of ['tenant_id', 'version', 'last_breach_at', 'ok_since', 'last_notified_at']) expect(alert).not.toHaveProperty(internal);
  });

  it('survives JSON: non-finite numbers become null, unicode and markup stay as they are', () => {
    const title = '<script>x</script> 零件 🚨';
    const payload = renderWebhook(notificationFixture({ title, alerts: [alertFixture({ value: Number.NaN, threshold: Number.NEGATIVE_INFINITY, title })] }), options);
    const parsed = JSON.parse(JSON.stringify(payload)) as typeof payload;
    expect(parsed.title).toBe(title);
    expect(parsed.alerts[0]).toMatchObject({ value: null, threshold: null, title });
  });

  it('the resolved variant and a digest keep every alert', () => {
    const resolved = renderWebhook(resolvedFixture(), options);
    expect(resolved.state).toBe('resolved');
    expect(resolved.alerts[0]?.resolved_at).toBe('2024-03-02T09:30:00.000Z');
    expect(renderWebhook(notificationFixture({ kind: 'digest', state: '', alerts: manyAlerts(250) }), options).alerts).toHaveLength(250);
  });
});
