/**
 * The contract every Coordination adapter passes: the in-process store and Redis run this same
 * suite, so embedded mode cannot quietly drift from services mode. Each test gets a fresh harness
 * from the factory (for Redis: a key prefix of its own), so no test sees another's keys.
 *
 * Time: `advance` moves the adapter's clock — a fake clock for the in-process store, a real sleep
 * for Redis. Checks that something has expired wait past its TTL (a sleep can only make that more
 * true); checks that something is still there leave a wide margin, so a slow machine does not
 * turn them flaky.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Coordination, Lease } from '../../infra/coordination/coordination.js';
import { FgcError } from '../../infra/errors.js';

export interface CoordinationHarness {
  readonly coordination: Coordination;
  /** Moves the store's clock forward by `ms`; a real sleep when omitted. */
  readonly advance?: (ms: number) => Promise<void>;
  /** Closes the store and removes whatever the test left in it. */
  readonly cleanup: () => Promise<void>;
}

export type CoordinationFactory = () => Promise<CoordinationHarness>;

/** Short enough for real sleeps against Redis, long enough that "still there right after" holds. */
const TTL = 200;
/** Comfortably past TTL. */
const PAST_TTL = 300;
/** For keys and leases that must outlive the whole test. */
const LONG_TTL = 60_000;

const unavailable = { code: 'FGC_COORD_UNAVAILABLE' } as const;
const refused = { code: 'FGC_COORD_COMMAND_FAILED', retriable: false } as const;

