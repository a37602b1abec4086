import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileReport } from '../../../connectors/file-drop/file-report.js';
import type { IngestRequest, IngestResult, Ingestor } from '../../../connectors/ingest/ingestor.js';
import { runIngestFile } from '../../../connectors/file-drop/ingest-file-command.js';
import { FgcError } from '../../../infra/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { SAP_ITEMS_CSV, itemsCsv } from './drop-helpers.js';
import { RecordingIngestor, requireFields } from './recording-ingestor.js';

/** A writable stream that keeps what was written. */
function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const parts: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => parts.push(chunk));
  return { stream, text: () => Buffer.concat(parts).toString('utf8') };
}

describe('forgecast ingest-file', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let ingestor: RecordingIngestor;

  beforeEach(async () => {
    dir = await tempDir();
    ingestor = new RecordingIngestor(requireFields('sku', 'name'));
  });
  afterEach(() => dir.remove());

  async function run(args: string[], progressEvery?: number, using: Ingestor = ingestor): Promise<{ code: number; out: string; err: string; report: FileReport | undefined }> {
    const out = capture();
    const err = capture();
    const code = await runIngestFile(args, { ingestor: using, tenant: 'acme', out: out.stream, err: err.stream, progressEvery });
    const text = out.text();
    return { code, out: text, err: err.text(), report: text === '' ? undefined : (JSON.parse(text) as FileReport) };
  }

  async function file(name: string, content: string): Promise<string> {
    const p = path.join(dir.path, name);
    await writeFile(p, content);
    return p;
  }

  it('ingests a file named by the convention and prints the report as one JSON line', async () => {
    ingestor = new RecordingIngestor(requireFields('MATNR'));
    const result = await run([await file('erp__sap_p01__items__sap.csv', SAP_ITEMS_CSV)]);
    expect(result.code).toBe(0);
    expect(result.out.trim().split('\n')).toHaveLength(1);
    expect(result.report).toMatchObject({ status: 'ingested', source: { source_type: 'erp', source_id: 'sap_p01', record_type: 'items', mapping: 'sap' }, counts: { lines: 1, accepted: 1 } });
    expect(ingestor.calls[0]).toMatchObject({ tenant: 'acme', mapping: 'sap', data: { items: [{ MATNR: 'M-1', STPRS: '1.234,50' }] } });
  });

  it('takes the source from flags, which override the file name', async () => {
    const plain = await file('export.txt', 'sku;name\nA;x\n');
    const result = await run([plain, '--source-type', 'erp', '--source-id', 'erp_9', '--record-type', 'items', '--format', 'csv', '--mapping', 'Canonical']);
    expect(result.code).toBe(0);
    expect(ingestor.calls[0]).toMatchObject({ source_type: 'erp', source_id: 'erp_9', data: { items: [{ sku: 'A', name: 'x' }] } });
    expect(ingestor.calls[0]).not.toHaveProperty('mapping');

    const named = await file('erp__erp_001__items__sap.csv', 'sku,name\nB,y\n');
    expect((await run([named, '--source-id', 'other', '--mapping', 'canonical'])).code).toBe(0);
    expect(ingestor.calls[1]).toMatchObject({ source_type: 'erp', source_id: 'other', data: { items: [{ sku: 'B' }] } });
    expect(ingestor.calls[1]).not.toHaveProperty('mapping');
  });

  it('exits 0 on a replay, saying so, and ingests nothing twice', async () => {
    const p = await file('erp__erp_001__items.csv', itemsCsv(3));
    expect((await run([p])).code).toBe(0);
    const again = await run([p]);
    expect(again.code).toBe(0);
    expect(again.report).toMatchObject({ status: 'replayed', counts: { accepted: 3, replayed: 1 } });
    expect(ingestor.published).toHaveLength(1);
  });

  it('exits 1 when nothing was accepted, or the file cannot be read, or the ingestor is down', async () => {
    const rejected = await run([await file('erp__erp_001__items.csv', itemsCsv(2, () => ''))]);
    expect(rejected.code).toBe(1);
    expect(rejected.report).toMatchObject({ status: 'rejected', counts: { accepted: 0, rejected: 2 } });

    const broken = await run([await file('erp__erp_002__items.csv', 'sku,name\n"A,x\n')]);
    expect(broken.code).toBe(1);
    expect(broken.report).toMatchObject({ status: 'failed', error: { code: 'FGC_FILEDROP_UNPARSABLE', line: 2 } });
    expect(broken.err).toMatch(/unterminated quoted field/);

    ingestor.failNext(new FgcError('FGC_BUS_UNAVAILABLE'));
    const down = await run([await file('erp__erp_003__items.csv', itemsCsv(1))]);
    expect(down.code).toBe(1);
    expect(down.out).toBe('');
    expect(down.err).toMatch(/FGC_BUS_UNAVAILABLE.*run the command again/);
  });

  it('exits 2 on usage errors', async () => {
    const good = await file('erp__erp_001__items.csv', itemsCsv(1));
    const cases: [string[], RegExp][] = [
      [[], /expected exactly one file/],
      [[good, good], /expected exactly one file/],
      [[good, '--bogus'], /Unknown option/],
      [[await file('export.csv', itemsCsv(1))], /does not say the source .*give --source-type, --source-id and --record-type/],
      [[good, '--record-type', 'widgets'], /unknown record type "widgets"/],
      [[good, '--batch-size', '0'], /--batch-size must be an integer/],
      [[good, '--mapping', ''], /--mapping "" is not a profile name/],
      [[await file('export.txt', itemsCsv(1)), '--source-type', 'erp', '--source-id', 'x', '--record-type', 'items'], /give --format csv or --format jsonl/],
      [[path.join(dir.path, 'erp__erp_001__missing.csv')], /no such file/],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.err, args.join(' ')).toMatch(message);
      expect(result.err).toMatch(/usage: forgecast ingest-file/);
    }
    expect(ingestor.calls).toEqual([]);
  });

  it('prints a progress line every so many lines', async () => {
    const p = await file('erp__erp_001__items.csv', itemsCsv(3000, (i) => (i % 1000 === 0 ? '' : `Item ${i}`)));
    const result = await run([p, '--batch-size', '500'], 1000);
    expect(result.code).toBe(0);
    const lines = result.err.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.slice(0, 3)).toEqual(['1000', '2000', '3000'].map((n) => expect.stringMatching(new RegExp(`^ingest-file: ${n} lines checked, [\\d.]+ MB/s$`)) as unknown));
    expect(lines[3]).toMatch(/^ingest-file: 1000 lines read, 999 accepted, 1 rejected, [\d.]+ MB\/s$/);
    expect(lines[5]).toMatch(/^ingest-file: 3000 lines read, 2997 accepted, 3 rejected, [\d.]+ MB\/s$/);
    expect(result.report).toMatchObject({ status: 'partial', counts: { lines: 3000, accepted: 2997, rejected: 3, batches: 6 } });
  });

  it('counts a batch the ingestor refuses as all invalid (FGC_INGEST_ALL_INVALID) as rejected lines, not a failed file', async () => {
    const refusing: Ingestor = {
      ingest: async (request: IngestRequest): Promise<IngestResult> => {
        if (!request.batch_reference.endsWith(':2')) return ingestor.ingest(request);
        const errors = [0, 1].map((index) => ({ record_type: 'items', index, field: 'name', message: 'name is required' }));
        throw new FgcError('FGC_INGEST_ALL_INVALID', undefined, { details: errors });
      },
    };
    const result = await run([await file('erp__erp_001__items.csv', itemsCsv(5)), '--batch-size', '2'], undefined, refusing);
    expect(result.code).toBe(0);
    expect(result.report).toMatchObject({ status: 'partial', counts: { lines: 5, accepted: 3, rejected: 2, batches: 3 } });
    expect(result.report?.rejected_lines).toEqual([
      { line: 4, field: 'name', message: 'name is required' },
      { line: 5, field: 'name', message: 'name is required' },
    ]);
  });

  it('marks the rejected-line list incomplete when the ingestor listed fewer problems than it found', async () => {
    const terse: Ingestor = {
      ingest: async (request: IngestRequest): Promise<IngestResult> => ({
        batch_id: 'b',
        batch_reference: request.batch_reference,
        status: 'partial',
        received: 3,
        accepted: 1,
        rejected: 2,
        errors: [{ record_type: 'items', index: 2, field: 'sku', message: 'bad' }],
        errors_total: 2,
        replayed: false,
      }),
    };
    const result = await run([await file('erp__erp_001__items.csv', itemsCsv(3))], undefined, terse);
    expect(result.report).toMatchObject({ counts: { accepted: 1, rejected: 2 }, rejected_lines: [{ line: 4, field: 'sku' }], rejected_lines_truncated: true });
  });
});
