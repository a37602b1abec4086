import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FgcError } from '../../../infra/errors.js';
import { simulateDailySeries } from '../../../forecasting/accuracy/simulated-demand.js';
import { ForecastInputError } from '../../../forecasting/forecast-input-error.js';
import { forecastWith } from '../../../forecasting/selection.js';
import { backtest } from '../../../forecasting/service/backtest.js';
import { createFitExecutor, inProcessFitExecutor, workerThreadFitExecutor, type FitInput } from '../../../forecasting/service/fit-executor.js';

const inProcess = inProcessFitExecutor();
const threads = workerThreadFitExecutor(2);
afterAll(async () => {
  await threads.close();
});

// Simulated series: the first four seasonal with trend, the fifth intermittent (spare-part like).
const sim = simulateDailySeries(5, 99);
const INPUTS: Readonly<Record<string, FitInput>> = {
  'seasonal daily, auto': { y: sim[0]!.slice(-200), season: 7, horizon: 14, levels: [80, 95], model: 'auto' },
  'long daily, auto (CV on one origin)': { y: sim[1]!.slice(-500), season: 7, horizon: 28, levels: [95], model: 'auto' },
  'intermittent, auto': { y: sim[4]!.slice(-180), season: 7, horizon: 7, levels: [50, 80, 95], model: 'auto' },
  'named model theta': { y: sim[2]!.slice(-90), season: 7, horizon: 10, levels: [80, 95], model: 'theta' },
  'three observations: naive': { y: [3, 4, 5], season: 1, horizon: 2, levels: [80], model: 'auto' },
  'constant series': { y: new Array<number>(40).fill(12), season: 7, horizon: 5, levels: [80, 95], model: 'auto' },
  'negative values': { y: Array.from({ length: 30 }, (_, t) => -100 + t * 3 - (t % 4)), season: 1, horizon: 4, levels: [80, 95], model: 'auto' },
  'shorter backtest horizon': { y: sim[3]!.slice(-120), season: 7, horizon: 30, levels: [80, 95], model: 'auto', backtestHorizon: 5 },
};

describe('fit executors', () => {
  for (const [name, input] of Object.entries(INPUTS)) {
    it(`gives the same forecast and backtest in process and on threads: ${name}`, async () => {
      const [local, remote] = await Promise.all([inProcess.fit(input), threads.fit(input)]);
      expect(remote).toEqual(local);
      // …and both are what the service computed before executors existed.
      expect(local.output).toEqual(forecastWith(input.model, { y: input.y, season: input.season, horizon: input.horizon, levels: input.levels }));
      expect(local.accuracy).toEqual(backtest({ y: input.y, season: input.season, horizon: input.backtestHorizon ?? input.horizon, levels: input.levels, model: input.model }));
      expect(local.output.mean).toHaveLength(input.horizon);
    });
  }

  it('answers many concurrent fits (more than threads) each with its own result', async () => {
    const inputs = Array.from({ length: 12 }, (_, i): FitInput => ({ y: sim[i % 4]!.slice(-(60 + 10 * i)), season: 7, horizon: 7 + i, levels: [80, 95], model: 'auto' }));
    const remote = await Promise.all(inputs.map((input) => threads.fit(input)));
    const local = await Promise.all(inputs.map((input) => inProcess.fit(input)));
    expect(remote).toEqual(local);
    expect(remote.map((r) => r.output.mean.length)).toEqual(inputs.map((i) => i.horizon));
  });

  it('matches on random series too (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom('auto', 'naive', 'theta', 'ets-auto'),
        async (y, horizon, model) => {
          const input: FitInput = { y, season: 1, horizon, levels: [80, 95], model };
          expect(await threads.fit(input)).toEqual(await inProcess.fit(input));
        },
      ),
      { numRuns: 25 },
    );
  });

  const BAD: Readonly<Record<string, FitInput>> = {
    'no observations': { y: [], season: 1, horizon: 3, levels: [80], model: 'auto' },
    'a NaN': { y: [1, Number.NaN, 3, 4], season: 1, horizon: 3, levels: [80], model: 'auto' },
    'an infinite value': { y: [1, 2, Number.POSITIVE_INFINITY], season: 1, horizon: 3, levels: [80], model: 'auto' },
    'horizon 0': { y: [1, 2, 3, 4, 5], season: 1, horizon: 0, levels: [80], model: 'auto' },
    'level 100': { y: [1, 2, 3, 4, 5], season: 1, horizon: 2, levels: [100], model: 'auto' },
    'unknown unicode model': { y: [1, 2, 3, 4, 5], season: 1, horizon: 2, levels: [80], model: 'prophète-✓' },
  };
  for (const [name, input] of Object.entries(BAD)) {
    it(`rejects ${name} with the same ForecastInputError either way`, async () => {
      const local = await inProcess.fit(input).then(() => undefined, (e: unknown) => e);
      const remote = await threads.fit(input).then(() => undefined, (e: unknown) => e);
      expect(local).toBeInstanceOf(ForecastInputError);
      expect(remote).toBeInstanceOf(ForecastInputError);
      expect((remote as ForecastInputError).message).toBe((local as ForecastInputError).message);
      expect((remote as ForecastInputError).code).toBe('FGC_FORECAST_INVALID_INPUT');
    });
  }

  it('refuses fits once closed, in process and on threads; close is idempotent', async () => {
    const local = inProcessFitExecutor();
    const remote = workerThreadFitExecutor(1);
    const input = INPUTS['three observations: naive']!;
    await expect(remote.fit(input)).resolves.toMatchObject({ output: { model: 'naive' } });
    await local.close();
    await remote.close();
    await remote.close();
    for (const executor of [local, remote]) {
      const error = await executor.fit(input).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(FgcError);
      expect(error).toMatchObject({ code: 'FGC_FORECAST_EXECUTOR_CLOSED', retriable: true });
    }
  });

  it('picks threads for workers ≥ 1 and the main thread for 0', async () => {
    const zero = createFitExecutor({ workers: 0 });
    const three = createFitExecutor({ workers: 3 });
    expect([zero.workers, three.workers]).toEqual([0, 3]);
    await zero.close();
    await three.close();
    expect(() => createFitExecutor({ workers: -1 }).workers).not.toThrow();
    expect(createFitExecutor({ workers: -1 }).workers).toBe(0);
  });
});
