/**
 * The alerting API on the real HTTP shell: auth on every route, alerts (active, history, ack) and
 * silences. Preferences, send and the delivery log are in alert-routes.notifications.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../alerting/alert-model.js';
import { NOW, NOW_ISO, alert, startAlertApi, type AlertApi } from './alert-routes-fixture.js';

const SPEC_FIELDS = ['alert_id', 'fingerprint', 'type', 'severity', 'status', 'entity_id', 'site', 'title', 'message', 'value', 'threshold', 'recommendation', 'starts_at', 'updated_at', 'data_as_of'];

const ROUTES: { method: 'GET' | 'POST' | 'DELETE'; url: string; scope: 'read' | 'write' }[] = [
  { method: 'GET', url: '/api/v1/alerts/active', scope: 'read' },
  { method: 'GET', url: '/api/v1/alerts', scope: 'read' },
  { method: 'POST', url: '/api/v1/alerts/a-1/ack', scope: 'write' },
  { method: 'POST', url: '/api/v1/silences', scope: 'write' },
  { method: 'GET', url: '/api/v1/silences', scope: 'read' },
  { method: 'DELETE', url: '/api/v1/silences/s-1', scope: 'write' },
  { method: 'POST', url: '/api/v1/preferences', scope: 'write' },
  { method: 'GET', url: '/api/v1/preferences/anna', scope: 'read' },
  { method: 'POST', url: '/api/v1/send', scope: 'write' },
  { method: 'GET', url: '/api/v1/notifications', scope: 'read' },
  { method: 'GET', url: '/api/v1/notifications/failed', scope: 'read' },
  { method: 'POST', url: '/api/v1/notifications/n-1/retry', scope: 'write' },
];

describe('alert routes', () => {
  let api: AlertApi;
  const ids = (body: unknown): string[] => (body as Alert[]).map((a) => a.alert_id);

  beforeAll(async () => {
    api = await startAlertApi('alert_routes_test');
  });
  afterAll(async () => {
    await api.close();
  });
  beforeEach(() => {
    api.alerts.rows.clear();
    api.silences.rows.clear();
  });

  describe('auth', () => {
    it.each(ROUTES)('$method $url: 401 without a key, 401 with a wrong one', async ({ method, url }) => {
      const none = await api.call({ method, url }, null);
      expect(none.statusCode).toBe(401);
      expect(none.json()).toMatchObject({ error: { code: 'FGC_AUTH_MISSING_KEY' } });
      const wrong = await api.call({ method, url, headers: { authorization: 'Bearer fgc_0123456789abcdef_nope' } }, null);
      expect(wrong.json()).toMatchObject({ error: { code: 'FGC_AUTH_INVALID_KEY' } });
    });

    it.each(ROUTES)('$method $url needs the $scope scope', async ({ method, url, scope }) => {
      const ingest = await api.call({ method, url }, api.ingestOnly);
      expect(ingest.statusCode).toBe(403);
      const read = await api.call({ method, url }, api.reader);
      if (scope === 'write') expect(read.json()).toMatchObject({ error: { code: 'FGC_AUTH_FORBIDDEN' } });
      else expect(read.statusCode).not.toBe(403);
    });

    it('documents every route in the OpenAPI document', async () => {
      const doc = (await api.call({ url: '/docs/json' }, null)).json<{ paths: Record<string, Record<string, unknown>> }>();
      for (const { method, url } of ROUTES) {
        const path = url.replace('/a-1/', '/{id}/').replace('/s-1', '/{id}').replace('/anna', '/{user_id}').replace('/n-1/', '/{id}/');
        expect(doc.paths[path]?.[method.toLowerCase()], `${method} ${path}`).toBeDefined();
      }
    });
  });

  describe('GET /api/v1/alerts/active', () => {
    beforeEach(async () => {
      await api.alerts.save([
        alert({ alert_id: 'a-1', starts_at: '2024-06-09T08:00:00.000Z' }),
        alert({ alert_id: 'a-2', severity: 'warning', type: 'late_supplier', site: 'PLANT-2', starts_at: '2024-06-09T09:00:00.000Z' }),
        alert({ alert_id: 'a-3', status: 'pending', starts_at: '2024-06-10T09:00:00.000Z' }),
        alert({ alert_id: 'a-4', status: 'resolved', resolved_at: '2024-06-10T10:00:00.000Z', starts_at: '2024-06-08T09:00:00.000Z' }),
        alert({ alert_id: 'g-1', tenant_id: 'globex', starts_at: '2024-06-09T10:00:00.000Z' }),
      ]);
    });

    it('lists the tenant’s firing alerts, newest first, in the SPEC shape without bookkeeping', async () => {
      const response = await api.call({ url: '/api/v1/alerts/active' }, api.reader);
      expect(response.statusCode).toBe(200);
      const body = response.json<Record<string, unknown>[]>();
      expect(ids(body)).toEqual(['a-2', 'a-1']);
      const first = body[1]!;
      for (const field of SPEC_FIELDS) expect(first, field).toHaveProperty(field);
      expect(first).toMatchObject({ severity: 'critical', status: 'firing', value: 0.92, threshold: 0.5, data_as_of: '2024-06-09', recommendation: { action: 'order', order_qty: 400 }, labels: { sku: 'ITEM-001' }, acknowledged_by: null });
      for (const hidden of ['tenant_id', 'version', 'last_breach_at', 'ok_since', 'last_notified_at']) expect(first, hidden).not.toHaveProperty(hidden);
      expect(ids((await api.call({ url: '/api/v1/alerts/active' }, api.other)).json())).toEqual(['g-1']);
    });

    it('filters by severity, type and site (site codes compare upper-case) and limits', async () => {
      const get = async (query: string): Promise<string[]> => ids((await api.call({ url: `/api/v1/alerts/active?${query}` }, api.reader)).json());
      expect(await get('severity=warning')).toEqual(['a-2']);
      expect(await get('type=stockout_risk')).toEqual(['a-1']);
      expect(await get('site=plant-2')).toEqual(['a-2']);
      expect(await get('site=PLANT-9')).toEqual([]);
      expect(await get('limit=1')).toEqual(['a-2']);
    });

    it('refuses unknown filter values with a 400 naming the parameter', async () => {
      for (const query of ['severity=urgent', 'type=meteor', 'limit=0', 'limit=1001', 'limit=abc', `site=${'x'.repeat(201)}`, 'site=']) {
        const response = await api.call({ url: `/api/v1/alerts/active?${query}` }, api.reader);
        expect(response.statusCode, query).toBe(400);
        expect(response.json<{ error: { details: { field: string }[] } }>().error.details[0]?.field, query).toMatch(/^querystring/);
      }
    });
  });

  describe('GET /api/v1/alerts (history)', () => {
    beforeEach(async () => {
      await api.alerts.save([
        alert({ alert_id: 'h-1', starts_at: '2024-05-31T23:30:00.000Z', status: 'resolved', resolved_at: '2024-06-01T01:00:00.000Z' }),
        alert({ alert_id: 'h-2', starts_at: '2024-06-01T00:00:00.000Z' }),
        alert({ alert_id: 'h-3', starts_at: '2024-06-01T23:59:59.999Z', status: 'pending' }),
        alert({ alert_id: 'h-4', starts_at: '2024-06-02T00:00:00.000Z', status: 'resolved', resolved_at: '2024-06-03T00:00:00.000Z' }),
      ]);
    });
    const get = async (query: string): Promise<string[]> => {
      const response = await api.call({ url: `/api/v1/alerts?${query}` }, api.reader);
      expect(response.statusCode, response.body).toBe(200);
      return ids(response.json());
    };

    it('lists every status by default, and filters by status', async () => {
      expect(await get('')).toEqual(['h-4', 'h-3', 'h-2', 'h-1']);
      expect(await get('status=resolved')).toEqual(['h-4', 'h-1']);
      expect(await get('status=pending&limit=5')).toEqual(['h-3']);
    });

    it('takes from inclusive and to exclusive; a bare date as to includes that day; offsets count', async () => {
      expect(await get('from=2024-06-01&to=2024-06-01')).toEqual(['h-3', 'h-2']);
      expect(await get('from=2024-06-01T00:00:00Z&to=2024-06-02T00:00:00Z')).toEqual(['h-3', 'h-2']);
      expect(await get(`from=${encodeURIComponent('2024-06-01T01:30:00+02:00')}`)).toEqual(['h-4', 'h-3', 'h-2', 'h-1']);
      expect(await get('to=2024-05-31')).toEqual(['h-1']);
    });

    it('answers 400 naming the parameter for dates that are not ISO 8601 with a zone, or an empty range', async () => {
      for (const [query, field] of [
        ['from=2024-13-45', 'querystring.from'],
        ['from=2024-02-30', 'querystring.from'],
        ['to=yesterday', 'querystring.to'],
        ['from=2024-06-01T10:00:00', 'querystring.from'],
        ['from=2024-06-01T25:00:00Z', 'querystring.from'],
        ['to=2024-06-01T10:00:00%2B24:00', 'querystring.to'],
        ['from=%F0%9F%8F%AD', 'querystring.from'],
        ['from=2024-06-02&to=2024-06-01T00:00:00Z', 'querystring.to'],
        ['status=burning', 'querystring.status'],
      ] as const) {
        const response = await api.call({ url: `/api/v1/alerts?${query}` }, api.reader);
        expect(response.statusCode, query).toBe(400);
        expect(response.json<{ error: { details: { field: string }[] } }>().error.details.map((d) => d.field), query).toContain(field);
      }
    });
  });

  describe('POST /api/v1/alerts/{id}/ack', () => {
    it('acknowledges with the key id, stores the alert and returns it; again returns it unchanged', async () => {
      await api.alerts.save([alert()]);
      const response = await api.call({ method: 'POST', url: '/api/v1/alerts/a-1/ack', payload: { comment: 'Bestellung läuft 👍' } });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ alert_id: 'a-1', status: 'firing', acknowledged_by: api.writer.keyId, acknowledged_at: NOW_ISO });
      const stored = await api.alerts.get('acme', 'a-1');
      expect(stored).toMatchObject({ acknowledged_by: api.writer.keyId, acknowledged_at: NOW_ISO });
      expect(stored!.version).toBeGreaterThan(3);

      const again = await api.call({ method: 'POST', url: '/api/v1/alerts/a-1/ack' });
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ acknowledged_by: api.writer.keyId, acknowledged_at: NOW_ISO });
    });

    it('acknowledges a pending alert, with or without an empty JSON body', async () => {
      await api.alerts.save([alert({ alert_id: 'p-1', status: 'pending', fired_at: null })]);
      const response = await api.call({ method: 'POST', url: '/api/v1/alerts/p-1/ack', payload: {} });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ status: 'pending', acknowledged_by: api.writer.keyId });
    });

    it('answers 409 for a resolved alert and leaves it alone', async () => {
      await api.alerts.save([alert({ status: 'resolved', resolved_at: '2024-06-10T10:00:00.000Z' })]);
      const response = await api.call({ method: 'POST', url: '/api/v1/alerts/a-1/ack' });
      expect(response.statusCode).toBe(409);
      expect(response.json()).toMatchObject({ error: { code: 'FGC_ALERT_ALREADY_RESOLVED' } });
      expect((await api.alerts.get('acme', 'a-1'))?.acknowledged_at).toBeNull();
    });

    it('answers 404 for an unknown id and for another tenant’s alert', async () => {
      await api.alerts.save([alert({ tenant_id: 'globex', alert_id: 'g-1' })]);
      for (const id of ['nope', 'g-1', encodeURIComponent('ü/🏭')]) {
        const response = await api.call({ method: 'POST', url: `/api/v1/alerts/${id}/ack` });
        expect(response.statusCode, id).toBe(404);
        expect(response.json()).toMatchObject({ error: { code: 'FGC_ALERT_NOT_FOUND' } });
      }
      expect((await api.alerts.get('globex', 'g-1'))?.acknowledged_at).toBeNull();
    });

    it('refuses a bad body: 400 for wrong types or a long comment, 415 for text, 413 when huge', async () => {
      await api.alerts.save([alert()]);
      const bad = async (payload: string, contentType = 'application/json'): Promise<number> =>
        (await api.call({ method: 'POST', url: '/api/v1/alerts/a-1/ack', payload, headers: { 'content-type': contentType } })).statusCode;
      expect(await bad(JSON.stringify({ comment: { nested: true } }))).toBe(400);
      expect(await bad(JSON.stringify({ comment: 'x'.repeat(1001) }))).toBe(400);
      expect(await bad('[1,2]')).toBe(400);
      expect(await bad('{"comment":')).toBe(400);
      expect(await bad('ack please', 'text/plain')).toBe(415);
      expect(await bad(JSON.stringify({ comment: 'x'.repeat(70_000) }))).toBe(413);
      expect((await api.alerts.get('acme', 'a-1'))?.acknowledged_at).toBeNull();
    });
  });

  describe('silences', () => {
    const create = (payload: unknown, who = api.writer) => api.call({ method: 'POST', url: '/api/v1/silences', payload: payload as object }, who);
    const inOneDay = new Date(NOW + 86_400_000).toISOString();

    it('creates (201, starts now, op defaults to =), lists active ones per tenant, deletes (204) and stays deleted', async () => {
      const created = await create({ matchers: [{ name: 'site', value: 'PLANT-1' }, { name: 'type', op: '=~', value: 'stockout_.*' }], ends_at: inOneDay, comment: 'Inventur 🏭' });
      expect(created.statusCode, created.body).toBe(201);
      const silence = created.json<Record<string, unknown>>();
      expect(silence).toEqual({
        silence_id: 'silence-1',
        matchers: [{ name: 'site', op: '=', value: 'PLANT-1' }, { name: 'type', op: '=~', value: 'stockout_.*' }],
        starts_at: NOW_ISO,
        ends_at: inOneDay,
        status: 'active',
        created_by: api.writer.keyId,
        comment: 'Inventur 🏭',
        created_at: NOW_ISO,
      });
      expect(api.silences.rows.size).toBe(1);
      const later = await create({ matchers: [{ name: 'severity', op: '!=', value: 'critical' }, { name: 'site', value: 'PLANT-2' }], starts_at: '2024-06-11', ends_at: '2024-06-12' });
      expect(later.json()).toMatchObject({ silence_id: 'silence-2', status: 'pending', starts_at: '2024-06-11T00:00:00.000Z' });

      const listed = await api.call({ url: '/api/v1/silences' }, api.reader);
      expect(listed.json<{ silence_id: string }[]>().map((s) => s.silence_id).sort()).toEqual(['silence-1', 'silence-2']);
      expect((await api.call({ url: '/api/v1/silences' }, api.other)).json()).toEqual([]);

      expect((await api.call({ method: 'DELETE', url: '/api/v1/silences/silence-1' }, api.other)).statusCode).toBe(404);
      const deleted = await api.call({ method: 'DELETE', url: '/api/v1/silences/silence-1' });
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');
      expect((await api.silences.get('acme', 'silence-1'))?.deleted).toBe(true);
      expect((await api.call({ url: '/api/v1/silences' }, api.reader)).json<{ silence_id: string }[]>().map((s) => s.silence_id)).toEqual(['silence-2']);
      expect((await api.call({ method: 'DELETE', url: '/api/v1/silences/silence-1' })).statusCode).toBe(204);
      const unknown = await api.call({ method: 'DELETE', url: '/api/v1/silences/nope' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toMatchObject({ error: { code: 'FGC_SILENCE_NOT_FOUND' } });
    });

    it('answers 422 naming the field for a bad window, and stores nothing', async () => {
      const matchers = [{ name: 'site', value: 'PLANT-1' }];
      for (const [payload, field] of [
        [{ matchers, starts_at: '2024-06-12', ends_at: '2024-06-11' }, 'ends_at'],
        [{ matchers, ends_at: NOW_ISO }, 'ends_at'],
        [{ matchers, starts_at: '2024-06-01', ends_at: '2024-06-05' }, 'ends_at'],
        [{ matchers, ends_at: '2025-06-12T00:00:00Z' }, 'ends_at'],
        [{ matchers, ends_at: '2024-02-30' }, 'ends_at'],
        [{ matchers, starts_at: 'now', ends_at: inOneDay }, 'starts_at'],
      ] as const) {
        const response = await create(payload);
        expect(response.statusCode, JSON.stringify(payload)).toBe(422);
        expect(response.json(), JSON.stringify(payload)).toMatchObject({ error: { code: 'FGC_SILENCE_INVALID', details: [{ field }] } });
      }
      // Exactly 366 days is the longest allowed.
      expect((await create({ matchers, starts_at: NOW_ISO, ends_at: new Date(NOW + 366 * 86_400_000).toISOString() })).statusCode).toBe(201);
      expect(api.silences.rows.size).toBe(1);
    });

    it('answers 422 for matchers the matcher module refuses, together with window problems', async () => {
      for (const [matchers, field] of [
        [[{ name: 'entity_id', op: '=~', value: '(unclosed' }], 'matchers[0].value'],
        [[{ name: 'entity_id', op: '=~', value: '(a+)+' }], 'matchers[0].value'],
        [[{ name: 'bad name!', value: 'x' }], 'matchers[0].name'],
        [[{ name: 'site', op: '=~', value: '.*' }], 'matchers'],
      ] as const) {
        const response = await create({ matchers, ends_at: inOneDay });
        expect(response.statusCode, field).toBe(422);
        expect(response.json<{ error: { code: string; details: { field: string }[] } }>().error).toMatchObject({ code: 'FGC_SILENCE_INVALID', details: [{ field }] });
      }
      const both = await create({ matchers: [{ name: 'type', op: '=~', value: '(x' }], starts_at: '2024-06-12', ends_at: '2024-06-11' });
      expect(both.json<{ error: { details: { field: string }[] } }>().error.details.map((d) => d.field)).toEqual(['matchers[0].value', 'ends_at']);
      expect(api.silences.rows.size).toBe(0);
    });

    it('answers 400 for a malformed body, naming the field', async () => {
      for (const [payload, field] of [
        [{ ends_at: inOneDay }, 'body'],
        [{ matchers: [], ends_at: inOneDay }, 'body.matchers'],
        [{ matchers: [{ name: 'site', op: '~', value: 'x' }], ends_at: inOneDay }, 'body.matchers.0.op'],
        [{ matchers: [{ name: '', value: 'x' }], ends_at: inOneDay }, 'body.matchers.0.name'],
        [{ matchers: [{ name: 'site' }], ends_at: inOneDay }, 'body.matchers.0'],
        [{ matchers: Array.from({ length: 33 }, () => ({ name: 'site', value: 'x' })), ends_at: inOneDay }, 'body.matchers'],
        [{ matchers: [{ name: 'site', value: 'x'.repeat(257) }], ends_at: inOneDay }, 'body.matchers.0.value'],
        // ajv wraps a lone scalar into an array (fastify's coerceTypes: 'array'), then names the item.
        [{ matchers: 'site=x', ends_at: inOneDay }, 'body.matchers.0'],
        [{ matchers: [{ name: 'site', value: 'x' }] }, 'body'],
        [{ matchers: [{ name: 'site', value: 'x' }], ends_at: inOneDay, comment: 'x'.repeat(1001) }, 'body.comment'],
      ] as const) {
        const response = await create(payload);
        expect(response.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
        expect(response.json<{ error: { details: { field: string }[] } }>().error.details.map((d) => d.field)).toContain(field);
      }
      expect(api.silences.rows.size).toBe(0);
    });
  });
});
