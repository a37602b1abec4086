import { describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../../alerting/alert-model.js';
import { DeliveryError } from '../../../alerting/alerting-ports.js';
import { DEFAULT_BACKOFF } from '../../../alerting/delivery/backoff.js';
import { createLimit } from '../../../alerting/delivery/concurrency-limit.js';
import { errorText, fallbackCopy, followDecision, isDue, nextRecord, outcomeChange, RESOLVED_WAIT_MS, type RetryPolicy } from '../../../alerting/delivery/delivery-records.js';
import { notification, targets } from './delivery-fixtures.js';

const T0 = Date.parse('2024-06-01T00:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const policy: RetryPolicy = { maxAttempts: 3, backoff: DEFAULT_BACKOFF, random: () => 0.5 };

function record(status: DeliveryRecord['status'], change: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return { ...nextRecord(undefined, notification('n-1'), { status }, iso(T0)), ...change };
}

describe('delivery records', () => {
  it('versions each change of a key and carries the rest over', () => {
    const n = notification('n-1');
    const first = nextRecord(undefined, n, { status: 'sending', attempts: 1 }, iso(T0));
    expect(first).toMatchObject({ status: 'sending', attempts: 1, version: 1, created_at: n.created_at, updated_at: iso(T0), idempotency_key: 'n-1:email', last_error: '', provider_id: '' });
    const second = nextRecord(first, n, { status: 'retrying', last_error: 'boom', next_attempt_at: iso(T0 + 5) }, iso(T0 + 1));
    expect(second).toMatchObject({ status: 'retrying', attempts: 1, version: 2, created_at: n.created_at, last_error: 'boom', next_attempt_at: iso(T0 + 5) });
    const third = nextRecord(second, n, { status: 'sending', attempts: 2 }, iso(T0 + 6));
    expect(third).toMatchObject({ version: 3, next_attempt_at: null, last_error: 'boom' });
  });

  it('is due: held and retrying at their time, queued and sending once stale, never when terminal', () => {
    expect(isDue(record('held', { next_attempt_at: iso(T0 + 10) }), T0 + 9, 1_000)).toBe(false);
    expect(isDue(record('held', { next_attempt_at: iso(T0 + 10) }), T0 + 10, 1_000)).toBe(true);
    expect(isDue(record('retrying', { next_attempt_at: null }), T0 + 1e9, 1_000)).toBe(false);
    expect(isDue(record('sending'), T0 + 999, 1_000)).toBe(false);
    expect(isDue(record('sending'), T0 + 1_000, 1_000)).toBe(true);
    expect(isDue(record('queued'), T0 + 1_000, 1_000)).toBe(true);
    expect(isDue(record('delivered', { next_attempt_at: iso(T0) }), T0 + 1e9, 0)).toBe(false);
    expect(isDue(record('failed', { next_attempt_at: iso(T0) }), T0 + 1e9, 0)).toBe(false);
  });

  it('maps outcomes: delivered, retrying with backoff or Retry-After, failed when permanent or out of attempts', () => {
    expect(outcomeChange(1, { ok: true, providerId: 'id-1' }, policy, T0)).toEqual({ status: 'delivered', provider_id: 'id-1', delivered_at: iso(T0), next_attempt_at: null });
    // attempt 2: ceiling 2 s, random 0.5 → 1 s; Retry-After 30 s wins.
    expect(outcomeChange(2, { ok: false, error: new DeliveryError('503', { permanent: false }) }, policy, T0)).toMatchObject({ status: 'retrying', next_attempt_at: iso(T0 + 1_000) });
    expect(outcomeChange(2, { ok: false, error: new DeliveryError('429', { permanent: false, retryAfterMs: 30_000 }) }, policy, T0)).toMatchObject({ status: 'retrying', next_attempt_at: iso(T0 + 30_000) });
    // A plain error (a channel bug, a socket reset) is transient.
    expect(outcomeChange(1, { ok: false, error: new TypeError('socket hang up') }, policy, T0)).toMatchObject({ status: 'retrying', last_error: 'TypeError: socket hang up' });
    expect(outcomeChange(1, { ok: false, error: new DeliveryError('550', { permanent: true }) }, policy, T0)).toEqual({ status: 'failed', last_error: 'DeliveryError: 550', next_attempt_at: null });
    expect(outcomeChange(3, { ok: false, error: new DeliveryError('503', { permanent: false }) }, policy, T0)).toMatchObject({ status: 'failed' });
    expect(errorText('x'.repeat(5_000))).toHaveLength(1_000);
    expect(errorText({ toString: () => 'odd' })).toBe('odd');
  });

  it('lets a resolved notification go after its firing one: held while pending, replacing once delivered, alone when it failed', () => {
    const resolved = notification('n-2', { state: 'resolved', replaces_notification_id: 'n-1' });
    expect(followDecision(resolved, 'in-batch', T0)).toEqual({ kind: 'hold', until: T0 + RESOLVED_WAIT_MS });
    expect(followDecision(resolved, undefined, T0)).toEqual({ kind: 'send', replacesProviderId: null });
    expect(followDecision(resolved, record('failed'), T0)).toEqual({ kind: 'send', replacesProviderId: null });
    expect(followDecision(resolved, record('delivered', { provider_id: 'C1:171.01' }), T0)).toEqual({ kind: 'send', replacesProviderId: 'C1:171.01' });
    expect(followDecision(resolved, record('sending'), T0)).toEqual({ kind: 'hold', until: T0 + RESOLVED_WAIT_MS });
    expect(followDecision(resolved, record('retrying', { next_attempt_at: iso(T0 + 60_000) }), T0)).toEqual({ kind: 'hold', until: T0 + 60_000 + RESOLVED_WAIT_MS });
    expect(followDecision(resolved, record('held', { next_attempt_at: iso(T0 - 5) }), T0)).toEqual({ kind: 'hold', until: T0 + RESOLVED_WAIT_MS });
  });

  it('makes a fallback copy under the same notification id on the fallback channel, with no further fallback', () => {
    const n = notification('n-9', { channel: 'slack', target: targets.slack, severity: 'critical', fallback: targets.email, replaces_provider_id: 'C1:1' });
    expect(fallbackCopy(n, targets.email, iso(T0 + 7))).toEqual({
      ...n,
      channel: 'email',
      target: targets.email,
      idempotency_key: 'n-9:email',
      fallback: null,
      replaces_provider_id: null,
      deliver_after: iso(T0 + 7),
    });
  });

  it('limits concurrency, handing a freed slot to the next waiter in order', async () => {
    const limit = createLimit(3);
    let active = 0;
    let peak = 0;
    const task = (i: number) => async (): Promise<number> => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 1 + (i % 4)));
      active--;
      return i;
    };
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => limit(task(i))));
    expect(results).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(peak).toBe(3);
    await expect(limit(() => Promise.reject(new Error('task failed')))).rejects.toThrow('task failed');
    expect(await limit(() => Promise.resolve('slot freed after a failure'))).toBe('slot freed after a failure');
    expect(() => createLimit(0)).toThrow(RangeError);
  });
});
