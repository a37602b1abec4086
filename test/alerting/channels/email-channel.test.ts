/**
 * The email channel against a real SMTP server in process (npm smtp-server): what arrives, the
 * stable Message-ID, the classification of SMTP replies and connection failures; and the outbox
 * file mode.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryError } from '../../../alerting/alerting-ports.js';
import { classifySmtpFailure, createEmailChannel, messageIdFor, senderDomain } from '../../../alerting/channels/email-channel.js';
import { outboxFilePath } from '../../../alerting/channels/outbox-files.js';
import { renderEmail } from '../../../alerting/render/email-message.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { alertFixture, notificationFixture } from '../render/notification-fixture.js';
import { readMessage } from './mime-reader.js';

interface Captured {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

/** What the server answers to DATA: accept, or an SMTP error reply. */
let reply: { code: number; message: string } | undefined;
let captured: Captured[] = [];
let server: SMTPServer;
let smtpUrl: string;
let dir: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  dir = await tempDir('forgecast-email-');
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (reply !== undefined) {
          callback(Object.assign(new Error(reply.message), { responseCode: reply.code }));
          return;
        }
        const envelope = session.envelope;
        captured.push({
          from: envelope.mailFrom === false ? '' : envelope.mailFrom.address,
          to: envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  smtpUrl = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await dir.remove();
});

afterEach(() => {
  reply = undefined;
  captured = [];
});

const baseUrl = 'https://forgecast.example.com';
const emailChannel = (options: Partial<Parameters<typeof createEmailChannel>[0]> = {}) =>
  createEmailChannel({ smtpUrl, from: 'Forgecast <alerts@forgecast.example.com>', outboxDir: path.join(dir.path, 'outbox'), baseUrl, timeoutsMs: { connection: 2_000, greeting: 2_000, socket: 2_000 }, ...options });

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error, 'the send should have failed').toBeDefined();
  expect((error as Error).name).toBe('DeliveryError');
  return error as DeliveryError;
}

describe('email channel over SMTP', () => {
  it('delivers subject, text and HTML with the Forgecast headers', async () => {
    const channel = emailChannel();
    const n = notificationFixture({ title: 'Stockout <script>alert(1)</script> 零件 🚨', alerts: [alertFixture({ title: 'Ünïcødé <b>title</b>' })] });
    const result = await channel.send(n);
    await channel.close?.();
    expect(captured).toHaveLength(1);
    const [mail] = captured;
    expect(mail?.from).toBe('alerts@forgecast.example.com');
    expect(mail?.to).toEqual(['supervisor@example.com']);
    const message = readMessage(mail!.raw);
    const expected = renderEmail(n, { baseUrl });
    expect(message.headers.get('subject')).toBe(expected.subject);
    expect(message.text.replace(/\r\n/g, '\n')).toBe(expected.text);
    expect(message.html.replace(/\r\n/g, '\n')).toBe(expected.html);
    expect(message.html).not.toContain('<script>');
    expect(message.headers.get('x-forgecast-notification-id')).toBe('n-1');
    expect(message.headers.get('x-forgecast-idempotency-key')).toBe('n-1:email');
    expect(message.headers.get('auto-submitted')).toBe('auto-generated');
    expect(message.headers.get('message-id')).toBe(messageIdFor('n-1:email', 'forgecast.example.com'));
    expect(result.providerId).toBe(message.headers.get('message-id'));
  });

  it('uses the same Message-ID on every send of one key, a different one for another key', async () => {
    const channel = emailChannel();
    await channel.send(notificationFixture());
    await channel.send(notificationFixture());
    await channel.send(notificationFixture({ notification_id: 'n-9' }));
    await channel.close?.();
    const ids = captured.map((m) => readMessage(m.raw).headers.get('message-id'));
    expect(ids[0]).toMatch(/^<n-1\.email\.[0-9a-f]{16}@forgecast\.example\.com>$/);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('a 550 reply is permanent', async () => {
    reply = { code: 550, message: 'Mailbox unavailable' };
    const channel = emailChannel();
    const error = await failure(channel.send(notificationFixture()));
    await channel.close?.();
    expect(error.permanent).toBe(true);
    expect(error.message).toContain('550');
  });

  it('a 451 reply is transient, and the retry goes through once the server accepts', async () => {
    reply = { code: 451, message: 'Try again later' };
    const channel = emailChannel();
    const error = await failure(channel.send(notificationFixture()));
    expect(error.permanent).toBe(false);
    reply = undefined;
    await channel.send(notificationFixture());
    await channel.close?.();
    expect(captured).toHaveLength(1);
  });

  it('nothing listening is transient', async () => {
    const closed = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false });
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const channel = emailChannel({ smtpUrl: `smtp://127.0.0.1:${port}` });
    const error = await failure(channel.send(notificationFixture()));
    await channel.close?.();
    expect(error.permanent).toBe(false);
  });

  it('a refused recipient is permanent; a notification for another channel too', async () => {
    const channel = emailChannel();
    expect((await failure(channel.send(notificationFixture({ target: { channel: 'email', address: '' } })))).permanent).toBe(true);
    expect((await failure(channel.send(notificationFixture({ channel: 'slack' })))).permanent).toBe(true);
    await channel.close?.();
    expect(captured).toHaveLength(0);
  });
});

