/**
 * Reading forecast-file's input CSV (`series_id,ds,y`, any column order, header required) into
 * series sorted by ds. Every problem names the file, the line and what is wrong, because the
 * person reading it has a spreadsheet open and needs to find the cell.
 */
import { parseDs } from './time-index.js';
import type { TimeKey } from './time-index.js';

export interface InputSeries {
  readonly id: string;
  /** Observations sorted by ds. */
  readonly y: number[];
  readonly ds: TimeKey[];
}

export class CsvInputError extends Error {
  override readonly name = 'CsvInputError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(line === undefined ? `${file}: ${problem}` : `${file}:${line}: ${problem}`);
  }
}

const REQUIRED = ['series_id', 'ds', 'y'] as const;

/** Splits one CSV line; quotes are honoured for ids that contain commas. */
function splitCsv(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (c === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i += 1;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export function parseSeriesCsv(text: string, file: string): InputSeries[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerLine = lines[0]?.trim() ?? '';
  if (headerLine === '') throw new CsvInputError(file, 1, 'file is empty: expected a header series_id,ds,y');
  const header = splitCsv(headerLine).map((h) => h.trim().toLowerCase());
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new CsvInputError(file, 1, `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (header is "${headerLine}")`);
  const [iId, iDs, iY] = REQUIRED.map((c) => header.indexOf(c)) as [number, number, number];
  const rows = new Map<string, { key: TimeKey; y: number; line: number }[]>();
  let kind: 'integer' | 'date' | undefined;
  for (let i = 1; i < lines.length; i += 1) {
    const raw = lines[i] ?? '';
    if (raw.trim() === '') continue;
    const line = i + 1;
    const cells = splitCsv(raw);
    if (cells.length < header.length) throw new CsvInputError(file, line, `expected ${header.length} columns, found ${cells.length}`);
    const id = (cells[iId] ?? '').trim();
    if (id === '') throw new CsvInputError(file, line, 'series_id is empty');
    const dsText = (cells[iDs] ?? '').trim();
    const key = parseDs(dsText);
    if (key === undefined) throw new CsvInputError(file, line, `ds "${dsText}" is neither an integer index nor a valid ISO date`);
    const thisKind = key.date === undefined ? 'integer' : 'date';
    if (kind !== undefined && kind !== thisKind) throw new CsvInputError(file, line, `ds "${dsText}" mixes ${thisKind} with ${kind} values in one file`);
    kind = thisKind;
    const yText = (cells[iY] ?? '').trim();
    const y = yText === '' ? Number.NaN : Number(yText);
    if (!Number.isFinite(y)) throw new CsvInputError(file, line, `y "${yText}" is not a number`);
    const list = rows.get(id) ?? [];
    list.push({ key, y, line });
    rows.set(id, list);
  }
  if (rows.size === 0) throw new CsvInputError(file, 2, 'no data rows after the header');
  const out: InputSeries[] = [];
  for (const [id, list] of rows) {
    list.sort((a, b) => a.key.key - b.key.key);
    for (let j = 1; j < list.length; j += 1) {
      const a = list[j - 1];
      const b = list[j];
      if (a !== undefined && b !== undefined && a.key.key === b.key.key) {
        throw new CsvInputError(file, b.line, `duplicate ds for series "${id}" (also on line ${a.line})`);
      }
    }
    out.push({ id, y: list.map((r) => r.y), ds: list.map((r) => r.key) });
  }
  return out;
}
