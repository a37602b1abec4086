/**
 * What the runner does with each kind of failure — one table instead of catch blocks spread over
 * the consumer loop (the house rule: poison messages are named policies). Two families:
 *
 * - Data errors belong to ONE record: it goes to the dead-letter store (table + `forgecast.dlq`)
 *   with its stage, code, field and message, and the rest of the batch goes on.
 * - Infrastructure errors belong to the moment: the handler throws, the bus redelivers the same
 *   batch after a backoff while holding the partition (status `retrying`). They are NEVER
 *   dead-lettered: an outage must not turn good records into dead letters.
 */
import { isFgcError, isRetriable } from '../../infra/errors.js';
import type { DeadLetterStage } from '../dead-letters/dead-letter.js';

/** The kinds of failure the runner tells apart. */
export const FAILURE_KINDS = ['undecodable', 'normalize-failure', 'normalizer-threw', 'infrastructure', 'sink-rejected'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export type PoisonAction =
  /** Dead-letter the record (stage given) and go on with the batch. */
  | { readonly action: 'dead-letter'; readonly stage: DeadLetterStage }
  /** Throw a retriable error: the bus redelivers the whole batch after a backoff, holding the partition. */
  | { readonly action: 'retry' }
  /** Throw a non-retriable error: the subscription stops (every partition) until the runner is restarted. */
  | { readonly action: 'stop' };

/** Failures of one record (may be dead-lettered) vs failures of the whole batch's writes (cannot be pinned on a record). */
export type RecordFailureKind = Extract<FailureKind, 'undecodable' | 'normalize-failure' | 'normalizer-threw'>;
export type BatchFailureKind = Exclude<FailureKind, RecordFailureKind>;

export type PoisonPolicy = Readonly<Record<RecordFailureKind, PoisonAction> & Record<BatchFailureKind, Exclude<PoisonAction, { action: 'dead-letter' }>>>;

/**
 * The default policy.
 * - undecodable bytes (FGC_SERDE_DECODE_FAILED): no retry can decode them → dead letter, stage decode.
 * - a normalizer's failure outcome (unknown UoM, unmapped code…): fixable data → dead letter; a
 *   replay after the fix re-drives it.
 * - a normalizer that THROWS (rather than returning a failure) says it is not the record's fault —
 *   the normalizers' contract (pipelines/normalize/normalize-failure.ts): reference data not loaded,
 *   a bug. Dead-lettering would file good data as bad, so the partition is held and retried
 *   (FGC_PIPELINE_NORMALIZER_THREW, visible in GET /api/v1/pipelines) until a fix is deployed.
 *   `dead-letter` is the alternative for operators who prefer the stream to flow and replay later.
 * - infrastructure (any retriable error: FGC_STORE_UNAVAILABLE, FGC_SCHEMA_UNAVAILABLE, bus) → retry.
 * - ClickHouse refusing our rows (FGC_STORE_QUERY_FAILED on insert: a migration missing or a
 *   normalizer emitting a wrong column) cannot be pinned on one record and is never the record's
 *   fault alone → retry (hold the partition, report the error) until an operator fixes it; never skip.
 */
export const DEFAULT_POISON_POLICY: PoisonPolicy = {
  undecodable: { action: 'dead-letter', stage: 'decode' },
  'normalize-failure': { action: 'dead-letter', stage: 'normalize' },
  'normalizer-threw': { action: 'retry' },
  infrastructure: { action: 'retry' },
  'sink-rejected': { action: 'retry' },
};

/** Normalizer failure codes naming a business rule (e.g. `RULE_DEFECTS_EXCEED_INSPECTED`, `FGC_NORMALIZE_RULE_…`) are stage `rule`. */
export function stageOfFailure(code: string, fallback: DeadLetterStage): DeadLetterStage {
  return /(^|_)RULE(_|$)/.test(code) ? 'rule' : fallback;
}

/** The kind of an error thrown while decoding a message. */
export function classifyDecodeError(error: unknown): FailureKind {
  if (isFgcError(error) && error.code === 'FGC_SERDE_DECODE_FAILED') return 'undecodable';
  return 'infrastructure';
}

/** The kind of an error thrown while writing to ClickHouse or publishing. */
export function classifySinkError(error: unknown): FailureKind {
  return isRetriable(error) ? 'infrastructure' : 'sink-rejected';
}
