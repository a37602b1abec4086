/** JSON schemas of the pipeline routes: request validation, the OpenAPI document and fast serialization. */
import { DEAD_LETTER_STAGES, DEAD_LETTER_STATUSES } from '../dead-letters/dead-letter.js';
import { MAX_DEAD_LETTER_LIMIT, DEFAULT_DEAD_LETTER_LIMIT } from '../dead-letters/dead-letter-store.js';
import { RECORD_TYPES } from '../../schemas/topics.js';

const nullableString = { type: ['string', 'null'] } as const;

export const deadLetterQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    batch_id: { type: 'string', minLength: 1, maxLength: 64 },
    stage: { type: 'string', enum: [...DEAD_LETTER_STAGES] },
    status: { type: 'string', enum: [...DEAD_LETTER_STATUSES] },
    limit: { type: 'integer', minimum: 1, maximum: MAX_DEAD_LETTER_LIMIT, default: DEFAULT_DEAD_LETTER_LIMIT },
    cursor: { type: 'string', maxLength: 1024 },
  },
} as const;

const deadLetterSchema = {
  type: 'object',
  properties: {
    dlq_id: { type: 'string', description: '<topic>:<partition>:<offset> of the raw message' },
    batch_id: { type: 'string' },
    source_id: { type: 'string' },
    record_type: { type: 'string' },
    record_index: { type: ['integer', 'null'] },
    source_topic: { type: 'string' },
    partition: { type: 'integer' },
    offset: { type: 'string' },
    stage: { type: 'string', enum: [...DEAD_LETTER_STAGES] },
    error_code: { type: 'string' },
    field: nullableString,
    message: { type: 'string' },
    key: nullableString,
    status: { type: 'string', enum: [...DEAD_LETTER_STATUSES] },
    replay_of: nullableString,
    created_at: { type: 'string' },
    replayed_at: nullableString,
  },
} as const;

export const deadLetterPageSchema = {
  type: 'object',
  properties: { dead_letters: { type: 'array', items: deadLetterSchema }, next_cursor: nullableString },
} as const;

export const replayBodySchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Which open dead letters to re-drive; at least one criterion.',
  properties: {
    batch_id: { type: 'string', minLength: 1, maxLength: 64 },
    stage: { type: 'string', enum: [...DEAD_LETTER_STAGES] },
    error_code: { type: 'string', minLength: 1, maxLength: 100 },
    record_type: { type: 'string', enum: [...RECORD_TYPES] },
    dlq_ids: { type: 'array', minItems: 1, maxItems: 10_000, items: { type: 'string', minLength: 1, maxLength: 300 } },
  },
} as const;

export const replayResultSchema = {
  type: 'object',
  properties: {
    replayed: { type: 'integer' },
    dlq_ids: { type: 'array', items: { type: 'string' } },
    skipped: { type: 'array', items: { type: 'string' }, description: 'dlq_ids asked for that were not open (already replayed, resolved or unknown)' },
    more: { type: 'boolean', description: 'more open dead letters match: call again' },
  },
} as const;

export const pipelineStatusSchema = {
  type: 'object',
  properties: {
    state: { type: 'string' },
    group_id: { type: 'string' },
    error: nullableString,
    partitions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          topic: { type: 'string' },
          partition: { type: 'integer' },
          status: { type: 'string', enum: ['running', 'paused', 'retrying'] },
          lag: { type: ['integer', 'null'] },
          last_error: {
            type: ['object', 'null'],
            properties: { code: { type: 'string' }, message: { type: 'string' }, at: { type: 'string' }, attempt: { type: 'integer' } },
          },
          last_batch_at: nullableString,
        },
      },
    },
  },
} as const;
