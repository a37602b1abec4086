/**
 * JSON schemas of the unified-data read routes: request validation (fastify/ajv) and the OpenAPI
 * document at /docs. Decimals are strings (exact text), timestamps ISO 8601 UTC.
 */

/** Largest page of `GET /api/v1/items`: big enough for a picker, small enough for one response. */
export const MAX_ITEMS_PAGE = 500;
export const DEFAULT_ITEMS_PAGE = 50;

const decimal = { type: 'string', description: 'exact decimal text' } as const;
const nullableDecimal = { type: ['string', 'null'], description: 'exact decimal text' } as const;
const timestamp = { type: 'string', description: 'ISO 8601, UTC' } as const;

const stockPoint = {
  type: 'object',
  properties: { site: { type: 'string' }, on_hand: decimal, reserved: nullableDecimal, as_of: timestamp },
} as const;

const itemSummary = {
  sku: { type: 'string' },
  name: { type: 'string' },
  uom: { type: 'string', description: 'base unit of every quantity of the item' },
  family: { type: 'string' },
  standard_cost: nullableDecimal,
  currency: { type: 'string' },
  abc_class: { type: ['string', 'null'], description: 'ABC class A / B / C; null when no source sent one' },
  updated_at: timestamp,
} as const;

const skuParams = { type: 'object', required: ['sku'], properties: { sku: { type: 'string', minLength: 1, maxLength: 4000 } } } as const;

export const getItemSchema = {
  tags: ['unified data'],
  summary: 'One canonical item: the ids source systems know it by and its latest stock per site',
  params: skuParams,
  response: {
    200: {
      type: 'object',
      properties: {
        ...itemSummary,
        supplier_id: { type: 'string' },
        supplier_name: { type: 'string' },
        lead_time_days: { type: ['integer', 'null'] },
        source_id: { type: 'string', description: 'source system that wrote the latest version' },
        external_ids: { type: 'array', items: { type: 'object', properties: { source_id: { type: 'string' }, source_key: { type: 'string' } } } },
        stock: { type: 'array', items: stockPoint },
      },
    },
  },
} as const;

export const listItemsSchema = {
  tags: ['unified data'],
  summary: 'Canonical items by sku, searchable, a page at a time',
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      q: { type: 'string', maxLength: 200, description: 'sku or name contains this text (any case)' },
      family: { type: 'string', maxLength: 200 },
      abc_class: { type: 'string', maxLength: 1, description: 'only items of this ABC class (any case)' },
      limit: { type: 'integer', minimum: 1, maximum: MAX_ITEMS_PAGE, default: DEFAULT_ITEMS_PAGE },
      cursor: { type: 'string', maxLength: 8000 },
    },
  },
  response: {
    200: {
      type: 'object',
      properties: { items: { type: 'array', items: { type: 'object', properties: itemSummary } }, next_cursor: { type: ['string', 'null'] } },
    },
  },
} as const;

export const inventorySchema = {
  tags: ['unified data'],
  summary: 'Latest stock per site and the daily history of one item',
  params: skuParams,
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      site: { type: 'string', maxLength: 200 },
      from: { type: 'string', format: 'date', description: 'first day (UTC); default 89 days before `to`' },
      to: { type: 'string', format: 'date', description: 'last day (UTC); default today' },
    },
  },
  response: {
    200: {
      type: 'object',
      properties: {
        sku: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        latest: { type: 'array', items: stockPoint },
        history: { type: 'array', items: { type: 'object', properties: { ...stockPoint.properties, day: { type: 'string' } } } },
        truncated: { type: 'boolean' },
      },
    },
  },
} as const;

const recordTypeStats = {
  type: 'object',
  properties: {
    record_type: { type: 'string' },
    received: { type: 'integer' },
    accepted: { type: 'integer' },
    rejected: { type: 'integer' },
    stored: { type: 'integer', description: 'current rows in the unified model' },
    dead_lettered: { type: 'integer', description: 'open dead letters' },
    last_received_at: { type: ['string', 'null'] },
  },
} as const;

export const sourcesSchema = {
  tags: ['unified data'],
  summary: 'Per source system and record type: received, accepted, rejected, stored, dead-lettered, freshness',
  response: {
    200: {
      type: 'object',
      properties: {
        sources: {
          type: 'array',
          items: {
            type: 'object',
            properties: { source_id: { type: 'string' }, source_type: { type: 'string' }, last_received_at: { type: ['string', 'null'] }, record_types: { type: 'array', items: recordTypeStats } },
          },
        },
      },
    },
  },
} as const;
