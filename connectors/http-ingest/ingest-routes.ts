/**
 * The ingest HTTP surface (SPEC.md, Ingest) as one encapsulated fastify plugin: POST
 * /api/v1/ingest, GET /api/v1/batch/{id}, GET /api/v1/batches and POST /api/v1/items. Every batch
 * goes through the one Ingestor, so HTTP and the other connectors validate alike.
 *
 * Bodies of the two POST routes are documented with JSON schemas (OpenAPI at /docs) but checked by
 * the ingestor, not by ajv: ajv's coercion would silently rewrite records (a lone object into an
 * array), and a schema violation would reject a whole batch with a 400 where SPEC wants a
 * per-record report. Only JSON is accepted: this plugin drops fastify's text/plain parser, so any
 * other content type is a 415.
 */
import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { FgcError } from '../../infra/errors.js';
import { RECORD_TYPES } from '../../schemas/topics.js';
import { contentHash } from '../ingest/batch-identity.js';
import { BATCH_STATUSES, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, type BatchStatus, type IngestBatches } from '../ingest/ingest-batches.js';
import type { IngestResult, Ingestor } from '../ingest/ingestor.js';
import { batchListSchema, batchViewSchema, ingestBodySchema, ingestResultSchema, itemBodySchema, itemResultSchema } from './ingest-schemas.js';
import { isWellFormedText } from '../ingest/unicode-text.js';

export interface IngestRoutesOptions {
  readonly ingestor: Ingestor;
  readonly batches: IngestBatches;
  /** Body limit of POST /api/v1/ingest (413 beyond); the server's limit when absent. */
  readonly bodyLimitBytes?: number;
}

/** Items posted one by one come from this source: the platform's own API, on behalf of an ERP user. */
export const ITEM_SOURCE_ID = 'api';
/** Readable batch references for items whose sku is short enough; longer ones are hashed. */
const MAX_SKU_IN_REFERENCE = 120;

function tenantOf(request: FastifyRequest): string {
  if (request.principal === undefined) throw new FgcError('FGC_AUTH_MISSING_KEY');
  return request.principal.tenant;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** No-op validator: the schema documents, the ingestor checks (see the module header). */
const documentOnly = (): (() => boolean) => () => true;

/** A batch in which every record was invalid: 422 with the record errors as details. */
function allInvalid(result: IngestResult): FgcError {
  const more = result.errors_total !== undefined && result.errors_total > result.errors.length ? ` (first ${result.errors.length} of ${result.errors_total} problems listed)` : '';
  return new FgcError('FGC_INGEST_ALL_INVALID', `every record of batch ${result.batch_id} is invalid (${result.rejected} of ${result.received}); nothing was published${more}`, {
    details: result.errors.map((e) => ({ ...e })),
  });
}

/** `item:<sku>:<content hash>`: the same item content maps to the same batch, a change to a new one. */
function itemReference(item: Record<string, unknown>): string {
  const sku = typeof item.sku === 'string' ? item.sku.trim() : typeof item.sku === 'number' ? String(item.sku) : '';
  const hash = contentHash('erp', 'canonical', { items: [item] }).slice(0, 16);
  const readable = sku.length > 0 && sku.length <= MAX_SKU_IN_REFERENCE && isWellFormedText(sku);
  return `item:${readable ? sku : createHash('sha256').update(sku).digest('hex').slice(0, 16)}:${hash}`;
}

export const ingestRoutes: FastifyPluginAsync<IngestRoutesOptions> = async (app, { ingestor, batches, bodyLimitBytes }) => {
  app.removeContentTypeParser('text/plain');

  app.post<{ Body: unknown }>(
    '/api/v1/ingest',
    {
      config: { scope: 'ingest' },
      ...(bodyLimitBytes === undefined ? {} : { bodyLimit: bodyLimitBytes }),
      validatorCompiler: documentOnly,
      schema: {
        tags: ['ingest'],
        summary: 'Ingest a batch of records from a source system',
        description: `Record types: ${RECORD_TYPES.join(', ')}. Invalid records are reported one by one; the valid ones are accepted (202, status partial). 200 with the original result when the same batch is sent again.`,
        body: ingestBodySchema,
        response: { 200: ingestResultSchema, 202: ingestResultSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!isObject(body)) {
        throw new FgcError('FGC_INGEST_INVALID_ENVELOPE', 'the body must be a JSON object: {"source_type","source_id","batch_reference","mapping"?,"data":{…}}', { details: [{ field: null, message: 'expected an object' }] });
      }
      const result = await ingestor.ingest({
        tenant: tenantOf(request),
        source_type: body.source_type as string,
        source_id: body.source_id as string,
        batch_reference: body.batch_reference as string,
        mapping: body.mapping as string | undefined,
        data: body.data as Record<string, unknown>,
      });
      if (result.status === 'rejected') throw allInvalid(result);
      return reply.status(result.replayed ? 200 : 202).send(result);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/batch/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['ingest'],
        summary: 'Status, counts and errors of one batch',
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } },
        response: { 200: batchViewSchema },
      },
    },
    async (request) => {
      const batch = await batches.get(tenantOf(request), request.params.id);
      if (batch === null) throw new FgcError('FGC_INGEST_BATCH_NOT_FOUND', `no batch ${request.params.id}`);
      return batch;
    },
  );

  app.get<{ Querystring: { source_id?: string; status?: BatchStatus; limit?: number; cursor?: string } }>(
    '/api/v1/batches',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['ingest'],
        summary: "The tenant's batches, newest first",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            source_id: { type: 'string', minLength: 1, maxLength: 200 },
            status: { type: 'string', enum: [...BATCH_STATUSES] },
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT, default: DEFAULT_LIST_LIMIT },
            cursor: { type: 'string', maxLength: 512 },
          },
        },
        response: { 200: batchListSchema },
      },
    },
    async (request) => {
      const { source_id: sourceId, status, limit, cursor } = request.query;
      return batches.list(tenantOf(request), { sourceId, status, limit, cursor });
    },
  );

  app.post<{ Body: unknown }>(
    '/api/v1/items',
    {
      config: { scope: 'write' },
      validatorCompiler: documentOnly,
      schema: {
        tags: ['items'],
        summary: 'Create or update one item; it goes through the same ingest path as a batch',
        description: `Stored as a one-record batch of source_type erp, source_id "${ITEM_SOURCE_ID}". 201 when new content was accepted, 200 when the same content was sent before.`,
        body: itemBodySchema,
        response: { 200: itemResultSchema, 201: itemResultSchema },
      },
    },
    async (request, reply) => {
      const item = request.body;
      if (!isObject(item)) throw new FgcError('FGC_HTTP_INVALID_REQUEST', 'the body must be one item as a JSON object', { details: [{ field: 'body', message: 'expected an object' }] });
      const result = await ingestor.ingest({
        tenant: tenantOf(request),
        source_type: 'erp',
        source_id: ITEM_SOURCE_ID,
        batch_reference: itemReference(item),
        data: { items: [item] },
      });
      if (result.status === 'rejected') throw allInvalid(result);
      return reply.status(result.replayed ? 200 : 201).send({ sku: typeof item.sku === 'string' ? item.sku.trim() : String(item.sku), batch_id: result.batch_id, batch_reference: result.batch_reference, status: result.status, replayed: result.replayed });
    },
  );
};
