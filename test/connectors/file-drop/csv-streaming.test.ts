/**
 * The readers stream: a 100k-line file passes through in chunks, so what stays reachable while
 * reading does not grow with the file. Measured as live heap after a forced GC (not timing), with
 * a control run that keeps every record, to show the measurement does see retention.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileBytes, readRecords } from '../../../connectors/file-drop/record-stream.js';
import { tempDir } from '../../helpers/temp-dir.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const LINES = 100_000;
/** Live-heap growth allowed while streaming: far below the ~25 MB file, far above chunk buffers. */
const MAX_GROWTH_BYTES = 8 * 1024 * 1024;

describe('CSV reader on a large file', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let file: string;
  let size = 0;

  beforeAll(async () => {
    dir = await tempDir();
    file = path.join(dir.path, 'big.csv');
    const out = createWriteStream(file);
    const header = 'sku;name;site;qty;note\n';
    out.write(header);
    size += header.length;
    for (let i = 1; i <= LINES; i++) {
      const row = `SKU-${i};"Schraube M6, Edelstahl ""A2"" Nr. ${i}";PLANT-${i % 7};${i},5;${'x'.repeat(180)}\n`;
      size += Buffer.byteLength(row);
      if (!out.write(row)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  });
  afterAll(() => dir.remove());

  /** Reads the file, sampling live heap every 10k records; `keep` retains every record. */
  async function measure(keep: boolean): Promise<{ count: number; last: unknown; growth: number }> {
    const kept: unknown[] = [];
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let count = 0;
    let last: unknown;
    for await (const item of readRecords(fileBytes(file), 'csv')) {
      count++;
      last = item;
      if (keep) kept.push(item);
      if (count % 10_000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
    }
    expect(kept.length).toBe(keep ? count : 0);
    return { count, last, growth: peak };
  }

  it('reads 100k lines with flat memory', async () => {
    expect(size).toBeGreaterThan(20_000_000);
    const { count, last, growth } = await measure(false);
    expect(count).toBe(LINES);
    expect(last).toEqual({ kind: 'record', line: LINES + 1, record: { sku: `SKU-${LINES}`, name: `Schraube M6, Edelstahl "A2" Nr. ${LINES}`, site: `PLANT-${LINES % 7}`, qty: `${LINES},5`, note: 'x'.repeat(180) } });
    expect(growth).toBeLessThan(MAX_GROWTH_BYTES);
  });

  it('would notice records being retained (control)', async () => {
    const { growth } = await measure(true);
    expect(growth).toBeGreaterThan(MAX_GROWTH_BYTES);
  });
});
