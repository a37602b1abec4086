/**
 * The Slack channel against a local HTTP server standing in for https://slack.com/api/
 * (@slack/web-api posts form-encoded bodies to `<apiUrl><method>`): what is posted, the in-place
 * update and thread reply on resolve, rate limits and platform errors; and the outbox file mode.
 */
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../../alerting/alert-model.js';
import type { DeliveryError } from '../../../alerting/alerting-ports.js';
import { outboxFilePath } from '../../../alerting/channels/outbox-files.js';
import { createSlackChannel, parseSlackProviderId, SLACK_METADATA_EVENT_TYPE, type SlackOutboxFile } from '../../../alerting/channels/slack-channel.js';
import { renderSlack } from '../../../alerting/render/slack-message.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { notificationFixture, resolvedFixture } from '../render/notification-fixture.js';

interface Call {
  readonly method: string;
  readonly authorization: string | undefined;
  readonly args: Record<string, string>;
}

type Answer = { status?: number; headers?: Record<string, string>; body: unknown } | 'hang';

let calls: Call[] = [];
/** Answers by method; the default posts succeed with a fresh ts. */
let answers: Record<string, Answer[]> = {};
let apiUrl: string;
let server: http.Server;
let dir: { path: string; remove: () => Promise<void> };
let tsCounter = 0;

beforeAll(async () => {
  dir = await tempDir('forgecast-slack-');
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\/api\//, '');
      const args = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      calls.push({ method, authorization: req.headers.authorization, args });
      const answer = answers[method]?.shift() ?? { body: { ok: true, channel: args.channel ?? 'C?', ts: args.ts ?? `1712000000.${String(++tsCounter).padStart(6, '0')}` } };
      if (answer === 'hang') return;
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await dir.remove();
});

afterEach(() => {
  calls = [];
  answers = {};
});

const baseUrl = 'https://forgecast.example.com';
const slack = (options: Partial<Parameters<typeof createSlackChannel>[0]> = {}) =>
  createSlackChannel({ token: 'xoxb-test-token', apiUrl, outboxDir: path.join(dir.path, 'outbox'), baseUrl, timeoutMs: 2_000, ...options });
const slackNotification = (overrides: Partial<Notification> = {}) => notificationFixture({ channel: 'slack', ...overrides });

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error, 'the send should have failed').toBeDefined();
  expect((error as Error).name).toBe('DeliveryError');
  return error as DeliveryError;
}

