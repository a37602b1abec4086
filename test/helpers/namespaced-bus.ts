/**
 * Test isolation on a shared broker: an EventBus that prefixes every topic name, so test files
 * running at the same time against one Kafka (whose raw topic names are fixed constants) never
 * see each other's messages. Consumers get the original names back.
 */
import type { BusMessage, EventBus, MessageBatch, PartitionLag, PublishReceipt, SubscribeOptions, Subscription, TopicSpec } from '../../infra/event-bus/event-bus.js';

export function namespacedBus(bus: EventBus, prefix: string): EventBus {
  const outer = (topic: string): string => `${prefix}.${topic}`;
  const inner = (topic: string): string => (topic.startsWith(`${prefix}.`) ? topic.slice(prefix.length + 1) : topic);
  const innerBatch = (batch: MessageBatch): MessageBatch => ({ ...batch, topic: inner(batch.topic), messages: batch.messages.map((m) => ({ ...m, topic: inner(m.topic) })) });
  return {
    kind: bus.kind,
    ensureTopics: (topics: readonly TopicSpec[]) => bus.ensureTopics(topics.map((t) => ({ ...t, topic: outer(t.topic) }))),
    publish: async (topic: string, messages: readonly BusMessage[]): Promise<PublishReceipt[]> =>
      (await bus.publish(outer(topic), messages)).map((r) => ({ ...r, topic: inner(r.topic) })),
    subscribe: async (options: SubscribeOptions): Promise<Subscription> => {
      const subscription = await bus.subscribe({
        ...options,
        groupId: `${prefix}.${options.groupId}`,
        topics: options.topics.map(outer),
        handler: (batch) => options.handler(innerBatch(batch)),
        ...(options.onHandlerError === undefined ? {} : { onHandlerError: (error, batch, attempt) => options.onHandlerError?.(error, innerBatch(batch), attempt) }),
      });
      return {
        pause: () => subscription.pause(),
        resume: () => subscription.resume(),
        assignments: () => subscription.assignments().map((a) => ({ ...a, topic: inner(a.topic) })),
        done: subscription.done,
        close: () => subscription.close(),
        [Symbol.asyncDispose]: () => subscription.close(),
      };
    },
    lag: async (groupId: string, topics: readonly string[]): Promise<PartitionLag[]> =>
      (await bus.lag(`${prefix}.${groupId}`, topics.map(outer))).map((l) => ({ ...l, topic: inner(l.topic) })),
    ping: () => bus.ping(),
    close: () => bus.close(),
  };
}
