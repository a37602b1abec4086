/**
 * `forgecast ingest-file <file>`: ingests one file the way the file drop does, from the command
 * line. The source comes from the file name (file-name.ts) and/or flags, flags winning; progress
 * goes to `err`, the report (file-report.ts) as one JSON line to `out`.
 *
 * Exit codes: 0 when at least one record was accepted or the file was a replay of an earlier
 * ingestion; 1 when nothing was accepted (or the ingestor was unavailable: run it again, batches
 * already sent are not ingested twice); 2 for a usage error (flags, missing file).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isFgcError } from '../../infra/errors.js';
import type { Ingestor } from '../ingest/ingestor.js';
import { DEFAULT_BATCH_SIZE, ingestFile, type FileProgress } from './file-ingest.js';
import { formatOfFileName, isMappingName, isRecordType, isSourceType, normalizeMapping, parseDropFileName, type DropFileMeta, type FileFormat } from './file-name.js';

export interface IngestFileCommandDeps {
  readonly ingestor: Ingestor;
  /** The tenant the records are ingested for. */
  readonly tenant: string;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  /** Lines between progress lines on `err`; default DEFAULT_PROGRESS_EVERY. */
  readonly progressEvery?: number;
}

export const INGEST_FILE_USAGE = `usage: forgecast ingest-file <file> [--source-type <type>] [--source-id <id>] [--record-type <type>]
                            [--mapping <profile>] [--format csv|jsonl] [--batch-size <n>]
  The file name may say the source: <source_type>__<source_id>__<record_type>[__<mapping>][__<anything>].csv
  (.tsv, .jsonl, .ndjson); flags override it, and without such a name the first three flags are required.`;

/** Upper bound for --batch-size: beyond this an ingest call holds too much at once to be useful. */
const MAX_BATCH_SIZE = 100_000;

class UsageError extends Error {}

/** node:util parseArgs rejects unknown options and missing values with ERR_PARSE_ARGS_* TypeErrors. */
function isParseArgsError(error: unknown): error is Error {
  return error instanceof TypeError && String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS');
}

export async function runIngestFile(args: readonly string[], deps: IngestFileCommandDeps): Promise<number> {
  let file: string;
  let meta: DropFileMeta;
  let batchSize: number;
  try {
    ({ file, meta, batchSize } = await parseCommandLine(args));
  } catch (error) {
    if (!(error instanceof UsageError || isParseArgsError(error))) throw error;
    deps.err.write(`forgecast ingest-file: ${error.message}\n${INGEST_FILE_USAGE}\n`);
    return 2;
  }

  const onProgress = (p: FileProgress): void => {
    const mbPerSecond = p.bytes / 1e6 / Math.max(p.elapsedMs / 1000, 1e-3);
    const counts = p.phase === 'check' ? 'checked' : `read, ${p.accepted} accepted, ${p.rejected} rejected`;
    deps.err.write(`ingest-file: ${p.lines} lines ${counts}, ${mbPerSecond.toFixed(1)} MB/s\n`);
  };
  try {
    const report = await ingestFile({ path: file, meta, ingestor: deps.ingestor, tenant: deps.tenant, batchSize, onProgress, progressEvery: deps.progressEvery });
    deps.out.write(`${JSON.stringify(report)}\n`);
    if (report.error !== null) deps.err.write(`ingest-file: ${report.error.code}: ${report.error.message}\n`);
    return report.counts.accepted > 0 || report.status === 'replayed' ? 0 : 1;
  } catch (error) {
    const message = isFgcError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
    const hint = isFgcError(error) && error.retriable ? ' (temporary: run the command again; batches already sent are not ingested twice)' : '';
    deps.err.write(`ingest-file: ${message}${hint}\n`);
    return 1;
  }
}

async function parseCommandLine(args: readonly string[]): Promise<{ file: string; meta: DropFileMeta; batchSize: number }> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      'source-type': { type: 'string' },
      'source-id': { type: 'string' },
      'record-type': { type: 'string' },
      mapping: { type: 'string' },
      format: { type: 'string' },
      'batch-size': { type: 'string' },
    },
  });
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw new UsageError('expected exactly one file');
  const info = await stat(file).catch(() => undefined);
  if (info?.isFile() !== true) throw new UsageError(`no such file: ${file}`);

  let fromName: DropFileMeta | undefined;
  let nameProblem = '';
  try {
    fromName = parseDropFileName(path.basename(file));
  } catch (error) {
    nameProblem = error instanceof Error ? error.message : String(error);
  }
  const sourceType = values['source-type']?.toLowerCase() ?? fromName?.source_type;
  const sourceId = values['source-id'] ?? fromName?.source_id;
  const recordType = values['record-type']?.toLowerCase() ?? fromName?.record_type;
  if (sourceType === undefined || sourceId === undefined || recordType === undefined) {
    throw new UsageError(`the file name does not say the source (${nameProblem}); give --source-type, --source-id and --record-type`);
  }
  if (!isSourceType(sourceType)) throw new UsageError(`unknown source type ${JSON.stringify(sourceType)}`);
  if (!isRecordType(recordType)) throw new UsageError(`unknown record type ${JSON.stringify(recordType)}`);
  if (sourceId.trim() === '') throw new UsageError('--source-id must not be empty');

  const format = values.format ?? fromName?.format ?? formatOfFileName(file);
  if (format !== 'csv' && format !== 'jsonl') throw new UsageError(`cannot tell the format of ${file}; give --format csv or --format jsonl`);

  const batchSize = values['batch-size'] === undefined ? DEFAULT_BATCH_SIZE : Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new UsageError(`--batch-size must be an integer from 1 to ${MAX_BATCH_SIZE}`);
  }

  if (values.mapping !== undefined && !isMappingName(values.mapping)) throw new UsageError(`--mapping ${JSON.stringify(values.mapping)} is not a profile name`);
  const mapping = values.mapping === undefined ? fromName?.mapping : normalizeMapping(values.mapping);
  return { file, meta: { source_type: sourceType, source_id: sourceId, record_type: recordType, mapping, format: format satisfies FileFormat }, batchSize };
}
