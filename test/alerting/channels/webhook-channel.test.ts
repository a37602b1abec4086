/**
 * The webhook channel against real local HTTP receivers: signatures a receiver verifies, the same
 * webhook-id on every retry, the failure classification, timeouts, redirects, and the SSRF guard.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Notification } from '../../../alerting/alert-model.js';
import type { DeliveryError } from '../../../alerting/alerting-ports.js';
import { createWebhookChannel, MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../../alerting/channels/webhook-channel.js';
import { verifyWebhook } from '../../../alerting/channels/webhook-signature.js';
import type { WebhookPayload } from '../../../alerting/render/webhook-payload.js';
import { notificationFixture } from '../render/notification-fixture.js';

const SECRET = 'whsec_dGVzdC1zZWNyZXQtYnl0ZXMtZm9yLWZvcmdlY2FzdA==';

interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly url: string;
}

type Responder = (request: Received, index: number, response: http.ServerResponse) => void;

const servers: http.Server[] = [];

async function receiver(respond: Responder = (_r, _i, res) => res.end('ok')): Promise<{ url: string; port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), url: req.url ?? '' };
      received.push(request);
      respond(request, received.length - 1, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/forgecast?tenant=acme`, port, received };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function webhookNotification(url: string, overrides: Partial<Notification> = {}): Notification {
  return notificationFixture({ channel: 'webhook', target: { channel: 'webhook', url, secret: SECRET }, ...overrides });
}

const channel = (options: Partial<Parameters<typeof createWebhookChannel>[0]> = {}) =>
  createWebhookChannel({ allowPrivateNetworks: true, baseUrl: 'https://forgecast.example.com', timeoutMs: 2_000, ...options });

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error, 'the send should have failed').toBeDefined();
  expect((error as Error).name).toBe('DeliveryError');
  return error as DeliveryError;
}

describe('webhook channel: delivery', () => {
  it('POSTs the rendered JSON with Standard Webhooks headers the receiver verifies', async () => {
    const hook = await receiver();
    const webhooks = channel({ userAgent: 'forgecast-test/1' });
    const result = await webhooks.send(webhookNotification(hook.url));
    await webhooks.close?.();
    expect(result).toEqual({ providerId: 'http 200' });
    const [request] = hook.received;
    expect(request?.url).toBe('/hooks/forgecast?tenant=acme');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['user-agent']).toBe('forgecast-test/1');
    expect(request?.headers['webhook-id']).toBe('n-1:webhook');
    expect(Math.abs(Number(request?.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    expect(verifyWebhook({ secret: SECRET, headers: request!.headers, body: request!.body })).toMatchObject({ ok: true, id: 'n-1:webhook' });
    expect(verifyWebhook({ secret: SECRET, headers: request!.headers, body: request!.body.replace('critical', 'info') })).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(verifyWebhook({ secret: 'whsec_d3Jvbmc=', headers: request!.headers, body: request!.body }).ok).toBe(false);
    const payload = JSON.parse(request!.body) as WebhookPayload;
    expect(payload).toMatchObject({ type: 'forgecast.notification', notification_id: 'n-1', idempotency_key: 'n-1:webhook', state: 'firing', severity: 'critical' });
    expect(payload.alerts[0]?.link.startsWith('https://forgecast.example.com/api/v1/alerts?')).toBe(true);
  });

  it('sends the same webhook-id on every retry, with a fresh valid signature each time', async () => {
    let clock = Date.parse('2024-03-01T08:00:00Z');
    const hook = await receiver((_r, i, res) => {
      if (i < 3) {
        res.writeHead(503, { 'retry-after': '7' }).end('busy');
        return;
      }
      res.writeHead(204).end();
    });
    const webhooks = channel({ now: () => clock });
    const n = webhookNotification(hook.url);
    for (let attempt = 0; attempt < 3; attempt++) {
      const error = await failure(webhooks.send(n));
      expect(error.permanent).toBe(false);
      expect(error.retryAfterMs).toBe(7_000);
      expect(error.message).toContain('HTTP 503: busy');
      clock += 60_000;
    }
    await expect(webhooks.send(n)).resolves.toEqual({ providerId: 'http 204' });
    await webhooks.close?.();
    expect(hook.received).toHaveLength(4);
    expect(new Set(hook.received.map((r) => r.headers['webhook-id']))).toEqual(new Set(['n-1:webhook']));
    expect(new Set(hook.received.map((r) => r.headers['webhook-timestamp'])).size).toBe(4);
    for (const [i, r] of hook.received.entries()) {
      const at = Number(r.headers['webhook-timestamp']);
      expect(at).toBe(Date.parse('2024-03-01T08:00:00Z') / 1000 + i * 60);
      expect(verifyWebhook({ secret: SECRET, headers: r.headers, body: r.body, nowSeconds: at }).ok).toBe(true);
    }
  });

  it('connects to the address the guard checked, keeping the name in the Host header', async () => {
    const hook = await receiver();
    // No real DNS knows this name: the request only arrives if the pinned address is used.
    const webhooks = channel({ lookup: async () => [{ address: '127.0.0.1', family: 4 }] });
    await webhooks.send(webhookNotification(`http://receiver.forgecast.test:${hook.port}/in`));
    await webhooks.close?.();
    expect(hook.received[0]?.headers.host).toBe(`receiver.forgecast.test:${hook.port}`);
  });
});

describe('webhook channel: failures', () => {
  it.each([
    [404, true],
    [400, true],
    [401, true],
    [410, true],
    [422, true],
    [408, false],
    [425, false],
    [429, false],
    [500, false],
    [502, false],
    [503, false],
  ])('HTTP %i → permanent %s', async (status, permanent) => {
    const hook = await receiver((_r, _i, res) => res.writeHead(status).end(`status ${status}`));
    const error = await failure(channel().send(webhookNotification(hook.url)));
    expect(error.permanent).toBe(permanent);
    expect(error.message).toContain(`HTTP ${status}`);
  });

  it('honours Retry-After as an HTTP date and caps it at one hour', async () => {
    const now = Date.parse('2024-03-01T08:00:00Z');
    const hook = await receiver((_r, i, res) => res.writeHead(429, { 'retry-after': i === 0 ? new Date(now + 90_000).toUTCString() : '999999' }).end());
    const webhooks = channel({ now: () => now });
    expect((await failure(webhooks.send(webhookNotification(hook.url)))).retryAfterMs).toBe(90_000);
    expect((await failure(webhooks.send(webhookNotification(hook.url)))).retryAfterMs).toBe(MAX_RETRY_AFTER_MS);
    await webhooks.close?.();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(new Date(now - 5000).toUTCString(), now)).toBe(0);
  });

  it('does not follow a redirect: permanent, naming the Location', async () => {
    const target = await receiver();
    const hook = await receiver((_r, _i, res) => res.writeHead(302, { location: target.url }).end());
    const error = await failure(channel().send(webhookNotification(hook.url)));
    expect(error.permanent).toBe(true);
    expect(error.message).toContain('HTTP 302');
    expect(error.message).toContain(target.url);
    expect(target.received).toHaveLength(0);
  });

  it('a slow receiver is a transient timeout', async () => {
    // The receiver would answer only after the test's own time limit; the proof that the
    // channel cut it off is the client hanging up while the receiver still holds its answer.
    let hungUpBeforeAnswer = false;
    const hook = await receiver((_r, _i, res) => {
      const late = setTimeout(() => res.end('late'), 60_000);
      res.on('close', () => {
        hungUpBeforeAnswer = !res.writableEnded;
        clearTimeout(late);
      });
    });
    const error = await failure(channel({ timeoutMs: 200 }).send(webhookNotification(hook.url)));
    expect(error.permanent).toBe(false);
    expect(error.message).toContain('timed out after 200 ms');
    await vi.waitFor(() => expect(hungUpBeforeAnswer).toBe(true));
  });

  it('a body that never ends counts against the same timeout', async () => {
    const hook = await receiver((_r, _i, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const error = await failure(channel({ timeoutMs: 300 }).send(webhookNotification(hook.url)));
    expect(error.permanent).toBe(false);
  });

  it('reads at most maxResponseBytes of a response', async () => {
    const big = 'x'.repeat(1_000_000);
    const ok = await receiver((_r, _i, res) => res.end(big));
    await expect(channel({ maxResponseBytes: 1024 }).send(webhookNotification(ok.url))).resolves.toEqual({ providerId: 'http 200' });
    const bad = await receiver((_r, _i, res) => res.writeHead(500).end(big));
    const error = await failure(channel({ maxResponseBytes: 1024 }).send(webhookNotification(bad.url)));
    expect(error.permanent).toBe(false);
    expect(error.message.length).toBeLessThan(400);
  });

  it('nothing listening is transient', async () => {
    const hook = await receiver();
    const url = hook.url;
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
    const error = await failure(channel().send(webhookNotification(url)));
    expect(error.permanent).toBe(false);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('a notification without a webhook target or secret is permanent', async () => {
    const webhooks = channel();
    expect((await failure(webhooks.send(notificationFixture({ channel: 'email' })))).permanent).toBe(true);
    expect((await failure(webhooks.send(notificationFixture({ channel: 'webhook', target: { channel: 'webhook', url: 'http://127.0.0.1:1/', secret: '' } })))).permanent).toBe(true);
  });
});

describe('webhook channel: SSRF guard', () => {
  it.each(['http://127.0.0.1:PORT/', 'http://localhost:PORT/', 'http://10.0.0.1/', 'http://[::1]:PORT/', 'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:127.0.0.1]:PORT/'])(
    'refuses %s by default (permanent, nothing sent)',
    async (template) => {
      const hook = await receiver();
      const error = await failure(channel({ allowPrivateNetworks: false }).send(webhookNotification(template.replace('PORT', String(hook.port)))));
      expect(error.permanent).toBe(true);
      expect((error.cause as { code?: string }).code).toBe('FGC_WEBHOOK_TARGET_REFUSED');
      expect(hook.received).toHaveLength(0);
    },
  );

  it('refuses non-http URLs even with allowPrivateNetworks', async () => {
    const error = await failure(channel().send(webhookNotification('file:///etc/passwd')));
    expect(error.permanent).toBe(true);
  });

  it.each(['127.0.0.1', 'localhost'])('reaches a loopback receiver at %s with allowPrivateNetworks', async (host) => {
    const hook = await receiver();
    const webhooks = channel({ allowPrivateNetworks: true });
    await expect(webhooks.send(webhookNotification(`http://${host}:${hook.port}/`))).resolves.toEqual({ providerId: 'http 200' });
    await webhooks.close?.();
    expect(hook.received).toHaveLength(1);
  });

  it('still refuses cloud metadata with allowPrivateNetworks', async () => {
    const error = await failure(channel({ allowPrivateNetworks: true }).send(webhookNotification('http://169.254.169.254/')));
    expect(error.permanent).toBe(true);
  });
});
