/**
 * JSON schemas of the ingest routes, for the OpenAPI document and fast response serialization.
 * Request bodies are documented from the canonical field table (record-fields.ts), so the docs
 * cannot drift from validation; they are not used to validate (see ingest-routes.ts).
 */
import { RECORD_TYPES } from '../../schemas/topics.js';
import { BATCH_STATUSES } from '../ingest/ingest-batches.js';
import { SOURCE_TYPES } from '../ingest/ingestor.js';
import { RECORD_FIELDS, describeFieldType, type FieldSpec } from '../ingest/record-fields.js';

function fieldSchema(field: FieldSpec): Record<string, unknown> {
  const description = `${describeFieldType(field.type)}${field.required ? ' (required)' : ''}`;
  switch (field.type.kind) {
    case 'decimal':
    case 'integer':
      return { type: ['number', 'string'], description };
    case 'boolean':
      return { type: ['boolean', 'string', 'number'], description };
    case 'enum':
      return { type: 'string', enum: [...field.type.values], description };
    default:
      return { type: ['string', 'number'], description };
  }
}

function recordSchema(type: (typeof RECORD_TYPES)[number]): Record<string, unknown> {
  return {
    type: 'object',
    description: 'Canonical fields (or the source names of the chosen mapping profile); other fields are kept as extra.',
    properties: Object.fromEntries(RECORD_FIELDS[type].map((f) => [f.name, fieldSchema(f)])),
    additionalProperties: true,
  };
}

const recordErrorSchema = {
  type: 'object',
  properties: {
    record_type: { type: 'string' },
    index: { type: 'integer' },
    field: { type: ['string', 'null'] },
    message: { type: 'string' },
  },
} as const;

export const ingestBodySchema = {
  type: 'object',
  properties: {
    source_type: { type: 'string', enum: [...SOURCE_TYPES] },
    source_id: { type: 'string', maxLength: 200 },
    batch_reference: { type: 'string', maxLength: 200, description: 'Unique per source: the same reference with the same content is a replay, with other content a conflict (409).' },
    mapping: { type: 'string', description: 'Mapping profile (canonical when absent), e.g. sap.' },
    data: { type: 'object', properties: Object.fromEntries(RECORD_TYPES.map((t) => [t, { type: 'array', items: recordSchema(t) }])) },
  },
  required: ['source_type', 'source_id', 'batch_reference', 'data'],
};

export const ingestResultSchema = {
  type: 'object',
  properties: {
    batch_id: { type: 'string' },
    batch_reference: { type: 'string' },
    status: { type: 'string', enum: ['accepted', 'partial', 'rejected'] },
    received: { type: 'integer' },
    accepted: { type: 'integer' },
    rejected: { type: 'integer' },
    errors: { type: 'array', items: recordErrorSchema },
    errors_total: { type: 'integer', description: 'Present when more problems were found than `errors` lists.' },
    replayed: { type: 'boolean' },
  },
} as const;

const countsSchema = {
  type: 'object',
  properties: { received: { type: 'integer' }, accepted: { type: 'integer' }, rejected: { type: 'integer' }, normalized: { type: 'integer' }, failed: { type: 'integer' } },
} as const;

const batchProperties = {
  batch_id: { type: 'string' },
  batch_reference: { type: 'string' },
  source_id: { type: 'string' },
  source_type: { type: 'string' },
  mapping: { type: 'string' },
  status: { type: 'string', enum: [...BATCH_STATUSES] },
  counts: countsSchema,
  by_record_type: {
    type: 'object',
    additionalProperties: { type: 'object', properties: { received: { type: 'integer' }, accepted: { type: 'integer' }, rejected: { type: 'integer' } } },
  },
  errors_total: { type: 'integer' },
  received_at: { type: 'string', format: 'date-time' },
  updated_at: { type: 'string', format: 'date-time' },
} as const;

export const batchViewSchema = { type: 'object', properties: { ...batchProperties, errors: { type: 'array', items: recordErrorSchema } } } as const;

export const batchListSchema = {
  type: 'object',
  properties: {
    batches: { type: 'array', items: { type: 'object', properties: batchProperties } },
    next_cursor: { type: ['string', 'null'] },
  },
} as const;

export const itemBodySchema = { ...recordSchema('items'), required: ['sku', 'name'] };

export const itemResultSchema = {
  type: 'object',
  properties: {
    sku: { type: 'string' },
    batch_id: { type: 'string' },
    batch_reference: { type: 'string' },
    status: { type: 'string' },
    replayed: { type: 'boolean' },
  },
} as const;
