import { appendFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileDrop, type FileDrop, type FileDropOptions } from '../../../connectors/file-drop/file-drop.js';
import type { IngestRequest, IngestResult } from '../../../connectors/ingest/ingestor.js';
import { FgcError } from '../../../infra/errors.js';
import { silentLogger } from '../../../infra/logger.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { BOM, SAP_ITEMS_CSV, dropFile, itemsCsv, waitForReport } from './drop-helpers.js';
import { RecordingIngestor, requireFields } from './recording-ingestor.js';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('file drop watcher', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let ingestor: RecordingIngestor;
  const drops: FileDrop[] = [];

  async function startDrop(overrides: Partial<FileDropOptions> = {}): Promise<FileDrop> {
    const drop = createFileDrop({ dir: dir.path, ingestor, tenant: 'acme', logger: silentLogger(), pollIntervalMs: 25, retryBaseMs: 40, ...overrides });
    drops.push(drop);
    await drop.start();
    return drop;
  }

  beforeEach(async () => {
    dir = await tempDir();
    ingestor = new RecordingIngestor(requireFields('sku', 'name'));
  });
  afterEach(async () => {
    for (const drop of drops.splice(0)) await drop.close();
    await dir.remove();
  });

  it('ACCEPTANCE: ingests an SAP export (BOM, semicolons, decimal commas) under the sap profile', async () => {
    ingestor = new RecordingIngestor(requireFields('MATNR'));
    await startDrop();
    await dropFile(dir.path, 'erp__sap_p01__items__sap.csv', SAP_ITEMS_CSV);

    const { where, report } = await waitForReport(dir.path, 'erp__sap_p01__items__sap.csv');
    expect(where).toBe('done');
    expect(report).toMatchObject({
      file: 'erp__sap_p01__items__sap.csv',
      tenant: 'acme',
      status: 'ingested',
      source: { source_type: 'erp', source_id: 'sap_p01', record_type: 'items', mapping: 'sap', format: 'csv' },
      counts: { lines: 1, accepted: 1, rejected: 0, batches: 1, replayed: 0 },
      rejected_lines: [],
      error: null,
    });
    expect(ingestor.calls).toEqual([
      {
        tenant: 'acme',
        source_type: 'erp',
        source_id: 'sap_p01',
        mapping: 'sap',
        batch_reference: `${report.content_hash}:1`,
        data: { items: [{ MATNR: 'M-1', MAKTX: 'Schraube M6 – Edelstahl ✓', STPRS: '1.234,50' }] },
      },
    ]);
    expect(report.content_hash).toMatch(/^[0-9a-f]{32}$/);
    expect(await readdir(dir.path)).toEqual(expect.not.arrayContaining(['erp__sap_p01__items__sap.csv']));
  });

  it('ACCEPTANCE: broken files land in failed/ with a report saying why, nothing of them ingested', async () => {
    await startDrop();
    const cases: [string, string | Uint8Array, RegExp, number | undefined][] = [
      ['erp__x__items__unterminated.csv', 'sku,name\nA,ok\nB,"never closed\nC,x\n', /unterminated quoted field: the quote opened on line 3/, 3],
      ['erp__x__items__latin1.csv', Uint8Array.from([...encode('sku,name\nA,ok\nB,'), 0xe4, ...encode('rger\n')]), /not valid UTF-8/, 3],
      ['erp__x__items__empty.csv', '', /empty/, 1],
      ['erp__x__items__headeronly.csv', `${BOM}sku;name\r\n`, /no records/, undefined],
      ['invoice-march.csv', 'sku,name\nA,x\n', /double underscores/, undefined],
    ];
    for (const [name, content] of cases) await dropFile(dir.path, name, content);
    for (const [name, , message, line] of cases) {
      const { where, report } = await waitForReport(dir.path, name);
      expect(where, name).toBe('failed');
      expect(report.status, name).toBe('failed');
      expect(report.error?.message, name).toMatch(message);
      expect(report.error?.line, name).toBe(line);
    }
    expect(ingestor.calls).toEqual([]);
  });

  it('ACCEPTANCE: a file with wrong field counts lists the lines; all rejected → failed/, some → done/', async () => {
    await startDrop();
    await dropFile(dir.path, 'erp__x__items__canonical__all-bad.csv', 'sku,name\nA,x,extra\nB\n');
    await dropFile(dir.path, 'erp__x__items__canonical__some-bad.csv', 'sku,name\nA,x,extra\nB,ok\n"C","quoted"\n,missing sku\n');

    const bad = await waitForReport(dir.path, 'erp__x__items__canonical__all-bad.csv');
    expect(bad.where).toBe('failed');
    expect(bad.report).toMatchObject({ status: 'rejected', counts: { lines: 2, accepted: 0, rejected: 2, batches: 0 } });
    expect(bad.report.rejected_lines).toEqual([
      { line: 2, field: null, message: 'expected 2 fields (as in the header), found 3' },
      { line: 3, field: null, message: 'expected 2 fields (as in the header), found 1' },
    ]);

    const some = await waitForReport(dir.path, 'erp__x__items__canonical__some-bad.csv');
    expect(some.where).toBe('done');
    expect(some.report).toMatchObject({ status: 'partial', counts: { lines: 4, accepted: 2, rejected: 2, batches: 1, replayed: 0 } });
    expect(some.report.rejected_lines).toEqual([
      { line: 2, field: null, message: 'expected 2 fields (as in the header), found 3' },
      { line: 5, field: 'sku', message: 'sku is required' },
    ]);
  });

  it('ACCEPTANCE: the same file dropped twice is ingested once; the second report says replayed', async () => {
    await startDrop({ batchSize: 2 });
    const name = 'erp__erp_001__items.csv';
    await dropFile(dir.path, name, itemsCsv(5));
    const first = await waitForReport(dir.path, name);
    expect(first.report).toMatchObject({ status: 'ingested', counts: { lines: 5, accepted: 5, batches: 3, replayed: 0 } });

    await dropFile(dir.path, name, itemsCsv(5));
    const second = await waitForReport(dir.path, name, 2);
    expect(second.where).toBe('done');
    expect(second.report).toMatchObject({ status: 'replayed', content_hash: first.report.content_hash, counts: { lines: 5, accepted: 5, batches: 3, replayed: 3 } });
    expect(ingestor.calls).toHaveLength(6);
    expect(ingestor.published).toHaveLength(3);
    expect(ingestor.acceptedRecords.map((r) => (r.record as { sku: string }).sku)).toEqual(['SKU-1', 'SKU-2', 'SKU-3', 'SKU-4', 'SKU-5']);
    // Both copies are kept, each with its own report.
    expect((await readdir(path.join(dir.path, 'done'))).sort()).toEqual(['erp__erp_001__items.2.csv', 'erp__erp_001__items.2.csv.report.json', name, `${name}.report.json`]);
  });

  it('sends batches with deterministic references and maps ingestor rejections back to file lines', async () => {
    await startDrop({ batchSize: 1000 });
    await dropFile(dir.path, 'erp__erp_001__items.csv', itemsCsv(2500, (i) => (i === 1501 ? '' : `Item ${i}`)));
    const { report } = await waitForReport(dir.path, 'erp__erp_001__items.csv');
    expect(ingestor.calls.map((c) => c.batch_reference)).toEqual([1, 2, 3].map((n) => `${report.content_hash}:${n}`));
    expect(ingestor.calls.map((c) => (c.data.items as unknown[]).length)).toEqual([1000, 1000, 500]);
    expect(report).toMatchObject({ status: 'partial', counts: { lines: 2500, accepted: 2499, rejected: 1, batches: 3 } });
    expect(report.rejected_lines).toEqual([{ line: 1502, field: 'name', message: 'name is required' }]);
  });

  it('reads JSON Lines, rejecting bad lines by number', async () => {
    await startDrop();
    await dropFile(dir.path, 'inventory__wms_1__items.jsonl', '{"sku":"A","name":"x","standard_cost":1.5}\n{oops}\n{"sku":"B","name":"y"}\n');
    const { where, report } = await waitForReport(dir.path, 'inventory__wms_1__items.jsonl');
    expect(where).toBe('done');
    expect(report).toMatchObject({ status: 'partial', counts: { lines: 3, accepted: 2, rejected: 1 } });
    expect(report.rejected_lines).toEqual([{ line: 2, field: null, message: expect.stringMatching(/^not valid JSON/) as unknown }]);
    expect(ingestor.calls[0]?.data).toEqual({ items: [{ sku: 'A', name: 'x', standard_cost: 1.5 }, { sku: 'B', name: 'y' }] });
  });

  it('leaves a file in place on transient ingestor errors and retries it with backoff', async () => {
    await startDrop();
    ingestor.failNext(new FgcError('FGC_BUS_UNAVAILABLE'), 2);
    const file = await dropFile(dir.path, 'erp__erp_001__items.csv', itemsCsv(3));
    await waitFor('a failed attempt', () => ingestor.calls.length >= 1);
    expect(await readdir(dir.path)).toContain('erp__erp_001__items.csv');
    expect(await readdir(path.join(dir.path, 'failed'))).toEqual([]);

    const { where, report } = await waitForReport(dir.path, 'erp__erp_001__items.csv');
    expect(where).toBe('done');
    expect(report).toMatchObject({ status: 'ingested', counts: { accepted: 3 } });
    expect(ingestor.calls).toHaveLength(3);
    expect(ingestor.acceptedRecords).toHaveLength(3);
    expect(file).toBe(path.join(dir.path, 'erp__erp_001__items.csv'));
  });

  it('fails the file when the ingestor refuses it for good (e.g. an unknown mapping profile)', async () => {
    await startDrop();
    ingestor.failNext(new FgcError('FGC_INGEST_INVALID_ENVELOPE', 'unknown mapping profile "oracle"'));
    await dropFile(dir.path, 'erp__erp_001__items__oracle.csv', itemsCsv(2));
    const { where, report } = await waitForReport(dir.path, 'erp__erp_001__items__oracle.csv');
    expect(where).toBe('failed');
    expect(report).toMatchObject({ status: 'failed', error: { code: 'FGC_INGEST_INVALID_ENVELOPE', message: 'batch 1: unknown mapping profile "oracle"' } });
  });

  it('re-processes a file left half-way by a stop, without doubling anything', async () => {
    let release: (() => void) | undefined;
    const gated = new RecordingIngestor(requireFields('sku', 'name'));
    const ingest = gated.ingest.bind(gated);
    // Batch 2 hangs until released, standing in for a process that dies while the file is in flight.
    gated.ingest = async (request: IngestRequest): Promise<IngestResult> => {
      if (request.batch_reference.endsWith(':2') && release === undefined) await new Promise<void>((r) => (release = r));
      return ingest(request);
    };
    ingestor = gated;
    const first = await startDrop({ batchSize: 10 });
    await dropFile(dir.path, 'erp__erp_001__items.csv', itemsCsv(35));
    await waitFor('batch 2 in flight', () => release !== undefined);
    const closing = first.close();
    release!();
    await closing;
    expect(gated.published).toHaveLength(2);
    expect(await readdir(dir.path)).toContain('erp__erp_001__items.csv');

    await startDrop({ batchSize: 10 });
    const { report } = await waitForReport(dir.path, 'erp__erp_001__items.csv');
    expect(report).toMatchObject({ status: 'ingested', counts: { lines: 35, accepted: 35, batches: 4, replayed: 2 } });
    const skus = gated.acceptedRecords.map((r) => (r.record as { sku: string }).sku);
    expect(skus).toHaveLength(35);
    expect(new Set(skus).size).toBe(35);
  });

  it('ignores temporary files and waits until a file has stopped changing for a poll interval', async () => {
    await startDrop({ pollIntervalMs: 700 });
    await writeFile(path.join(dir.path, 'erp__x__items.csv.part'), 'sku,name\nA,x\n');
    // Noise in the directory wakes the watcher every few ms, so it checks the growing file often;
    // pauses in the writing (100 ms) are far shorter than the poll interval and must not count as done.
    let writing = true;
    const noise = (async () => {
      for (let i = 0; writing; i++) {
        await writeFile(path.join(dir.path, '.noise'), String(i));
        await sleep(15);
      }
    })();
    const name = 'erp__erp_001__items.csv';
    await writeFile(path.join(dir.path, name), 'sku,name\n');
    for (let i = 1; i <= 5; i++) {
      await sleep(100);
      await appendFile(path.join(dir.path, name), `SKU-${i},Item ${i}\n`);
    }
    writing = false;
    await noise;
    const { report } = await waitForReport(dir.path, name);
    expect(report.counts).toMatchObject({ lines: 5, accepted: 5 });
    expect(ingestor.calls).toHaveLength(1);
    expect((await readdir(dir.path)).sort()).toEqual(['.noise', 'done', 'erp__x__items.csv.part', 'failed']);
  });
});
