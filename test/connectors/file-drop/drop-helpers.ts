/** Helpers for file-drop tests: dropping files the way a well-behaved writer does, reading reports. */
import { readFile, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileReport } from '../../../connectors/file-drop/file-report.js';
import { waitFor } from '../../helpers/wait-for.js';

export const BOM = '\uFEFF';

/** The SAP-style export of the acceptance case: BOM, semicolons, CRLF, quotes, decimal comma. */
export const SAP_ITEMS_CSV = `${BOM}MATNR;MAKTX;STPRS\r\n"M-1";"Schraube M6 – Edelstahl ✓";"1.234,50"\r\n`;

/** Writes under a hidden temporary name, then renames into place (what writers should do). */
export async function dropFile(dir: string, name: string, content: string | Uint8Array): Promise<string> {
  const temp = path.join(dir, `.${name}.tmp`);
  await writeFile(temp, content);
  const target = path.join(dir, name);
  await rename(temp, target);
  return target;
}

export async function readReport(file: string): Promise<FileReport> {
  return JSON.parse(await readFile(`${file}.report.json`, 'utf8')) as FileReport;
}

/** Waits until `name` (or its n-th copy `<stem>.<n><ext>`) sits in `done/` or `failed/` with its report. */
export async function waitForReport(dir: string, name: string, copy = 1): Promise<{ where: 'done' | 'failed'; path: string; report: FileReport }> {
  const dot = name.lastIndexOf('.');
  const target = copy === 1 ? name : `${name.slice(0, dot)}.${copy}${name.slice(dot)}`;
  return waitFor(`${target} to be processed`, async () => {
    for (const where of ['done', 'failed'] as const) {
      const files = await readdir(path.join(dir, where)).catch(() => [] as string[]);
      if (files.includes(target) && files.includes(`${target}.report.json`)) {
        const file = path.join(dir, where, target);
        return { where, path: file, report: await readReport(file) };
      }
    }
    return undefined;
  });
}

/** Lines `n` records long of items CSV: `sku,name,standard_cost` with line i+1 holding SKU-i. */
export function itemsCsv(n: number, nameOf: (i: number) => string = (i) => `Item ${i}`): string {
  const rows = ['sku,name,standard_cost'];
  for (let i = 1; i <= n; i++) rows.push(`SKU-${i},${nameOf(i)},${i}.5`);
  return `${rows.join('\n')}\n`;
}
