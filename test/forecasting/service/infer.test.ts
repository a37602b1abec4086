import { afterAll, describe, expect, it } from 'vitest';
import { simulateDailySeries } from '../../../forecasting/accuracy/simulated-demand.js';
import { ForecastInputError } from '../../../forecasting/forecast-input-error.js';
import { inProcessFitExecutor, workerThreadFitExecutor, type FitExecutor } from '../../../forecasting/service/fit-executor.js';
import { infer } from '../../../forecasting/service/infer.js';

const inProcess = inProcessFitExecutor();
const threads = workerThreadFitExecutor(1);
afterAll(async () => {
  await threads.close();
});

/** Timer ticks (every 5 ms) seen while `work` runs: about none when it holds the event loop. */
async function ticksDuring(work: () => Promise<unknown>): Promise<number> {
  let ticks = 0;
  const timer = setInterval(() => {
    ticks += 1;
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return ticks;
}

describe('POST /api/v1/infer on the fit executor', () => {
  const y = simulateDailySeries(1, 7)[0]!;

  it('answers the same forecast on worker threads as in process, with bounds on every step', async () => {
    const request = { series: y.slice(-400), season: 7, horizon: 14, levels: [80, 95] };
    const [local, remote] = await Promise.all([infer(request, inProcess), infer(request, threads)]);
    expect(remote).toEqual(local);
    expect(remote.points).toHaveLength(14);
    for (const p of remote.points) {
      expect(p.lower['95']).toBeLessThanOrEqual(p.lower['80']!);
      expect(p.upper['95']).toBeGreaterThanOrEqual(p.upper['80']!);
    }
  });

  it('rejects bad numbers from a worker with the same ForecastInputError as in process', async () => {
    const request = { series: [1, 2, 3], horizon: 2, model: 'no-such-model' };
    const local = await infer(request, inProcess).then(() => undefined, (e: unknown) => e);
    const remote = await infer(request, threads).then(() => undefined, (e: unknown) => e);
    expect(remote).toBeInstanceOf(ForecastInputError);
    expect((remote as Error).message).toBe((local as Error).message);
  });

  it('keeps the event loop turning while a long series is fitted on a thread (in process it does not)', async () => {
    // Ten years of daily points, repeated: a fit of about half a second or more.
    const long = Array.from({ length: 30_000 }, (_, t) => y[t % y.length]!);
    const request = { series: long, season: 7, horizon: 28 };
    const run = (executor: FitExecutor) => ticksDuring(() => infer(request, executor));
    const onThread = await run(threads);
    const onMain = await run(inProcess);
    expect(onMain).toBeLessThanOrEqual(2);
    expect(onThread).toBeGreaterThan(10);
  });
});
