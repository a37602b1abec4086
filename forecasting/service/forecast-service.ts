/**
 * The forecast service: turns a planner's request into a stored forecast version and serves
 * versions back. Demand is computed here: load the series (SeriesSource) → select and fit
 * (selection.ts) → tidy bands → backtest on the training data → store a new version
 * (ForecastStore). Inventory, supply and quality go to their handler (`types/`, one per type,
 * passed in as `handlers`), which computes points, accuracy and details; the service validates
 * the request and the entity type for the handler, and stores the version the same way. A type
 * without a handler answers FGC_FORECAST_TYPE_UNSUPPORTED (422). Everything is scoped to the
 * caller's tenant.
 */
import { randomUUID } from 'node:crypto';
import { FgcError } from '../../infra/errors.js';
import { SEASON, followingBuckets, type Period } from '../series/periods.js';
import { DEMAND_ENTITY_TYPES, isDemandEntityType, type DemandSeries, type EntityRef, type EntityType, type SeriesSource } from '../series/series-source.js';
import type { ForecastTypeHandler, TypedEntityRef, TypedForecastType, TypedRequest } from '../types/forecast-type.js';
import { inProcessFitExecutor, type FitExecutor } from './fit-executor.js';
import { DEFAULT_LEVELS, type ForecastRequest, type ForecastType, type SeriesKey } from './forecast-record.js';
import type { ForecastRecord } from './forecast-version.js';
import { decodeCursor, encodeCursor, type ForecastStore, type ListFilter } from './forecast-store.js';
import { infer, toSteps, type InferRequest, type InferResult } from './infer.js';
import { realizedAccuracy, type RealizedAccuracy } from './realized-accuracy.js';

/**
 * Steps ahead when the request names none: four weeks of days, a quarter of weeks, a year of
 * months, a year of quarters — the planning horizons of replenishment and S&OP.
 */
export const DEFAULT_HORIZON: Readonly<Record<Period, number>> = { daily: 28, weekly: 13, monthly: 12, quarterly: 4 };
/** Farthest a request may look: a year of days, two years of weeks, three of months and quarters. */
export const MAX_HORIZON: Readonly<Record<Period, number>> = { daily: 366, weekly: 104, monthly: 36, quarterly: 12 };
/** Versions of a series compared with later actuals for realized accuracy: about two weeks of nightly runs. */
const REALIZED_VERSIONS = 14;

/** Period, horizon (checked against MAX_HORIZON), levels (sorted, unique) and model of a request. */
function resolved(request: ForecastRequest): { period: Period; horizon: number; levels: number[]; model: string } {
  const period = request.period;
  const horizon = request.horizon ?? DEFAULT_HORIZON[period];
  if (horizon > MAX_HORIZON[period]) {
    throw new FgcError('FGC_FORECAST_INVALID_REQUEST', `horizon ${horizon} exceeds ${MAX_HORIZON[period]} ${period} periods`, { details: [{ field: 'horizon', message: `at most ${MAX_HORIZON[period]} for ${period}` }] });
  }
  return { period, horizon, levels: [...new Set(request.levels ?? DEFAULT_LEVELS)].sort((a, b) => a - b), model: request.model ?? 'auto' };
}

/** A typed handler that can also list the entities whose data changed since a moment (the hourly job's scope). */
export interface NewDataAware {
  entitiesWithNewData(tenant: string, type: EntityType, sinceMs: number): Promise<TypedEntityRef[]>;
}
export type TypedHandler = ForecastTypeHandler & Partial<NewDataAware>;
/** The handler of each non-demand forecast type (`types/typed-handlers.ts` builds them). */
export type TypedHandlers = ReadonlyMap<TypedForecastType, TypedHandler>;

export interface ForecastServiceOptions {
  readonly series: SeriesSource;
  readonly store: ForecastStore;
  /** Inventory, supply and quality handlers; a type left out answers 422. */
  readonly handlers?: TypedHandlers;
  /** Where demand fits and backtests run; in process by default. The caller owns (closes) it. */
  readonly fit?: FitExecutor;
  /** Clock for generated_at; Date.now by default. */
  readonly now?: () => number;
  /** Version ids; random UUIDs by default. */
  readonly newId?: () => string;
}

export interface CreateOptions {
  /** The job run producing this version ('' for an HTTP request). */
  readonly runId?: string;
}

export interface AccuracyReport {
  readonly entity_id: string;
  readonly entity_type: string;
  readonly forecast_type: string;
  readonly period: string;
  readonly site: string;
  readonly version_id: string;
  readonly data_as_of: string;
  readonly model: string;
  /** Rolling-origin backtest of the latest version. */
  readonly backtest: ForecastRecord['accuracy'];
  /** Earlier versions against the actuals that arrived since (null when none has any yet). */
  readonly realized: RealizedAccuracy | null;
}

export interface ForecastList {
  readonly forecasts: readonly ForecastRecord[];
  readonly next_cursor: string | null;
}

