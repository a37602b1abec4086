import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../infra/auth/api-keys.js';
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { createAnalyticsStore } from '../../infra/clickhouse/clickhouse-analytics-store.js';
import { migrate } from '../../infra/clickhouse/migrations.js';
import { createMemoryCoordination } from '../../infra/coordination/memory-coordination.js';
import { silentLogger } from '../../infra/logger.js';
import { createMetricsRegistry } from '../../infra/http/metrics.js';
import { buildServer, type ServerOptions } from '../../infra/http/server.js';
import { tempDir } from '../helpers/temp-dir.js';

const ADMIN_KEY = 'test-admin-key-0123456789';

describe('HTTP shell', () => {
  let store: AnalyticsStore;
  let dir: { path: string; remove: () => Promise<void> };
  let app: FastifyInstance;
  let keys: ApiKeys;
  const servers: FastifyInstance[] = [];

  async function server(overrides: Partial<ServerOptions> = {}): Promise<FastifyInstance> {
    const instance = await buildServer({
      logger: silentLogger(),
      bodyLimitBytes: 4096,
      rateLimitPerMinute: 10_000,
      health: { version: '9.9.9', mode: 'embedded', roles: ['api'], systems: { storage: 'embedded' } },
      readiness: [{ name: 'storage', check: () => store.ping() }],
      apiKeys: keys,
      coordination: createMemoryCoordination(),
      metrics: createMetricsRegistry(),
      routes: async (a) => {
        a.post('/api/v1/echo', { config: { scope: 'write' }, schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } } }, async (request) => ({ tenant: request.principal?.tenant, body: request.body }));
        a.get('/api/v1/boom', { config: { scope: 'read' } }, async () => {
          throw new Error('internal detail that must not leak');
        });
      },
      ...overrides,
    });
    servers.push(instance);
    return instance;
  }

  const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    dir = await tempDir();
    store = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'http_test', dataDir: dir.path, logger: silentLogger() });
    await migrate(store, silentLogger());
    keys = new ApiKeys(store, ADMIN_KEY);
    app = await server();
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await store.close();
    await dir.remove();
  });

  it('answers /health and /api/v1/health without a key', async () => {
    for (const url of ['/health', '/api/v1/health']) {
      const response = await app.inject({ url });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ status: 'ok', version: '9.9.9', mode: 'embedded', roles: ['api'] });
    }
  });

  it('answers /ready with each dependency named, and 503 when one is down', async () => {
    const ok = await app.inject({ url: '/ready' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'ready', checks: { storage: { status: 'ok' } } });

    const down = await server({ readiness: [{ name: 'storage', check: () => store.ping() }, { name: 'stream', check: () => Promise.reject(new Error('broker gone')) }] });
    const response = await down.inject({ url: '/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'not_ready', checks: { storage: { status: 'ok' }, stream: { status: 'down', error: 'broker gone' } } });
  });

  it('serves Prometheus text at /metrics, counting requests', async () => {
    await app.inject({ url: '/health' });
    const response = await app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toMatch(/forgecast_http_requests_total\{[^}]*route="\/health"[^}]*\} \d+/);
    expect(response.body).toContain('process_cpu_user_seconds_total');
  });

  it('serves the OpenAPI document and UI at /docs', async () => {
    const json = await app.inject({ url: '/docs/json' });
    expect(json.statusCode).toBe(200);
    const document = json.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/health', '/api/v1/keys', '/api/v1/keys/{id}']));
    const ui = await app.inject({ url: '/docs' });
    const page = ui.statusCode === 302 ? await app.inject({ url: ui.headers.location! }) : ui;
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger');
  });

  it('echoes a valid x-request-id and generates one otherwise', async () => {
    const given = await app.inject({ url: '/health', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await app.inject({ url: '/health', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 401 without a key and with a wrong key, 403 without the scope', async () => {
    const none = await app.inject({ url: '/api/v1/keys' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: 'FGC_AUTH_MISSING_KEY' } });

    for (const key of ['nonsense', 'fgc_0123456789abcdef_' + 'A'.repeat(43), `${ADMIN_KEY}x`]) {
      const wrong = await app.inject({ url: '/api/v1/keys', headers: bearer(key) });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json()).toMatchObject({ error: { code: 'FGC_AUTH_INVALID_KEY' } });
    }

    const { key: readKey } = await keys.create({ tenant: 'acme', scopes: ['read'] });
    const forbidden = await app.inject({ url: '/api/v1/keys', headers: bearer(readKey) });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ error: { code: 'FGC_AUTH_FORBIDDEN' } });

    const viaHeader = await app.inject({ method: 'POST', url: '/api/v1/echo', headers: { 'x-api-key': readKey }, payload: { n: 1 } });
    expect(viaHeader.statusCode).toBe(403);
  });

  it('accepts keys in either header and tells the handler the tenant', async () => {
    const { key } = await keys.create({ tenant: 'acme', scopes: ['write'] });
    for (const headers of [bearer(key), { 'x-api-key': key }]) {
      const response = await app.inject({ method: 'POST', url: '/api/v1/echo', headers, payload: { n: 5 } });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ tenant: 'acme', body: { n: 5 } });
    }
  });

  it('keeps tenants apart: another tenant’s key is a 404', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/v1/keys', headers: bearer(ADMIN_KEY), payload: { tenant: 'acme', scopes: ['admin'], name: 'acme admin' } });
    expect(created.statusCode).toBe(201);
    const acmeAdmin = created.json<{ key: string; key_id: string }>();
    const other = await app.inject({ method: 'POST', url: '/api/v1/keys', headers: bearer(ADMIN_KEY), payload: { tenant: 'globex', scopes: ['read'] } });
    const globexKeyId = other.json<{ key_id: string }>().key_id;

    const own = await app.inject({ url: `/api/v1/keys/${acmeAdmin.key_id}`, headers: bearer(acmeAdmin.key) });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ tenant: 'acme', name: 'acme admin', scopes: ['admin'] });
    expect(own.json()).not.toHaveProperty('secret_hash');

    const foreign = await app.inject({ url: `/api/v1/keys/${globexKeyId}`, headers: bearer(acmeAdmin.key) });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toMatchObject({ error: { code: 'FGC_KEYS_NOT_FOUND' } });

    const list = await app.inject({ url: '/api/v1/keys', headers: bearer(acmeAdmin.key) });
    expect(list.json<{ keys: { tenant: string }[] }>().keys.every((k) => k.tenant === 'acme')).toBe(true);

    const crossCreate = await app.inject({ method: 'POST', url: '/api/v1/keys', headers: bearer(acmeAdmin.key), payload: { tenant: 'globex', scopes: ['admin'] } });
    expect(crossCreate.statusCode).toBe(403);
  });

  it('stops honouring a revoked key', async () => {
    const { key, record } = await keys.create({ tenant: 'acme', scopes: ['write'] });
    expect((await app.inject({ method: 'POST', url: '/api/v1/echo', headers: bearer(key), payload: { n: 1 } })).statusCode).toBe(200);
    const revoke = await app.inject({ method: 'DELETE', url: `/api/v1/keys/${record.keyId}`, headers: bearer(ADMIN_KEY) });
    expect(revoke.statusCode).toBe(404); // the default tenant's admin does not see acme's key either
    expect(await keys.revoke('acme', record.keyId)).toBe(true);
    const after = await app.inject({ method: 'POST', url: '/api/v1/echo', headers: bearer(key), payload: { n: 1 } });
    expect(after.statusCode).toBe(401);
  });

  it('maps bad input to 400 / 413 / 415 / 404 with FGC_ codes, never 500', async () => {
    const headers = { ...bearer(ADMIN_KEY), 'content-type': 'application/json' };
    const cases: [string, InjectOptions, number, string][] = [
      ['malformed JSON', { method: 'POST', url: '/api/v1/echo', headers, payload: '{"n": 1,' }, 400, 'FGC_HTTP_MALFORMED_JSON'],
      ['empty JSON body', { method: 'POST', url: '/api/v1/echo', headers, payload: '' }, 400, 'FGC_HTTP_MALFORMED_JSON'],
      ['truncated unicode', { method: 'POST', url: '/api/v1/echo', headers, payload: Buffer.from([0x7b, 0x22, 0xe8, 0x9e]) }, 400, 'FGC_HTTP_MALFORMED_JSON'],
      ['proto poisoning', { method: 'POST', url: '/api/v1/echo', headers, payload: '{"n":1,"__proto__":{"x":1}}' }, 400, 'FGC_HTTP_MALFORMED_JSON'],
      ['schema violation', { method: 'POST', url: '/api/v1/echo', headers, payload: { n: 'five' } }, 400, 'FGC_HTTP_INVALID_REQUEST'],
      ['body over the limit', { method: 'POST', url: '/api/v1/echo', headers, payload: JSON.stringify({ n: 1, pad: 'x'.repeat(5000) }) }, 413, 'FGC_HTTP_BODY_TOO_LARGE'],
      ['wrong content type', { method: 'POST', url: '/api/v1/echo', headers: { ...bearer(ADMIN_KEY), 'content-type': 'text/csv' }, payload: 'n\n1' }, 415, 'FGC_HTTP_UNSUPPORTED_MEDIA_TYPE'],
      ['unknown route', { method: 'GET', url: '/api/v1/nothing-here', headers }, 404, 'FGC_HTTP_NOT_FOUND'],
      ['invalid scopes', { method: 'POST', url: '/api/v1/keys', headers, payload: { scopes: ['root'] } }, 400, 'FGC_HTTP_INVALID_REQUEST'],
      ['invalid tenant', { method: 'POST', url: '/api/v1/keys', headers, payload: { tenant: 'Ä B', scopes: ['read'] } }, 422, 'FGC_KEYS_INVALID'],
    ];
    for (const [what, request, status, code] of cases) {
      const response = await app.inject(request);
      expect(response.statusCode, what).toBe(status);
      const body = response.json<{ error: { code: string; message: unknown; details: unknown } }>();
      expect(body.error.code, what).toBe(code);
      expect(typeof body.error.message, what).toBe('string');
      expect(Array.isArray(body.error.details), what).toBe(true);
    }
  });

  it('names the field of a schema violation in details', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/echo', headers: bearer(ADMIN_KEY), payload: { n: 'five' } });
    expect(response.json<{ error: { details: { field: string }[] } }>().error.details[0]!.field).toBe('body.n');
  });

  it('hides internal errors behind FGC_HTTP_INTERNAL', async () => {
    const response = await app.inject({ url: '/api/v1/boom', headers: bearer(ADMIN_KEY) });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ error: { code: 'FGC_HTTP_INTERNAL' } });
    expect(response.body).not.toContain('internal detail');
  });

  it('rate-limits per key with 429 FGC_HTTP_RATE_LIMITED, and not health probes', async () => {
    const limited = await server({ rateLimitPerMinute: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await limited.inject({ url: '/api/v1/keys', headers: bearer(ADMIN_KEY) })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const last = await limited.inject({ url: '/api/v1/keys', headers: bearer(ADMIN_KEY) });
    expect(last.json()).toMatchObject({ error: { code: 'FGC_HTTP_RATE_LIMITED' } });
    expect(last.headers['retry-after']).toBeDefined();
    for (let i = 0; i < 5; i += 1) expect((await limited.inject({ url: '/health' })).statusCode).toBe(200);
  });

  it('refuses to start with an /api route that declares no scope', async () => {
    await expect(server({ routes: async (a) => void a.get('/api/v1/open', async () => ({})) })).rejects.toThrow(/declares neither config.scope nor config.public/);
  });
});
