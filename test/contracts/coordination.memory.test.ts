/**
 * The coordination contract against the in-process store, on a fake clock (no sleeping), plus the
 * two things only this adapter has: the injected clock and the background sweep.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createMemoryCoordination } from '../../infra/coordination/memory-coordination.js';
import { describeCoordinationContract } from './coordination.contract.js';

/** A clock that only moves when told; starts at a realistic epoch so deadlines look like real ones. */
function fakeClock(start = Date.UTC(2030, 0, 1)): { now: () => number; advance: (ms: number) => Promise<void> } {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
      return Promise.resolve();
    },
  };
}

describeCoordinationContract('in-process store', () => {
  const clock = fakeClock();
  const coordination = createMemoryCoordination({ now: clock.now });
  return Promise.resolve({ coordination, advance: clock.advance, cleanup: () => coordination.close() });
});

describe('in-process store specifics', () => {
  it('measures every deadline on the injected clock', async () => {
    const clock = fakeClock(1_000);
    const store = createMemoryCoordination({ now: clock.now });
    try {
      expect(await store.acquireLease('job', 'w', 500)).toMatchObject({ token: 1, expiresAt: 1_500 });
      await clock.advance(499);
      expect(await store.acquireLease('job', 'other', 500)).toBeNull();
      await clock.advance(1);
      expect(await store.acquireLease('job', 'other', 500)).toMatchObject({ token: 2, expiresAt: 2_000 });

      await store.set('k', 'v', 100);
      await clock.advance(99);
      expect(await store.get('k')).toBe('v');
      await clock.advance(1);
      expect(await store.get('k')).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('sweeps in the background without touching live entries', async () => {
    const clock = fakeClock();
    const store = createMemoryCoordination({ now: clock.now, sweepIntervalMs: 5 });
    try {
      await store.set('lives', 'v', 10_000);
      await store.set('dies', 'v', 10);
      await store.incr('window', 1, 10);
      await store.zadd('due', 1, 'm');
      const lease = (await store.acquireLease('job', 'w', 10_000))!;
      const lapsed = (await store.acquireLease('lapsed', 'w', 10))!;
      await clock.advance(100);
      await sleep(40); // several sweeps run on real timers
      expect(await store.get('lives')).toBe('v');
      expect(await store.get('dies')).toBeNull();
      expect(await store.incr('window', 1, 10)).toBe(1);
      expect(await store.zrangeByScore('due', 1, 10)).toEqual([{ member: 'm', score: 1 }]);
      expect(await store.renewLease(lease, 10_000)).not.toBeNull();
      // The sweep dropped the lapsed lease but not its fencing counter.
      expect((await store.acquireLease('lapsed', 'w2', 10))!.token).toBeGreaterThan(lapsed.token);
    } finally {
      await store.close();
    }
  });
});
