import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runForecastFile } from '../../forecasting/offline/forecast-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'forecast-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(csv: string, extra: string[] = [], horizon = '3'): Promise<{ code: number; stderr: string; out?: string }> {
  const input = path.join(dir, `in-${Math.random().toString(36).slice(2)}.csv`);
  const output = `${input}.out`;
  await writeFile(input, csv);
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    chunks.push(String(c));
    return true;
  });
  try {
    const code = await runForecastFile(['--input', input, '--output', output, '--horizon', horizon, '--season', '1', '--workers', '0', ...extra]);
    const out = code === 0 ? await readFile(output, 'utf8') : undefined;
    return { code, stderr: chunks.join('').replaceAll(input, 'IN'), ...(out !== undefined ? { out } : {}) };
  } finally {
    spy.mockRestore();
  }
}

describe('forecast-file', () => {
  it('continues integer indices and dates, unsorted input, one row per step', async () => {
    const ints = await run(['series_id,ds,y', 'a,3,12', 'a,1,10', 'a,2,11'].join('\n'));
    const dates = await run(['series_id,ds,y', 'b,2024-01-31,5', 'b,2024-03-31,7', 'b,2024-02-29,6'].join('\n'));
    expect([ints.code, dates.code, ints.stderr]).toEqual([0, 0, '']);
    const lines = [...ints.out!.trim().split('\n'), ...dates.out!.trim().split('\n').slice(1)];
    expect(lines[0]).toBe('series_id,ds,yhat,lo80,hi80,lo95,hi95,model');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['a,4', 'a,5', 'a,6', 'b,2024-04-30', 'b,2024-05-31', 'b,2024-06-30']);
    for (const l of lines.slice(1)) {
      const [, , yhat, lo80, hi80, lo95, hi95, model] = l.split(',');
      expect(Number(lo95) <= Number(lo80) && Number(lo80) <= Number(yhat) && Number(yhat) <= Number(hi80) && Number(hi80) <= Number(hi95)).toBe(true);
      expect(model).toBe('naive');
    }
  });

  it('writes one lo/hi pair per requested level and infers hourly dates', async () => {
    const rows = Array.from({ length: 30 }, (_, t) => `s,2024-03-01T${String(t % 24).padStart(2, '0')}:00:00Z,${10 + (t % 5)}`);
    const fixed = rows.map((r, t) => (t >= 24 ? r.replace('2024-03-01', '2024-03-02') : r));
    const { code, out } = await run(['series_id,ds,y', ...fixed].join('\n'), ['--levels', '50,90,99']);
    expect(code).toBe(0);
    const lines = out!.trim().split('\n');
    expect(lines[0]).toBe('series_id,ds,yhat,lo50,hi50,lo90,hi90,lo99,hi99,model');
    expect(lines[1]!.split(',')[1]).toBe('2024-03-02T06:00:00Z');
  });

  const bad: [string, string, RegExp, string?][] = [
    ['empty file', '', /IN:1: file is empty/],
    ['missing column', 'series_id,ds\na,1', /IN:1: missing column y/],
    ['non-numeric y', 'series_id,ds,y\na,1,3\na,2,abc', /IN:3: y "abc" is not a number/],
    ['duplicate ds', 'series_id,ds,y\na,1,3\na,2,4\na,1,5', /IN:4: duplicate ds for series "a" \(also on line 2\)/],
    ['bad date', 'series_id,ds,y\na,2024-01-01,3\na,2024-13-45,4', /IN:3: ds "2024-13-45" is neither an integer index nor a valid ISO date/],
    ['mixed index kinds', 'series_id,ds,y\na,1,3\nb,2024-01-01,4', /IN:3: ds "2024-01-01" mixes date with integer values/],
    ['horizon 0', 'series_id,ds,y\na,1,3', /--horizon must be an integer ≥ 1, got "0"/, '0'],
  ];
  for (const [name, csv, message, horizon] of bad) {
    it(`rejects ${name} with file, line and problem`, async () => {
      const { code, stderr } = await run(csv, [], horizon ?? '3');
      expect(code).not.toBe(0);
      expect(stderr).toMatch(message);
    });
  }

  it('runs through the worker pool too', async () => {
    const rows = Array.from({ length: 70 }, (_, i) => Array.from({ length: 12 }, (_, t) => `s${i},${t},${i + t}`)).flat();
    const input = path.join(dir, 'pool.csv');
    await writeFile(input, ['series_id,ds,y', ...rows].join('\n'));
    const code = await runForecastFile(['--input', input, '--output', `${input}.out`, '--horizon', '2', '--season', '1', '--workers', '2']);
    expect(code).toBe(0);
    const lines = (await readFile(`${input}.out`, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1 + 70 * 2);
    expect(lines[1]!.startsWith('s0,12,')).toBe(true);
  });
});
