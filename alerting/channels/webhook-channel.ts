/**
 * The webhook channel: POSTs the rendered JSON (`render/webhook-payload.ts`) to the user's URL,
 * signed per Standard Webhooks v1 (`webhook-signature.ts`), after the SSRF guard (`ssrf-guard.ts`)
 * approved the target; the connection goes to the very address the guard checked.
 *
 * `webhook-id` is the idempotency key, identical on every retry, so receivers dedupe on it;
 * `webhook-timestamp` is the attempt's time (a fresh signature each attempt).
 *
 * | outcome                                          | result                                        |
 * | ------------------------------------------------ | --------------------------------------------- |
 * | 2xx                                              | delivered, providerId `http <status>`         |
 * | 408, 425, 429, 5xx, network error, timeout       | transient; Retry-After honoured (≤ 1 h)       |
 * | 3xx (redirects are never followed)               | permanent, naming the Location                |
 * | other 4xx                                        | permanent                                     |
 * | target refused by the SSRF guard, no secret      | permanent                                     |
 *
 * Redirects are refused rather than followed: a redirect would carry the signed body to a host
 * the guard never checked. Only `maxResponseBytes` of a response are read.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isFgcError } from '../../infra/errors.js';
import { VERSION } from '../../infra/version.js';
import type { Notification } from '../alert-model.js';
import { DeliveryError, type Channel, type SendResult } from '../alerting-ports.js';
import { renderWebhook } from '../render/webhook-payload.js';
import { checkWebhookTarget, displayUrl, type CheckedTarget, type HostLookup } from './ssrf-guard.js';
import { signWebhook } from './webhook-signature.js';

export interface WebhookChannelOptions {
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: let loopback and private targets through the guard. */
  readonly allowPrivateNetworks: boolean;
  /** Public URL of the platform, for the links in the payload. */
  readonly baseUrl: string;
  /** Whole attempt: connect, send, response headers and body. */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
  /** Most bytes of a response read (the rest is dropped with the connection). */
  readonly maxResponseBytes?: number;
  /** Host resolution (tests); `dns.promises.lookup` with `all: true` otherwise. */
  readonly lookup?: HostLookup;
  /** Clock for `webhook-timestamp` and HTTP-date Retry-After (epoch ms). */
  readonly now?: () => number;
}

/** Standard Webhooks suggests receivers answer within seconds; 10 s leaves room for a slow one without holding a dispatcher slot long. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/** Enough to quote a receiver's error message; a receiver has no reason to send more. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
/** A Retry-After beyond one hour is taken as one hour: the dispatcher's backoff ceiling decides beyond that. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;
/** How much of a response body an error message quotes. */
const EXCERPT_CHARS = 200;

const TRANSIENT_STATUSES = new Set([408, 425, 429]);

/** Retry-After as delta-seconds or an HTTP-date, in ms from `nowMs`, capped at MAX_RETRY_AFTER_MS; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - nowMs;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

interface WebhookResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly excerpt: string;
}

class RequestTimeout extends Error {}

/** One POST to the checked address; rejects on network errors and timeouts. */
function post(target: CheckedTarget, body: string, headers: Record<string, string>, options: { timeoutMs: number; maxResponseBytes: number; agents: { http: http.Agent; https: https.Agent } }): Promise<WebhookResponse> {
  const { url } = target;
  const secure = url.protocol === 'https:';
  // The guard's address, whatever DNS says now: no rebinding between check and connect.
  const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    const [first] = target.addresses;
    if (lookupOptions.all === true) callback(null, [...target.addresses]);
    else if (first === undefined) callback(Object.assign(new Error(`no checked address for ${target.hostname}`), { code: 'ENOTFOUND' }), '', 4);
    else callback(null, first.address, first.family);
  };
  const auth = url.username === '' ? undefined : `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request({
      protocol: url.protocol,
      host: target.hostname,
      port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup,
      agent: secure ? options.agents.https : options.agents.http,
      ...(auth === undefined ? {} : { auth }),
    });
    const timer = setTimeout(() => request.destroy(new RequestTimeout(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    request.on('error', fail);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8', 0, Math.min(size, options.maxResponseBytes));
        resolve({ status: response.statusCode ?? 0, headers: response.headers, excerpt: text.slice(0, EXCERPT_CHARS).replace(/\s+/g, ' ').trim() });
      };
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= options.maxResponseBytes) chunks.push(chunk);
        else {
          chunks.push(chunk);
          // Enough read: the status is what counts. Dropping the socket stops a huge or endless body.
          response.removeAllListeners('data');
          response.destroy();
          done();
        }
      });
      response.on('end', done);
      response.on('error', fail);
    });
    request.end(body);
  });
}

function classifyResponse(response: WebhookResponse, where: string, nowMs: number): SendResult {
  const { status } = response;
  if (status >= 200 && status < 300) return { providerId: `http ${status}` };
  const said = response.excerpt === '' ? '' : `: ${response.excerpt}`;
  if (status >= 300 && status < 400) {
    const location = String(response.headers.location ?? '(no Location)').slice(0, 300);
    throw new DeliveryError(`${where} → HTTP ${status} redirect to ${location}, not followed; configure the final URL`, { permanent: true });
  }
  if (TRANSIENT_STATUSES.has(status) || status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], nowMs);
    throw new DeliveryError(`${where} → HTTP ${status}${said}`, { permanent: false, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }
  throw new DeliveryError(`${where} → HTTP ${status}${said}`, { permanent: true });
}

export function createWebhookChannel(options: WebhookChannelOptions): Channel {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const userAgent = options.userAgent ?? `Forgecast-Webhooks/${VERSION}`;
  const now = options.now ?? Date.now;
  // Own agents: kept-alive sockets are reused between sends to one receiver, and close() ends them.
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  return {
    name: 'webhook',
    async send(notification: Notification): Promise<SendResult> {
      const { target } = notification;
      if (target.channel !== 'webhook') throw new DeliveryError(`notification ${notification.notification_id} targets ${target.channel}, not webhook`, { permanent: true });
      if (target.secret === '') throw new DeliveryError(`the webhook of notification ${notification.notification_id} has no signing secret`, { permanent: true });
      let checked: CheckedTarget;
      try {
        checked = await checkWebhookTarget(target.url, { allowPrivateNetworks: options.allowPrivateNetworks, ...(options.lookup === undefined ? {} : { lookup: options.lookup }) });
      } catch (error) {
        if (isFgcError(error)) throw new DeliveryError(error.message, { permanent: true, cause: error });
        throw new DeliveryError(`cannot resolve the webhook host: ${(error as Error).message}`, { permanent: false, cause: error });
      }
      const where = `POST ${displayUrl(checked.url)}`;
      const body = JSON.stringify(renderWebhook(notification, { baseUrl: options.baseUrl }));
      const nowMs = now();
      const signed = signWebhook({ secret: target.secret, id: notification.idempotency_key, timestampSeconds: nowMs / 1000, body });
      const headers = { ...signed, 'content-type': 'application/json', 'user-agent': userAgent, accept: 'application/json, text/plain, */*' };
      let response: WebhookResponse;
      try {
        response = await post(checked, body, headers, { timeoutMs, maxResponseBytes, agents });
      } catch (error) {
        const reason = error instanceof RequestTimeout ? error.message : `network error: ${(error as Error).message}`;
        throw new DeliveryError(`${where}: ${reason}`, { permanent: false, cause: error });
      }
      return classifyResponse(response, where, now());
    },
    async close(): Promise<void> {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
