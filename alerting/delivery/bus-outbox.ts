/**
 * The durable outbox: notifications wait on an event-bus topic until the dispatcher's consumer
 * group takes them. Durable as soon as `enqueue` resolves, because the bus acknowledges only what
 * it stored (Kafka acks=all, or the embedded log written to its file), so a notification enqueued
 * before a `kill -9` is still delivered after the restart.
 *
 * The message key is `tenant|user_id`: one user's notifications share a partition and are
 * consumed in the order they were enqueued (a resolved message never overtakes its firing one in
 * the stream), while different users spread over the partitions.
 */
import type { EventBus } from '../../infra/event-bus/event-bus.js';
import { NOTIFICATIONS_TOPIC } from '../../schemas/topics.js';
import type { Notification } from '../alert-model.js';
import type { Outbox } from '../alerting-ports.js';
import { encodeNotification } from './notification-codec.js';

export { NOTIFICATIONS_TOPIC };

export interface BusOutboxOptions {
  /** The topic (default NOTIFICATIONS_TOPIC); the dispatcher must subscribe to the same one. */
  readonly topic?: string;
  /** Partitions when this outbox creates the topic; the bus's default otherwise. */
  readonly partitions?: number;
}

/** The partition key of a notification: its tenant and user, so one user's messages stay ordered. */
export function outboxKey(notification: Pick<Notification, 'tenant_id' | 'user_id'>): string {
  return `${notification.tenant_id}|${notification.user_id}`;
}

/** An Outbox on `bus`. Notifications are validated (FGC_NOTIFICATION_MALFORMED) before anything is published. */
export function createBusOutbox(bus: EventBus, options: BusOutboxOptions = {}): Outbox {
  const topic = options.topic ?? NOTIFICATIONS_TOPIC;
  let ensured: Promise<void> | undefined;
  const ensureTopic = (): Promise<void> => {
    ensured ??= bus.ensureTopics([{ topic, ...(options.partitions === undefined ? {} : { partitions: options.partitions }) }]).catch((error: unknown) => {
      // Not remembered when it failed: the next enqueue tries again.
      ensured = undefined;
      throw error;
    });
    return ensured;
  };
  return {
    async enqueue(notifications: readonly Notification[]): Promise<void> {
      if (notifications.length === 0) return;
      // Encode all first: one bad notification refuses the call before any of it is published.
      const messages = notifications.map((n) => ({
        key: outboxKey(n),
        value: encodeNotification(n),
        headers: { 'content-type': 'application/json', 'idempotency-key': n.idempotency_key },
      }));
      await ensureTopic();
      await bus.publish(topic, messages);
    },
  };
}
