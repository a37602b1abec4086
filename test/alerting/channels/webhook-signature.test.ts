import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook, webhookKey } from '../../../alerting/channels/webhook-signature.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('Standard Webhooks signatures', () => {
  it('matches the Standard Webhooks specification example, and signs id.timestamp.body with a plain secret as UTF-8 bytes', () => {
    const body = '{"test": 2432232314}';
    const headers = signWebhook({ secret, id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestampSeconds: 1614265330, body });
    // The example of the Standard Webhooks specification (secret, id, timestamp, payload → signature).
    expect(headers).toEqual({ 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' });
    const plain = createHmac('sha256', Buffer.from('plain', 'utf8')).update(`id.1.${body}`).digest('base64');
    expect(signWebhook({ secret: 'plain', id: 'id', timestampSeconds: 1.9, body })['webhook-signature']).toBe(`v1,${plain}`);
  });

  it('uses any other secret as UTF-8 bytes', () => {
    expect(webhookKey('plain secret ü')).toEqual(Buffer.from('plain secret ü', 'utf8'));
    expect(webhookKey('whsec_')).toEqual(Buffer.from('whsec_', 'utf8'));
    expect(webhookKey('whsec_!!notbase64')).toEqual(Buffer.from('whsec_!!notbase64', 'utf8'));
  });

  it('verifies what it signs, for any body and id (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1, maxLength: 64 }).filter((s) => s.trim() !== ''), fc.string(), (sec, id, body) => {
        const headers = signWebhook({ secret: sec, id, timestampSeconds: 1_700_000_000, body });
        return verifyWebhook({ secret: sec, headers, body, nowSeconds: 1_700_000_010 }).ok;
      }),
    );
  });

  it('refuses a tampered body, another secret, a stale or future timestamp, and missing headers', () => {
    const body = '{"a":1}';
    const headers = signWebhook({ secret, id: 'n-1:webhook', timestampSeconds: 1_700_000_000, body });
    const at = { nowSeconds: 1_700_000_000 };
    expect(verifyWebhook({ secret, headers, body, ...at })).toMatchObject({ ok: true, id: 'n-1:webhook' });
    expect(verifyWebhook({ secret, headers, body: '{"a":2}', ...at })).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(verifyWebhook({ secret: 'whsec_b3RoZXI=', headers, body, ...at })).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(verifyWebhook({ secret, headers, body, nowSeconds: 1_700_000_000 + 301 })).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verifyWebhook({ secret, headers, body, nowSeconds: 1_700_000_000 - 301 })).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verifyWebhook({ secret, headers: { ...headers, 'webhook-timestamp': '1.7e9' }, body, ...at })).toEqual({ ok: false, reason: 'invalid_timestamp' });
    expect(verifyWebhook({ secret, headers: { 'webhook-id': 'x' }, body, ...at })).toEqual({ ok: false, reason: 'missing_headers' });
    expect(verifyWebhook({ secret, headers: { ...headers, 'webhook-signature': 'v1,' }, body, ...at }).ok).toBe(false);
    expect(verifyWebhook({ secret, headers: { ...headers, 'webhook-signature': headers['webhook-signature'].replace('v1', 'v2') }, body, ...at }).ok).toBe(false);
  });

  it('accepts any of several signatures (key rotation) and header names in any case', () => {
    const body = 'x';
    const headers = signWebhook({ secret, id: 'id', timestampSeconds: 100, body });
    const rotated = { 'Webhook-Id': 'id', 'WEBHOOK-TIMESTAMP': '100', 'webhook-signature': `v1,AAAA ${headers['webhook-signature']}` };
    expect(verifyWebhook({ secret, headers: rotated, body, nowSeconds: 100 }).ok).toBe(true);
  });
});
