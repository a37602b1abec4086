/**
 * A test double of the Ingestor port that records batches. Like the real one it is idempotent on
 * (tenant, source_id, batch_reference) with a content hash: the same content again returns the
 * original result with `replayed: true` (and is not recorded again); different content is a
 * FGC_INGEST_CONFLICT. `failures` queues errors thrown
 * by the next calls, before anything is recorded (an outage).
 */
import { createHash } from 'node:crypto';
import type { Ingestor, IngestRequest, IngestResult } from '../../../connectors/ingest/ingestor.js';
import { FgcError } from '../../../infra/errors.js';

export class RecordingIngestor implements Ingestor {
  /** Every call, replays and failures included. */
  readonly calls: IngestRequest[] = [];
  /** Batches ingested for the first time. */
  readonly batches: IngestRequest[] = [];
  readonly failures: Error[] = [];
  readonly #results = new Map<string, { hash: string; result: IngestResult }>();

  ingest(request: IngestRequest): Promise<IngestResult> {
    this.calls.push(request);
    const failure = this.failures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    const key = `${request.tenant}\u0000${request.source_id}\u0000${request.batch_reference}`;
    const hash = createHash('sha256').update(JSON.stringify({ t: request.source_type, m: request.mapping, d: request.data })).digest('hex');
    const previous = this.#results.get(key);
    if (previous !== undefined) {
      if (previous.hash !== hash) return Promise.reject(new FgcError('FGC_INGEST_CONFLICT', `batch ${request.batch_reference} was ingested with other content`));
      return Promise.resolve({ ...previous.result, replayed: true });
    }
    const received = Object.values(request.data).reduce<number>((n, records) => n + (Array.isArray(records) ? records.length : 0), 0);
    const result: IngestResult = { batch_id: `b${this.batches.length + 1}`, batch_reference: request.batch_reference, status: 'accepted', received, accepted: received, rejected: 0, errors: [], replayed: false };
    this.#results.set(key, { hash, result });
    this.batches.push(request);
    return Promise.resolve(result);
  }

  /** Records of first-time batches, in ingest order. */
  records(recordType = 'items'): Record<string, unknown>[] {
    return this.batches.flatMap((b) => (b.data[recordType] ?? []) as Record<string, unknown>[]);
  }

  /** The last ingested version of each record, by id. */
  latest(recordType = 'items'): Map<string, Record<string, unknown>> {
    return new Map(this.records(recordType).map((r) => [String(r.id), r]));
  }
}
