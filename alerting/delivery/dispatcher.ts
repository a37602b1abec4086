/**
 * The dispatcher: takes notifications from the outbox topic and delivers each exactly once per
 * channel, retrying transient failures with backoff, recording every state in the delivery log.
 * The key of everything is the notification's idempotency key (notification × channel); the
 * states one key goes through are in delivery-records.ts.
 *
 * Two ways in, one way out:
 * - The consumer (one group on the outbox topic). Per batch: decode (a malformed message is
 *   logged and skipped — it never blocks the partition), drop duplicate keys, look the keys up in
 *   the log and act only on keys it has never seen (or only seen `queued`): a delivered or failed
 *   key is done, and a held / retrying / sending one belongs to the due poller. So the same
 *   notification enqueued twice, or a batch redelivered after a crash, is never sent twice.
 * - The due poller (`runDue`, every duePollMs on the one replica holding the lease
 *   `<groupId>:due`): held and retrying keys whose time came, and `queued` / `sending` ones older
 *   than staleSendingMs — lost in a crash before their outcome was saved.
 * - Both then deliver the same way: keys due later are recorded `held`; the rest are recorded
 *   `sending` (attempts + 1) in ONE save, sent through their channels (at most sendConcurrency at
 *   once across the dispatcher), and the outcomes recorded in ONE save (with the `queued` records
 *   of fallback copies). Only then does the consumer's handler return and the offset commit.
 *   A failure on one channel never touches another channel's key.
 *
 * At-least-once window: a crash after a send and before its outcome is saved leaves the key
 * `sending`; it is re-sent once stale. Receivers dedupe on the idempotency key we send with every
 * attempt (webhook-id, email Message-ID, Slack message metadata). staleSendingMs must exceed any
 * channel's own timeout, so a send still in flight is never taken for lost.
 *
 * Failures of the log or the bus inside the handler are thrown as retriable: the bus redelivers
 * the batch after a backoff, holding the partition, rather than stopping the subscription — an
 * outage must not lose notifications. Keys a pass is working on are held in a process-local set
 * so the consumer and the poller never send the same key at once.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Coordination } from '../../infra/coordination/coordination.js';
import { FgcError, isFgcError } from '../../infra/errors.js';
import type { EventBus, MessageBatch, Subscription } from '../../infra/event-bus/event-bus.js';
import type { Logger } from '../../infra/logger.js';
import type { ChannelName, DeliveryRecord, Notification } from '../alert-model.js';
import { DeliveryError, type Channel, type DeliveryLog, type Outbox } from '../alerting-ports.js';
import { DEFAULT_BACKOFF, type BackoffConfig } from './backoff.js';
import { NOTIFICATIONS_TOPIC } from './bus-outbox.js';
import { createLimit } from './concurrency-limit.js';
import { fallbackCopy, followDecision, isDue, nextRecord, outcomeChange, type RetryPolicy, type SendOutcome } from './delivery-records.js';
import { startLeasedPoller, type LeasedPoller } from './leased-poller.js';
import { decodeNotification } from './notification-codec.js';

export const DEFAULT_GROUP_ID = 'forgecast-alerting-dispatch';
/** ALERT_MAX_ATTEMPTS' default: with the default backoff, about 20 minutes of trying. */
export const DEFAULT_MAX_ATTEMPTS = 10;
/** Due work is picked up within a second: held messages leave on time, retries keep their schedule. */
const DEFAULT_DUE_POLL_MS = 1_000;
/** Sends in flight per dispatcher: overlaps receivers' latency without flooding one SMTP server or Slack's rate limits. */
const DEFAULT_SEND_CONCURRENCY = 16;
/**
 * A `sending` key untouched this long was lost in a crash. Five minutes is well past every
 * channel's own timeout (webhooks 10 s by default, SMTP and Slack clients ≤ 1 min), so a slow
 * send is never taken for lost; it is also how late a crash-interrupted message may arrive.
 */
const DEFAULT_STALE_SENDING_MS = 5 * 60_000;
/**
 * Largest consumer batch. Each batch costs two log writes (sending, outcomes) plus one lookup,
 * and holds its partition until its slowest send returns: 500 keeps ClickHouse inserts few and
 * large while a slow receiver delays at most a few hundred other messages.
 */
