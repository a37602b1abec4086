/**
 * ACCEPTANCE (alerting issue): delivery semantics end to end — forecast event on the bus → rules →
 * lifecycle → preferences → outbox → dispatcher → a real SMTP server, a Slack stand-in and a
 * webhook receiver — counted at the receivers. One suite, run by `alerting.embedded.test.ts`
 * (embedded bus, in-process coordination) and `alerting.services.test.ts` (Kafka, Redis).
 *
 * One harness per file (chDB binds one data directory per process); scenarios run in order on it,
 * each in its own tenant with its own recipients, so their counts never mix. Every "exactly N" is
 * asserted after `settle()` — alerting provably idle for the tenant — never after a sleep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../../alerting/alert-model.js';
import { waitFor } from '../../helpers/wait-for.js';
import type { AlertingHarness, Recipient } from './alerting-harness.js';
import { inventoryForecastEvent, type InventoryForecastInput } from './alerting-harness.js';
import type { SlackCall } from './receivers.js';

/**
 * 05:55 in Berlin (CET, UTC+1) on a Wednesday: inside the night shift's quiet hours 22:00–06:00,
 * five minutes before they end at 05:00Z.
 */
export const HARNESS_START = Date.parse('2025-01-15T04:55:00.000Z');
const QUIET_END = Date.parse('2025-01-15T05:00:00.000Z');
const DATA_AS_OF = '2025-01-14';
/** The delivery deadline of the acceptance list: within 10 s of the forecast event. */
const DELIVERY_DEADLINE_MS = 10_000;

/**
 * A warning: probability 0.65 is at or above the breach threshold (0.5) and below the critical one
 * (0.8), and the projected stockout (2025-02-10) lies beyond the lead time (14 days → 2025-01-28).
 */
const WARNING = { probabilityWithinLeadTime: 0.65, stockoutDate: '2025-02-10', leadTimeDays: 14, dataAsOf: DATA_AS_OF } as const;
/** Critical: the projected stockout falls inside the lead time. */
const CRITICAL = { probabilityWithinLeadTime: 0.9, stockoutDate: '2025-01-20', leadTimeDays: 14, dataAsOf: DATA_AS_OF } as const;
/** Cleared: below the recovery threshold (0.3), no stockout within the horizon. */
const CLEARED = { probabilityWithinLeadTime: 0.05, stockoutDate: null, leadTimeDays: 14, dataAsOf: '2025-01-15' } as const;

type Condition = Pick<InventoryForecastInput, 'probabilityWithinLeadTime' | 'stockoutDate' | 'leadTimeDays' | 'dataAsOf'>;

function event(tenant: string, sku: string, condition: Condition, version: string) {
  return inventoryForecastEvent({ tenant, sku, site: 'PLANT-1', version, ...condition });
}

/** What one recipient received, per channel. */
interface Received {
  readonly emails: readonly { key: string; notificationId: string; subject: string; severity: string }[];
  /** Top-level Slack messages (chat.postMessage without thread_ts) answered ok. */
  readonly slackPosts: readonly SlackCall[];
  readonly slackUpdates: readonly SlackCall[];
  readonly slackReplies: readonly SlackCall[];
  /** Webhook requests the receiver accepted (2xx). */
  readonly webhooks: readonly { id: string; state: unknown; severity: unknown; body: Readonly<Record<string, unknown>> }[];
}

function received(h: AlertingHarness, r: Recipient): Received {
  const slack = h.slack.okCalls(r.slack);
  return {
    emails: h.smtp.to(r.email).map((m) => ({
      key: m.headers.get('x-forgecast-idempotency-key') ?? '',
      notificationId: m.headers.get('x-forgecast-notification-id') ?? '',
      subject: m.headers.get('subject') ?? '',
      severity: m.headers.get('x-forgecast-severity') ?? '',
    })),
    slackPosts: slack.filter((c) => c.method === 'chat.postMessage' && c.args['thread_ts'] === undefined),
    slackUpdates: slack.filter((c) => c.method === 'chat.update'),
    slackReplies: slack.filter((c) => c.method === 'chat.postMessage' && c.args['thread_ts'] !== undefined),
    webhooks: h.webhooks.accepted(r.webhookPath).map((w) => ({ id: w.id, state: w.body['state'], severity: w.body['severity'], body: w.body })),
  };
}

