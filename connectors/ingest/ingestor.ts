/**
 * The one way records enter Forgecast. Every connector — the HTTP batch endpoint, the file drop,
 * the ERP REST poller, the simulator — hands a batch to an `Ingestor`, which validates each
 * record, publishes the valid ones to their raw topic (acknowledged before it returns) and
 * records the batch, idempotently per (tenant, source_id, batch_reference).
 */

export const SOURCE_TYPES = ['erp', 'accounting', 'inventory', 'sales', 'purchasing', 'quality', 'production'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** Record types and their topics are defined once, in schemas/topics.ts; re-exported here for connectors. */
export { RECORD_TYPES, type RecordType } from '../../schemas/topics.js';

/** A batch as a source sends it (SPEC.md, POST /api/v1/ingest), plus the tenant of the caller. */
export interface IngestRequest {
  readonly tenant: string;
  readonly source_type: string;
  readonly source_id: string;
  readonly batch_reference: string;
  /** Mapping profile renaming source fields to canonical ones; `canonical` when absent. */
  readonly mapping?: string;
  /** Records per record type, as received (anything: validation names what is wrong). */
  readonly data: Readonly<Record<string, unknown>>;
}

/** One rejected record: where it was and what is wrong with it. */
export interface RecordError {
  readonly record_type: string;
  readonly index: number;
  /** The canonical field at fault, or null when the record as a whole is (not an object…). */
  readonly field: string | null;
  readonly message: string;
}

export interface IngestResult {
  readonly batch_id: string;
  readonly batch_reference: string;
  readonly status: 'accepted' | 'partial' | 'rejected';
  readonly received: number;
  readonly accepted: number;
  readonly rejected: number;
  /** The problems found, at most 1,000 (see `errors_total`). */
  readonly errors: readonly RecordError[];
  /** How many problems there were in all, when more were found than `errors` lists. */
  readonly errors_total?: number;
  /** True when this exact batch was ingested before and this is the original result. */
  readonly replayed: boolean;
}

export interface Ingestor {
  /**
   * Validates and publishes a batch. Throws FgcError for an invalid envelope (400, nothing
   * stored), too many records (413), a conflicting replay (409), the same batch being ingested
   * right now by another call (409, retriable) or a dependency outage (503, retriable); otherwise
   * returns the result, `rejected` when every record was invalid.
   */
  ingest(request: IngestRequest): Promise<IngestResult>;
}
