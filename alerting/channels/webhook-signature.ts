/**
 * Standard Webhooks v1 signatures (https://www.standardwebhooks.com, SPEC.md):
 *
 *   webhook-id:        the idempotency key (identical on every retry)
 *   webhook-timestamp: unix seconds of the attempt
 *   webhook-signature: v1,<base64 HMAC-SHA256 over "{id}.{timestamp}.{body}">
 *
 * The key: a secret `whsec_<base64>` (the form Standard Webhooks libraries generate) is
 * base64-decoded and those bytes are the HMAC key; any other secret is used as its UTF-8 bytes.
 * Receivers verify with `verifyWebhook` (or any Standard Webhooks library given the same secret):
 * several space-separated signatures are accepted (key rotation), comparison is constant-time, and
 * a timestamp more than five minutes from the receiver's clock is refused (replay window).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Standard Webhooks' recommended replay window. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
const SECRET_PREFIX = 'whsec_';

/** A type alias, not an interface, so it is assignable to header records such as `HeaderBag`. */
export type WebhookSignatureHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

/** The HMAC key of a secret (see the module comment). */
export function webhookKey(secret: string): Buffer {
  if (secret.startsWith(SECRET_PREFIX)) {
    const encoded = secret.slice(SECRET_PREFIX.length);
    if (encoded !== '' && /^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return Buffer.from(encoded, 'base64');
  }
  return Buffer.from(secret, 'utf8');
}

function signature(key: Buffer, id: string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

/** The three headers for `body` sent as message `id` at `timestampSeconds`. */
export function signWebhook(input: { readonly secret: string; readonly id: string; readonly timestampSeconds: number; readonly body: string | Uint8Array }): WebhookSignatureHeaders {
  const timestamp = String(Math.floor(input.timestampSeconds));
  return {
    'webhook-id': input.id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${signature(webhookKey(input.secret), input.id, timestamp, input.body).toString('base64')}`,
  };
}

export type WebhookVerification =
  | { readonly ok: true; readonly id: string; readonly timestampSeconds: number }
  | { readonly ok: false; readonly reason: 'missing_headers' | 'invalid_timestamp' | 'timestamp_out_of_tolerance' | 'signature_mismatch' };

/** Headers as node's `IncomingHttpHeaders` or a plain record; names are matched case-insensitively. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

function header(headers: HeaderBag, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return typeof value === 'string' ? value : value?.[0];
  }
  return undefined;
}

/**
 * Checks a received webhook: the exact body bytes as received, the headers, and the shared
 * secret. `nowSeconds` defaults to the clock; `toleranceSeconds` to five minutes.
 */
export function verifyWebhook(input: {
  readonly secret: string;
  readonly headers: HeaderBag;
  readonly body: string | Uint8Array;
  readonly nowSeconds?: number;
  readonly toleranceSeconds?: number;
}): WebhookVerification {
  const id = header(input.headers, 'webhook-id');
  const timestamp = header(input.headers, 'webhook-timestamp');
  const signatures = header(input.headers, 'webhook-signature');
  if (id === undefined || id === '' || timestamp === undefined || signatures === undefined) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'invalid_timestamp' };
  const seconds = Number(timestamp);
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - seconds) > (input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) return { ok: false, reason: 'timestamp_out_of_tolerance' };
  const expected = signature(webhookKey(input.secret), id, timestamp, input.body);
  for (const candidate of signatures.split(' ')) {
    const [version, encoded] = candidate.split(',', 2);
    if (version !== 'v1' || encoded === undefined) continue;
    const given = Buffer.from(encoded, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true, id, timestampSeconds: seconds };
  }
  return { ok: false, reason: 'signature_mismatch' };
}
