/**
 * JSON schemas of the forecast API (validation and the OpenAPI document at /docs). Enums come
 * from the code's own lists, so the documented values are the accepted ones.
 */
import { PERIODS } from '../series/periods.js';
import { ENTITY_TYPES, type EntityType } from '../series/series-source.js';
import { FORECAST_TYPES, type ForecastType } from '../service/forecast-record.js';

/** Largest series /infer accepts: a few years of hourly data, well under a second to forecast. */
export const INFER_MAX_POINTS = 100_000;
/** Farthest /infer looks ahead. */
export const INFER_MAX_HORIZON = 5_000;
/** Longest history a stored forecast may read: ten years of days. */
const MAX_LOOKBACK_DAYS = 3_660;

const levelsSchema = {
  type: 'array',
  minItems: 1,
  maxItems: 6,
  items: { type: 'integer', minimum: 1, maximum: 99 },
  description: 'Central interval levels in percent; default [80, 95]',
} as const;

const boundsSchema = { type: 'object', additionalProperties: { type: 'number' } } as const;
const nullableNumber = { type: ['number', 'null'] } as const;

export const pointSchema = {
  type: 'object',
  properties: { period_start: { type: 'string', format: 'date' }, value: { type: 'number' }, lower: boundsSchema, upper: boundsSchema },
} as const;

export const backtestSchema = {
  type: 'object',
  properties: {
    wape: nullableNumber,
    mase: nullableNumber,
    bias: nullableNumber,
    coverage_95: nullableNumber,
    coverage: { type: 'object', additionalProperties: nullableNumber },
    msis: nullableNumber,
    windows: { type: 'integer' },
    horizon: { type: 'integer' },
  },
} as const;

const nullableString = { type: ['string', 'null'] } as const;
/** Open (additional properties kept): details gain fields without a schema change dropping them. */
const open = (properties: Record<string, unknown>, description: string) => ({ type: 'object', additionalProperties: true, required: ['kind'], description, properties }) as const;

/** The details of typed versions (forecasting/types/forecast-type.ts), one schema per `kind`. */
export const detailsSchema = {
  description: 'Figures of an inventory, supply or quality version (`kind` says which); null for demand',
  anyOf: [
    open(
      {
        kind: { type: 'string', const: 'inventory' },
        on_hand: { type: 'number' },
        on_hand_as_of: { type: 'string' },
        open_receipts: {
          type: 'array',
          items: { type: 'object', additionalProperties: true, properties: { po_id: { type: 'string' }, qty: { type: 'number' }, promised_date: nullableString, expected_date: { type: 'string' } } },
        },
        mean_daily_demand: { type: 'number' },
        days_of_cover: nullableNumber,
        stockout_date: nullableString,
        stockout_probability: { type: 'number' },
        stockout_probability_within_lead_time: { type: 'number' },
        lead_time_days: { type: 'number' },
        service_level: { type: 'number' },
        safety_stock: { type: 'number' },
        reorder_point: { type: 'number' },
        recommended_order_qty: { type: 'number' },
        recommended_order_date: nullableString,
      },
      'Projected on-hand: days of cover, stockout date and probability, safety stock, reorder point, what and when to order',
    ),
    open(
      {
        kind: { type: 'string', const: 'supply' },
        supplier_id: { type: 'string' },
        orders_observed: { type: 'integer' },
        lead_time_days: { type: 'object', additionalProperties: true, properties: { mean: { type: 'number' }, sd: { type: 'number' }, p50: { type: 'number' }, p80: { type: 'number' }, p95: { type: 'number' } } },
        late_probability: { type: 'number' },
        mean_delay_days: { type: 'number' },
        open_orders: { type: 'array', items: { type: 'object', additionalProperties: true } },
      },
      'Supplier lead-time distribution, late-delivery probability and open orders',
    ),
    open(
      {
        kind: { type: 'string', const: 'quality' },
        current_rate: { type: 'number' },
        center_line: { type: 'number' },
        ucl: { type: 'number' },
        lcl: { type: 'number' },
        average_sample_size: { type: 'number' },
        spc_violations: { type: 'array', items: { type: 'object', additionalProperties: true } },
        limit_breached: { type: 'boolean' },
        top_defect_code: { type: 'string' },
      },
      'Defect rate p-chart: centre line, control limits, run-rule violations',
    ),
    // Anything else a handler adds is sent as it is rather than failing the response.
    { type: 'object', additionalProperties: true },
    { type: 'null' },
  ],
} as const;

export const forecastSchema = {
  type: 'object',
  properties: {
    entity_id: { type: 'string' },
    entity_type: { type: 'string' },
    forecast_type: { type: 'string' },
    period: { type: 'string' },
    site: { type: 'string' },
    model: { type: 'string' },
    model_requested: { type: 'string' },
    reason: { type: 'string' },
    version_id: { type: 'string' },
    generated_at: { type: 'string', format: 'date-time' },
    data_as_of: { type: 'string', format: 'date' },
    lookback_days: { type: 'integer' },
    horizon: { type: 'integer' },
    levels: { type: 'array', items: { type: 'integer' } },
    points: { type: 'array', items: pointSchema },
    accuracy: backtestSchema,
    run_id: { type: 'string' },
    details: detailsSchema,
  },
} as const;