describe('Slack channel over the Web API', () => {
  it('posts the rendered blocks and text with the idempotency key in metadata', async () => {
    const n = slackNotification();
    const result = await slack().send(n);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.method).toBe('chat.postMessage');
    expect(call?.authorization).toBe('Bearer xoxb-test-token');
    expect(call?.args.channel).toBe('C0123456');
    const rendered = renderSlack(n, { baseUrl });
    expect(call?.args.text).toBe(rendered.text);
    expect(JSON.parse(call!.args.blocks!)).toEqual(rendered.blocks);
    expect(JSON.parse(call!.args.metadata!)).toEqual({ event_type: SLACK_METADATA_EVENT_TYPE, event_payload: { idempotency_key: 'n-1:slack', notification_id: 'n-1' } });
    expect(result.providerId).toMatch(/^C0123456:1712000000\.\d{6}$/);
    expect(parseSlackProviderId(result.providerId)).toEqual({ channel: 'C0123456', ts: result.providerId.split(':')[1] });
  });

  it('on resolve updates the original message in place and replies in its thread', async () => {
    const channel = slack();
    const firing = await channel.send(slackNotification());
    const resolved = resolvedFixture({ channel: 'slack', replaces_provider_id: firing.providerId });
    const result = await channel.send(resolved);
    expect(calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update', 'chat.postMessage']);
    const [, update, reply] = calls;
    const { channel: conversation, ts } = parseSlackProviderId(firing.providerId)!;
    expect(update?.args).toMatchObject({ channel: conversation, ts });
    expect(JSON.parse(update!.args.blocks!)).toEqual(renderSlack(resolved, { baseUrl }).blocks);
    expect(update?.args.text).toContain('RESOLVED');
    expect(reply?.args).toMatchObject({ channel: conversation, thread_ts: ts });
    expect(reply?.args.text).toContain('Resolved 2024-03-02 09:30 UTC');
    expect(result.providerId).toBe(firing.providerId);
  });

  it('posts the resolved message in the thread when the original can no longer be edited', async () => {
    answers['chat.update'] = [{ body: { ok: false, error: 'message_not_found' } }];
    const result = await slack().send(resolvedFixture({ channel: 'slack', replaces_provider_id: 'C0123456:1711111111.000100' }));
    expect(calls.map((c) => c.method)).toEqual(['chat.update', 'chat.postMessage']);
    expect(calls[1]?.args).toMatchObject({ channel: 'C0123456', thread_ts: '1711111111.000100' });
    expect(calls[1]?.args.blocks).toBeDefined();
    expect(result.providerId).toMatch(/^C0123456:/);
  });

  it('a resolved notification without a usable provider id is posted as a new message', async () => {
    await slack().send(resolvedFixture({ channel: 'slack', replaces_provider_id: 'outbox:/tmp/x.json' }));
    expect(calls.map((c) => c.method)).toEqual(['chat.postMessage']);
    expect(calls[0]?.args.channel).toBe('C0123456');
  });

  it('429 with Retry-After is transient with retryAfterMs, and makes exactly one request', async () => {
    answers['chat.postMessage'] = [{ status: 429, headers: { 'retry-after': '2' }, body: { ok: false, error: 'ratelimited' } }];
    const error = await failure(slack().send(slackNotification()));
    expect(error.permanent).toBe(false);
    expect(error.retryAfterMs).toBe(2_000);
    expect(calls).toHaveLength(1);
  });

  it.each(['channel_not_found', 'invalid_auth', 'not_in_channel', 'account_inactive', 'msg_too_long', 'invalid_blocks'])('%s is permanent', async (code) => {
    answers['chat.postMessage'] = [{ body: { ok: false, error: code } }];
    const error = await failure(slack().send(slackNotification()));
    expect(error.permanent).toBe(true);
    expect(error.message).toContain(code);
    expect(calls).toHaveLength(1);
  });

  it.each(['internal_error', 'service_unavailable', 'fatal_error'])('%s is transient', async (code) => {
    answers['chat.postMessage'] = [{ body: { ok: false, error: code } }];
    expect((await failure(slack().send(slackNotification()))).permanent).toBe(false);
  });

  it('HTTP 5xx is transient, a 404 (wrong API URL) permanent', async () => {
    answers['chat.postMessage'] = [{ status: 503, body: { ok: false } }, { status: 404, body: 'not here' }];
    expect((await failure(slack().send(slackNotification()))).permanent).toBe(false);
    expect((await failure(slack().send(slackNotification()))).permanent).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('a hung API times out, transient; nothing listening is transient', async () => {
    answers['chat.postMessage'] = ['hang'];
    expect((await failure(slack({ timeoutMs: 200 }).send(slackNotification()))).permanent).toBe(false);
    expect((await failure(slack({ apiUrl: 'http://127.0.0.1:1/api/' }).send(slackNotification()))).permanent).toBe(false);
  });

  it('a notification for another channel is permanent and sends nothing', async () => {
    expect((await failure(slack().send(notificationFixture({ channel: 'email' })))).permanent).toBe(true);
    expect(calls).toHaveLength(0);
  });
});

describe('Slack channel without a token (outbox files)', () => {
  it('writes one JSON file per key, once, holding the call it would make', async () => {
    const outboxDir = path.join(dir.path, 'files');
    const channel = slack({ token: undefined, outboxDir });
    const n = slackNotification();
    const first = await channel.send(n);
    const again = await channel.send(slackNotification({ title: 'changed' }));
    await channel.send(resolvedFixture({ channel: 'slack', replaces_provider_id: 'C0123456:1711111111.000100' }));
    expect(calls).toHaveLength(0);
    expect(again.providerId).toBe(first.providerId);
    expect((await readdir(path.join(outboxDir, 'slack'))).sort()).toEqual(['n-1:slack.json', 'n-2:slack.json']);
    const file = JSON.parse(await readFile(outboxFilePath(outboxDir, 'slack', 'n-1:slack'), 'utf8')) as SlackOutboxFile;
    expect(file.idempotency_key).toBe('n-1:slack');
    expect(file.calls).toHaveLength(1);
    expect(file.calls[0]?.method).toBe('chat.postMessage');
    expect(file.calls[0]?.args).toMatchObject({ channel: 'C0123456', text: renderSlack(n, { baseUrl }).text });
    const resolved = JSON.parse(await readFile(outboxFilePath(outboxDir, 'slack', 'n-2:slack'), 'utf8')) as SlackOutboxFile;
    expect(resolved.calls.map((c) => c.method)).toEqual(['chat.update', 'chat.postMessage']);
  });
});
