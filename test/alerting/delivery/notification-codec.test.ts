import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Notification } from '../../../alerting/alert-model.js';
import { decodeNotification, encodeNotification, parseNotification } from '../../../alerting/delivery/notification-codec.js';
import { alert, notification, targets } from './delivery-fixtures.js';

/** The error code and field path a decode failed with. */
function failure(value: unknown): { code: string; field: unknown } {
  try {
    parseNotification(value);
  } catch (error) {
    const e = error as { code: string; details: { field: unknown }[] };
    return { code: e.code, field: e.details[0]?.field };
  }
  throw new Error('expected the notification to be refused');
}

describe('notification codec', () => {
  it('round-trips every field, including optional recommendation fields, nulls and a fallback', () => {
    const n = notification('n-1', {
      channel: 'slack',
      target: targets.slack,
      state: 'resolved',
      replaces_notification_id: 'n-0',
      replaces_provider_id: 'C0123:1717200000.000100',
      fallback: targets.webhook,
      alerts: [alert(), alert({ alert_id: 'al-2', recommendation: { action: 'check_source', text: 'Check ERP feed' }, resolved_at: '2024-06-01T03:00:00.000Z', labels: {} })],
    });
    const bytes = encodeNotification(n);
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(n);
    expect(decodeNotification(bytes)).toEqual(n);
    expect(decodeNotification(bytes.toString('utf8'))).toEqual(n);
    // Absent optional fields stay absent (not undefined-valued keys).
    expect(Object.keys(decodeNotification(bytes).alerts[1]!.recommendation)).toEqual(['action', 'text']);
  });

  it('round-trips arbitrary unicode text in every free-text field', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.string({ minLength: 1, unit: 'grapheme' }), (title, message, user) => {
        fc.pre(user.trim() !== '');
        const n = notification('n-ü', { title, message, user_id: user, alerts: [alert({ title, message })] });
        expect(decodeNotification(encodeNotification(n))).toEqual(n);
      }),
      { numRuns: 60 },
    );
  });

  it('drops unknown fields a newer writer might add', () => {
    const n = notification('n-2');
    const decoded = decodeNotification(JSON.stringify({ ...n, priority: 9, alerts: [{ ...alert(), extra: true }] }));
    expect(decoded).toEqual(n);
    expect('priority' in decoded).toBe(false);
  });

  it('keeps a label named __proto__ as data, without touching any prototype', () => {
    const text = JSON.stringify(notification('n-proto')).replace('"labels":{"supplier_id":"SUP-9"}', '"labels":{"__proto__":"evil","supplier_id":"SUP-9"}');
    const labels = decodeNotification(text).alerts[0]!.labels;
    expect(Object.keys(labels)).toEqual(['__proto__', 'supplier_id']);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['evil']).toBeUndefined();
  });

  it('refuses what is not a notification, naming the field', () => {
    const n = notification('n-3') as unknown as Record<string, unknown>;
    const cases: [unknown, string][] = [
      [null, '(root)'],
      [[], '(root)'],
      ['text', '(root)'],
      [{ ...n, notification_id: '' }, 'notification_id'],
      [{ ...n, notification_id: '   ' }, 'notification_id'],
      [{ ...n, tenant_id: 7 }, 'tenant_id'],
      [{ ...n, user_id: undefined }, 'user_id'],
      [{ ...n, channel: 'sms' }, 'channel'],
      [{ ...n, channel: 'slack' }, 'target.channel'],
      [{ ...n, target: { channel: 'email' } }, 'target.address'],
      [{ ...n, target: { channel: 'webhook', url: 'https://x', secret: 1 } }, 'target.secret'],
      [{ ...n, fallback: { channel: 'pager', to: 'x' } }, 'fallback.channel'],
      [{ ...n, kind: 'spam' }, 'kind'],
      [{ ...n, state: 'pending' }, 'state'],
      [{ ...n, severity: 'CRITICAL' }, 'severity'],
      [{ ...n, alerts: {} }, 'alerts'],
      [{ ...n, alerts: [alert(), 'x'] }, 'alerts[1]'],
      [{ ...n, alerts: [{ ...alert(), value: Number.NaN }] }, 'alerts[0].value'],
      [{ ...n, alerts: [{ ...alert(), value: '3' }] }, 'alerts[0].value'],
      [{ ...n, alerts: [{ ...alert(), recommendation: { action: 'panic', text: '' } }] }, 'alerts[0].recommendation.action'],
      [{ ...n, alerts: [{ ...alert(), labels: { a: 1 } }] }, 'alerts[0].labels.a'],
      [{ ...n, alerts: [{ ...alert(), labels: [] }] }, 'alerts[0].labels'],
      [{ ...n, replaces_provider_id: 5 }, 'replaces_provider_id'],
      [{ ...n, created_at: 'yesterday' }, 'created_at'],
      [{ ...n, deliver_after: '2024-13-45T00:00:00Z' }, 'deliver_after'],
      [{ ...n, idempotency_key: '' }, 'idempotency_key'],
    ];
    for (const [value, field] of cases) expect(failure(value), field).toEqual({ code: 'FGC_NOTIFICATION_MALFORMED', field });
  });

  it('refuses bytes that are not JSON, and refuses to encode a bad notification', () => {
    for (const bytes of [Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(''), Buffer.from('{"notification_id":')]) {
      expect(() => decodeNotification(bytes)).toThrow(expect.objectContaining({ code: 'FGC_NOTIFICATION_MALFORMED' }));
    }
    const bad = { ...notification('n-4'), channel: 'webhook' } as Notification;
    expect(() => encodeNotification(bad)).toThrow(/target.channel/);
  });

  it('handles a large notification (1,000 alerts) unchanged', () => {
    const n = notification('n-big', { kind: 'digest', state: '', alerts: Array.from({ length: 1_000 }, (_, i) => alert({ alert_id: `al-${i}`, entity_id: `ITEM-${i}` })) });
    const bytes = encodeNotification(n);
    expect(bytes.length).toBeGreaterThan(500_000);
    expect(decodeNotification(bytes)).toEqual(n);
  });
});
