import { describe, expect, it } from 'vitest';
import { ForecastInputError } from '../../forecasting/forecast-input-error.js';
import type { ForecastInput, ForecastOutput } from '../../forecasting/models/model.js';
import { listModels, MODELS } from '../../forecasting/models/registry.js';
import { autoForecast, forecastWith } from '../../forecasting/selection.js';

const LEVELS = [80, 95];
const noise = (t: number): number => Math.sin(t * 12.9898) * 43758.5453 % 1;

function expectTidy(out: ForecastOutput, input: ForecastInput): void {
  expect(out.mean).toHaveLength(input.horizon);
  for (const v of out.mean) expect(Number.isFinite(v)).toBe(true);
  for (let k = 0; k < input.horizon; k += 1) {
    const lo80 = out.lower['80']![k]!;
    const hi80 = out.upper['80']![k]!;
    const lo95 = out.lower['95']![k]!;
    const hi95 = out.upper['95']![k]!;
    const m = out.mean[k]!;
    expect(lo95 <= lo80 && lo80 <= m && m <= hi80 && hi80 <= hi95, `step ${k + 1}: ${lo95} ${lo80} ${m} ${hi80} ${hi95}`).toBe(true);
    if (input.y.every((v) => v >= 0)) expect(lo95).toBeGreaterThanOrEqual(0);
  }
}

describe('automatic selection', () => {
  it('rejects an empty series and non-finite values clearly', () => {
    expect(() => autoForecast({ y: [], season: 1, horizon: 3, levels: LEVELS })).toThrow(ForecastInputError);
    expect(() => autoForecast({ y: [1, Number.NaN, 3], season: 1, horizon: 3, levels: LEVELS })).toThrow(/observation 2 is not a finite number/);
    expect(() => autoForecast({ y: [1, 2], season: 1, horizon: 0, levels: LEVELS })).toThrow(/horizon/);
    expect(() => autoForecast({ y: [1, 2], season: 1, horizon: 2, levels: [100] })).toThrow(/level/);
  });

  for (const n of [1, 2, 3]) {
    it(`forecasts a series of length ${n} with the naive fallback`, () => {
      const input: ForecastInput = { y: [5, 7, 6].slice(0, n), season: 12, horizon: 4, levels: LEVELS };
      const out = autoForecast(input);
      expect(out.model).toBe('naive');
      expect(out.reason).toMatch(/only \d observation/);
      expectTidy(out, input);
      // One value gives no spread to learn from: the bands still have width.
      expect(out.upper['95']![0]!).toBeGreaterThan(out.mean[0]!);
    });
  }

  it('forecasts a constant series as that constant', () => {
    const input: ForecastInput = { y: new Array<number>(80).fill(42), season: 7, horizon: 10, levels: LEVELS };
    const out = autoForecast(input);
    for (const v of out.mean) expect(v).toBeCloseTo(42, 6);
    expectTidy(out, input);
  });

  it('handles huge values without overflow', () => {
    const input: ForecastInput = { y: Array.from({ length: 50 }, (_, t) => 1e15 * (1 + 0.01 * t + 0.02 * noise(t))), season: 1, horizon: 6, levels: LEVELS };
    const out = autoForecast(input);
    expectTidy(out, input);
    expect(out.mean[0]! / 1e15).toBeGreaterThan(1.3);
    expect(out.mean[0]! / 1e15).toBeLessThan(1.7);
  });

  it('sends intermittent demand to the intermittent combination with the class as reason', () => {
    const y = Array.from({ length: 48 }, (_, t) => (t % 5 === 2 ? 3 + (t % 3) : 0));
    const out = autoForecast({ y, season: 12, horizon: 6, levels: LEVELS });
    expect(out.model).toBe('intermittent-combination');
    expect(out.reason).toMatch(/^intermittent demand \(ADI 4\.80, CV² 0\.\d\d: (intermittent|lumpy)\); mean of ses, tsb, adida$/);
  });

  it('sends lumpy demand there too, and lowers the forecast of a part that stopped selling', () => {
    const lumpy = Array.from({ length: 48 }, (_, t) => (t % 5 === 2 ? [1, 30, 4, 12][t % 4]! : 0));
    const selling: ForecastInput = { y: lumpy, season: 12, horizon: 6, levels: LEVELS };
    const active = autoForecast(selling);
    expect(active.model).toBe('intermittent-combination');
    expect(active.reason).toContain(': lumpy)');
    expectTidy(active, selling);
    const stopped: ForecastInput = { ...selling, y: [...lumpy, ...new Array<number>(18).fill(0)] };
    const out = autoForecast(stopped);
    expect(out.model).toBe('intermittent-combination');
    expect(out.mean[0]!).toBeLessThan(0.5 * active.mean[0]!);
    expectTidy(out, stopped);
  });

  it('forecasts zero for a series that never had demand', () => {
    const input: ForecastInput = { y: new Array<number>(24).fill(0), season: 12, horizon: 3, levels: LEVELS };
    const out = autoForecast(input);
    expect(out.mean).toEqual([0, 0, 0]);
    expect(out.upper['95']).toEqual([0, 0, 0]);
    expect(out.reason).toMatch(/^intermittent demand .*no demand yet/);
  });

  it('chooses by rolling-origin CV on long series and records why', () => {
    const y = Array.from({ length: 200 }, (_, t) => 100 + 20 * Math.sin((2 * Math.PI * t) / 7) + noise(t));
    const input: ForecastInput = { y, season: 7, horizon: 14, levels: LEVELS };
    const out = autoForecast(input);
    expect(out.reason).toMatch(/^rolling-origin CV \(\d origins?\)/);
    expectTidy(out, input);
    const truth = Array.from({ length: 14 }, (_, k) => 100 + 20 * Math.sin((2 * Math.PI * (200 + k)) / 7));
    for (let k = 0; k < 14; k += 1) expect(Math.abs(out.mean[k]! - truth[k]!)).toBeLessThan(3);
  });

  it('uses the combination without a contest on short series', () => {
    const out = autoForecast({ y: Array.from({ length: 20 }, (_, t) => 10 + t + noise(t)), season: 1, horizon: 4, levels: LEVELS });
    expect(out.model).toBe('combination');
    expect(out.reason).toMatch(/^too short for cross-validation/);
  });

  it('a named model that does not apply falls back instead of failing', () => {
    const out = forecastWith('holt-winters-additive', { y: [1, 2, 3, 4, 5], season: 12, horizon: 2, levels: LEVELS });
    expect(out.reason).toContain('holt-winters-additive does not apply');
    expect(() => forecastWith('nope', { y: [1, 2], season: 1, horizon: 1, levels: LEVELS })).toThrow(/unknown model/);
  });
});

