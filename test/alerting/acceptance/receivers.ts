/**
 * The receivers the alerting acceptance tests deliver to, all in process on loopback ports:
 *
 *  - a real SMTP server (npm `smtp-server`) capturing every message, switchable to answer 451 to
 *    MAIL FROM (mailbox busy), 421 on connect (shutting down), to refuse connections (nothing
 *    listens), or to stall (accept the connection and never greet);
 *  - a Slack Web API stand-in recording `chat.postMessage` / `chat.update` and answering like Slack
 *    (`{ok:true, channel, ts}`), switchable to HTTP 429 with `Retry-After`;
 *  - a webhook receiver that checks every request with `verifyWebhook` (Standard Webhooks v1) and
 *    can answer 503 a given number of times.
 *
 * Each records what it received so a test counts messages per recipient: "exactly one" is
 * checked at the receiving end, not in our own delivery log.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import { verifyWebhook } from '../../../alerting/channels/webhook-signature.js';

// ------------------------------------------------------------------------------------- SMTP

/** One message the SMTP server accepted. Header names are lower case, folded lines unfolded. */
export interface CapturedEmail {
  readonly from: string;
  readonly to: readonly string[];
  readonly headers: ReadonlyMap<string, string>;
  readonly raw: string;
}

/** How the SMTP server treats the next sessions. */
export type SmtpMode = 'accept' | 'busy-451' | 'closing-421' | 'stall';

