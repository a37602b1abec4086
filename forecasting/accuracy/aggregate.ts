/**
 * Data-set level accuracy: plain means over series (each series weight 1, as in M4), pooled
 * coverage, and OWA against a Naive2 computed on the same series.
 */
import { coverageCount, mase, msis, rmsse, smape } from './metrics.js';

/** One scored series: training values, test values, forecasts and optional 80/95 % bands. */
export interface ScoredSeries {
  readonly train: readonly number[];
  readonly test: readonly number[];
  /** Seasonal period used for MASE/MSIS scaling (the competition's period). */
  readonly period: number;
  readonly forecast: readonly number[];
  readonly lo80?: readonly number[];
  readonly hi80?: readonly number[];
  readonly lo95?: readonly number[];
  readonly hi95?: readonly number[];
}

export interface DatasetAccuracy {
  readonly series: number;
  readonly smape: number;
  readonly mase: number;
  readonly coverage80: number;
  readonly coverage95: number;
  readonly msis: number;
  readonly rmsse: number;
}

function mean(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length > 0 ? finite.reduce((a, b) => a + b, 0) / finite.length : Number.NaN;
}

export function datasetAccuracy(rows: readonly ScoredSeries[]): DatasetAccuracy {
  const sm: number[] = [];
  const ma: number[] = [];
  const ms: number[] = [];
  const rs: number[] = [];
  let in80 = 0;
  let in95 = 0;
  let total80 = 0;
  let total95 = 0;
  for (const r of rows) {
    sm.push(smape(r.test, r.forecast));
    ma.push(mase(r.train, r.test, r.forecast, r.period));
    rs.push(rmsse(r.train, r.test, r.forecast));
    if (r.lo80 !== undefined && r.hi80 !== undefined) {
      const c = coverageCount(r.test, r.lo80, r.hi80);
      in80 += c.inside;
      total80 += c.total;
    }
    if (r.lo95 !== undefined && r.hi95 !== undefined) {
      const c = coverageCount(r.test, r.lo95, r.hi95);
      in95 += c.inside;
      total95 += c.total;
      ms.push(msis(r.train, r.test, r.lo95, r.hi95, r.period));
    }
  }
  return {
    series: rows.length,
    smape: mean(sm),
    mase: mean(ma),
    coverage80: total80 > 0 ? in80 / total80 : Number.NaN,
    coverage95: total95 > 0 ? in95 / total95 : Number.NaN,
    msis: mean(ms),
    rmsse: mean(rs),
  };
}

/** OWA = ½·(sMAPE/sMAPE_Naive2 + MASE/MASE_Naive2) on data-set means. */
export function owa(model: Pick<DatasetAccuracy, 'smape' | 'mase'>, naive2: Pick<DatasetAccuracy, 'smape' | 'mase'>): number {
  return 0.5 * (model.smape / naive2.smape + model.mase / naive2.mase);
}
