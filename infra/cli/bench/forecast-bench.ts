/**
 * `forgecast bench forecast`: accuracy of `auto` on the shared benchmark data and its speed on
 * 10,000 simulated daily series. One JSON object per result line:
 * - {"bench":"forecast-accuracy","dataset","series","smape","mase","owa","coverage80",
 *   "coverage95","msis","seconds"} for m4-hourly, m4-weekly, m3 (OWA against a Naive2 computed
 *   here on the same series, M4 definition); carparts reports RMSSE and bias instead, beside the
 *   all-zero forecast's.
 * - {"bench":"forecast-naive2-check",…}: our Naive2 against the M3 reference file.
 * - {"bench":"forecast","series","workers","seconds","series_per_s","peak_rss_mb","cpu_seconds"}
 *   for 1 and 2 workers (automatic selection with 80/95 % intervals).
 * MASE/MSIS use the competitions' `period` column; models get calendar periods (hourly 24 and
 * 168, weekly 52, the M3 period) because that is what a user of the platform would pass.
 * `smoke` runs every 10th series (shared smoke-ids.csv) and 500 simulated series.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { datasetAccuracy, owa } from '../../../forecasting/accuracy/aggregate.js';
import type { ScoredSeries } from '../../../forecasting/accuracy/aggregate.js';
import { readForecastFile, readTrainTest } from '../../../forecasting/accuracy/bench-data.js';
import type { BenchSeries } from '../../../forecasting/accuracy/bench-data.js';
import { bias, rmsse } from '../../../forecasting/accuracy/metrics.js';
import { naive2Forecast } from '../../../forecasting/models/naive.js';
import type { ForecastResult, ForecastTask } from '../../../forecasting/offline/forecast-task.js';
import { forecastAll } from '../../../forecasting/offline/worker-pool.js';
import { simulateDailySeries } from '../../../forecasting/accuracy/simulated-demand.js';

export interface ForecastBenchOptions {
  readonly sharedDir: string;
  readonly smoke?: boolean;
  readonly print: (line: object) => void;
}

const LEVELS = [80, 95] as const;
/** Simulated daily series for the speed run (the target: 10,000 in ≤ 120 s on 2 workers). */
const SPEED_SERIES = 10_000;
const SMOKE_SPEED_SERIES = 500;
/** Four weeks ahead: a typical replenishment horizon for daily demand. */
const SPEED_HORIZON = 28;

interface Dataset {
  readonly name: string;
  readonly dir: string;
  readonly train: string;
  readonly test: string;
  /** Periods the models get, from the series' frequency. */
  readonly seasons: (s: BenchSeries) => { season: number; extraSeasons?: number[] };
}

const DATASETS: readonly Dataset[] = [
  { name: 'm4-hourly', dir: 'm4', train: 'm4-hourly-train.csv', test: 'm4-hourly-test.csv', seasons: () => ({ season: 24, extraSeasons: [168] }) },
  // 52 weeks a year: the calendar period (M4 scored weekly data with m = 1).
  { name: 'm4-weekly', dir: 'm4', train: 'm4-weekly-train.csv', test: 'm4-weekly-test.csv', seasons: () => ({ season: 52 }) },
  { name: 'm3', dir: 'm3', train: 'm3-train.csv', test: 'm3-test.csv', seasons: (s) => ({ season: s.period }) },
  { name: 'carparts', dir: 'intermittent', train: 'carparts-train.csv', test: 'carparts-test.csv', seasons: () => ({ season: 12 }) },
];

function round(v: number, digits = 3): number {
  return Number.isFinite(v) ? Number(v.toFixed(digits)) : v;
}

async function smokeIds(sharedDir: string): Promise<Set<string>> {
  const text = await readFile(path.join(sharedDir, 'smoke-ids.csv'), 'utf8');
  return new Set(text.split('\n').slice(1).map((l) => l.split(',')[1]?.trim() ?? '').filter((id) => id !== ''));
}

function outputOf(r: ForecastResult | undefined): Exclude<ForecastResult, { error: string }>['output'] {
  if (r === undefined || !('output' in r)) throw new Error(`forecast failed: ${r !== undefined && 'error' in r ? r.error : 'missing'}`);
  return r.output;
}

