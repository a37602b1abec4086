import { describe, expect, it } from 'vitest';
import { datasetAccuracy, owa } from '../../forecasting/accuracy/aggregate.js';
import { acd, bias, coverageCount, mase, msis, rmsse, smape, wape } from '../../forecasting/accuracy/metrics.js';

describe('point and interval metrics', () => {
  it('sMAPE and MASE follow the M4 definitions', () => {
    expect(smape([100, 200], [110, 180])).toBeCloseTo(100 * (10 / 210 + 20 / 380), 10);
    expect(smape([0], [0])).toBe(0);
    // scale: mean |y_t − y_{t−1}| = 1; mean abs error 2
    expect(mase([1, 2, 3, 4], [5, 6], [7, 8], 1)).toBeCloseTo(2, 10);
    // seasonal scale at m = 2: |3−1|, |4−2| → 2
    expect(mase([1, 2, 3, 4], [5, 6], [7, 8], 2)).toBeCloseTo(1, 10);
  });

  it('MSIS adds 2/a times the miss outside the band', () => {
    // width 2 everywhere, one miss by 1 below: (2 + 2 + 40·1)/2 / scale 1
    expect(msis([1, 2, 3], [5, 3], [4, 4], [6, 6], 1)).toBeCloseTo(22, 10);
    expect(coverageCount([5, 3], [4, 4], [6, 6])).toEqual({ inside: 1, total: 2 });
    expect(acd(0.9494, 0.95)).toBeCloseTo(0.001, 10);
  });

  it('WAPE, bias and RMSSE', () => {
    expect(wape([10, 10], [12, 6])).toBeCloseTo(0.3, 10);
    expect(bias([10, 10], [12, 6])).toBeCloseTo(-1, 10);
    // leading zeros ignored: scale from [2, 4, 2] → diffs 2, −2 → mean square 4
    expect(rmsse([0, 0, 2, 4, 2], [3, 3], [1, 1])).toBeCloseTo(1, 10);
    expect(rmsse([0, 0, 0], [1], [0])).toBeNaN();
  });

  it('OWA is 1 for Naive2 itself and averages the two ratios', () => {
    const rows = [{ train: [1, 2, 3], test: [4, 5], period: 1, forecast: [3, 3] }];
    const n2 = datasetAccuracy(rows);
    expect(owa(n2, n2)).toBe(1);
    expect(owa({ smape: n2.smape / 2, mase: n2.mase }, n2)).toBeCloseTo(0.75, 10);
  });
});
