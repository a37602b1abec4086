/**
 * The envelope every raw record carries (tenant, source, batch, index, received_at) and what the
 * model derives from it: the row `version` that makes later ingests win in ReplacingMergeTree, and
 * the lineage columns every fact row carries.
 *
 * version = received_at (epoch ms) × 2^20 + record_index. A batch accepted later outranks an
 * earlier one; inside a batch a later record outranks an earlier one. It is a UInt64 written as
 * decimal text (it exceeds 2^53, so a JS number would round it; ClickHouse parses the text).
 */
import { toClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import type { RawRecord } from './normalizer.js';
import { NORMALIZE_FAILURES, NormalizeError } from './normalize-failure.js';
import { requiredText } from './raw-fields.js';

/** Bits of the version below received_at: 2^20 records per record type per batch, far above the ingest limit. */
export const RECORD_INDEX_BITS = 20;
const MAX_RECORD_INDEX = 2 ** RECORD_INDEX_BITS - 1;
/** received_at values past 2^42 ms (year 2109) would overlap the configured-mapping version band (see reference-rows.ts). */
const MAX_RECEIVED_AT_MS = 2 ** 42;

export interface Envelope {
  readonly tenant: string;
  readonly sourceType: string;
  readonly sourceId: string;
  readonly batchId: string;
  readonly recordIndex: number;
  readonly receivedAtMs: number;
  /** UInt64 as decimal text. */
  readonly version: string;
  /** DateTime64(3, 'UTC') text of received_at. */
  readonly receivedAt: string;
}

export function rowVersion(receivedAtMs: number, recordIndex: number): string {
  return ((BigInt(receivedAtMs) << BigInt(RECORD_INDEX_BITS)) + BigInt(recordIndex)).toString();
}

export function readEnvelope(raw: RawRecord): Envelope {
  const recordIndex = raw.record_index;
  const receivedAtMs = raw.received_at;
  if (typeof recordIndex !== 'number' || !Number.isInteger(recordIndex) || recordIndex < 0 || recordIndex > MAX_RECORD_INDEX) {
    throw new NormalizeError(NORMALIZE_FAILURES.INVALID_ENVELOPE, 'record_index', `record_index must be a whole number from 0 to ${MAX_RECORD_INDEX}`);
  }
  if (typeof receivedAtMs !== 'number' || !Number.isInteger(receivedAtMs) || receivedAtMs < 0 || receivedAtMs >= MAX_RECEIVED_AT_MS) {
    throw new NormalizeError(NORMALIZE_FAILURES.INVALID_ENVELOPE, 'received_at', 'received_at must be epoch milliseconds before 2109');
  }
  return {
    tenant: requiredText(raw, 'tenant_id'),
    sourceType: requiredText(raw, 'source_type'),
    sourceId: requiredText(raw, 'source_id'),
    batchId: requiredText(raw, 'batch_id'),
    recordIndex,
    receivedAtMs,
    version: rowVersion(receivedAtMs, recordIndex),
    receivedAt: toClickHouseDateTime(receivedAtMs),
  };
}

/** Lineage and versioning columns of a fact row (is_deleted 0: sources send no deletions of facts yet). */
export function factLineage(envelope: Envelope): Record<string, unknown> {
  return {
    tenant_id: envelope.tenant,
    source_id: envelope.sourceId,
    source_type: envelope.sourceType,
    batch_id: envelope.batchId,
    record_index: envelope.recordIndex,
    received_at: envelope.receivedAt,
    is_deleted: 0,
    version: envelope.version,
  };
}