/** The site a request names for its entity type: required for item_site, optional for a line, refused otherwise. */
function siteOf(request: ForecastRequest): string {
  const type = request.entity_type;
  const site = request.site?.trim() ?? '';
  if (type === 'item_site' && site === '') {
    throw new FgcError('FGC_FORECAST_INVALID_REQUEST', 'an item_site forecast needs the site', { details: [{ field: 'site', message: 'required for entity_type item_site' }] });
  }
  if (type !== 'item_site' && type !== 'line' && site !== '') {
    throw new FgcError('FGC_FORECAST_INVALID_REQUEST', `site applies to entity_type item_site (or line) only, not ${type}`, { details: [{ field: 'site', message: `not allowed for entity_type ${type}` }] });
  }
  return site;
}

function unsupportedEntityType(forecastType: ForecastType, type: EntityType, served: readonly EntityType[]): FgcError {
  return new FgcError('FGC_FORECAST_TYPE_UNSUPPORTED', `${forecastType} is forecast per ${served.join(', ')}, not per ${type}`, {
    details: [{ field: 'entity_type', message: `${forecastType} has no "${type}" forecast; one of ${served.join(', ')}` }],
  });
}

/** The entity of a demand request, or a 422 saying why it cannot be forecast. */
export function entityOf(request: ForecastRequest): EntityRef {
  if (request.forecast_type !== 'demand') {
    throw new FgcError('FGC_FORECAST_TYPE_UNSUPPORTED', `forecast_type "${request.forecast_type}" is not supported here; only "demand" is`, {
      details: [{ field: 'forecast_type', message: `"${request.forecast_type}" forecasts are not available` }],
    });
  }
  const type = request.entity_type;
  if (!isDemandEntityType(type)) throw unsupportedEntityType('demand', type, DEMAND_ENTITY_TYPES);
  return { entityType: type, entityId: request.entity_id, site: siteOf(request) };
}

/** The entity of a typed request, checked against the entity types its handler serves. */
export function typedEntityOf(request: ForecastRequest, handler: ForecastTypeHandler): TypedEntityRef {
  const type = request.entity_type;
  if (!handler.entityTypes.includes(type)) throw unsupportedEntityType(handler.forecastType, type, handler.entityTypes);
  return { entityType: type, entityId: request.entity_id, site: siteOf(request) };
}

export class ForecastService {
  readonly #o: ForecastServiceOptions;
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #fit: FitExecutor;

  constructor(options: ForecastServiceOptions) {
    this.#o = options;
    this.#fit = options.fit ?? inProcessFitExecutor();
    this.#now = options.now ?? Date.now;
    this.#newId = options.newId ?? randomUUID;
  }

  /** The handler of a non-demand type, when this service has one. */
  typedHandler(type: ForecastType): TypedHandler | undefined {
    return type === 'demand' ? undefined : this.#o.handlers?.get(type);
  }