export function describeCoordinationContract(name: string, factory: CoordinationFactory): void {
  describe(`Coordination contract: ${name}`, () => {
    let harness: CoordinationHarness;
    let store: Coordination;
    let advance: (ms: number) => Promise<void>;

    beforeEach(async () => {
      harness = await factory();
      store = harness.coordination;
      advance = harness.advance ?? ((ms) => sleep(ms));
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    describe('keys', () => {
      it('gets, overwrites and deletes a value', async () => {
        expect(await store.get('k')).toBeNull();
        await store.set('k', 'one');
        expect(await store.get('k')).toBe('one');
        await store.set('k', 'two');
        expect(await store.get('k')).toBe('two');
        expect(await store.del('k')).toBe(true);
        expect(await store.del('k')).toBe(false);
        expect(await store.get('k')).toBeNull();
      });

      it('expires a value set with a TTL', async () => {
        await store.set('k', 'v', TTL);
        expect(await store.get('k')).toBe('v');
        await advance(PAST_TTL);
        expect(await store.get('k')).toBeNull();
        expect(await store.del('k')).toBe(false);
      });

      it('clears an earlier TTL when set again without one, as Redis SET does', async () => {
        await store.set('k', 'short-lived', TTL);
        await store.set('k', 'kept');
        await advance(PAST_TTL);
        expect(await store.get('k')).toBe('kept');
      });

      it('setIfAbsent sets only an absent key, and again once its TTL has passed', async () => {
        expect(await store.setIfAbsent('k', 'first', TTL)).toBe(true);
        expect(await store.setIfAbsent('k', 'second', TTL)).toBe(false);
        expect(await store.get('k')).toBe('first');
        await advance(PAST_TTL);
        expect(await store.setIfAbsent('k', 'third', LONG_TTL)).toBe(true);
        expect(await store.get('k')).toBe('third');
      });

      it('setIfAbsent respects keys written by set and is free again after del', async () => {
        await store.set('k', 'plain');
        expect(await store.setIfAbsent('k', 'other', LONG_TTL)).toBe(false);
        expect(await store.del('k')).toBe(true);
        expect(await store.setIfAbsent('k', 'other', LONG_TTL)).toBe(true);
      });

      it('exactly one of many racing setIfAbsent calls wins', async () => {
        const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => store.setIfAbsent('idem', `caller-${i}`, LONG_TTL)));
        expect(wins.filter(Boolean)).toHaveLength(1);
        expect(await store.get('idem')).toBe(`caller-${wins.indexOf(true)}`);
      });

      it('keeps separate instances apart', async () => {
        const other = await factory();
        try {
          await store.set('shared-name', 'mine');
          await other.coordination.set('shared-name', 'theirs');
          expect(await store.get('shared-name')).toBe('mine');
          expect(await other.coordination.get('shared-name')).toBe('theirs');
        } finally {
          await other.cleanup();
        }
      });
    });

    describe('counters', () => {
      it('adds to a counter, returning each new value, readable as text', async () => {
        expect(await store.incr('n')).toBe(1);
        expect(await store.incr('n')).toBe(2);
        expect(await store.incr('n', 5)).toBe(7);
        expect(await store.incr('n', -10)).toBe(-3);
        expect(await store.get('n')).toBe('-3');
        expect(await store.incr('other', 4)).toBe(4);
      });

      it('starts a fixed window on the first increment only, then restarts the count', async () => {
        const window = 400;
        expect(await store.incr('window', 1, window)).toBe(1);
        await advance(150);
        // Had this call pushed the expiry out again, the counter would live until 150 + 400.
        expect(await store.incr('window', 1, window)).toBe(2);
        await advance(300); // 450 ms in: the window that began at 0 has closed
        expect(await store.get('window')).toBeNull();
        expect(await store.incr('window', 1, window)).toBe(1);
      });

      it('does not expire a counter created without a TTL, even when later calls pass one', async () => {
        expect(await store.incr('n')).toBe(1);
        expect(await store.incr('n', 1, TTL)).toBe(2);
        await advance(PAST_TTL);
        expect(await store.get('n')).toBe('2');
      });

      it('sums many parallel increments exactly, each caller seeing its own value', async () => {
        const values = await Promise.all(Array.from({ length: 100 }, () => store.incr('hits', 1, LONG_TTL)));
        expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
        expect(await store.get('hits')).toBe('100');
      });

      it('refuses to count a value that is not an integer, as a non-retriable error', async () => {
        await store.set('text', 'abc');
        await expect(store.incr('text')).rejects.toMatchObject(refused);
        expect(await store.get('text')).toBe('abc');
      });
    });

    describe('leases', () => {
      it('grants a free lease and refuses a second holder', async () => {
        const lease = await store.acquireLease('job', 'worker-a', LONG_TTL);
        expect(lease).toMatchObject({ name: 'job', holder: 'worker-a' });
        expect(lease!.token).toBeGreaterThan(0);
        expect(lease!.expiresAt).toBeGreaterThan(0);
        expect(await store.acquireLease('job', 'worker-b', LONG_TTL)).toBeNull();
      });

      it('keeps lease names independent', async () => {
        expect(await store.acquireLease('job-1', 'worker-a', LONG_TTL)).not.toBeNull();
        expect(await store.acquireLease('job-2', 'worker-b', LONG_TTL)).not.toBeNull();
      });

      it('lets the holder renew, which extends the lease past its first deadline', async () => {
        const lease = (await store.acquireLease('job', 'worker-a', TTL))!;
        await advance(100);
        const renewed = await store.renewLease(lease, 700);
        expect(renewed).toMatchObject({ name: 'job', holder: 'worker-a', token: lease.token });
        expect(renewed!.expiresAt).toBeGreaterThan(lease.expiresAt);
        await advance(200); // 300 ms in: past the first deadline (200), well before the new one (800)
        expect(await store.acquireLease('job', 'worker-b', LONG_TTL)).toBeNull();
        await advance(600); // 900 ms in: past the renewed deadline
        const next = await store.acquireLease('job', 'worker-b', LONG_TTL);
        expect(next!.token).toBeGreaterThan(lease.token);
      });

      it('hands a lapsed lease to the next holder with a greater token; the old token is dead', async () => {
        const first = (await store.acquireLease('job', 'worker-a', TTL))!;
        await advance(PAST_TTL);
        const second = (await store.acquireLease('job', 'worker-b', LONG_TTL))!;
        expect(second).not.toBeNull();
        expect(second.token).toBeGreaterThan(first.token);
        expect(await store.renewLease(first, LONG_TTL)).toBeNull();
        expect(await store.releaseLease(first)).toBe(false);
        // The stale holder's attempts changed nothing: worker-b still holds it.
        expect(await store.acquireLease('job', 'worker-c', LONG_TTL)).toBeNull();
        expect(await store.renewLease(second, LONG_TTL)).not.toBeNull();
      });

      it('releases only for the current holder and token, and never reuses a token', async () => {
        const lease = (await store.acquireLease('job', 'worker-a', LONG_TTL))!;
        const forged: Lease[] = [
          { ...lease, holder: 'worker-b' },
          { ...lease, token: lease.token + 1 },
          { ...lease, token: lease.token - 1 },
          { ...lease, name: 'other-job' },
        ];
        for (const fake of forged) {
          expect(await store.releaseLease(fake)).toBe(false);
          expect(await store.renewLease(fake, LONG_TTL)).toBeNull();
        }
        expect(await store.acquireLease('job', 'worker-b', LONG_TTL)).toBeNull();
        expect(await store.releaseLease(lease)).toBe(true);
        expect(await store.releaseLease(lease)).toBe(false);
        const next = (await store.acquireLease('job', 'worker-b', LONG_TTL))!;
        expect(next.token).toBeGreaterThan(lease.token);
      });

      it('gives a holder that acquires again a new token, making its old one stale', async () => {
        const old = (await store.acquireLease('job', 'worker-a', LONG_TTL))!;
        const again = (await store.acquireLease('job', 'worker-a', LONG_TTL))!;
        expect(again.token).toBeGreaterThan(old.token);
        expect(await store.renewLease(old, LONG_TTL)).toBeNull();
        expect(await store.releaseLease(old)).toBe(false);
        expect(await store.renewLease(again, LONG_TTL)).not.toBeNull();
      });

      it('lets exactly one of many racing holders win', async () => {
        const results = await Promise.all(Array.from({ length: 25 }, (_, i) => store.acquireLease('job', `worker-${i}`, LONG_TTL)));
        const winners = results.filter((lease): lease is Lease => lease !== null);
        expect(winners).toHaveLength(1);
        expect(await store.acquireLease('job', 'late-worker', LONG_TTL)).toBeNull();
        expect(await store.releaseLease(winners[0]!)).toBe(true);
      });
    });

    describe('sorted sets', () => {
      it('lists members due by maxScore, lowest score first, ties by member, at most limit', async () => {
        await store.zadd('due', 3, 'c');
        await store.zadd('due', 1, 'a');
        await store.zadd('due', 5, 'e');
        await store.zadd('due', 2.5, 'b');
        await store.zadd('due', 3, 'b2');
        await store.zadd('due', -1, 'neg');
        expect(await store.zrangeByScore('due', 3, 10)).toEqual([
          { member: 'neg', score: -1 },
          { member: 'a', score: 1 },
          { member: 'b', score: 2.5 },
          { member: 'b2', score: 3 },
          { member: 'c', score: 3 },
        ]);
        expect(await store.zrangeByScore('due', 3, 2)).toEqual([
          { member: 'neg', score: -1 },
          { member: 'a', score: 1 },
        ]);
        expect(await store.zrangeByScore('due', 2.9, 10)).toHaveLength(3);
        expect(await store.zrangeByScore('due', -2, 10)).toEqual([]);
        expect(await store.zrangeByScore('due', Number.POSITIVE_INFINITY, 100)).toHaveLength(6);
        expect(await store.zrangeByScore('due', 10, 0)).toEqual([]);
      });

      it('keeps large, precise scores such as epoch milliseconds', async () => {
        const at = 1_767_225_600_123.5;
        await store.zadd('due', at, 'm');
        expect(await store.zrangeByScore('due', at, 1)).toEqual([{ member: 'm', score: at }]);
        expect(await store.zrangeByScore('due', at - 1, 1)).toEqual([]);
      });

      it('moves a member when it is added again', async () => {
        await store.zadd('due', 1, 'a');
        await store.zadd('due', 2, 'b');
        await store.zadd('due', 9, 'a');
        expect(await store.zrangeByScore('due', 10, 10)).toEqual([
          { member: 'b', score: 2 },
          { member: 'a', score: 9 },
        ]);
        expect(await store.zrangeByScore('due', 5, 10)).toEqual([{ member: 'b', score: 2 }]);
      });

      it('returns nothing for a missing set', async () => {
        expect(await store.zrangeByScore('nothing-here', 100, 10)).toEqual([]);
        expect(await store.zrem('nothing-here', 'm')).toBe(false);
      });

      it('lets exactly one of many racing workers remove a member', async () => {
        await store.zadd('due', 1, 'retry-1');
        await store.zadd('due', 2, 'retry-2');
        const removed = await Promise.all(Array.from({ length: 10 }, () => store.zrem('due', 'retry-1')));
        expect(removed.filter(Boolean)).toHaveLength(1);
        expect(await store.zrangeByScore('due', 10, 10)).toEqual([{ member: 'retry-2', score: 2 }]);
        expect(await store.zrem('due', 'retry-2')).toBe(true);
        expect(await store.zrangeByScore('due', 10, 10)).toEqual([]);
        expect(await store.del('due')).toBe(false); // the set went with its last member, as in Redis
        await store.zadd('due', 3, 'retry-3'); // an emptied set can be used again
        expect(await store.zrangeByScore('due', 10, 10)).toEqual([{ member: 'retry-3', score: 3 }]);
      });

      it('refuses to use one key as two kinds of value', async () => {
        await store.zadd('due', 1, 'm');
        await expect(store.get('due')).rejects.toMatchObject(refused);
        await expect(store.incr('due')).rejects.toMatchObject(refused);
        await store.set('plain', 'v');
        await expect(store.zadd('plain', 1, 'm')).rejects.toMatchObject(refused);
      });
    });

    describe('arguments and lifecycle', () => {
      it('rejects TTLs, increments, scores and limits neither adapter can honour', async () => {
        for (const ttl of [0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
          await expect(store.setIfAbsent('k', 'v', ttl)).rejects.toBeInstanceOf(RangeError);
          await expect(store.set('k', 'v', ttl)).rejects.toBeInstanceOf(RangeError);
          await expect(store.incr('n', 1, ttl)).rejects.toBeInstanceOf(RangeError);
          await expect(store.acquireLease('job', 'w', ttl)).rejects.toBeInstanceOf(RangeError);
        }
        const lease = (await store.acquireLease('job', 'w', LONG_TTL))!;
        await expect(store.renewLease(lease, 0)).rejects.toBeInstanceOf(RangeError);
        await expect(store.incr('n', 1.5)).rejects.toBeInstanceOf(RangeError);
        await expect(store.zadd('due', Number.NaN, 'm')).rejects.toBeInstanceOf(RangeError);
        await expect(store.zrangeByScore('due', 1, -1)).rejects.toBeInstanceOf(RangeError);
        // Nothing was written by the refused calls.
        expect(await store.get('k')).toBeNull();
        expect(await store.get('n')).toBeNull();
        expect(await store.zrangeByScore('due', Number.POSITIVE_INFINITY, 10)).toEqual([]);
      });

      it('answers ping while open, and refuses everything once closed', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
        await store.close();
        await store.close(); // idempotent
        for (const call of [() => store.ping(), () => store.get('k'), () => store.incr('n'), () => store.acquireLease('job', 'w', LONG_TTL)]) {
          const error: unknown = await call().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(FgcError);
          expect(error).toMatchObject({ ...unavailable, retriable: false });
        }
      });
    });
  });
}
