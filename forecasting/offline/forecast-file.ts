/**
 * `forgecast forecast-file --input train.csv --output out.csv --horizon H --season M
 *  [--levels 80,95] [--model auto] [--workers N]` — the offline forecaster (SPEC.md).
 * Reads `series_id,ds,y`, forecasts steps 1..H after each series' last ds on every core, writes
 * `series_id,ds,yhat,lo<L>,hi<L>…,model`. Bad input → exit code 2 and a message naming file,
 * line and problem on stderr; nothing is written. `--workers` (default: all cores) is an
 * addition to the SPEC for benchmarking; 0 forecasts in process.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { CsvInputError, parseSeriesCsv } from './csv-series.js';
import type { InputSeries } from './csv-series.js';
import type { ForecastTask } from './forecast-task.js';
import { formatDate, inferFrequency, stepDate } from './time-index.js';
import type { Frequency } from './time-index.js';
import { forecastAll } from './worker-pool.js';
import { findModel } from '../models/registry.js';

const USAGE = 'usage: forgecast forecast-file --input train.csv --output out.csv --horizon H --season M [--levels 80,95] [--model auto] [--workers N]';
const EXIT_BAD_INPUT = 2;

interface Args {
  readonly input: string;
  readonly output: string;
  readonly horizon: number;
  readonly season: number;
  readonly levels: number[];
  readonly model: string;
  readonly workers?: number;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i] ?? '';
    const [name, inline] = flag.startsWith('--') ? flag.slice(2).split('=', 2) : [undefined, undefined];
    if (name === undefined || !['input', 'output', 'horizon', 'season', 'levels', 'model', 'workers'].includes(name)) throw new UsageError(`unknown argument "${flag}"`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    values.set(name, value);
  }
  const need = (name: string): string => {
    const v = values.get(name);
    if (v === undefined) throw new UsageError(`--${name} is required`);
    return v;
  };
  const positiveInt = (name: string, text: string, min: number): number => {
    const v = Number(text);
    if (!Number.isInteger(v) || v < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${text}"`);
    return v;
  };
  const levels = (values.get('levels') ?? '80,95').split(',').map((s) => Number(s.trim()));
  if (levels.some((l) => !(l > 0 && l < 100))) throw new UsageError(`--levels must be numbers strictly between 0 and 100, got "${values.get('levels') ?? ''}"`);
  const model = values.get('model') ?? 'auto';
  if (model !== 'auto' && findModel(model) === undefined) throw new UsageError(`--model "${model}" is not a known model`);
  const workers = values.get('workers');
  return {
    input: need('input'),
    output: need('output'),
    horizon: positiveInt('horizon', need('horizon'), 1),
    season: positiveInt('season', need('season'), 1),
    levels: [...new Set(levels)].sort((a, b) => a - b),
    model,
    ...(workers !== undefined ? { workers: positiveInt('workers', workers, 0) } : {}),
  };
}

/** Future ds labels for one series. */
function futureLabels(series: InputSeries, horizon: number, fileFrequency: Frequency | undefined, file: string): string[] {
  const last = series.ds[series.ds.length - 1];
  if (last === undefined) return [];
  if (last.date === undefined) return Array.from({ length: horizon }, (_, k) => String(last.key + k + 1));
  const frequency = inferFrequency(series.ds.map((d) => d.key)) ?? fileFrequency;
  if (frequency === undefined) throw new CsvInputError(file, undefined, `cannot infer the frequency of series "${series.id}" from its dates (not hourly, daily, weekly, monthly, quarterly or yearly)`);
  return Array.from({ length: horizon }, (_, k) => formatDate(stepDate(last.date as Date, frequency, k + 1), last.hasTime === true));
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Shortest round-trip representation, without exponent noise for ordinary numbers. */
function num(v: number | undefined): string {
  return v === undefined ? '' : String(Number(v.toPrecision(10)));
}

export async function runForecastFile(argv: readonly string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`forecast-file: ${(error as Error).message}\n${USAGE}\n`);
    return EXIT_BAD_INPUT;
  }
  let series: InputSeries[];
  let labels: string[][];
  try {
    const text = await readFile(args.input, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new CsvInputError(args.input, undefined, `cannot read: ${error.code ?? error.message}`);
    });
    series = parseSeriesCsv(text, args.input);
    const fileFrequency = series.map((s) => inferFrequency(s.ds.map((d) => d.key))).find((f) => f !== undefined);
    labels = series.map((s) => futureLabels(s, args.horizon, fileFrequency, args.input));
  } catch (error) {
    if (error instanceof CsvInputError) {
      process.stderr.write(`forecast-file: ${error.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
  const tasks: ForecastTask[] = series.map((s) => ({ id: s.id, y: s.y, season: args.season, horizon: args.horizon, levels: args.levels, model: args.model }));
  const results = await forecastAll(tasks, args.workers !== undefined ? { workers: args.workers } : {});
  const failed = results.filter((r) => 'error' in r);
  if (failed.length > 0) {
    for (const r of failed.slice(0, 10)) process.stderr.write(`forecast-file: ${args.input}: series "${r.id}": ${'error' in r ? r.error : ''}\n`);
    return EXIT_BAD_INPUT;
  }
  const header = ['series_id', 'ds', 'yhat', ...args.levels.flatMap((l) => [`lo${l}`, `hi${l}`]), 'model'];
  const out: string[] = [header.join(',')];
  results.forEach((r, i) => {
    if (!('output' in r)) return;
    const o = r.output;
    const ds = labels[i] ?? [];
    for (let k = 0; k < args.horizon; k += 1) {
      const bands = args.levels.flatMap((l) => [num(o.lower[String(l)]?.[k]), num(o.upper[String(l)]?.[k])]);
      out.push([csvCell(r.id), ds[k] ?? '', num(o.mean[k]), ...bands, csvCell(o.model)].join(','));
    }
  });
  await writeFile(args.output, `${out.join('\n')}\n`);
  return 0;
}