async function benchDataset(ds: Dataset, options: ForecastBenchOptions, only: Set<string> | undefined): Promise<void> {
  const dir = path.join(options.sharedDir, ds.dir);
  const data = (await readTrainTest(path.join(dir, ds.train), path.join(dir, ds.test))).filter((d) => only === undefined || only.has(d.series.id));
  const tasks: ForecastTask[] = data.map(({ series }) => ({ id: series.id, y: series.values, horizon: series.horizon, levels: LEVELS, model: 'auto', ...ds.seasons(series) }));
  const started = performance.now();
  const results = await forecastAll(tasks);
  const seconds = (performance.now() - started) / 1000;
  const rows: ScoredSeries[] = data.map(({ series, test }, i) => {
    const o = outputOf(results[i]);
    return { train: series.values, test, period: series.period, forecast: o.mean, lo80: o.lower['80'], hi80: o.upper['80'], lo95: o.lower['95'], hi95: o.upper['95'] };
  });
  const acc = datasetAccuracy(rows);
  if (ds.name === 'carparts') {
    const zero = data.map(({ series, test }) => ({ r: rmsse(series.values, test, test.map(() => 0)), b: bias(test, test.map(() => 0)) }));
    const ours = rows.map((r) => ({ r: rmsse(r.train, r.test, r.forecast), b: bias(r.test, r.forecast) }));
    const mean = (xs: number[]): number => {
      const f = xs.filter(Number.isFinite);
      return f.reduce((a, b) => a + b, 0) / f.length;
    };
    options.print({
      bench: 'forecast-accuracy', dataset: ds.name, series: rows.length,
      rmsse: round(mean(ours.map((o) => o.r))), bias: round(mean(ours.map((o) => o.b))),
      rmsse_zero: round(mean(zero.map((o) => o.r))), bias_zero: round(mean(zero.map((o) => o.b))),
      coverage80: round(acc.coverage80), coverage95: round(acc.coverage95), seconds: round(seconds, 1),
    });
    return;
  }
  const naive2Rows: ScoredSeries[] = data.map(({ series, test }) => {
    const o = naive2Forecast({ y: series.values, season: series.period, horizon: series.horizon, levels: [95] });
    if (o === undefined) throw new Error(`naive2 failed on ${series.id}`);
    return { train: series.values, test, period: series.period, forecast: o.mean };
  });
  const n2 = datasetAccuracy(naive2Rows);
  options.print({
    bench: 'forecast-accuracy', dataset: ds.name, series: rows.length,
    smape: round(acc.smape), mase: round(acc.mase), owa: round(owa(acc, n2)),
    coverage80: round(acc.coverage80), coverage95: round(acc.coverage95), msis: round(acc.msis), seconds: round(seconds, 1),
  });
  if (ds.name === 'm3') {
    const reference = await readForecastFile(path.join(dir, 'reference-forecasts', 'm3-naive2.csv'));
    const refRows = data.map(({ series, test }) => ({ train: series.values, test, period: series.period, forecast: reference.get(series.id) ?? [] }));
    const ref = datasetAccuracy(refRows);
    const differing = naive2Rows.filter((r, i) => r.forecast.some((v, k) => Math.abs(v - (refRows[i]?.forecast[k] ?? Number.NaN)) > 1e-3 * Math.abs(v))).length;
    options.print({ bench: 'forecast-naive2-check', dataset: 'm3', series: rows.length, differing, smape: round(n2.smape), smape_reference: round(ref.smape), mase: round(n2.mase), mase_reference: round(ref.mase) });
  }
}

async function benchSpeed(series: number, workers: number, print: (line: object) => void): Promise<void> {
  const tasks: ForecastTask[] = simulateDailySeries(series).map((y, i) => ({ id: `sim-${i}`, y, season: 7, extraSeasons: [365], horizon: SPEED_HORIZON, levels: LEVELS, model: 'auto' }));
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  try {
    const results = await forecastAll(tasks, { workers });
    const failed = results.filter((r) => 'error' in r).length;
    if (failed > 0) throw new Error(`${failed} simulated series failed to forecast`);
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - started) / 1000;
  // CPU time of all threads: tells a slow run on a busy machine from a slow forecaster.
  const cpu = process.cpuUsage(cpuStart);
  peak = Math.max(peak, process.memoryUsage().rss);
  print({ bench: 'forecast', series, workers, seconds: round(seconds, 1), series_per_s: round(series / seconds, 1), peak_rss_mb: Math.round(peak / 1e6), cpu_seconds: round((cpu.user + cpu.system) / 1e6, 1) });
}

/** The speed lines only (1 and 2 workers), for re-measuring on a quiet machine. */
export async function runForecastSpeedBench(options: Pick<ForecastBenchOptions, 'smoke' | 'print'>): Promise<void> {
  const speedSeries = options.smoke === true ? SMOKE_SPEED_SERIES : SPEED_SERIES;
  for (const workers of [1, 2]) await benchSpeed(speedSeries, workers, options.print);
}

export async function runForecastBench(options: ForecastBenchOptions): Promise<void> {
  const only = options.smoke === true ? await smokeIds(options.sharedDir) : undefined;
  for (const ds of DATASETS) await benchDataset(ds, options, only);
  await runForecastSpeedBench(options);
}
