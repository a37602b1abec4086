import { describe, expect, it } from 'vitest';
import { backtest } from '../../../forecasting/service/backtest.js';
import { boundBreaches, realizedAccuracy } from '../../../forecasting/service/realized-accuracy.js';

describe('rolling-origin backtest', () => {
  it('scores a perfectly predictable series as perfect, over three windows', () => {
    const y = Array.from({ length: 48 }, (_, t) => [10, 20, 30, 40][t % 4]!);
    const acc = backtest({ y, season: 4, horizon: 4, levels: [80, 95], model: 'seasonal-naive' });
    expect(acc).toMatchObject({ wape: 0, mase: 0, bias: 0, coverage_95: 1, windows: 3, horizon: 4 });
  });

  it('measures the error of a wrong model: WAPE, MASE and signed bias by hand', () => {
    // Level 10 then a jump to 20 in the held-out part: naive trained on 10s forecasts 10, actual 20.
    const y = [...new Array<number>(8).fill(10), 11, 9, 10, 10, 20, 20, 20, 20];
    const acc = backtest({ y, season: 1, horizon: 4, levels: [95], model: 'naive' });
    // Windows: cut 12 (train ends …10, actual 20×4) → error 10 each; cut 8 (train 10s, actual 11,9,10,10) → errors 1,1,0,0;
    // cut 4 would leave fewer than 8 training points.
    expect(acc.windows).toBe(2);
    expect(acc.wape).toBeCloseTo((40 + 2) / (80 + 40), 10);
    expect(acc.bias).toBeCloseTo(-(40 + 0) / 8, 10); // (10−20)·4 + (10−11 + 10−9 + 0 + 0) = −40
    // MASE: the first window's scale is 4/11 (naive steps of the training part); the flat second
    // window has no scale and is left out of the mean.
    expect(acc.mase).toBeCloseTo(10 / (4 / 11), 10);
    expect(acc.coverage['95']).toBe(acc.coverage_95);
    expect(acc.coverage_95!).toBeLessThan(1);
  });

  it('reports no windows and null metrics when the history is too short', () => {
    const acc = backtest({ y: [1, 2, 3], season: 1, horizon: 2, levels: [80], model: 'auto' });
    expect(acc).toEqual({ wape: null, mase: null, bias: null, coverage_95: null, coverage: { '80': null }, msis: null, windows: 0, horizon: 0 });
  });
});

describe('realized accuracy and bound breaches', () => {
  const version = {
    levels: [80, 95],
    points: [
      { period_start: '2024-07-01', value: 10, lower: { '80': 8, '95': 6 }, upper: { '80': 12, '95': 14 } },
      { period_start: '2024-07-02', value: 10, lower: { '80': 8, '95': 6 }, upper: { '80': 12, '95': 14 } },
      { period_start: '2024-07-03', value: 10, lower: { '80': 8, '95': 6 }, upper: { '80': 12, '95': 14 } },
    ],
  };
  const actuals = new Map([
    ['2024-07-01', 13],
    ['2024-07-02', 2],
  ]);

  it('pools the points that have actuals', () => {
    expect(realizedAccuracy([version], actuals)).toEqual({ points: 2, versions: 1, wape: (3 + 8) / 15, bias: (-3 + 8) / 2, coverage_95: 0.5, coverage: { '80': 0, '95': 0.5 } });
    expect(realizedAccuracy([version], new Map()).points).toBe(0);
  });

  it('lists actuals outside the widest band', () => {
    expect(boundBreaches(version, actuals)).toEqual([{ period_start: '2024-07-02', actual: 2, forecast: 10, level: 95, lower: 6, upper: 14, direction: 'below' }]);
    expect(boundBreaches(version, actuals, 80).map((b) => b.direction)).toEqual(['above', 'below']);
  });
});