describe('intervals of every model', () => {
  // Positive (multiplicative models apply) but close enough to zero that unclipped bands would go negative.
  const y = Array.from({ length: 60 }, (_, t) => Math.max(0.5, 5 + 4 * Math.sin((2 * Math.PI * t) / 12) + 3 * noise(t)));
  for (const model of MODELS) {
    it(`${model.name}: ordered, nested, non-negative, widening`, () => {
      const input: ForecastInput = { y, season: 12, horizon: 24, levels: LEVELS };
      const out = model.forecast(input);
      expect(out, model.name).toBeDefined();
      expectTidy(out!, input);
      // Widening with the horizon: at the same seasonal position one season later, relative to the
      // mean for multiplicative-error models (their bands follow the level), measured above the mean (below it, clipping at
      // zero binds); intermittent models' empirical bands may stay flat.
      const relative = model.name.includes('multiplicative');
      const width = (k: number): number => (out!.upper['95']![k]! - out!.mean[k]!) / (relative ? out!.mean[k]! : 1);
      for (let k = 0; k < 12; k += 1) expect(width(k + 12)).toBeGreaterThanOrEqual(width(k) - 1e-9);
    });
  }
});

describe('registry', () => {
  it('lists auto and every model with name, version and description', () => {
    const list = listModels();
    expect(list[0]!.name).toBe('auto');
    expect(list.map((m) => m.name)).toEqual(expect.arrayContaining(['naive', 'seasonal-naive', 'ses', 'holt', 'damped-trend', 'holt-winters-additive', 'holt-winters-multiplicative', 'theta', 'combination', 'croston', 'sba', 'tsb', 'multi-seasonal']));
    for (const m of list) {
      expect(m.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(m.description.length).toBeGreaterThan(10);
    }
    expect(new Set(list.map((m) => m.name)).size).toBe(list.length);
  });
});