const DEFAULT_MAX_BATCH_SIZE = 500;
/** Due records per poll: the same trade-off as the batch size; a backlog drains over a few polls. */
const DUE_LIMIT = 500;
/** The poller's lease lapses 15 s after its replica died; renewed every poll. */
const DUE_LEASE_TTL_MS = 15_000;

export interface DispatcherOptions {
  readonly bus: EventBus;
  /** Consumer group on the outbox topic. */
  readonly groupId?: string;
  /** The outbox topic (default NOTIFICATIONS_TOPIC). */
  readonly topic?: string;
  readonly channels: ReadonlyMap<ChannelName, Channel>;
  readonly deliveries: DeliveryLog;
  /** Where fallback copies of failed critical notifications are enqueued. */
  readonly outbox: Outbox;
  /** Holds the due poller's lease, so one replica polls. */
  readonly coordination: Coordination;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Delay before retry n: full jitter on min(capMs, baseMs × factor^(n−1)), at least Retry-After. */
  readonly backoff?: Partial<BackoffConfig>;
  /** Random source of the jitter, in [0, 1); tests pass a seeded one. */
  readonly random?: () => number;
  readonly maxAttempts?: number;
  readonly duePollMs?: number;
  readonly sendConcurrency?: number;
  readonly staleSendingMs?: number;
  readonly maxBatchSize?: number;
  /** The bus's redelivery backoff after a handler failure (its defaults: 100 ms doubling to 10 s). */
  readonly busRetry?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Who holds the lease (default host:pid:random). */
  readonly holderId?: string;
}

export interface Dispatcher extends AsyncDisposable {
  /** Subscribes to the outbox topic and starts the due poller. */
  start(): Promise<void>;
  /** One pass over due records (the poller calls it; tests call it directly). Resolves with how many were acted on. */
  runDue(): Promise<number>;
  /** Puts the notification's failed records back in line (attempts 0, due now); returns them. */
  retry(tenant: string, notificationId: string): Promise<DeliveryRecord[]>;
  /** Stops the poller and the consumer (the in-flight batch finishes and commits). */
  close(): Promise<void>;
}

interface Work {
  readonly notification: Notification;
  readonly previous: DeliveryRecord | undefined;
}

interface Send {
  readonly record: DeliveryRecord;
  readonly notification: Notification;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { bus, channels, deliveries, outbox } = options;
  const groupId = options.groupId ?? DEFAULT_GROUP_ID;
  const topic = options.topic ?? NOTIFICATIONS_TOPIC;
  const now = options.now ?? Date.now;
  const staleSendingMs = options.staleSendingMs ?? DEFAULT_STALE_SENDING_MS;
  const policy: RetryPolicy = {
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    random: options.random ?? Math.random,
  };
  const limit = createLimit(options.sendConcurrency ?? DEFAULT_SEND_CONCURRENCY);
  const log = options.logger.child({ component: 'alert-dispatcher', groupId });
  /** Keys a pass of this process is working on. */
  const inFlight = new Set<string>();
  let subscription: Subscription | undefined;
  let poller: LeasedPoller | undefined;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let dueChain: Promise<unknown> = Promise.resolve();

  const send = async (notification: Notification): Promise<SendOutcome> => {
    const channel = channels.get(notification.channel);
    if (channel === undefined) return { ok: false, error: new DeliveryError(`no ${notification.channel} channel is configured in this process`, { permanent: true }) };
    try {
      return { ok: true, providerId: (await limit(() => channel.send(notification))).providerId };
    } catch (error) {
      return { ok: false, error };
    }
  };

  /** Looks up the firing notifications that resolved ones in `works` follow, on the same channel. */
  const firingRecords = async (works: readonly Work[]): Promise<Map<string, DeliveryRecord | 'in-batch' | undefined>> => {
    const found = new Map<string, DeliveryRecord | 'in-batch' | undefined>();
    const inBatch = new Set(works.map((w) => `${w.notification.notification_id}\u0000${w.notification.channel}`));
    const lookups = new Map<string, { tenant: string; id: string }>();
    for (const { notification: n } of works) {
      if (n.replaces_notification_id === null) continue;
      const key = `${n.replaces_notification_id}\u0000${n.channel}`;
      if (inBatch.has(key)) found.set(key, 'in-batch');
      else lookups.set(`${n.tenant_id}\u0000${n.replaces_notification_id}`, { tenant: n.tenant_id, id: n.replaces_notification_id });
    }
    await Promise.all(
      [...lookups.values()].map(async ({ tenant, id }) => {
        for (const record of await deliveries.get(tenant, id)) if (!found.has(`${id}\u0000${record.channel}`)) found.set(`${id}\u0000${record.channel}`, record);
      }),
    );
    return found;
  };

