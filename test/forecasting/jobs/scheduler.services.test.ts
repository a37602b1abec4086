/**
 * Two schedulers (two replicas) over ONE real Redis (REDIS_URL): a job never runs on both at
 * once, and each cron slot runs once. Each replica has its own Redis connection, as replicas do.
 * Every key lives under this file's prefix and is deleted afterwards. Fails — never skips —
 * without a reachable Redis.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisCoordination } from '../../../infra/coordination/redis-coordination.js';
import { silentLogger } from '../../../infra/logger.js';
import { requireService } from '../../helpers/services.js';
import { uniqueName } from '../../helpers/temp-dir.js';
import { FakeClock } from './fake-clock.js';
import { platform, replica } from './job-fixture.js';

const REDIS_URL = requireService('REDIS_URL', 'start redis-server, e.g. redis-server --daemonize yes');
const PREFIX = `${uniqueName('fgc-test-forecast-jobs')}:`;
const admin = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
admin.on('error', () => {
  // Reported by the failing command instead.
});
// Checked while the file loads, so a missing Redis fails the file with one clear error.
await admin.connect();

async function keysUnderPrefix(): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${PREFIX.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 500);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

afterAll(async () => {
  const keys = await keysUnderPrefix();
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

describe('forecast schedulers over Redis', () => {
  it('never run the same job at once across replicas, and run each slot once', async () => {
    const p = platform();
    const coordinationA = await createRedisCoordination({ url: REDIS_URL, keyPrefix: PREFIX, logger: silentLogger() });
    const coordinationB = await createRedisCoordination({ url: REDIS_URL, keyPrefix: PREFIX, logger: silentLogger() });
    const clock = new FakeClock(Date.parse('2024-07-01T01:59:30Z'));
    const a = replica(p, coordinationA, 'replica-a', { clock });
    const b = replica(p, coordinationB, 'replica-b', { clock });
    try {
      await a.scheduler.start();
      await b.scheduler.start();
      p.gate.close();
      await clock.advanceTo(Date.parse('2024-07-01T02:00:30Z'));
      // Wait (real time: Redis round trips) until one replica holds the run.
      for (let i = 0; i < 200 && p.runs.latest().length === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
      expect(p.runs.latest().map((r) => r.job)).toEqual(['nightly']);
      const holder = p.runs.latest()[0]!.holder;
      const other = holder === 'replica-a' ? b : a;
      await expect(other.runner.trigger('nightly', 'default')).rejects.toMatchObject({ code: 'FGC_FORECAST_JOB_BUSY' });
      p.gate.open();
      await Promise.all([...a.scheduler.inFlight(), ...b.scheduler.inFlight()]);
      expect(await other.runner.runScheduled('nightly', Date.parse('2024-07-01T02:00:00Z'), 'schedule')).toBeUndefined();

      await clock.advanceTo(Date.parse('2024-07-02T02:00:30Z'));
      for (let i = 0; i < 500 && [...a.scheduler.inFlight(), ...b.scheduler.inFlight()].length > 0; i += 1) {
        await Promise.all([...a.scheduler.inFlight(), ...b.scheduler.inFlight()]);
      }
      const nightly = p.runs.latest().filter((r) => r.job === 'nightly');
      expect(nightly.map((r) => [r.scheduled_for, r.status])).toEqual([
        ['2024-07-02T02:00:00.000Z', 'success'],
        ['2024-07-01T02:00:00.000Z', 'success'],
      ]);
      expect(nightly[0]!.fencing_token).toBeGreaterThan(nightly[1]!.fencing_token);
      expect(p.runs.overlaps).toEqual([]);
    } finally {
      p.gate.open();
      await a.scheduler.stop();
      await b.scheduler.stop();
      await coordinationA.close();
      await coordinationB.close();
    }
  });
});
