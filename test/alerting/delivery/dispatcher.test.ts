/**
 * The dispatcher on the real embedded event bus, with an in-memory delivery log (the ClickHouse
 * one passes the same port contract), scripted channels and a fake clock for retries and holds.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelName, Notification } from '../../../alerting/alert-model.js';
import type { Channel, DeliveryLog, Outbox } from '../../../alerting/alerting-ports.js';
import { backoffCeilingMs } from '../../../alerting/delivery/backoff.js';
import { createBusOutbox, NOTIFICATIONS_TOPIC } from '../../../alerting/delivery/bus-outbox.js';
import { createDispatcher, DEFAULT_GROUP_ID, type Dispatcher, type DispatcherOptions } from '../../../alerting/delivery/dispatcher.js';
import { encodeNotification } from '../../../alerting/delivery/notification-codec.js';
import { createMemoryCoordination } from '../../../infra/coordination/memory-coordination.js';
import type { Coordination } from '../../../infra/coordination/coordination.js';
import { createEmbeddedEventBus } from '../../../infra/event-bus/embedded-event-bus.js';
import type { EventBus } from '../../../infra/event-bus/event-bus.js';
import { silentLogger } from '../../../infra/logger.js';
import { mulberry32 } from '../../../infra/seeded-random.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { FakeChannel, MemoryDeliveryLog, notification, permanent, targets, transient } from './delivery-fixtures.js';

const T0 = Date.parse('2024-06-01T00:00:00.000Z');
const STALE_MS = 5 * 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();

describe('dispatcher', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let bus: EventBus;
  let log: MemoryDeliveryLog;
  let coordination: Coordination;
  let outbox: Outbox;
  let email: FakeChannel;
  let slack: FakeChannel;
  let webhook: FakeChannel;
  let clock: number;
  let opened: Dispatcher[];

  beforeEach(async () => {
    dir = await tempDir('forgecast-dispatch-');
    bus = await createEmbeddedEventBus({ dir: dir.path, partitions: 4, fsync: false, logger: silentLogger() });
    log = new MemoryDeliveryLog(STALE_MS);
    coordination = createMemoryCoordination();
    outbox = createBusOutbox(bus);
    email = new FakeChannel('email');
    slack = new FakeChannel('slack');
    webhook = new FakeChannel('webhook');
    clock = T0;
    opened = [];
  });
  afterEach(async () => {
    await Promise.allSettled(opened.map((d) => d.close()));
    await bus.close();
    await coordination.close();
    await dir.remove();
  });

  async function open(overrides: Partial<DispatcherOptions> = {}): Promise<Dispatcher> {
    const dispatcher = createDispatcher({
      bus,
      channels: new Map<ChannelName, Channel>([
        ['email', email],
        ['slack', slack],
        ['webhook', webhook],
      ]),
      deliveries: log,
      outbox,
      coordination,
      logger: silentLogger(),
      now: () => clock,
      random: mulberry32(7),
      // The tests drive the due poller by hand on the fake clock.
      duePollMs: 3_600_000,
      ...overrides,
    });
    opened.push(dispatcher);
    await dispatcher.start();
    return dispatcher;
  }

  /** Waits until the group has committed everything on the outbox topic. */
  async function drained(groupId = DEFAULT_GROUP_ID): Promise<void> {
    await waitFor(`outbox drained by ${groupId}`, async () => (await bus.lag(groupId, [NOTIFICATIONS_TOPIC])).every((l) => l.lag === 0));
  }

  const status = (key: string): string | undefined => log.latest(key)?.status;
  const until = (key: string, wanted: string): Promise<unknown> => waitFor(`${key} ${wanted}`, () => status(key) === wanted);

  it('delivers each key exactly once when the same notification is enqueued twice, or the whole topic is read again', async () => {
    await open();
    const a = notification('n-a');
    const b = notification('n-b', { channel: 'slack', target: targets.slack });
    await outbox.enqueue([a, a, b]);
    await drained();
    await outbox.enqueue([a]);
    await drained();
    expect(email.count('n-a:email')).toBe(1);
    expect(slack.count('n-b:slack')).toBe(1);
    expect(log.statuses('n-a:email')).toEqual(['sending', 'delivered']);
    expect(log.latest('n-a:email')).toMatchObject({ attempts: 1, provider_id: 'email-msg-1', delivered_at: iso(T0), version: 2 });

    // A second group reads the topic from the start, as a consumer that lost its offsets would.
    await open({ groupId: 'replay-from-start' });
    await drained('replay-from-start');
    expect(email.sent).toHaveLength(1);
    expect(slack.sent).toHaveLength(1);
  });

  it('sends nothing again when a batch is redelivered after a restart: outcomes saved, offset never committed', async () => {
    const first = await open({ busRetry: { initialMs: 60_000, maxMs: 60_000 } });
    // Save 1 records `sending`, save 2 the outcomes: it is written, then its acknowledgement is lost.
    log.failSave(2, 'after');
    const ns = [notification('n-1'), notification('n-1', { channel: 'slack', target: targets.slack }), notification('n-2', { channel: 'webhook', target: targets.webhook })];
    await outbox.enqueue(ns);
    await waitFor('outcomes written', () => ns.every((n) => status(n.idempotency_key) === 'delivered'));
    await first.close();
    const uncommitted = (await bus.lag(DEFAULT_GROUP_ID, [NOTIFICATIONS_TOPIC])).reduce((sum, l) => sum + l.lag, 0);
    expect(uncommitted, 'the batch was not committed').toBe(3);

    await open();
    await drained();
    for (const n of ns) {
      expect(log.statuses(n.idempotency_key), n.idempotency_key).toEqual(['sending', 'delivered']);
    }
    expect([email.sent.length, slack.sent.length, webhook.sent.length]).toEqual([1, 1, 1]);
  });

  it('re-sends a key left `sending` by a crash before its outcome was saved, once stale (the at-least-once window)', async () => {
    const first = await open({ busRetry: { initialMs: 60_000, maxMs: 60_000 } });
    log.failSave(2, 'before');
    await outbox.enqueue([notification('n-1')]);
    await waitFor('sent, outcome lost', () => email.sent.length === 1 && log.saves >= 2);
    await first.close();
    const second = await open();
    await drained();
    expect(status('n-1:email'), 'the consumer leaves a sending key to the poller').toBe('sending');
    expect(email.sent).toHaveLength(1);

    clock = T0 + STALE_MS - 1;
    expect(await second.runDue()).toBe(0);
    clock = T0 + STALE_MS;
    expect(await second.runDue()).toBe(1);
    expect(log.latest('n-1:email')).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(email.sent.map((n) => n.idempotency_key)).toEqual(['n-1:email', 'n-1:email']);
    expect(await second.runDue()).toBe(0);
  });

  it('never re-sends a `sending` key younger than staleSendingMs, even when the log calls it due', async () => {
    log = new MemoryDeliveryLog(0);
    const first = await open({ busRetry: { initialMs: 60_000, maxMs: 60_000 } });
    log.failSave(2, 'before');
    await outbox.enqueue([notification('n-1')]);
    await waitFor('sent, outcome lost', () => email.sent.length === 1 && log.saves >= 2);
    await first.close();
    const second = await open({ staleSendingMs: 60_000 });
    expect((await log.due(clock, 10)).map((r) => r.idempotency_key)).toEqual(['n-1:email']);
    expect(await second.runDue()).toBe(0);
    clock = T0 + 60_000;
    expect(await second.runDue()).toBe(1);
    expect(email.sent).toHaveLength(2);
  });

  it('retries a transient failure with backoff, honouring Retry-After: three failures then one delivery, attempts 4', async () => {
    const retryAfter = [undefined, 30_000, undefined];
    email.script = (_n, attempt) => (attempt <= 3 ? transient(retryAfter[attempt - 1]) : undefined);
    const dispatcher = await open();
    await outbox.enqueue([notification('n-1')]);
    await until('n-1:email', 'retrying');
    for (let attempt = 1; attempt <= 3; attempt++) {
      const record = log.latest('n-1:email')!;
      expect(record).toMatchObject({ status: 'retrying', attempts: attempt, last_error: 'DeliveryError: 503 Service Unavailable' });
      const next = Date.parse(record.next_attempt_at!);
      const wait = next - clock;
      if (attempt === 2) expect(wait, 'Retry-After 30 s beats a 2 s ceiling').toBe(30_000);
      else expect(wait).toBeLessThanOrEqual(backoffCeilingMs(attempt));
      expect(wait).toBeGreaterThanOrEqual(0);
      if (wait > 0) {
        clock = next - 1;
        expect(await dispatcher.runDue(), `attempt ${attempt + 1} not before its time`).toBe(0);
      }
      clock = next;
      expect(await dispatcher.runDue()).toBe(1);
    }
    expect(log.latest('n-1:email')).toMatchObject({ status: 'delivered', attempts: 4, provider_id: 'email-msg-1' });
    expect(email.sent.map((n) => n.idempotency_key)).toEqual(Array(4).fill('n-1:email'));
    expect(log.statuses('n-1:email')).toEqual(['sending', 'retrying', 'sending', 'retrying', 'sending', 'retrying', 'sending', 'delivered']);
    clock += 86_400_000;
    expect(await dispatcher.runDue()).toBe(0);
    expect(email.sent).toHaveLength(4);
  });

  it('fails a permanent error at once without retrying it, while the same notification on another channel is delivered', async () => {
    email.script = () => permanent();
    const dispatcher = await open();
    await outbox.enqueue([notification('n-1'), notification('n-1', { channel: 'slack', target: targets.slack })]);
    await drained();
    expect(log.latest('n-1:email')).toMatchObject({ status: 'failed', attempts: 1, last_error: 'DeliveryError: 550 mailbox unavailable', next_attempt_at: null });
    expect(log.latest('n-1:slack')).toMatchObject({ status: 'delivered', attempts: 1 });
    clock += 86_400_000;
    expect(await dispatcher.runDue()).toBe(0);
    expect([email.sent.length, slack.sent.length]).toEqual([1, 1]);
    expect(log.statuses('n-1:slack')).toEqual(['sending', 'delivered']);
  });

  it('gives up after maxAttempts transient failures', async () => {
    webhook.script = () => transient();
    const dispatcher = await open({ maxAttempts: 3 });
    await outbox.enqueue([notification('n-1', { channel: 'webhook', target: targets.webhook })]);
    await until('n-1:webhook', 'retrying');
    while (status('n-1:webhook') === 'retrying') {
      clock = Date.parse(log.latest('n-1:webhook')!.next_attempt_at!);
      await dispatcher.runDue();
    }
    expect(log.latest('n-1:webhook')).toMatchObject({ status: 'failed', attempts: 3 });
    expect(webhook.sent).toHaveLength(3);
  });

  it('treats a missing channel as permanent and an unexpected channel error as transient', async () => {
    slack.script = (_n, attempt) => (attempt === 1 ? new TypeError('socket hang up') : undefined);
    await open({ channels: new Map<ChannelName, Channel>([['slack', slack]]) });
    await outbox.enqueue([notification('n-1', { channel: 'webhook', target: targets.webhook }), notification('n-1', { channel: 'slack', target: targets.slack })]);
    await drained();
    expect(log.latest('n-1:webhook')).toMatchObject({ status: 'failed', last_error: 'DeliveryError: no webhook channel is configured in this process' });
    expect(log.latest('n-1:slack')).toMatchObject({ status: 'retrying', last_error: 'TypeError: socket hang up' });
  });

  it('sends a failed critical notification to its fallback target once, under the same notification id', async () => {
    slack.script = () => permanent();
    const fallback = { channel: 'email', address: 'ana.fallback@example.com' } as const;
    await open();
    await outbox.enqueue([
      notification('crit', { channel: 'slack', target: targets.slack, severity: 'critical', fallback }),
      notification('warn', { channel: 'slack', target: targets.slack, severity: 'warning', fallback }),
      // A user who also gets email directly: the fallback key already exists, no second email.
      notification('both', { channel: 'slack', target: targets.slack, severity: 'critical', fallback }),
      notification('both', { channel: 'email', target: targets.email, severity: 'critical', fallback }),
    ]);
    await until('crit:email', 'delivered');
    await drained();
    expect(status('crit:slack')).toBe('failed');
    expect(log.statuses('crit:email')).toEqual(['queued', 'sending', 'delivered']);
    const copy = email.sent.find((n) => n.idempotency_key === 'crit:email')!;
    expect(copy).toMatchObject({ notification_id: 'crit', channel: 'email', target: fallback, fallback: null, severity: 'critical' });
    expect(status('warn:slack')).toBe('failed');
    expect(log.latest('warn:email'), 'no fallback below critical').toBeUndefined();
    expect(email.count('both:email')).toBe(1);
    expect(email.sent.map((n) => n.idempotency_key).sort()).toEqual(['both:email', 'crit:email']);
  });

  it('never lets a fallback copy disturb a key that exists: a held primary email stays held until its time', async () => {
    slack.script = () => permanent();
    const dispatcher = await open();
    await outbox.enqueue([
      notification('both', { channel: 'slack', target: targets.slack, severity: 'critical', fallback: targets.email }),
      notification('both', { channel: 'email', target: targets.email, severity: 'critical', fallback: targets.email, deliver_after: iso(T0 + 600_000) }),
    ]);
    await drained();
    expect(status('both:slack')).toBe('failed');
    expect(log.statuses('both:email')).toEqual(['held']);
    expect(email.sent).toHaveLength(0);
    clock = T0 + 600_000;
    expect(await dispatcher.runDue()).toBe(1);
    expect(email.count('both:email')).toBe(1);
  });

  it('sends a fallback copy whose enqueue was lost once its queued record is stale', async () => {
    slack.script = () => permanent();
    const lost: Notification[] = [];
    const dispatcher = await open({ outbox: { enqueue: (ns) => (lost.push(...ns), Promise.reject(new Error('bus down'))) } });
    await outbox.enqueue([notification('crit', { channel: 'slack', target: targets.slack, severity: 'critical', fallback: targets.webhook })]);
    await drained();
    expect(lost.map((n) => n.idempotency_key)).toEqual(['crit:webhook']);
    expect(status('crit:webhook')).toBe('queued');
    expect(await dispatcher.runDue()).toBe(0);
    clock += STALE_MS;
    expect(await dispatcher.runDue()).toBe(1);
    expect(status('crit:webhook')).toBe('delivered');
    expect(webhook.sent.map((n) => [n.notification_id, n.target])).toEqual([['crit', targets.webhook]]);
  });

  it('holds a notification until deliver_after', async () => {
    const dispatcher = await open();
    await outbox.enqueue([notification('quiet', { deliver_after: iso(T0 + 3_600_000) })]);
    await until('quiet:email', 'held');
    expect(log.latest('quiet:email')).toMatchObject({ attempts: 0, next_attempt_at: iso(T0 + 3_600_000) });
    clock = T0 + 3_599_999;
    expect(await dispatcher.runDue()).toBe(0);
    expect(email.sent).toHaveLength(0);
    clock = T0 + 3_600_000;
    expect(await dispatcher.runDue()).toBe(1);
    expect(log.latest('quiet:email')).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(log.statuses('quiet:email')).toEqual(['held', 'sending', 'delivered']);
  });

  it('holds a resolved notification behind its retrying firing one, then sends it replacing the firing message', async () => {
    slack.script = (n, attempt) => (n.notification_id === 'fire' && attempt === 1 ? transient(10_000) : undefined);
    const dispatcher = await open();
    await outbox.enqueue([notification('fire', { channel: 'slack', target: targets.slack })]);
    await until('fire:slack', 'retrying');
    await outbox.enqueue([notification('res', { channel: 'slack', target: targets.slack, state: 'resolved', replaces_notification_id: 'fire' })]);
    await until('res:slack', 'held');
    expect(log.latest('res:slack')!.next_attempt_at).toBe(iso(T0 + 11_000));

    clock = T0 + 10_000;
    expect(await dispatcher.runDue()).toBe(1);
    expect(log.latest('fire:slack')).toMatchObject({ status: 'delivered', provider_id: 'slack-msg-1' });
    clock = T0 + 11_000;
    expect(await dispatcher.runDue()).toBe(1);
    expect(slack.sent.map((n) => [n.notification_id, n.replaces_provider_id])).toEqual([
      ['fire', null],
      ['fire', null],
      ['res', 'slack-msg-1'],
    ]);
    expect(log.latest('res:slack')).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('holds a resolved notification that arrives in the same batch as its firing one, and sends one whose firing one failed as new', async () => {
    slack.script = (n) => (n.notification_id === 'fire-2' ? permanent() : undefined);
    const dispatcher = await open();
    await outbox.enqueue([
      notification('fire-1', { channel: 'slack', target: targets.slack }),
      notification('res-1', { channel: 'slack', target: targets.slack, state: 'resolved', replaces_notification_id: 'fire-1' }),
    ]);
    await drained();
    expect(status('fire-1:slack')).toBe('delivered');
    expect(log.latest('res-1:slack')).toMatchObject({ status: 'held', next_attempt_at: iso(T0 + 1_000) });
    clock = T0 + 1_000;
    expect(await dispatcher.runDue()).toBe(1);
    expect(slack.sent.at(-1)).toMatchObject({ notification_id: 'res-1', replaces_provider_id: log.latest('fire-1:slack')!.provider_id });

    await outbox.enqueue([notification('fire-2', { channel: 'slack', target: targets.slack })]);
    await until('fire-2:slack', 'failed');
    await outbox.enqueue([notification('res-2', { channel: 'slack', target: targets.slack, state: 'resolved', replaces_notification_id: 'fire-2' })]);
    await until('res-2:slack', 'delivered');
    expect(slack.sent.at(-1)).toMatchObject({ notification_id: 'res-2', replaces_provider_id: null });
  });

  it('puts a failed notification back in line on manual retry, and refuses unknown or not-failed ones', async () => {
    webhook.script = (_n, attempt) => (attempt === 1 ? permanent() : undefined);
    const dispatcher = await open();
    await outbox.enqueue([notification('n-1', { channel: 'webhook', target: targets.webhook }), notification('n-1')]);
    await until('n-1:webhook', 'failed');
    await drained();
    clock = T0 + 60_000;
    const retried = await dispatcher.retry('t1', 'n-1');
    expect(retried).toEqual([expect.objectContaining({ idempotency_key: 'n-1:webhook', status: 'retrying', attempts: 0, next_attempt_at: iso(clock) })]);
    expect(await dispatcher.runDue()).toBe(1);
    expect(log.latest('n-1:webhook')).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(webhook.sent).toHaveLength(2);
    expect(email.sent).toHaveLength(1);

    await expect(dispatcher.retry('t1', 'nope')).rejects.toMatchObject({ code: 'FGC_NOTIFICATION_NOT_FOUND' });
    await expect(dispatcher.retry('other-tenant', 'n-1')).rejects.toMatchObject({ code: 'FGC_NOTIFICATION_NOT_FOUND' });
    await expect(dispatcher.retry('t1', 'n-1')).rejects.toMatchObject({ code: 'FGC_NOTIFICATION_NOT_RETRIABLE' });
  });

  it('skips malformed outbox messages without blocking the partition', async () => {
    await open();
    const good = notification('good');
    await bus.publish(NOTIFICATIONS_TOPIC, [
      { key: 't1|ana', value: Buffer.from('not json at all') },
      { key: 't1|ana', value: Buffer.from(JSON.stringify({ notification_id: 'half' })) },
      { key: 't1|ana', value: Buffer.from(JSON.stringify({ ...good, channel: 'pager' })) },
      { key: 't1|ana', value: encodeNotification(good) },
    ]);
    await drained();
    expect(status('good:email')).toBe('delivered');
    expect(email.sent.map((n) => n.notification_id)).toEqual(['good']);
  });

  it('keeps a log outage from losing notifications: the batch is redelivered until the log answers', async () => {
    await open({ busRetry: { initialMs: 10, maxMs: 10 } });
    log.failSave(1, 'before');
    await outbox.enqueue([notification('n-1')]);
    await drained();
    expect(log.latest('n-1:email')).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(email.sent).toHaveLength(1);
  });

  it('polls due work on the one replica holding the lease, and hands over when it closes', async () => {
    const counting = (): DeliveryLog & { dueCalls: number } => {
      const wrapper = {
        dueCalls: 0,
        save: (r: Parameters<DeliveryLog['save']>[0]) => log.save(r),
        get: (t: string, id: string) => log.get(t, id),
        byKeys: (k: readonly string[]) => log.byKeys(k),
        list: (t: string, q: Parameters<DeliveryLog['list']>[1]) => log.list(t, q),
        due: (n: number, l: number) => {
          wrapper.dueCalls++;
          return log.due(n, l);
        },
      };
      return wrapper;
    };
    const logs = [counting(), counting()];
    const replicas = [];
    for (const deliveries of logs) replicas.push(await open({ deliveries, now: Date.now, duePollMs: 20 }));
    await outbox.enqueue([notification('soon', { deliver_after: iso(Date.now() + 300) })]);
    await until('soon:email', 'delivered');
    const leader = logs[0]!.dueCalls > 0 ? 0 : 1;
    expect(logs[leader]!.dueCalls).toBeGreaterThan(0);
    expect(logs[1 - leader]!.dueCalls, 'only the lease holder polls').toBe(0);

    await replicas[leader]!.close();
    await outbox.enqueue([notification('later', { deliver_after: iso(Date.now() + 300) })]);
    await until('later:email', 'delivered');
    expect(logs[1 - leader]!.dueCalls).toBeGreaterThan(0);
    expect(email.sent.map((n) => n.notification_id)).toEqual(['soon', 'later']);
  });
});
