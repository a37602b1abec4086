import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { FgcError } from '../../../infra/errors.js';
import type { ForecastTask } from '../../../forecasting/offline/forecast-task.js';
import { runTask } from '../../../forecasting/offline/run-task.js';
import { ForecastWorkerPool } from '../../../forecasting/offline/worker-pool.js';

const pools: ForecastWorkerPool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.close();
});

function pool(size: number, startWorker?: () => Worker): ForecastWorkerPool {
  const p = new ForecastWorkerPool(size, startWorker === undefined ? {} : { startWorker });
  pools.push(p);
  return p;
}

function task(id: string, n: number, model = 'auto'): ForecastTask {
  return { id, y: Array.from({ length: n }, (_, t) => 50 + 10 * Math.sin((2 * Math.PI * t) / 7) + (t % 5)), season: 7, horizon: 7, levels: [80, 95], model };
}

/** A worker that exits as soon as it is sent anything (a crash mid-fit). */
const crashingWorker = (): Worker => new Worker("require('node:worker_threads').parentPort.on('message', () => process.exit(3));", { eval: true });

describe('forecast worker pool', () => {
  it('starts no thread until the first batch, then at most its size, and answers like the in-process task', async () => {
    const p = pool(2);
    expect(p.alive).toBe(0);
    const batches = Array.from({ length: 5 }, (_, b) => [task(`a${b}`, 30 + b), task(`b${b}`, 20 + b, 'naive')]);
    const results = await Promise.all(batches.map((batch) => p.run(batch)));
    expect(p.alive).toBeGreaterThan(0);
    expect(p.alive).toBeLessThanOrEqual(2);
    expect(results).toEqual(batches.map((batch) => batch.map(runTask)));
    expect(results.flat().map((r) => r.id)).toEqual(batches.flat().map((t) => t.id));
  });

  it('returns bad input as a result with its code, never as a crash', async () => {
    const p = pool(1);
    const [bad, good] = await p.run([{ ...task('bad', 10), y: [] }, task('good', 10)]);
    expect(bad).toEqual({ id: 'bad', error: 'cannot forecast a series with no observations', code: 'FGC_FORECAST_INVALID_INPUT' });
    expect(good && 'output' in good).toBe(true);
  });

  it('rejects tasks that cannot be sent to a thread and keeps serving', async () => {
    const p = pool(1);
    const unclonable = { ...task('f', 10), y: [1, 2, (() => 3) as unknown as number] };
    await expect(p.run([unclonable])).rejects.toMatchObject({ code: 'FGC_FORECAST_INVALID_INPUT' });
    const [ok] = await p.run([task('after', 12)]);
    expect(ok).toEqual(runTask(task('after', 12)));
  });

  it('fails the batch of a worker that dies and starts a replacement for the next one', async () => {
    let started = 0;
    const p = pool(1, () => {
      started += 1;
      return crashingWorker();
    });
    await expect(p.run([task('x', 10)])).rejects.toMatchObject({ code: 'FGC_FORECAST_WORKER_FAILED', message: expect.stringContaining('code 3') as unknown });
    expect(p.alive).toBe(0);
    await expect(p.run([task('y', 10)])).rejects.toBeInstanceOf(FgcError);
    expect(started).toBe(2);
  });

  it('closes cleanly: queued and in-flight batches fail as closed, every thread ends, later runs are refused', async () => {
    const p = pool(1);
    await p.run([task('warm', 10)]);
    // A long fit holds the only worker; the second batch waits in the queue.
    const inFlight = p.run([task('long', 1200)]);
    const queued = p.run([task('queued', 10)]);
    const settled = Promise.allSettled([inFlight, queued]);
    await p.close();
    const outcomes = await settled;
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    for (const o of outcomes) expect(o.status === 'rejected' ? (o.reason as FgcError).code : o.status).toBe('FGC_FORECAST_EXECUTOR_CLOSED');
    expect(p.alive).toBe(0);
    await expect(p.run([task('late', 10)])).rejects.toMatchObject({ code: 'FGC_FORECAST_EXECUTOR_CLOSED' });
    await p.close();
  });

  it('answers an empty batch without starting a thread and refuses a size below one', async () => {
    const p = pool(3);
    expect(await p.run([])).toEqual([]);
    expect(p.alive).toBe(0);
    expect(() => new ForecastWorkerPool(0)).toThrow(RangeError);
    expect(() => new ForecastWorkerPool(1.5)).toThrow(RangeError);
  });
});