  /** Failed critical notifications with a fallback whose key is new: their copies and `queued` records. */
  const fallbacks = async (failed: readonly Notification[], nowIso: string): Promise<Notification[]> => {
    const copies = new Map<string, Notification>();
    for (const n of failed) {
      if (n.severity !== 'critical' || n.fallback === null || n.fallback.channel === n.channel) continue;
      const copy = fallbackCopy(n, n.fallback, nowIso);
      if (!copies.has(copy.idempotency_key)) copies.set(copy.idempotency_key, copy);
    }
    if (copies.size === 0) return [];
    const existing = await deliveries.byKeys([...copies.keys()]);
    return [...copies.values()].filter((c) => !existing.has(c.idempotency_key));
  };

  /** Holds or sends each work item and records every outcome (see the module comment). */
  const deliver = async (works: readonly Work[]): Promise<void> => {
    if (works.length === 0) return;
    const startMs = now();
    const startIso = iso(startMs);
    const firing = await firingRecords(works);
    const first: DeliveryRecord[] = [];
    const sends: Send[] = [];
    for (const { notification, previous } of works) {
      const hold = (untilMs: number, why: string): void => {
        first.push(nextRecord(previous, notification, { status: 'held', next_attempt_at: iso(untilMs) }, startIso));
        log.debug({ key: notification.idempotency_key, until: iso(untilMs), why }, 'notification held');
      };
      const after = Date.parse(notification.deliver_after);
      if (after > startMs) {
        hold(after, 'deliver_after');
        continue;
      }
      let outgoing = notification;
      if (notification.replaces_notification_id !== null) {
        const decision = followDecision(notification, firing.get(`${notification.replaces_notification_id}\u0000${notification.channel}`), startMs);
        if (decision.kind === 'hold') {
          hold(decision.until, 'waiting for the notification it follows');
          continue;
        }
        outgoing = { ...notification, replaces_provider_id: decision.replacesProviderId };
      }
      const record = nextRecord(previous, outgoing, { status: 'sending', attempts: (previous?.attempts ?? 0) + 1, next_attempt_at: null }, startIso);
      first.push(record);
      sends.push({ record, notification: outgoing });
    }
    await deliveries.save(first);
    if (sends.length === 0) return;

    const outcomes = await Promise.all(sends.map((s) => send(s.notification)));
    const endMs = now();
    const endIso = iso(endMs);
    const finals: DeliveryRecord[] = [];
    const failed: Notification[] = [];
    sends.forEach((s, i) => {
      const outcome = outcomes[i]!;
      const record = nextRecord(s.record, s.notification, outcomeChange(s.record.attempts, outcome, policy, endMs), endIso);
      finals.push(record);
      const fields = { key: record.idempotency_key, channel: record.channel, attempts: record.attempts };
      if (record.status === 'delivered') log.debug({ ...fields, provider_id: record.provider_id }, 'notification delivered');
      else if (record.status === 'retrying') log.info({ ...fields, next_attempt_at: record.next_attempt_at, error: record.last_error }, 'notification send failed; will retry');
      else {
        log.warn({ ...fields, error: record.last_error }, 'notification failed for good');
        failed.push(s.notification);
      }
    });
    const copies = await fallbacks(failed, endIso);
    // The copies' `queued` records go in the same write as the failures: if the enqueue below is
    // lost to a crash, the due poller finds them stale and sends them.
    await deliveries.save([...finals, ...copies.map((c) => nextRecord(undefined, c, { status: 'queued' }, endIso))]);
    if (copies.length > 0) {
      log.info({ keys: copies.map((c) => c.idempotency_key) }, 'critical notification failed; sending it to the fallback channel');
      await outbox.enqueue(copies).catch((error: unknown) => log.warn({ err: error }, 'enqueueing fallback copies failed; the due poller sends them once stale'));
    }
  };

  /** Runs `deliver` over the works whose keys no other pass of this process holds. */
  const claimed = async (works: readonly Work[]): Promise<number> => {
    const mine = works.filter((w) => !inFlight.has(w.notification.idempotency_key));
    for (const w of mine) inFlight.add(w.notification.idempotency_key);
    try {
      await deliver(mine);
    } finally {
      for (const w of mine) inFlight.delete(w.notification.idempotency_key);
    }
    return mine.length;
  };

