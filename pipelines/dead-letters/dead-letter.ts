/**
 * A dead letter: a record that failed after acceptance, with what is needed to understand it (stage,
 * code, field, message, batch and record index) and to re-drive it (the raw bytes, key and source
 * topic). Rows of `dead_letters` (migration 005) and headers of `forgecast.dlq` are built here so
 * both carry the same context.
 */
import type { ConsumedMessage } from '../../infra/event-bus/event-bus.js';

/** Where a record failed. `rule` = a business rule of the normalizer (see runner/poison-policy.ts `stageOfFailure`). */
export const DEAD_LETTER_STAGES = ['decode', 'normalize', 'rule'] as const;
export type DeadLetterStage = (typeof DEAD_LETTER_STAGES)[number];

export const DEAD_LETTER_STATUSES = ['open', 'replayed', 'resolved'] as const;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

/** Header a replayed message carries: the dlq_id it re-drives. */
export const REPLAY_HEADER = 'forgecast-replay-of';
/** Tenant of a message whose key has no tenant prefix. */
export const UNKNOWN_TENANT = '_unknown';

/** What the runner knows about a failed record. */
export interface DeadLetter {
  readonly tenantId: string;
  readonly batchId: string;
  readonly sourceId: string;
  readonly recordType: string;
  /** -1 when the message could not be decoded. */
  readonly recordIndex: number;
  readonly stage: DeadLetterStage;
  readonly errorCode: string;
  readonly field: string | null;
  readonly message: string;
  readonly source: ConsumedMessage;
}

/** `<topic>:<partition>:<offset>`: stable across redeliveries of the same raw message. */
export function dlqIdOf(message: Pick<ConsumedMessage, 'topic' | 'partition' | 'offset'>): string {
  return `${message.topic}:${message.partition}:${message.offset}`;
}

/** The tenant prefix of a raw message key (`tenant|source_id|business key`), or `_unknown`. */
export function tenantFromKey(key: string | null): string {
  if (key === null) return UNKNOWN_TENANT;
  const bar = key.indexOf('|');
  return bar > 0 ? key.slice(0, bar) : UNKNOWN_TENANT;
}

/** Row of `dead_letters` for a first (open) version. */
export function deadLetterRow(letter: DeadLetter, createdAt: string, version: number): Record<string, unknown> {
  const { source } = letter;
  return {
    tenant_id: letter.tenantId,
    dlq_id: dlqIdOf(source),
    batch_id: letter.batchId,
    source_id: letter.sourceId,
    record_type: letter.recordType,
    record_index: letter.recordIndex,
    source_topic: source.topic,
    partition: source.partition,
    offset: source.offset,
    stage: letter.stage,
    error_code: letter.errorCode,
    field: letter.field ?? '',
    message: letter.message,
    payload: source.value.toString('base64'),
    key: source.key,
    replay_of: source.headers[REPLAY_HEADER] ?? '',
    created_at: createdAt,
    status: 'open',
    replayed_at: null,
    version,
  };
}

/** Headers of the `forgecast.dlq` message: the context a consumer of the topic needs without the table. */
export function deadLetterHeaders(letter: DeadLetter): Record<string, string> {
  const { source } = letter;
  const headers: Record<string, string> = {
    'forgecast-dlq-id': dlqIdOf(source),
    'forgecast-tenant': letter.tenantId,
    'forgecast-source-topic': source.topic,
    'forgecast-source-partition': String(source.partition),
    'forgecast-source-offset': source.offset,
    'forgecast-stage': letter.stage,
    'forgecast-error-code': letter.errorCode,
    'forgecast-error-message': letter.message.slice(0, 1_000),
    'forgecast-batch-id': letter.batchId,
    'forgecast-record-type': letter.recordType,
    'forgecast-record-index': String(letter.recordIndex),
  };
  if (letter.field !== null) headers['forgecast-error-field'] = letter.field;
  const replayOf = source.headers[REPLAY_HEADER];
  if (replayOf !== undefined) headers[REPLAY_HEADER] = replayOf;
  return headers;
}