export interface SmtpStandin {
  /** `smtp://127.0.0.1:<port>` as SMTP_URL takes it. */
  readonly url: string;
  readonly messages: readonly CapturedEmail[];
  /** Sessions answered 451 or 421. */
  readonly rejections: number;
  /** Connections accepted and left without a greeting (mode `stall`). */
  readonly stalledConnections: number;
  /** Messages to one address (envelope recipient). */
  to(address: string): CapturedEmail[];
  /** Switches the mode; leaving `stall` greets the held connections late (dead ones are skipped). */
  setMode(mode: SmtpMode): void;
  /** Stops listening and drops every open connection: clients get ECONNREFUSED. */
  refuseConnections(): Promise<void>;
  /** Listens again on the same port. */
  acceptConnections(): Promise<void>;
  close(): Promise<void>;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** RFC 5322 header block → lower-case name → value, folded lines joined. */
export function parseHeaders(raw: string): Map<string, string> {
  const end = raw.search(/\r?\n\r?\n/);
  const block = (end < 0 ? raw : raw.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

export async function startSmtpStandin(): Promise<SmtpStandin> {
  const messages: CapturedEmail[] = [];
  const held: ((error?: Error | null) => void)[] = [];
  let mode: SmtpMode = 'accept';
  let rejections = 0;
  let stalledConnections = 0;

  const server = new SMTPServer({
    // Plain SMTP on loopback: advertising STARTTLS would make nodemailer upgrade to the built-in test certificate and refuse it.
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onConnect(_session, callback) {
      if (mode === 'stall') {
        stalledConnections++;
        held.push(callback);
        return;
      }
      if (mode === 'closing-421') {
        rejections++;
        callback(smtpError(421, 'Service shutting down, try again later'));
        return;
      }
      callback();
    },
    onMailFrom(_address, _session, callback) {
      if (mode === 'busy-451') {
        rejections++;
        callback(smtpError(451, 'Requested action aborted: local error in processing, try again later'));
        return;
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        messages.push({ from, to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), headers: parseHeaders(raw), raw });
        callback();
      });
    },
  });
  server.on('error', () => {
    // A client vanishing mid-session (a killed process) is normal here.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  let listening = true;

  const dropConnections = (): void => {
    for (const connection of [...server.connections]) connection.close();
  };

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get rejections() {
      return rejections;
    },
    get stalledConnections() {
      return stalledConnections;
    },
    to: (address) => messages.filter((m) => m.to.includes(address.toLowerCase())),
    setMode(next) {
      mode = next;
      // Pooled connections were greeted before the switch: drop them so the next send meets the new mode.
      if (next === 'closing-421') dropConnections();
      if (next !== 'stall') for (const callback of held.splice(0)) callback();
    },
    async refuseConnections() {
      if (!listening) return;
      listening = false;
      const closed = new Promise<void>((resolve) => server.server.close(() => resolve()));
      dropConnections();
      await closed;
    },
    async acceptConnections() {
      if (listening) return;
      await new Promise<void>((resolve, reject) => {
        server.server.once('error', reject);
        server.server.listen(port, '127.0.0.1', () => {
          server.server.off('error', reject);
          resolve();
        });
      });
      listening = true;
    },
    async close() {
      for (const callback of held.splice(0)) callback(smtpError(421, 'closing'));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------- HTTP helpers

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Kept-alive sockets of the clients would hold close() open until they time out.
    server.closeAllConnections();
  });
}

// ------------------------------------------------------------------------------------- Slack

/** One Web API call the stand-in received. `answer` says how it was answered. */
export interface SlackCall {
  readonly method: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly answer: 'ok' | 'rate_limited' | 'invalid_auth';
  /** Channel and ts of the message posted or updated (ok answers). */
  readonly channel: string;
  readonly ts: string;
  /** When it arrived (epoch ms, real time). */
  readonly at: number;
}

export interface SlackStandin {
  /** Base URL as SLACK_API_URL takes it (ending in `/api/`). */
  readonly url: string;
  readonly token: string;
  readonly calls: readonly SlackCall[];
  /** Calls answered ok for one conversation (the channel asked for, or the channel of the updated message). */
  okCalls(conversation: string): SlackCall[];
  /** Answers the next `count` calls with HTTP 429 and `Retry-After: <seconds>`. */
  rateLimitNext(count: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

/** Form fields carrying JSON (blocks, metadata) as @slack/web-api serializes them. */
function slackArgs(body: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return JSON.parse(body) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const looksJson = value.startsWith('{') || value.startsWith('[');
    try {
      args[key] = looksJson ? JSON.parse(value) : value;
    } catch {
      args[key] = value;
    }
  }
  return args;
}

export async function startSlackStandin(token = 'xoxb-acceptance-test-token'): Promise<SlackStandin> {
  const calls: SlackCall[] = [];
  let limited = { count: 0, retryAfterSeconds: 1 };
  let sequence = 0;

  const server = createServer((request, response) => {
    const at = Date.now();
    void (async () => {
      const body = (await readBody(request)).toString('utf8');
      const method = (request.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
      const args = slackArgs(body, String(request.headers['content-type'] ?? ''));
      const json = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify(payload));
      };
      const channel = typeof args['channel'] === 'string' ? args['channel'] : '';
      if (limited.count > 0) {
        limited = { ...limited, count: limited.count - 1 };
        calls.push({ method, args, answer: 'rate_limited', channel, ts: '', at });
        json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limited.retryAfterSeconds) });
        return;
      }
      if (request.headers.authorization !== `Bearer ${token}`) {
        calls.push({ method, args, answer: 'invalid_auth', channel, ts: '', at });
        json(200, { ok: false, error: 'invalid_auth' });
        return;
      }
      // Slack's ts: epoch seconds and a sequence, unique per message; chat.update keeps the message's ts.
      const ts = method === 'chat.update' && typeof args['ts'] === 'string' ? args['ts'] : `${1_700_000_000 + ++sequence}.000100`;
      calls.push({ method, args, answer: 'ok', channel, ts, at });
      json(200, { ok: true, channel, ts, message: { text: args['text'] ?? '' } });
    })().catch(() => {
      response.writeHead(500).end();
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/api/`,
    token,
    calls,
    okCalls: (conversation) => calls.filter((c) => c.answer === 'ok' && c.channel === conversation),
    rateLimitNext(count, retryAfterSeconds) {
      limited = { count, retryAfterSeconds };
    },
    close: () => closeServer(server),
  };
}

// ----------------------------------------------------------------------------------- webhooks

/** One request the webhook receiver got, with the outcome of verifying its signature. */
export interface ReceivedWebhook {
  readonly path: string;
  readonly id: string;
  readonly verified: boolean;
  readonly reason: string;
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface WebhookReceiver {
  readonly baseUrl: string;
  readonly received: readonly ReceivedWebhook[];
  /** Registers the endpoint `path` with its signing secret; returns its URL. Unknown paths get 404. */
  endpoint(path: string, secret: string): string;
  /** Requests to `path` answered 2xx (accepted by the receiver). */
  accepted(path: string): ReceivedWebhook[];
  /** Every request to `path`, whatever the answer. */
  requests(path: string): ReceivedWebhook[];
  /** Answers the next `count` requests to `path` with `status` (after verifying them). */
  failNext(path: string, count: number, status?: number): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const secrets = new Map<string, string>();
  const failures = new Map<string, { count: number; status: number }>();
  const received: ReceivedWebhook[] = [];

  const server = createServer((request, response) => {
    void (async () => {
      const raw = await readBody(request);
      const path = (request.url ?? '/').split('?')[0] ?? '/';
      const secret = secrets.get(path);
      if (secret === undefined || request.method !== 'POST') {
        response.writeHead(404).end();
        return;
      }
      const check = verifyWebhook({ secret, headers: request.headers, body: raw });
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        // recorded with an empty body; the test sees it
      }
      const failure = failures.get(path);
      const status = !check.ok ? 401 : failure !== undefined && failure.count > 0 ? failure.status : 204;
      if (failure !== undefined && failure.count > 0 && check.ok) failures.set(path, { ...failure, count: failure.count - 1 });
      const id = String(request.headers['webhook-id'] ?? '');
      received.push({ path, id, verified: check.ok, reason: check.ok ? '' : check.reason, status, body });
      response.writeHead(status).end();
    })().catch(() => {
      response.writeHead(500).end();
    });
  });
  const port = await listen(server);
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    received,
    endpoint(path, secret) {
      secrets.set(path, secret);
      return `${baseUrl}${path}`;
    },
    accepted: (path) => received.filter((r) => r.path === path && r.status >= 200 && r.status < 300),
    requests: (path) => received.filter((r) => r.path === path),
    failNext(path, count, status = 503) {
      failures.set(path, { count, status });
    },
    close: () => closeServer(server),
  };
}
