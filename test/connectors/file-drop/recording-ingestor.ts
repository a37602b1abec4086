/**
 * A test double of the `Ingestor` interface (the real ingestor has its own tests): records every
 * batch it publishes and applies the same idempotency rule — (tenant, source_id, batch_reference)
 * seen with the same content → the original result with `replayed: true`; with other content →
 * FGC_INGEST_CONFLICT. Validation is a pluggable per-record check; failures can be scripted.
 */
import { createHash } from 'node:crypto';
import { FgcError } from '../../../infra/errors.js';
import type { IngestRequest, IngestResult, Ingestor, RecordError } from '../../../connectors/ingest/ingestor.js';

export type RecordCheck = (record: unknown, recordType: string) => { field: string | null; message: string } | null;

export class RecordingIngestor implements Ingestor {
  /** Every call, in order (replays and failures included). */
  readonly calls: IngestRequest[] = [];
  /** Batches that were new (not replays), in order. */
  readonly published: IngestRequest[] = [];
  readonly #seen = new Map<string, { hash: string; result: IngestResult }>();
  readonly #failures: Error[] = [];
  #nextId = 1;

  constructor(private readonly check: RecordCheck = () => null) {}

  /** The next `n` calls throw `error` (before anything is recorded). */
  failNext(error: Error, n = 1): void {
    for (let i = 0; i < n; i++) this.#failures.push(error);
  }

  /** Records accepted in new batches (what the platform would hold), each with its batch's request. */
  get acceptedRecords(): { request: IngestRequest; recordType: string; record: unknown }[] {
    return this.published.flatMap((request) =>
      Object.entries(request.data).flatMap(([recordType, records]) =>
        (records as unknown[]).filter((record) => this.check(record, recordType) === null).map((record) => ({ request, recordType, record })),
      ),
    );
  }

  async ingest(request: IngestRequest): Promise<IngestResult> {
    this.calls.push(request);
    const failure = this.#failures.shift();
    if (failure !== undefined) throw failure;

    const key = `${request.tenant}\u0000${request.source_id}\u0000${request.batch_reference}`;
    const { tenant: _tenant, ...content } = request;
    const hash = createHash('sha256').update(JSON.stringify(content)).digest('hex');
    const seen = this.#seen.get(key);
    if (seen !== undefined) {
      if (seen.hash !== hash) throw new FgcError('FGC_INGEST_CONFLICT');
      return { ...seen.result, replayed: true };
    }

    const errors: RecordError[] = [];
    let received = 0;
    for (const [recordType, records] of Object.entries(request.data)) {
      (records as unknown[]).forEach((record, index) => {
        received++;
        const problem = this.check(record, recordType);
        if (problem !== null) errors.push({ record_type: recordType, index, ...problem });
      });
    }
    const rejected = errors.length;
    const accepted = received - rejected;
    const result: IngestResult = {
      batch_id: `batch-${this.#nextId++}`,
      batch_reference: request.batch_reference,
      status: accepted === 0 ? 'rejected' : rejected > 0 ? 'partial' : 'accepted',
      received,
      accepted,
      rejected,
      errors,
      replayed: false,
    };
    this.#seen.set(key, { hash, result });
    this.published.push(request);
    return result;
  }
}

/** A check requiring non-empty string fields, as the real validation does for required fields. */
export function requireFields(...fields: string[]): RecordCheck {
  return (record) => {
    if (typeof record !== 'object' || record === null) return { field: null, message: 'not an object' };
    for (const field of fields) {
      const value = (record as Record<string, unknown>)[field];
      if (value === undefined || value === '') return { field, message: `${field} is required` };
    }
    return null;
  };
}