  const handle = async (batch: MessageBatch): Promise<void> => {
    const byKey = new Map<string, Notification>();
    for (const message of batch.messages) {
      let notification: Notification;
      try {
        notification = decodeNotification(message.value);
      } catch (error) {
        log.warn({ err: error, topic: batch.topic, partition: batch.partition, offset: message.offset }, 'skipping a malformed outbox message');
        continue;
      }
      if (!byKey.has(notification.idempotency_key)) byKey.set(notification.idempotency_key, notification);
    }
    if (byKey.size === 0) return;
    try {
      const known = await deliveries.byKeys([...byKey.keys()]);
      const works: Work[] = [];
      for (const [key, notification] of byKey) {
        const previous = known.get(key);
        if (previous === undefined || previous.status === 'queued') works.push({ notification, previous });
      }
      await claimed(works);
    } catch (error) {
      // Log or bus trouble: redeliver this batch later rather than stop the subscription.
      throw isFgcError(error) && !error.retriable ? new FgcError(error.code, error.message, { cause: error, details: error.details, retriable: true }) : error;
    }
  };

  const dueOnce = async (): Promise<number> => {
    const nowMs = now();
    const records = await deliveries.due(nowMs, DUE_LIMIT);
    const works = new Map<string, Work>();
    for (const record of records) {
      if (isDue(record, nowMs, staleSendingMs) && !works.has(record.idempotency_key)) works.set(record.idempotency_key, { notification: record.notification, previous: record });
    }
    return claimed([...works.values()]);
  };

  const dispatcher: Dispatcher = {
    start(): Promise<void> {
      starting ??= (async () => {
        await bus.ensureTopics([{ topic }]);
        subscription = await bus.subscribe({
          groupId,
          topics: [topic],
          handler: handle,
          maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
          ...(options.busRetry === undefined ? {} : { retry: options.busRetry }),
          onHandlerError: (error, batch, attempt) => {
            if (attempt === 1 || attempt % 10 === 0) log.warn({ err: error, partition: batch.partition, first: batch.messages[0]?.offset, attempt }, 'outbox batch failed; the bus redelivers it after a backoff');
          },
        });
        subscription.done.catch((error: unknown) => log.error({ err: error }, 'the outbox subscription stopped'));
        poller = startLeasedPoller({
          coordination: options.coordination,
          name: `${groupId}:due`,
          holder: options.holderId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
          ttlMs: DUE_LEASE_TTL_MS,
          everyMs: options.duePollMs ?? DEFAULT_DUE_POLL_MS,
          task: () => dispatcher.runDue(),
          logger: log,
        });
        log.info({ topic }, 'alert dispatcher started');
      })();
      return starting;
    },

    runDue(): Promise<number> {
      // One pass at a time: a pass started while another runs waits for it, then sees its writes.
      const pass = dueChain.then(dueOnce);
      dueChain = pass.catch(() => undefined);
      return pass;
    },

    async retry(tenant: string, notificationId: string): Promise<DeliveryRecord[]> {
      const records = await deliveries.get(tenant, notificationId);
      if (records.length === 0) throw new FgcError('FGC_NOTIFICATION_NOT_FOUND', `no notification ${notificationId}`);
      const failed = records.filter((r) => r.status === 'failed');
      if (failed.length === 0) {
        throw new FgcError('FGC_NOTIFICATION_NOT_RETRIABLE', `notification ${notificationId} has no failed delivery (${records.map((r) => `${r.channel}: ${r.status}`).join(', ')})`);
      }
      const nowIso = iso(now());
      const retried = failed.map((r) => nextRecord(r, r.notification, { status: 'retrying', attempts: 0, next_attempt_at: nowIso }, nowIso));
      await deliveries.save(retried);
      log.info({ notification_id: notificationId, keys: retried.map((r) => r.idempotency_key) }, 'failed notification put back for retry');
      return retried;
    },

    close(): Promise<void> {
      closing ??= (async () => {
        await starting?.catch(() => undefined);
        await poller?.stop();
        await subscription?.close();
        await dueChain;
        log.info('alert dispatcher stopped');
      })();
      return closing;
    },

    [Symbol.asyncDispose](): Promise<void> {
      return dispatcher.close();
    },
  };
  return dispatcher;
}
