/**
 * The local receivers of the alerts benchmark, in process: an SMTP server (npm `smtp-server`, the
 * one the acceptance tests use), a Slack Web API stand-in answering `chat.postMessage` /
 * `chat.update` with `{ok:true, channel, ts}`, and a webhook receiver that verifies every
 * Standard Webhooks signature with the user's secret. Each records, per idempotency key, the
 * wall-clock arrival of every copy it received (so a duplicate shows up as a second arrival):
 * email by its `X-Forgecast-Idempotency-Key` header, Slack by the message metadata, webhooks by
 * `webhook-id`. The webhook receiver also counts the (user, sku, site) pairs the firing payloads
 * announce, which is how the bench checks that every alert reached every user it should, once.
 *
 * Anything a receiver cannot read (no key, a bad signature, an unknown path) is recorded as a
 * fault rather than thrown: the bench reports all problems together at the end.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { verifyWebhook } from '../../../alerting/channels/webhook-signature.js';

/** What the receivers saw. Arrival lists hold `Date.now()` of each copy, in arrival order. */
export interface Receipts {
  readonly email: Map<string, number[]>;
  readonly slack: Map<string, number[]>;
  readonly webhook: Map<string, number[]>;
  /** `user_id|sku|site` of every alert in a firing webhook payload → how many payloads carried it. */
  readonly pairs: Map<string, number>;
  /** Messages a receiver could not attribute or verify. */
  readonly faults: string[];
}

export interface Receivers {
  readonly smtpUrl: string;
  /** Base URL for `SLACK_API_URL` (ends with `/`). */
  readonly slackApiUrl: string;
  /** Webhook URL of user index `i` is `${webhookBase}/u/${i}`. */
  readonly webhookBase: string;
  readonly receipts: Receipts;
  close(): Promise<void>;
}

/** Faults kept verbatim: enough to see what went wrong without holding thousands of strings. */
const MAX_FAULTS = 50;

export function emptyReceipts(): Receipts {
  return { email: new Map(), slack: new Map(), webhook: new Map(), pairs: new Map(), faults: [] };
}

function arrive(log: Map<string, number[]>, key: string, at: number): void {
  const list = log.get(key);
  if (list === undefined) log.set(key, [at]);
  else list.push(at);
}

function fault(receipts: Receipts, text: string): void {
  if (receipts.faults.length < MAX_FAULTS) receipts.faults.push(text);
  else if (receipts.faults.length === MAX_FAULTS) receipts.faults.push('… more faults not shown');
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function listen(server: http.Server | SMTPServer['server']): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** The idempotency key in an email's header section (folded lines unfolded). */
export function emailIdempotencyKey(message: string): string | undefined {
  const end = message.search(/\r?\n\r?\n/);
  const head = (end < 0 ? message : message.slice(0, end)).replace(/\r?\n(?=[ \t])/g, '');
  return /^x-forgecast-idempotency-key:[ \t]*(\S+)/im.exec(head)?.[1];
}

/** Web API arguments as @slack/web-api sends them: form-encoded with objects as JSON, or a JSON body. */
export function slackArguments(body: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json') === true) return JSON.parse(body) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [name, value] of new URLSearchParams(body)) args[name] = value;
  return args;
}

/** `metadata.event_payload.idempotency_key` of a Slack call (metadata arrives as JSON text in a form). */
export function slackIdempotencyKey(args: Record<string, unknown>): string | undefined {
  let metadata = args['metadata'];
  if (typeof metadata === 'string') {
    try {
      metadata = JSON.parse(metadata) as unknown;
    } catch {
      return undefined;
    }
  }
  const payload = (metadata as { event_payload?: { idempotency_key?: unknown } } | undefined)?.event_payload;
  return typeof payload?.idempotency_key === 'string' ? payload.idempotency_key : undefined;
}

/** Starts the three receivers on 127.0.0.1 (ephemeral ports). `secrets[i]` is user i's webhook secret. */
export async function startReceivers(options: { readonly secrets: readonly string[]; readonly userId: (index: number) => string }): Promise<Receivers> {
  const receipts = emptyReceipts();

  const smtp = new SMTPServer({
    // A local capture server: no TLS (nodemailer would not trust a self-signed certificate) and no login.
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    // Closing waits this long for sessions the client has not ended (nodemailer's pool ends its own).
    closeTimeout: 1_000,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        const at = Date.now();
        const key = emailIdempotencyKey(Buffer.concat(chunks).toString('utf8'));
        if (key === undefined) fault(receipts, 'an email without X-Forgecast-Idempotency-Key');
        else arrive(receipts.email, key, at);
        callback();
      });
    },
  });

  let ts = 0;
  const slack = http.createServer((request, response) => {
    void readBody(request).then((body) => {
      const at = Date.now();
      const method = (request.url ?? '').split('?')[0]?.split('/').pop() ?? '';
      let args: Record<string, unknown> = {};
      try {
        args = slackArguments(body.toString('utf8'), request.headers['content-type']);
      } catch {
        fault(receipts, `slack ${method}: unreadable body`);
      }
      const key = slackIdempotencyKey(args);
      if (method !== 'chat.postMessage' && method !== 'chat.update') fault(receipts, `slack: unexpected method ${method}`);
      else if (key === undefined) fault(receipts, `slack ${method} without an idempotency key in its metadata`);
      else arrive(receipts.slack, key, at);
      ts += 1;
      const channel = typeof args['channel'] === 'string' ? args['channel'] : 'C0BENCH';
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify({ ok: true, channel, ts: `${Math.floor(at / 1000)}.${String(ts).padStart(6, '0')}` }));
    });
  });

  const hooks = http.createServer((request, response) => {
    void readBody(request).then((body) => {
      const at = Date.now();
      const index = Number(/^\/u\/(\d+)$/.exec(request.url ?? '')?.[1] ?? Number.NaN);
      const secret = options.secrets[index];
      const answer = (status: number): void => void response.writeHead(status).end();
      if (secret === undefined) {
        fault(receipts, `webhook to an unknown path ${request.url ?? ''}`);
        return answer(404);
      }
      const verified = verifyWebhook({ secret, headers: request.headers, body });
      if (!verified.ok) {
        fault(receipts, `webhook for user ${index}: signature check failed (${verified.reason})`);
        return answer(401);
      }
      arrive(receipts.webhook, verified.id, at);
      try {
        const payload = JSON.parse(body.toString('utf8')) as { state?: string; alerts?: { entity_id: string; site: string }[] };
        if (payload.state === 'firing') {
          for (const alert of payload.alerts ?? []) {
            const pair = `${options.userId(index)}|${alert.entity_id}|${alert.site}`;
            receipts.pairs.set(pair, (receipts.pairs.get(pair) ?? 0) + 1);
          }
        }
      } catch {
        fault(receipts, `webhook ${verified.id}: body is not JSON`);
      }
      return answer(204);
    });
  });

  const [smtpPort, slackPort, hookPort] = await Promise.all([listen(smtp.server), listen(slack), listen(hooks)]);
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    slackApiUrl: `http://127.0.0.1:${slackPort}/api/`,
    webhookBase: `http://127.0.0.1:${hookPort}`,
    receipts,
    async close() {
      slack.closeAllConnections();
      hooks.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => smtp.close(() => resolve())),
        new Promise<void>((resolve) => slack.close(() => resolve())),
        new Promise<void>((resolve) => hooks.close(() => resolve())),
      ]);
    },
  };
}