/**
 * The body of POST /api/v1/forecasts; `served` (ForecastService.entityTypes()) documents which
 * entity types each forecast type takes here — another combination is refused with a 422.
 */
export function createBodySchemaFor(served: Partial<Record<ForecastType, readonly EntityType[]>>) {
  const perType = FORECAST_TYPES.map((t) => `${t}: ${served[t]?.join(', ') ?? 'not served here'}`).join('; ');
  return {
    type: 'object',
    required: ['forecast_type', 'period', 'entity_id', 'entity_type', 'lookback_days'],
    additionalProperties: false,
    properties: {
      forecast_type: { type: 'string', enum: [...FORECAST_TYPES] },
      period: { type: 'string', enum: [...PERIODS] },
      entity_id: { type: 'string', minLength: 1, maxLength: 200 },
      entity_type: {
        type: 'string',
        enum: [...ENTITY_TYPES],
        description: `Entity types per forecast type: ${perType}`,
      },
      site: { type: 'string', maxLength: 200, description: 'The site of an item_site entity (required), or of a line' },
      lookback_days: { type: 'integer', minimum: 1, maximum: MAX_LOOKBACK_DAYS },
      horizon: { type: 'integer', minimum: 1, maximum: 366 },
      levels: levelsSchema,
      model: { type: 'string', minLength: 1, maxLength: 100, description: 'A model name from GET /api/v1/models; default auto' },
    },
  } as const;
}

export const seriesParamsSchema = {
  type: 'object',
  required: ['entity_id', 'forecast_type'],
  properties: { entity_id: { type: 'string', minLength: 1, maxLength: 200 }, forecast_type: { type: 'string', enum: [...FORECAST_TYPES] } },
} as const;

export const getQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    period: { type: 'string', enum: [...PERIODS] },
    site: { type: 'string', maxLength: 200 },
    version: { type: 'string', maxLength: 64 },
    entity_type: { type: 'string', enum: [...ENTITY_TYPES] },
  },
} as const;

export const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    forecast_type: { type: 'string', enum: [...FORECAST_TYPES] },
    period: { type: 'string', enum: [...PERIODS] },
    site: { type: 'string', maxLength: 200 },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
    cursor: { type: 'string', maxLength: 2000 },
  },
} as const;

export const accuracyResponseSchema = {
  type: 'object',
  properties: {
    entity_id: { type: 'string' },
    entity_type: { type: 'string' },
    forecast_type: { type: 'string' },
    period: { type: 'string' },
    site: { type: 'string' },
    version_id: { type: 'string' },
    data_as_of: { type: 'string' },
    model: { type: 'string' },
    backtest: backtestSchema,
    realized: {
      type: ['object', 'null'],
      properties: {
        points: { type: 'integer' },
        versions: { type: 'integer' },
        wape: nullableNumber,
        bias: nullableNumber,
        coverage_95: nullableNumber,
        coverage: { type: 'object', additionalProperties: nullableNumber },
      },
    },
  },
} as const;

export function inferBodySchema(modelNames: readonly string[]) {
  return {
    type: 'object',
    required: ['series', 'horizon'],
    additionalProperties: false,
    properties: {
      series: { type: 'array', minItems: 1, maxItems: INFER_MAX_POINTS, items: { type: 'number' }, description: 'Observations in time order, no gaps' },
      season: { type: 'integer', minimum: 1, maximum: 10_000, default: 1 },
      horizon: { type: 'integer', minimum: 1, maximum: INFER_MAX_HORIZON },
      levels: levelsSchema,
      model: { type: 'string', enum: [...modelNames], default: 'auto' },
    },
  } as const;
}

export const inferResponseSchema = {
  type: 'object',
  properties: {
    model: { type: 'string' },
    reason: { type: 'string' },
    levels: { type: 'array', items: { type: 'integer' } },
    points: { type: 'array', items: { type: 'object', properties: { step: { type: 'integer' }, value: { type: 'number' }, lower: boundsSchema, upper: boundsSchema } } },
  },
} as const;

export const modelsResponseSchema = {
  type: 'object',
  properties: { models: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'string' }, description: { type: 'string' } } } } },
} as const;

const runSchema = {
  type: 'object',
  properties: {
    run_id: { type: 'string' },
    job: { type: 'string' },
    tenant_id: { type: 'string' },
    trigger: { type: 'string' },
    status: { type: 'string' },
    scheduled_for: { type: ['string', 'null'] },
    started_at: { type: 'string' },
    finished_at: { type: ['string', 'null'] },
    entities_total: { type: 'integer' },
    entities_done: { type: 'integer' },
    entities_failed: { type: 'integer' },
    error: { type: 'string' },
    fencing_token: { type: 'integer' },
  },
} as const;

export const jobsResponseSchema = {
  type: 'object',
  properties: {
    jobs: {
      type: 'array',
      items: { type: 'object', properties: { name: { type: 'string' }, schedule: { type: 'string' }, description: { type: 'string' }, running: { type: 'boolean' }, last_run: { anyOf: [runSchema, { type: 'null' }] } } },
    },
    runs: { type: 'array', items: runSchema },
  },
} as const;

export const runAcceptedSchema = { type: 'object', properties: { run_id: { type: 'string' }, job: { type: 'string' }, status: { type: 'string' }, fencing_token: { type: 'integer' } } } as const;