/** Message counts per channel: [emails, top-level Slack posts, accepted webhooks]. */
function counts(h: AlertingHarness, r: Recipient): [number, number, number] {
  const got = received(h, r);
  return [got.emails.length, got.slackPosts.length, got.webhooks.length];
}

function slackKey(call: SlackCall): unknown {
  const metadata = call.args['metadata'] as { event_payload?: { idempotency_key?: unknown } } | undefined;
  return metadata?.event_payload?.idempotency_key;
}

/** Every webhook request to the recipient carried a signature the receiver verified. */
function expectAllSigned(h: AlertingHarness, r: Recipient): void {
  const requests = h.webhooks.requests(r.webhookPath);
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.filter((w) => !w.verified).map((w) => w.reason)).toEqual([]);
}

function byChannel(records: readonly DeliveryRecord[]): Record<string, DeliveryRecord> {
  return Object.fromEntries(records.map((d) => [d.channel, d]));
}

export function describeAlertingAcceptance(label: string, open: () => Promise<{ harness: AlertingHarness; cleanup: () => Promise<void> }>): void {
  describe(`alerting acceptance: delivery semantics (${label})`, () => {
    let h: AlertingHarness;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ harness: h, cleanup } = await open());
    }, 120_000);
    afterAll(async () => {
      await cleanup?.();
    }, 60_000);

    it('a stockout reaches a subscribed supervisor once per channel within 10 s; min_severity critical hears nothing of a warning; quiet hours hold it until they end', async () => {
      const tenant = 'acme-stockout';
      const supervisor = h.recipient(tenant, 'supervisor');
      const criticalOnly = h.recipient(tenant, 'plant-manager');
      const nightShift = h.recipient(tenant, 'night-shift');
      await h.subscribe(supervisor);
      await h.subscribe(criticalOnly, { min_severity: 'critical' });
      await h.subscribe(nightShift, { quiet_hours: { start: '22:00', end: '06:00', timezone: 'Europe/Berlin' } });

      const published = Date.now();
      await h.publishForecast(event(tenant, 'ITEM-001', WARNING, 'v1'));
      await waitFor('the supervisor to get an email, a Slack message and a webhook', () => counts(h, supervisor).every((n) => n >= 1), DELIVERY_DEADLINE_MS);
      expect(Date.now() - published).toBeLessThan(DELIVERY_DEADLINE_MS);
      await h.settle(tenant);

      const alerts = await h.alerts(tenant);
      expect(alerts.map((a) => [a.type, a.status, a.severity, a.entity_id])).toEqual([['stockout_risk', 'firing', 'warning', 'ITEM-001']]);

      const got = received(h, supervisor);
      expect(counts(h, supervisor)).toEqual([1, 1, 1]);
      const records = byChannel(await h.deliveries(tenant, supervisor.user));
      expect(Object.keys(records).sort()).toEqual(['email', 'slack', 'webhook']);
      for (const record of Object.values(records)) expect([record.status, record.attempts]).toEqual(['delivered', 1]);
      // Each channel carries the idempotency key of its delivery record.
      expect(got.emails[0]).toMatchObject({ key: records.email!.idempotency_key, severity: 'warning' });
      expect(got.emails[0]!.subject).toContain('ITEM-001');
      expect(slackKey(got.slackPosts[0]!)).toBe(records.slack!.idempotency_key);
      expect(got.webhooks[0]).toMatchObject({ id: records.webhook!.idempotency_key, state: 'firing', severity: 'warning' });
      expectAllSigned(h, supervisor);

      expect(counts(h, criticalOnly)).toEqual([0, 0, 0]);
      expect(h.webhooks.requests(criticalOnly.webhookPath)).toEqual([]);
      expect(await h.deliveries(tenant, criticalOnly.user)).toEqual([]);

      // Quiet hours: planned with the others, held until 06:00 Berlin.
      expect(counts(h, nightShift)).toEqual([0, 0, 0]);
      const held = await h.deliveries(tenant, nightShift.user);
      expect(held.map((d) => [d.channel, d.status, d.next_attempt_at]).sort()).toEqual([
        ['email', 'held', new Date(QUIET_END).toISOString()],
        ['slack', 'held', new Date(QUIET_END).toISOString()],
        ['webhook', 'held', new Date(QUIET_END).toISOString()],
      ]);

      // The same notifications enqueued again (an engine that died between enqueue and marking the
      // alert notified plans them again): the dispatcher keeps them held, it does not send them now.
      await h.alerting.outbox.enqueue(held.map((d) => d.notification));
      await h.settle(tenant);
      expect(counts(h, nightShift)).toEqual([0, 0, 0]);
      expect((await h.deliveries(tenant, nightShift.user)).map((d) => d.status)).toEqual(['held', 'held', 'held']);

      h.clock.set(QUIET_END + 1_000);
      await waitFor('the night shift to get the held messages', () => counts(h, nightShift).every((n) => n >= 1), DELIVERY_DEADLINE_MS);
      await h.settle(tenant);
      expect(counts(h, nightShift)).toEqual([1, 1, 1]);
      expect((await h.deliveries(tenant, nightShift.user)).map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
      expectAllSigned(h, nightShift);
      expect(counts(h, supervisor)).toEqual([1, 1, 1]);
      expect(counts(h, criticalOnly)).toEqual([0, 0, 0]);
    });

    it('when the condition clears: one resolved notification per channel, and the Slack message is updated in place', async () => {
      const tenant = 'acme-resolve';
      const supervisor = h.recipient(tenant, 'supervisor');
      await h.subscribe(supervisor);
      await h.publishForecast(event(tenant, 'ITEM-002', CRITICAL, 'v1'));
      await waitFor('the firing messages', () => counts(h, supervisor).every((n) => n >= 1), DELIVERY_DEADLINE_MS);
      await h.settle(tenant);
      expect(counts(h, supervisor)).toEqual([1, 1, 1]);
      const firingTs = received(h, supervisor).slackPosts[0]!.ts;

      await h.publishForecast(event(tenant, 'ITEM-002', CLEARED, 'v2'));
      await waitFor(
        'the resolved messages',
        () => {
          const got = received(h, supervisor);
          return got.emails.length >= 2 && got.slackUpdates.length >= 1 && got.webhooks.length >= 2;
        },
        DELIVERY_DEADLINE_MS,
      );
      await h.settle(tenant);

      expect((await h.alerts(tenant)).map((a) => [a.status, a.severity])).toEqual([['resolved', 'critical']]);
      const got = received(h, supervisor);
      expect(got.emails).toHaveLength(2);
      expect(got.emails.filter((m) => m.subject.includes('Resolved'))).toHaveLength(1);
      expect(new Set(got.emails.map((m) => m.notificationId)).size).toBe(2);
      // Slack: still one top-level message; the resolved state rewrote it (same channel and ts) and replied in its thread.
      expect(got.slackPosts).toHaveLength(1);
      expect(got.slackUpdates.map((c) => [c.channel, c.args['ts']])).toEqual([[supervisor.slack, firingTs]]);
      expect(got.slackReplies.map((c) => c.args['thread_ts'])).toEqual([firingTs]);
      expect(got.webhooks.map((w) => w.state)).toEqual(['firing', 'resolved']);
      expect(new Set(got.webhooks.map((w) => w.id)).size).toBe(2);
      expectAllSigned(h, supervisor);

      const records = await h.deliveries(tenant, supervisor.user);
      expect(records).toHaveLength(6);
      expect(records.every((d) => d.status === 'delivered')).toBe(true);
      const resolvedSlack = records.find((d) => d.channel === 'slack' && d.notification.state === 'resolved');
      expect(resolvedSlack?.provider_id).toBe(`${supervisor.slack}:${firingTs}`);
    });

    it('SMTP answering 451, then 421, then refusing connections, Slack 429 with Retry-After: 1, a webhook 503 three times → each delivered exactly once after recovery', async () => {
      const tenant = 'acme-retry';
      const supervisor = h.recipient(tenant, 'supervisor');
      await h.subscribe(supervisor);
      const emailAttempts = async (): Promise<number> => (await h.deliveries(tenant, supervisor.user)).find((d) => d.channel === 'email')?.attempts ?? 0;

      const rejectedBefore = h.smtp.rejections;
      h.smtp.setMode('busy-451');
      h.slack.rateLimitNext(2, 1);
      h.webhooks.failNext(supervisor.webhookPath, 3, 503);
      await h.publishForecast(event(tenant, 'ITEM-003', WARNING, 'v1'));

      await waitFor('two SMTP sessions answered 451', () => h.smtp.rejections >= rejectedBefore + 2, DELIVERY_DEADLINE_MS);
      h.smtp.setMode('closing-421');
      await waitFor('an SMTP connection answered 421', () => h.smtp.rejections >= rejectedBefore + 3, DELIVERY_DEADLINE_MS);
      await h.smtp.refuseConnections();
      const attemptsAtRefusal = await emailAttempts();
      await waitFor('an email attempt against a closed port', async () => (await emailAttempts()) >= attemptsAtRefusal + 1, DELIVERY_DEADLINE_MS);
      expect(h.smtp.to(supervisor.email)).toEqual([]);
      h.smtp.setMode('accept');
      await h.smtp.acceptConnections();

      await waitFor('every channel delivered after the outages', () => counts(h, supervisor).every((n) => n >= 1), 20_000);
      await h.settle(tenant);

      expect(counts(h, supervisor)).toEqual([1, 1, 1]);
      const records = byChannel(await h.deliveries(tenant, supervisor.user));
      expect(records.email).toMatchObject({ status: 'delivered' });
      expect(records.email!.attempts).toBeGreaterThanOrEqual(5);
      expect(records.slack).toMatchObject({ status: 'delivered', attempts: 3 });
      expect(records.webhook).toMatchObject({ status: 'delivered', attempts: 4 });

      // Slack: two 429s, each retry no sooner than the Retry-After asked (1 s; 50 ms of timer slack).
      const slackCalls = h.slack.calls.filter((c) => c.channel === supervisor.slack);
      expect(slackCalls.map((c) => c.answer)).toEqual(['rate_limited', 'rate_limited', 'ok']);
      for (let i = 1; i < slackCalls.length; i++) expect(slackCalls[i]!.at - slackCalls[i - 1]!.at).toBeGreaterThanOrEqual(950);
      // Webhook: 503, 503, 503, 204 — every attempt signed, all with the same webhook-id.
      const hooks = h.webhooks.requests(supervisor.webhookPath);
      expect(hooks.map((w) => w.status)).toEqual([503, 503, 503, 204]);
      expect(new Set(hooks.map((w) => w.id))).toEqual(new Set([records.webhook!.idempotency_key]));
      expectAllSigned(h, supervisor);
    });

    it('the same event published twice, the engine and dispatcher restarted mid-flight, the event and its notifications again after the restart → exactly one message per notification and channel', async () => {
      const tenant = 'acme-dup';
      const supervisor = h.recipient(tenant, 'supervisor');
      await h.subscribe(supervisor);
      const first = event(tenant, 'ITEM-004', WARNING, 'v1');
      await h.publishForecast(first);
      await h.publishForecast(first);
      await waitFor('the first messages', () => counts(h, supervisor).every((n) => n >= 1), DELIVERY_DEADLINE_MS);
      await h.settle(tenant);
      expect(counts(h, supervisor)).toEqual([1, 1, 1]);

      const firstDeliveries = await h.deliveries(tenant, supervisor.user);
      expect(firstDeliveries.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);

      // A second item: restart as soon as its alert is stored, before or while its messages go out.
      await h.publishForecast(event(tenant, 'ITEM-005', WARNING, 'v1'));
      await waitFor('the second alert stored', async () => (await h.alerts(tenant)).some((a) => a.entity_id === 'ITEM-005' && a.status === 'firing'), DELIVERY_DEADLINE_MS);
      await h.restart();
      // After the restart: the first event once more, and its notifications enqueued again — what an
      // engine that died between enqueue and marking its alerts notified would do.
      await h.publishForecast(first);
      await h.alerting.outbox.enqueue(firstDeliveries.map((d) => d.notification));
      // Not the 10 s deadline: on Kafka the restarted consumers first wait out a group rebalance.
      await waitFor('the second messages', () => counts(h, supervisor).every((n) => n >= 2), 30_000);
      await h.settle(tenant);

      expect(counts(h, supervisor)).toEqual([2, 2, 2]);
      const got = received(h, supervisor);
      const records = await h.deliveries(tenant, supervisor.user);
      expect(records).toHaveLength(6);
      expect(records.every((d) => d.status === 'delivered')).toBe(true);
      const keys = (channel: string): string[] => records.filter((d) => d.channel === channel).map((d) => d.idempotency_key).sort();
      expect(got.emails.map((m) => m.key).sort()).toEqual(keys('email'));
      expect(got.slackPosts.map(slackKey).sort()).toEqual(keys('slack'));
      expect(got.webhooks.map((w) => w.id).sort()).toEqual(keys('webhook'));
      expect((await h.alerts(tenant)).map((a) => a.entity_id).sort()).toEqual(['ITEM-004', 'ITEM-005']);
    });

    it('a direct send (POST /api/v1/send) is delivered exactly once, on the channel asked for only', async () => {
      const tenant = 'acme-send';
      const user = h.recipient(tenant, 'shift-lead');
      await h.subscribe(user);
      const email = await h.alerting.routes.send(tenant, { user_id: user.user, title: 'Line 3 stopped', message: 'Maintenance until 14:00', notification_type: 'manual', severity: 'info', channel: 'email' });
      const webhook = await h.alerting.routes.send(tenant, { user_id: user.user, title: 'Line 3 stopped', message: 'Maintenance until 14:00', notification_type: 'manual', severity: 'info', channel: 'webhook' });
      expect(email.status).toBe('queued');
      expect(webhook.notification_id).not.toBe(email.notification_id);
      await waitFor('the email and the webhook', () => counts(h, user)[0] >= 1 && counts(h, user)[2] >= 1, DELIVERY_DEADLINE_MS);
      await h.settle(tenant);

      expect(counts(h, user)).toEqual([1, 0, 1]);
      const got = received(h, user);
      expect(got.emails[0]).toMatchObject({ notificationId: email.notification_id, key: `${email.notification_id}:email` });
      expect(got.webhooks[0]).toMatchObject({ id: `${webhook.notification_id}:webhook`, state: '' });
      expect(got.webhooks[0]!.body['kind']).toBe('direct');
      expectAllSigned(h, user);
      const records = await h.deliveries(tenant, user.user);
      expect(records.map((d) => [d.notification_id, d.channel, d.status, d.attempts]).sort()).toEqual(
        [
          [email.notification_id, 'email', 'delivered', 1],
          [webhook.notification_id, 'webhook', 'delivered', 1],
        ].sort(),
      );
    });
  });
}
