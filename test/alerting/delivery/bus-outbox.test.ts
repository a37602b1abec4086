import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Notification } from '../../../alerting/alert-model.js';
import { createBusOutbox, NOTIFICATIONS_TOPIC, outboxKey } from '../../../alerting/delivery/bus-outbox.js';
import { decodeNotification } from '../../../alerting/delivery/notification-codec.js';
import { createEmbeddedEventBus } from '../../../infra/event-bus/embedded-event-bus.js';
import type { ConsumedMessage, EventBus, TopicSpec } from '../../../infra/event-bus/event-bus.js';
import { silentLogger } from '../../../infra/logger.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { notification } from './delivery-fixtures.js';

describe('bus outbox', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let bus: EventBus;
  let ensured: TopicSpec[][];
  let failEnsure: boolean;
  /** The bus, counting ensureTopics calls and able to fail them. */
  let spied: EventBus;

  beforeEach(async () => {
    dir = await tempDir('forgecast-outbox-');
    bus = await createEmbeddedEventBus({ dir: dir.path, partitions: 4, fsync: false, logger: silentLogger() });
    ensured = [];
    failEnsure = false;
    spied = {
      ...bus,
      kind: bus.kind,
      ensureTopics: (topics) => {
        ensured.push([...topics]);
        return failEnsure ? Promise.reject(new Error('broker down')) : bus.ensureTopics(topics);
      },
      publish: (topic, messages) => bus.publish(topic, messages),
      subscribe: (options) => bus.subscribe(options),
      lag: (groupId, topics) => bus.lag(groupId, topics),
    };
  });
  afterEach(async () => {
    await bus.close();
    await dir.remove();
  });

  async function consume(count: number): Promise<ConsumedMessage[]> {
    const seen: ConsumedMessage[] = [];
    const subscription = await bus.subscribe({ groupId: `read-${Math.random()}`, topics: [NOTIFICATIONS_TOPIC], handler: async (b) => void seen.push(...b.messages) });
    await waitFor(`${count} outbox messages`, () => seen.length >= count);
    await subscription.close();
    return seen;
  }

  it('publishes each notification as JSON keyed tenant|user, so one user stays on one partition in order', async () => {
    const outbox = createBusOutbox(spied, { partitions: 3 });
    const users = ['ana', 'bo', 'chen', 'dörte'];
    const sent: Notification[] = [];
    for (let round = 0; round < 5; round++) {
      const batch = users.map((user_id) => notification(`n-${round}-${user_id}`, { user_id }));
      sent.push(...batch);
      await outbox.enqueue(batch);
    }
    expect(ensured).toEqual([[{ topic: NOTIFICATIONS_TOPIC, partitions: 3 }]]);
    const messages = await consume(20);
    expect(messages).toHaveLength(20);
    for (const user of users) {
      const mine = messages.filter((m) => m.key === `t1|${user}`);
      expect(new Set(mine.map((m) => m.partition)).size).toBe(1);
      expect(mine.map((m) => decodeNotification(m.value).notification_id)).toEqual([0, 1, 2, 3, 4].map((r) => `n-${r}-${user}`));
      expect(mine[0]!.headers).toMatchObject({ 'content-type': 'application/json', 'idempotency-key': `n-0-${user}:email` });
    }
    expect(messages.map((m) => decodeNotification(m.value)).sort((a, b) => a.notification_id.localeCompare(b.notification_id))).toEqual(
      [...sent].sort((a, b) => a.notification_id.localeCompare(b.notification_id)),
    );
    expect(outboxKey({ tenant_id: 'acme', user_id: 'x|y' })).toBe('acme|x|y');
    expect((await bus.lag('nobody', [NOTIFICATIONS_TOPIC])).length).toBe(3);
  });

  it('does nothing for an empty call, and publishes nothing when one notification of the call is malformed', async () => {
    const outbox = createBusOutbox(spied);
    await outbox.enqueue([]);
    expect(ensured).toEqual([]);
    const bad = { ...notification('n-bad'), target: { channel: 'slack', conversation: 'C1' } } as Notification;
    await expect(outbox.enqueue([notification('n-good'), bad])).rejects.toMatchObject({ code: 'FGC_NOTIFICATION_MALFORMED' });
    await outbox.enqueue([notification('n-after')]);
    const messages = await consume(1);
    expect(messages.map((m) => decodeNotification(m.value).notification_id)).toEqual(['n-after']);
  });

  it('tries to create the topic again after a failed attempt', async () => {
    const outbox = createBusOutbox(spied, { topic: 'custom.outbox' });
    failEnsure = true;
    await expect(outbox.enqueue([notification('n-1')])).rejects.toThrow('broker down');
    failEnsure = false;
    await outbox.enqueue([notification('n-2')]);
    await outbox.enqueue([notification('n-3')]);
    expect(ensured).toHaveLength(2);
    const lag = await bus.lag('g', ['custom.outbox']);
    expect(lag.reduce((sum, l) => sum + l.lag, 0)).toBe(2);
  });
});
