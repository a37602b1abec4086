/**
 * The alerting API on the real HTTP shell: preferences (round trip, secret hidden), direct sends
 * and the delivery log. Auth and alerts/silences are in alert-routes.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FgcError } from '../../../infra/errors.js';
import { NOW_ISO, delivery, startAlertApi, type AlertApi } from './alert-routes-fixture.js';

const SECRET = 'whsec_' + Buffer.alloc(32, 3).toString('base64');
const anna = {
  user_id: 'anna',
  email: 'anna@example.com',
  slack: { channel: '#werk-1' },
  webhook: { url: 'https://hooks.example.com/anna', secret: SECRET },
  channels: ['email', 'slack', 'webhook'],
  min_severity: 'warning',
  alert_types: ['stockout_risk'],
  sites: ['plant-1'],
  quiet_hours: { start: '22:00', end: '06:00', timezone: 'Europe/Berlin' },
  digest: 'off',
  fallback_channel: 'email',
};
type ErrorBody = { error: { code: string; details: { field: string; message: string }[] } };

describe('alert routes: preferences, send, notifications', () => {
  let api: AlertApi;
  let defaultRetry: AlertApi['retryImpl'];
  const post = (url: string, payload: unknown, who = api.writer) => api.call({ method: 'POST', url, payload: payload as object }, who);

  beforeAll(async () => {
    api = await startAlertApi('alert_routes_notifications_test');
    defaultRetry = api.retryImpl;
  });
  afterAll(async () => {
    await api.close();
  });
  beforeEach(() => {
    api.preferences.rows.clear();
    api.deliveries.rows.clear();
    api.sent.length = 0;
    api.retried.length = 0;
    api.retryImpl = defaultRetry;
  });

  describe('preferences', () => {
    it('creates (201), replaces (200) and reads back, never showing the webhook secret', async () => {
      const created = await post('/api/v1/preferences', anna);
      expect(created.statusCode, created.body).toBe(201);
      const view = created.json<Record<string, unknown>>();
      expect(view).toEqual({ ...anna, sites: ['PLANT-1'], webhook: { url: anna.webhook.url, secret: '***' }, updated_at: NOW_ISO });
      expect(created.body).not.toContain(SECRET);
      expect(await api.preferences.get('acme', 'anna')).toMatchObject({ tenant_id: 'acme', webhook: { secret: SECRET } });

      const replaced = await post('/api/v1/preferences', { ...anna, min_severity: 'critical', webhook: null, channels: ['email'] });
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json()).toMatchObject({ min_severity: 'critical', webhook: null, channels: ['email'] });

      const read = await api.call({ url: '/api/v1/preferences/anna' }, api.reader);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(replaced.json());
      expect(read.json()).not.toHaveProperty('tenant_id');
    });

    it('reads a unicode user id from the path; 404 for unknown users and other tenants', async () => {
      const id = 'jürgen 🏭/ops';
      expect((await post('/api/v1/preferences', { user_id: id, email: 'j@example.de', channels: ['email'], min_severity: 'info' })).statusCode).toBe(201);
      const read = await api.call({ url: `/api/v1/preferences/${encodeURIComponent(id)}` }, api.reader);
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json()).toMatchObject({ user_id: id, webhook: null });
      for (const [url, who] of [['/api/v1/preferences/nobody', api.reader], [`/api/v1/preferences/${encodeURIComponent(id)}`, api.other]] as const) {
        const missing = await api.call({ url }, who);
        expect(missing.statusCode).toBe(404);
        expect(missing.json()).toMatchObject({ error: { code: 'FGC_PREFERENCES_NOT_FOUND' } });
      }
    });

    it('answers 422 naming every bad field at once, storing nothing', async () => {
      const response = await post('/api/v1/preferences', { ...anna, email: 'nope', channels: ['email', 'sms'], quiet_hours: { start: '22:00', end: '22:00', timezone: 'Europe/Berlin' }, webhook: { url: anna.webhook.url, secret: '***' }, extra: 1 });
      expect(response.statusCode).toBe(422);
      const body = response.json<ErrorBody>();
      expect(body.error.code).toBe('FGC_PREFERENCES_INVALID');
      expect(body.error.details.map((d) => d.field).sort()).toEqual(['channels.1', 'email', 'extra', 'quiet_hours.end', 'webhook.secret']);
      expect(api.preferences.rows.size).toBe(0);
    });

    it('keeps wrong types for the validator (422, no silent coercion)', async () => {
      const response = await post('/api/v1/preferences', { ...anna, user_id: 42, channels: 'email' });
      expect(response.statusCode).toBe(422);
      expect(response.json<ErrorBody>().error.details.map((d) => d.field).sort()).toEqual(['channels', 'user_id']);
    });

    it('answers 400 for a body that is not an object or not JSON, 415 for text, 413 when huge', async () => {
      const raw = async (payload: string, contentType = 'application/json'): Promise<number> =>
        (await api.call({ method: 'POST', url: '/api/v1/preferences', payload, headers: { 'content-type': contentType } })).statusCode;
      expect(await raw('[]')).toBe(400);
      expect(await raw('"anna"')).toBe(400);
      expect(await raw('{"user_id":')).toBe(400);
      expect(await raw('user_id=anna', 'text/plain')).toBe(415);
      expect(await raw(JSON.stringify({ ...anna, sites: Array.from({ length: 20_000 }, (_, i) => `SITE-${i}`) }))).toBe(413);
      expect(api.preferences.rows.size).toBe(0);
    });
  });

  describe('POST /api/v1/send', () => {
    const message = { user_id: 'anna', title: 'Schichtwechsel', message: 'Linie 3 steht — bitte prüfen 🙏', notification_type: 'shift_note', severity: 'info', channel: 'slack' };

    it('checks the user and the channel, then delegates to send (202 with its answer)', async () => {
      await post('/api/v1/preferences', { ...anna, channels: ['slack'], email: null, webhook: null, fallback_channel: null });
      const response = await post('/api/v1/send', message);
      expect(response.statusCode, response.body).toBe(202);
      expect(response.json()).toEqual({ notification_id: 'n-1', status: 'queued' });
      expect(api.sent).toEqual([{ tenant: 'acme', request: message }]);

      const noTarget = await post('/api/v1/send', { ...message, channel: 'webhook' });
      expect(noTarget.statusCode).toBe(422);
      expect(noTarget.json()).toMatchObject({ error: { code: 'FGC_CHANNEL_NOT_CONFIGURED', details: [{ field: 'channel' }] } });
      expect(api.sent).toHaveLength(1);
    });

    it('answers 404 FGC_PREFERENCES_NOT_FOUND for a user without preferences, also another tenant’s', async () => {
      await post('/api/v1/preferences', anna, api.other);
      const response = await post('/api/v1/send', message);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: { code: 'FGC_PREFERENCES_NOT_FOUND' } });
      expect(api.sent).toEqual([]);
    });

    it('answers 400 naming the field for missing, wrong or oversized fields', async () => {
      await post('/api/v1/preferences', anna);
      for (const [payload, field] of [
        [{ ...message, severity: 'urgent' }, 'body.severity'],
        [{ ...message, channel: 'sms' }, 'body.channel'],
        [{ ...message, title: '' }, 'body.title'],
        [{ ...message, title: 'x'.repeat(151) }, 'body.title'],
        [{ ...message, title: 'line\nbreak' }, 'body.title'],
        [{ ...message, message: 'x'.repeat(20_001) }, 'body.message'],
        [{ ...message, notification_type: { a: 1 } }, 'body.notification_type'],
        [{ ...message, user_id: 'x'.repeat(201) }, 'body.user_id'],
        [{ title: 't' }, 'body'],
      ] as const) {
        const response = await post('/api/v1/send', payload);
        expect(response.statusCode, field).toBe(400);
        expect(response.json<ErrorBody>().error.details.map((d) => d.field), field).toContain(field);
      }
      expect((await post('/api/v1/send', { ...message, message: 'x'.repeat(70_000) })).statusCode).toBe(413);
      expect(api.sent).toEqual([]);
    });
  });

  describe('the delivery log', () => {
    beforeEach(async () => {
      await api.deliveries.save([
        delivery({ notification_id: 'n-1', channel: 'email', created_at: '2024-06-10T10:00:00.000Z' }),
        delivery({ notification_id: 'n-1', channel: 'webhook', status: 'failed', attempts: 8, last_error: 'HTTP 410', delivered_at: null, created_at: '2024-06-10T10:00:00.000Z' }),
        delivery({ notification_id: 'n-2', user_id: 'bob', channel: 'slack', status: 'retrying', next_attempt_at: '2024-06-10T12:05:00.000Z', delivered_at: null, created_at: '2024-06-10T11:00:00.000Z' }),
        delivery({ notification_id: 'n-3', user_id: 'bob', channel: 'email', status: 'failed', delivered_at: null, created_at: '2024-06-10T11:30:00.000Z' }),
        delivery({ notification_id: 'g-1', tenant_id: 'globex', status: 'failed', delivered_at: null }),
      ]);
    });
    const keysOf = (body: unknown): string[] => (body as { idempotency_key: string }[]).map((r) => r.idempotency_key);

    it('lists the tenant’s records newest first, filtered by user and status, without targets or secrets', async () => {
      const all = await api.call({ url: '/api/v1/notifications' }, api.reader);
      expect(all.statusCode).toBe(200);
      expect(keysOf(all.json())).toEqual(['n-3:email', 'n-2:slack', 'n-1:webhook', 'n-1:email']);
      expect(all.body).not.toContain('super-secret-webhook-key');
      expect(all.body).not.toContain('"target"');
      expect(all.json<Record<string, unknown>[]>()[2]).toMatchObject({ notification_id: 'n-1', channel: 'webhook', status: 'failed', attempts: 8, last_error: 'HTTP 410', kind: 'alert', state: 'firing', alert_ids: ['a-1'] });
      expect(keysOf((await api.call({ url: '/api/v1/notifications?user_id=bob' }, api.reader)).json())).toEqual(['n-3:email', 'n-2:slack']);
      expect(keysOf((await api.call({ url: '/api/v1/notifications?status=retrying' }, api.reader)).json())).toEqual(['n-2:slack']);
      expect(keysOf((await api.call({ url: '/api/v1/notifications?limit=1' }, api.reader)).json())).toEqual(['n-3:email']);
      expect(keysOf((await api.call({ url: '/api/v1/notifications' }, api.other)).json())).toEqual(['g-1:webhook']);
      expect((await api.call({ url: '/api/v1/notifications?status=lost' }, api.reader)).statusCode).toBe(400);
    });

    it('lists failed records', async () => {
      expect(keysOf((await api.call({ url: '/api/v1/notifications/failed' }, api.reader)).json())).toEqual(['n-3:email', 'n-1:webhook']);
      expect(keysOf((await api.call({ url: '/api/v1/notifications/failed?user_id=anna' }, api.reader)).json())).toEqual(['n-1:webhook']);
      // Unknown query parameters are dropped (fastify's removeAdditional): a status cannot widen the list.
      expect(keysOf((await api.call({ url: '/api/v1/notifications/failed?status=delivered' }, api.reader)).json())).toEqual(['n-3:email', 'n-1:webhook']);
    });

    it('retries through the injected retry (202 with the records); 404 for unknown or another tenant’s id', async () => {
      const response = await post('/api/v1/notifications/n-1/retry', undefined);
      expect(response.statusCode, response.body).toBe(202);
      expect(api.retried).toEqual([{ tenant: 'acme', id: 'n-1' }]);
      expect(response.json<{ channel: string; status: string }[]>().map((r) => [r.channel, r.status]).sort()).toEqual([['email', 'delivered'], ['webhook', 'queued']]);
      expect(response.body).not.toContain('super-secret-webhook-key');

      for (const id of ['nope', 'g-1']) {
        const missing = await post(`/api/v1/notifications/${id}/retry`, undefined);
        expect(missing.statusCode, id).toBe(404);
        expect(missing.json()).toMatchObject({ error: { code: 'FGC_NOTIFICATION_NOT_FOUND' } });
      }
      expect(api.retried).toHaveLength(1);
    });

    it('passes the retry’s own refusal through (409 when nothing failed)', async () => {
      api.retryImpl = async () => {
        throw new FgcError('FGC_NOTIFICATION_NOT_RETRIABLE', 'n-2 has no failed channel');
      };
      const response = await post('/api/v1/notifications/n-2/retry', undefined);
      expect(response.statusCode).toBe(409);
      expect(response.json()).toMatchObject({ error: { code: 'FGC_NOTIFICATION_NOT_RETRIABLE' } });
    });
  });
});
