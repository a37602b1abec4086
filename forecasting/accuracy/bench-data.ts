/**
 * Readers for the shared benchmark files (see shared/bench/forecast/README.md): series files
 * `id,frequency,horizon,period,category,start,n,values` and reference forecast files
 * `id,method,horizon,values`, values space separated.
 */
import { readFile } from 'node:fs/promises';

export interface BenchSeries {
  readonly id: string;
  readonly frequency: string;
  readonly horizon: number;
  readonly period: number;
  readonly category: string;
  readonly values: readonly number[];
}

function lines(text: string, file: string, header: string): string[] {
  const all = text.split('\n').filter((l) => l.length > 0);
  if (all[0] !== header) throw new Error(`${file}: expected header "${header}", got "${all[0] ?? ''}"`);
  return all.slice(1);
}

function numbers(field: string | undefined, file: string, line: number): number[] {
  const out = (field ?? '').split(' ').map(Number);
  if (out.some((v) => !Number.isFinite(v))) throw new Error(`${file}:${line}: non-numeric value`);
  return out;
}

export async function readSeriesFile(file: string): Promise<BenchSeries[]> {
  const rows = lines(await readFile(file, 'utf8'), file, 'id,frequency,horizon,period,category,start,n,values');
  return rows.map((row, i) => {
    const [id, frequency, horizon, period, category, , n, values] = row.split(',');
    const parsed = numbers(values, file, i + 2);
    if (parsed.length !== Number(n)) throw new Error(`${file}:${i + 2}: n=${n ?? ''} but ${parsed.length} values`);
    return { id: id ?? '', frequency: frequency ?? '', horizon: Number(horizon), period: Number(period), category: category ?? '', values: parsed };
  });
}

/** Reference forecasts by series id. */
export async function readForecastFile(file: string): Promise<Map<string, number[]>> {
  const rows = lines(await readFile(file, 'utf8'), file, 'id,method,horizon,values');
  const out = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const [id, , , values] = row.split(',');
    out.set(id ?? '', numbers(values, file, i + 2));
  });
  return out;
}

/** Train and test rows joined by id (test continues train). */
export async function readTrainTest(trainFile: string, testFile: string): Promise<{ series: BenchSeries; test: number[] }[]> {
  const train = await readSeriesFile(trainFile);
  const test = new Map((await readSeriesFile(testFile)).map((s) => [s.id, [...s.values]]));
  return train.map((series) => {
    const t = test.get(series.id);
    if (t === undefined) throw new Error(`${testFile}: no test row for ${series.id}`);
    return { series, test: t };
  });
}
