import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBusBench } from '../../infra/cli/bench/bus-bench.js';
import { createEmbeddedEventBus } from '../../infra/event-bus/embedded-event-bus.js';
import type { EventBus } from '../../infra/event-bus/event-bus.js';
import { silentLogger } from '../../infra/logger.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('bus benchmark', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let bus: EventBus;
  beforeEach(async () => {
    dir = await tempDir('forgecast-bus-bench-');
    bus = await createEmbeddedEventBus({ dir: dir.path, partitions: 4, fsync: false, logger: silentLogger() });
  });
  afterEach(async () => {
    await bus.close();
    await dir.remove();
  });

  it('publishes and consumes the requested messages through the port and reports positive rates', async () => {
    // The real bus, observed on the way through: what the bench published and what it was handed.
    let published = 0;
    let handed = 0;
    const topics = new Set<string>();
    const observed: EventBus = {
      kind: bus.kind,
      ensureTopics: (specs) => bus.ensureTopics(specs),
      publish: async (topic, messages) => {
        topics.add(topic);
        expect(messages.every((m) => m.value.length === 100)).toBe(true);
        const receipts = await bus.publish(topic, messages);
        published += receipts.length;
        return receipts;
      },
      subscribe: (options) =>
        bus.subscribe({
          ...options,
          handler: (batch) => {
            handed += batch.messages.length;
            return options.handler(batch);
          },
        }),
      lag: (groupId, names) => bus.lag(groupId, names),
      ping: () => bus.ping(),
      close: () => bus.close(),
    };

    const result = await runBusBench(observed, { messages: 2_000, messageBytes: 100, mode: 'embedded' });
    expect(result).toMatchObject({ bench: 'bus', mode: 'embedded', messages: 2_000 });
    for (const rate of [result.produce_per_s, result.consume_per_s]) {
      expect(Number.isFinite(rate) && rate > 0, String(rate)).toBe(true);
    }
    expect(published).toBe(2_000);
    expect(handed).toBe(2_000);
    expect(topics.size).toBe(1);

    // A second run uses its own topic, so it never sees the first run's messages.
    await runBusBench(observed, { messages: 500, messageBytes: 100, mode: 'embedded' });
    expect(topics.size).toBe(2);
    expect(handed).toBe(2_500);
  });
});