describe('SMTP failure classification', () => {
  it.each([
    [{ responseCode: 550, code: 'EENVELOPE' }, true],
    [{ responseCode: 554, code: 'EMESSAGE' }, true],
    [{ responseCode: 535, code: 'EAUTH' }, true],
    [{ responseCode: 503, code: 'EPROTOCOL' }, false],
    [{ responseCode: 421, code: 'EPROTOCOL' }, false],
    [{ responseCode: 452, code: 'EENVELOPE' }, false],
    [{ code: 'ECONNECTION' }, false],
    [{ code: 'ETIMEDOUT' }, false],
    [{ code: 'ESOCKET' }, false],
    [{ code: 'EDNS' }, false],
    [{ code: 'EENVELOPE' }, true],
    [{ code: 'ECONFIG' }, true],
    ['a string', false],
    [undefined, false],
  ])('%j → permanent %s', (error, permanent) => {
    expect(classifySmtpFailure(error).permanent).toBe(permanent);
  });

  it('reads the sender domain for Message-IDs', () => {
    expect(senderDomain('Forgecast <alerts@Forgecast.Example.com>')).toBe('forgecast.example.com');
    expect(senderDomain('alerts@x.io')).toBe('x.io');
    expect(senderDomain('no address')).toBe('forgecast.local');
    expect(messageIdFor('a/b c:<email>', 'x.io')).toMatch(/^<a\.b\.c\.email\.[0-9a-f]{16}@x\.io>$/);
    expect(messageIdFor('a/b', 'x.io')).not.toBe(messageIdFor('a.b', 'x.io'));
  });
});

describe('email channel without SMTP (outbox files)', () => {
  it('writes one .eml per key, once, with the same Message-ID as SMTP would use', async () => {
    const outboxDir = path.join(dir.path, 'file-mode');
    const channel = emailChannel({ smtpUrl: undefined, outboxDir });
    const first = await channel.send(notificationFixture());
    const file = outboxFilePath(outboxDir, 'email', 'n-1:email');
    expect(file).toBe(path.join(outboxDir, 'email', 'n-1:email.eml'));
    const before = await readFile(file, 'utf8');
    const again = await channel.send(notificationFixture({ title: 'changed title' }));
    await channel.send(notificationFixture({ notification_id: 'n-2' }));
    expect(again.providerId).toBe(first.providerId);
    expect(await readFile(file, 'utf8')).toBe(before);
    expect((await readdir(path.join(outboxDir, 'email'))).sort()).toEqual(['n-1:email.eml', 'n-2:email.eml']);
    const message = readMessage(before);
    expect(message.headers.get('message-id')).toBe(first.providerId);
    expect(message.headers.get('to')).toBe('supervisor@example.com');
    expect(message.headers.get('subject')).toBe('[Forgecast] CRITICAL: Stockout risk: ITEM-001 at PLANT-1');
    expect(message.text).toContain('Order 1,200 units by 2024-03-05');
    expect(captured).toHaveLength(0);
  });

  it('keeps keys with path characters inside the outbox', async () => {
    const outboxDir = path.join(dir.path, 'file-mode-2');
    const channel = emailChannel({ smtpUrl: undefined, outboxDir });
    await channel.send(notificationFixture({ idempotency_key: '../../escape/..%:email' }));
    expect(await readdir(path.join(outboxDir, 'email'))).toEqual(['%2E.%2F..%2Fescape%2F..%25:email.eml']);
  });
});