  /** Entity types each forecast type is served for here (demand always; the others when their handler is present). */
  entityTypes(): Partial<Record<ForecastType, readonly EntityType[]>> {
    const out: Partial<Record<ForecastType, readonly EntityType[]>> = { demand: DEMAND_ENTITY_TYPES };
    for (const [type, handler] of this.#o.handlers ?? []) out[type] = handler.entityTypes;
    return out;
  }

  async create(tenant: string, request: ForecastRequest, options: CreateOptions = {}): Promise<ForecastRecord> {
    return (await this.createWithSeries(tenant, request, options)).record;
  }

  /**
   * As `create`, also returning the demand history a demand forecast was fitted on (the jobs
   * compare it with earlier versions); typed forecasts have none.
   */
  async createWithSeries(tenant: string, request: ForecastRequest, options: CreateOptions = {}): Promise<{ record: ForecastRecord; series?: DemandSeries }> {
    if (request.forecast_type !== 'demand') return { record: await this.#createTyped(tenant, request, options) };
    const entity = entityOf(request);
    const { period, horizon, levels, model } = resolved(request);
    const series = await this.#o.series.demandSeries(tenant, entity, period, request.lookback_days);
    if (series === undefined) {
      throw new FgcError('FGC_FORECAST_ENTITY_NOT_FOUND', `no demand for ${entity.entityType} ${entity.entityId}${entity.site === '' ? '' : ` at ${entity.site}`}`);
    }
    const lastStart = series.periodStarts[series.periodStarts.length - 1];
    if (lastStart === undefined) {
      throw new FgcError('FGC_FORECAST_INVALID_REQUEST', `lookback_days ${request.lookback_days} holds no complete ${period} period before ${series.dataAsOf}`, {
        details: [{ field: 'lookback_days', message: `too short for ${period} periods` }],
      });
    }
    const season = SEASON[period];
    const y = series.values;
    const { output: out, accuracy } = await this.#fit.fit({ y, season, horizon, levels, model });
    const steps = toSteps(out, levels, y.every((v) => v >= 0));
    const starts = followingBuckets(lastStart, period, horizon);
    const record: ForecastRecord = {
      ...this.#identity(tenant, request, entity, options),
      model: out.model,
      reason: out.reason ?? '',
      data_as_of: series.dataAsOf,
      horizon,
      levels,
      points: steps.map((s, i) => ({ period_start: starts[i] ?? '', ...s })),
      accuracy,
      details: null,
    };
    await this.#o.store.save(record);
    return { record, series };
  }

  async #createTyped(tenant: string, request: ForecastRequest, options: CreateOptions): Promise<ForecastRecord> {
    const type = request.forecast_type;
    const handler = this.typedHandler(type);
    if (handler === undefined) {
      throw new FgcError('FGC_FORECAST_TYPE_UNSUPPORTED', `forecast_type "${type}" is not available in this process`, { details: [{ field: 'forecast_type', message: `no "${type}" forecasts here` }] });
    }
    const entity = typedEntityOf(request, handler);
    const { period, horizon, levels, model } = resolved(request);
    const typedRequest: TypedRequest = { period, horizon, levels, lookbackDays: request.lookback_days, model };
    const typed = await handler.compute(tenant, entity, typedRequest);
    if (typed === undefined) {
      throw new FgcError('FGC_FORECAST_ENTITY_NOT_FOUND', `no ${type} data for ${entity.entityType} ${entity.entityId}${entity.site === '' ? '' : ` at ${entity.site}`}`);
    }
    const record: ForecastRecord = {
      ...this.#identity(tenant, request, entity, options),
      model: typed.model,
      reason: typed.reason,
      data_as_of: typed.dataAsOf,
      horizon,
      levels,
      points: typed.points,
      accuracy: typed.accuracy,
      details: typed.details,
    };
    await this.#o.store.save(record);
    return record;
  }

  /** What every version of a request carries besides its numbers. */
  #identity(tenant: string, request: ForecastRequest, entity: TypedEntityRef, options: CreateOptions) {
    return {
      tenant_id: tenant,
      entity_id: entity.entityId,
      entity_type: entity.entityType,
      forecast_type: request.forecast_type,
      period: request.period,
      site: entity.site,
      model_requested: request.model ?? 'auto',
      version_id: this.#newId(),
      generated_at: new Date(this.#now()).toISOString(),
      lookback_days: request.lookback_days,
      run_id: options.runId ?? '',
    };
  }

  /** The latest version of a series, or the given one; 404 when there is none. */
  /** POST /api/v1/infer: a forecast of the numbers sent, fitted where stored forecasts are. */
  infer(request: InferRequest): Promise<InferResult> {
    return infer(request, this.#fit);
  }

  async get(tenant: string, key: SeriesKey, versionId?: string): Promise<ForecastRecord> {
    const record = await this.#o.store.get(tenant, key, versionId);
    if (record === undefined) {
      const what = versionId === undefined ? `no ${key.forecastType} forecast for ${key.entityId}` : `no version ${versionId} of the ${key.forecastType} forecast for ${key.entityId}`;
      throw new FgcError('FGC_FORECAST_NOT_FOUND', what);
    }
    return record;
  }

  async list(tenant: string, filter: ListFilter, limit: number, cursor?: string): Promise<ForecastList> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && after === undefined) throw new FgcError('FGC_FORECAST_INVALID_CURSOR', 'cursor is not one this API returned', { details: [{ field: 'cursor', message: 'invalid' }] });
    const page = await this.#o.store.list(tenant, filter, limit, after);
    return { forecasts: page.records, next_cursor: page.next === undefined ? null : encodeCursor(page.next) };
  }

  /** Backtest of the latest version and realized accuracy of the versions before it. */
  async accuracy(tenant: string, key: SeriesKey): Promise<AccuracyReport> {
    const latest = await this.get(tenant, key);
    const exact: SeriesKey = { entityId: latest.entity_id, forecastType: latest.forecast_type, period: latest.period, site: latest.site, entityType: latest.entity_type };
    const versions = await this.#o.store.history(tenant, exact, REALIZED_VERSIONS);
    const oldest = versions[versions.length - 1] ?? latest;
    // Enough history to cover every point of the oldest version compared.
    const spanDays = Math.ceil((this.#now() - Date.parse(`${oldest.data_as_of}T00:00:00Z`)) / 86_400_000) + 2 * 92;
    const entityType = latest.entity_type;
    // Realized accuracy compares with demand actuals; typed forecasts (on-hand, lead times, defect
    // rates) are judged by the backtest they carry.
    const actual = latest.forecast_type === 'demand' && isDemandEntityType(entityType)
      ? await this.#o.series.demandSeries(tenant, { entityType, entityId: latest.entity_id, site: latest.site }, latest.period, Math.max(spanDays, 1))
      : undefined;
    const actuals = new Map<string, number>();
    actual?.periodStarts.forEach((start, i) => actuals.set(start, actual.values[i] ?? 0));
    const realized = realizedAccuracy(versions, actuals);
    return {
      entity_id: latest.entity_id,
      entity_type: latest.entity_type,
      forecast_type: latest.forecast_type,
      period: latest.period,
      site: latest.site,
      version_id: latest.version_id,
      data_as_of: latest.data_as_of,
      model: latest.model,
      backtest: latest.accuracy,
      realized: realized.points > 0 ? realized : null,
    };
  }
}
