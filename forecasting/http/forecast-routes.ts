/**
 * The planner API of the forecasting domain, one encapsulated fastify plugin (SPEC.md,
 * Forecasts): create and read forecast versions of every type (demand, and inventory / supply /
 * quality with their `details`), their accuracy, the model registry, /infer for ad-hoc numbers,
 * and the jobs (admin). Its ports come in as options; tenant and scope come from
 * the principal the HTTP shell authenticated.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { DEFAULT_TENANT } from '../../infra/auth/api-keys.js';
import { FgcError } from '../../infra/errors.js';
import type { ModelInfo } from '../models/registry.js';
import type { Period } from '../series/periods.js';
import type { EntityType } from '../series/series-source.js';
import type { JobsApi } from '../jobs/job-runs.js';
import type { ForecastRequest, ForecastType, SeriesKey } from '../service/forecast-record.js';
import type { ForecastService } from '../service/forecast-service.js';
import {
  accuracyResponseSchema,
  createBodySchemaFor,
  forecastSchema,
  getQuerySchema,
  inferBodySchema,
  inferResponseSchema,
  jobsResponseSchema,
  listQuerySchema,
  modelsResponseSchema,
  runAcceptedSchema,
  seriesParamsSchema,
} from './forecast-schemas.js';

/** Room for INFER_MAX_POINTS numbers of ~20 characters each, above the server-wide body limit. */
const DEFAULT_INFER_BODY_LIMIT = 4 * 1024 * 1024;

export interface ForecastRoutesOptions {
  readonly service: ForecastService;
  /** The model registry served at /api/v1/models (`listModels()` of forecasting/models/registry.ts). */
  readonly models: readonly ModelInfo[];
  /** The jobs; without them /api/v1/jobs answers 404 (a process without the forecasting role). */
  readonly jobs?: JobsApi;
  readonly inferBodyLimitBytes?: number;
}

function tenantOf(request: FastifyRequest): string {
  if (request.principal === undefined) throw new FgcError('FGC_AUTH_MISSING_KEY');
  return request.principal.tenant;
}

interface SeriesParams {
  entity_id: string;
  forecast_type: ForecastType;
}
interface GetQuery {
  period?: Period;
  site?: string;
  version?: string;
  entity_type?: EntityType;
}

function seriesKey(params: SeriesParams, query: GetQuery): SeriesKey {
  return {
    entityId: params.entity_id,
    forecastType: params.forecast_type,
    ...(query.period === undefined ? {} : { period: query.period }),
    ...(query.site === undefined ? {} : { site: query.site }),
    ...(query.entity_type === undefined ? {} : { entityType: query.entity_type }),
  };
}

export const forecastRoutes: FastifyPluginAsync<ForecastRoutesOptions> = async (app, options) => {
  const { service, jobs } = options;
  const modelNames = options.models.map((m) => m.name);
  const tags = ['forecasts'];

  app.post<{ Body: ForecastRequest }>(
    '/api/v1/forecasts',
    { config: { scope: 'write' }, schema: { tags, summary: 'Compute and store a forecast version', body: createBodySchemaFor(service.entityTypes()), response: { 201: forecastSchema } } },
    async (request, reply) => {
      const model = request.body.model;
      if (model !== undefined && !modelNames.includes(model)) {
        throw new FgcError('FGC_FORECAST_INVALID_REQUEST', `unknown model "${model}"; GET /api/v1/models lists them`, { details: [{ field: 'model', message: 'unknown model' }] });
      }
      return reply.status(201).send(await service.create(tenantOf(request), request.body));
    },
  );

  app.get<{ Querystring: { forecast_type?: ForecastType; period?: Period; site?: string; limit: number; cursor?: string } }>(
    '/api/v1/forecasts',
    {
      config: { scope: 'read' },
      schema: { tags, summary: 'Latest version of every forecast series of the tenant', querystring: listQuerySchema, response: { 200: { type: 'object', properties: { forecasts: { type: 'array', items: forecastSchema }, next_cursor: { type: ['string', 'null'] } } } } },
    },
    async (request) => {
      const { forecast_type, period, site, limit, cursor } = request.query;
      const filter = { ...(forecast_type === undefined ? {} : { forecastType: forecast_type }), ...(period === undefined ? {} : { period }), ...(site === undefined ? {} : { site }) };
      return service.list(tenantOf(request), filter, limit, cursor);
    },
  );

  app.get<{ Params: SeriesParams; Querystring: GetQuery }>(
    '/api/v1/forecasts/:entity_id/:forecast_type',
    { config: { scope: 'read' }, schema: { tags, summary: 'Latest (or a given) version of a forecast', params: seriesParamsSchema, querystring: getQuerySchema, response: { 200: forecastSchema } } },
    async (request) => service.get(tenantOf(request), seriesKey(request.params, request.query), request.query.version),
  );

  app.get<{ Params: SeriesParams; Querystring: GetQuery }>(
    '/api/v1/forecasts/:entity_id/:forecast_type/accuracy',
    { config: { scope: 'read' }, schema: { tags, summary: 'Backtest and realized accuracy of a forecast series', params: seriesParamsSchema, querystring: getQuerySchema, response: { 200: accuracyResponseSchema } } },
    async (request) => service.accuracy(tenantOf(request), seriesKey(request.params, request.query)),
  );

  app.get('/api/v1/models', { config: { scope: 'read' }, schema: { tags, summary: 'The model registry', response: { 200: modelsResponseSchema } } }, async () => ({ models: options.models }));

  app.post<{ Body: { series: number[]; season: number; horizon: number; levels?: number[]; model: string } }>(
    '/api/v1/infer',
    {
      config: { scope: 'read' },
      bodyLimit: options.inferBodyLimitBytes ?? DEFAULT_INFER_BODY_LIMIT,
      schema: { tags, summary: 'Forecast the numbers sent; nothing is stored', body: inferBodySchema(modelNames), response: { 200: inferResponseSchema } },
    },
    async (request) => service.infer(request.body),
  );

  const jobTags = ['jobs'];
  app.get('/api/v1/jobs', { config: { scope: 'admin' }, schema: { tags: jobTags, summary: 'Forecast jobs and their recent runs', response: { 200: jobsResponseSchema } } }, async (request) => {
    if (jobs === undefined) throw new FgcError('FGC_FORECAST_JOB_NOT_FOUND', 'the forecasting jobs do not run in this process');
    return jobs.list(tenantOf(request));
  });

  app.post<{ Params: { name: string } }>(
    '/api/v1/jobs/:name/run',
    {
      config: { scope: 'admin' },
      schema: {
        tags: jobTags,
        summary: `Run a forecast job now (an admin of tenant "${DEFAULT_TENANT}" runs it for every tenant, others for their own)`,
        params: { type: 'object', properties: { name: { type: 'string', maxLength: 100 } } },
        response: { 202: runAcceptedSchema },
      },
    },
    async (request, reply) => {
      if (jobs === undefined) throw new FgcError('FGC_FORECAST_JOB_NOT_FOUND', 'the forecasting jobs do not run in this process');
      return reply.status(202).send(await jobs.trigger(request.params.name, tenantOf(request)));
    },
  );
};
