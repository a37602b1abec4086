/**
 * Quality forecasts (entity types `line` and `item`): the defect rate per period with bounds
 * inside [0, 1], and a p-chart of it. Reads `quality_inspections` (migration 004) with FINAL and
 * parameters only; statistics are the pure `quality-spc.ts`.
 *
 * Decisions, each also in the forecast's `reason`:
 * - Inspections are summed per day in ClickHouse and bucketed by the request's period
 *   (periods.ts); p_t = Σdefects / Σinspected. Periods without inspections carry no rate and are
 *   left out of the series (a weekend is not a zero-defect day).
 * - The rate is forecast by a model of the registry (`forecastWith`, the request's model, season 1:
 *   a process's defect rate has drifts and level shifts, not calendar seasons). Bounds per level:
 *   Wilson intervals at the larger of the model's variance and the binomial variance of the
 *   recent average sample size (quality-spc `rateBounds`), nested across levels.
 * - The p-chart's baseline is the lookback without its most recent `recentPeriods` periods (so a
 *   drift does not raise its own limits); with fewer than MIN_BASELINE_PERIODS left, all periods.
 *   Run rules are checked at each of the recent periods.
 * - `limit_breached`: the current rate, or the next period's upper 95 % bound, above the UCL (the
 *   95 % band is computed for this even when the request did not ask for that level). Only the
 *   next period: bands widen with the horizon, so a stable line's far bounds cross its limit too
 *   (the demo's stable lines did, as warnings nobody could act on).
 * - Accuracy: rolling-origin backtest of this same procedure on the rate series (origins as the
 *   demand backtest: up to MAX_WINDOWS, each holding out at most a quarter of the history).
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { toClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import { FgcError } from '../../infra/errors.js';
import { centralZ } from '../intervals/normal-quantile.js';
import { forecastWith } from '../selection.js';
import { bucketEnd, bucketize, type Period } from '../series/periods.js';
import type { EntityType } from '../series/series-source.js';
import type { BacktestAccuracy, ForecastPoint } from '../service/forecast-record.js';
import type { ForecastTypeHandler, QualityDetails, TypedEntityRef, TypedForecast, TypedRequest } from './forecast-type.js';
import { pChart, rateBounds, runRuleViolations, type RatePeriod } from './quality-spc.js';
import { codeKey, forecastStarts, lookbackFrom, noBacktest, scoreBacktest, type BacktestWindow } from './typed-series.js';

/** Eight periods: the longest run rule needs eight points, and two months of weeks show a drift's onset. */
export const DEFAULT_RECENT_PERIODS = 8;
/** Below eight baseline periods the limits are too noisy to hold back the recent ones; use all periods then. */
const MIN_BASELINE_PERIODS = 8;
/** Origins of the rate backtest, as service/backtest.ts: three average out one odd holdout. */
const MAX_WINDOWS = 3;
/** Shortest training part an origin may leave, as service/backtest.ts. */
const MIN_TRAIN = 8;
/** Defect rates are not seasonal by calendar (see header). */
const RATE_SEASON = 1;
/** The level `limit_breached` reads. */
const BREACH_LEVEL = 95;

export interface QualityForecastOptions {
  /** Periods judged by the run rules and held out of the p-chart baseline (default DEFAULT_RECENT_PERIODS). */
  readonly recentPeriods?: number;
}

const QUALITY_ENTITY_TYPES = ['line', 'item'] as const satisfies readonly EntityType[];

/** The WHERE clause selecting one entity's inspections; undefined for entity types quality has no data of. */
function entityFilter(entity: TypedEntityRef): { sql: string; params: Record<string, string> } | undefined {
  const site = codeKey(entity.site);
  const bySite = site === '' ? '' : ' AND site = {site:String}';
  switch (entity.entityType) {
    case 'line':
      return { sql: `line = {entity:String}${bySite}`, params: { entity: codeKey(entity.entityId), site } };
    case 'item':
      return { sql: `sku = {entity:String}${bySite}`, params: { entity: entity.entityId, site } };
    default:
      return undefined;
  }
}

/** A rate forecast: mean and bounds per level (text keys), all in [0, 1]. */
export interface RateForecast {
  readonly model: string;
  readonly reason: string;
  readonly mean: number[];
  readonly lower: Record<string, number[]>;
  readonly upper: Record<string, number[]>;
}

/**
 * Forecasts a defect-rate series with `model` and gives it [0, 1] bounds for every level of
 * `levels` (plus 95, which limit_breached needs): lower ≤ mean ≤ upper, wider levels containing
 * narrower ones.
 */
export function forecastRates(rates: readonly number[], sampleSize: number, horizon: number, levels: readonly number[], model: string): RateForecast {
  const all = [...new Set([...levels, BREACH_LEVEL])].sort((a, b) => a - b);
  const out = forecastWith(model, { y: rates, season: RATE_SEASON, horizon, levels: all });
  const mean: number[] = [];
  const lower: Record<string, number[]> = {};
  const upper: Record<string, number[]> = {};
  for (const level of all) {
    lower[String(level)] = [];
    upper[String(level)] = [];
  }
  for (let k = 0; k < horizon; k += 1) {
    const raw = out.mean[k] ?? out.mean[out.mean.length - 1] ?? 0;
    const m = Math.min(1, Math.max(0, Number.isFinite(raw) ? raw : 0));
    mean.push(m);
    let lo = m;
    let hi = m;
    for (const level of all) {
      const key = String(level);
      const half = Math.max((out.upper[key]?.[k] ?? raw) - raw, raw - (out.lower[key]?.[k] ?? raw), 0);
      const b = rateBounds(m, half / centralZ(level), sampleSize, level);
      lo = Math.min(lo, b.lower);
      hi = Math.max(hi, b.upper);
      lower[key]?.push(lo);
      upper[key]?.push(hi);
    }
  }
  return { model: out.model, reason: out.reason ?? `requested ${model}`, mean, lower, upper };
}

const meanOf = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);

/** Rolling-origin backtest of `forecastRates` on the period series (see header). */
export function rateBacktest(periods: readonly RatePeriod[], horizon: number, levels: readonly number[], model: string, recent: number): BacktestAccuracy {
  const rates = periods.map((p) => p.defects / p.inspected);
  const n = rates.length;
  const h = Math.min(horizon, Math.floor(n / 4));
  const windows: BacktestWindow[] = [];
  for (let k = 1; k <= MAX_WINDOWS && h >= 1; k += 1) {
    const cut = n - k * h;
    if (cut < MIN_TRAIN) break;
    const train = rates.slice(0, cut);
    const sampleSize = meanOf(periods.slice(Math.max(0, cut - recent), cut).map((p) => p.inspected));
    const f = forecastRates(train, sampleSize, h, levels, model);
    let naive = 0;
    for (let t = 1; t < train.length; t += 1) naive += Math.abs((train[t] ?? 0) - (train[t - 1] ?? 0));
    windows.push({ actual: rates.slice(cut, cut + h), forecast: f.mean, lower: f.lower, upper: f.upper, scale: naive / (train.length - 1) });
  }
  return windows.length > 0 ? scoreBacktest(windows, levels, h) : noBacktest(levels);
}

interface DayRow {
  day: string;
  inspected: string;
  defects: string;
}

/** The quality handler; `entitiesWithNewData` lets the hourly job re-forecast only lines / items with new inspections. */
export type QualityForecastHandler = ForecastTypeHandler & {
  entitiesWithNewData(tenant: string, type: EntityType, sinceMs: number): Promise<TypedEntityRef[]>;
};

/** Columns naming an entity of each quality type, for the DISTINCT listings (aliases unlike any column). */
const ENTITY_COLUMNS = { line: 'line AS entity_id, site AS entity_site', item: "sku AS entity_id, '' AS entity_site" } as const;

export function createQualityForecast(store: AnalyticsStore, options: QualityForecastOptions = {}): QualityForecastHandler {
  const recentPeriods = Math.max(1, Math.floor(options.recentPeriods ?? DEFAULT_RECENT_PERIODS));

  async function periodsOf(tenant: string, filter: { sql: string; params: Record<string, string> }, period: Period, from: string, asOf: string): Promise<RatePeriod[]> {
    const days = await store.query<DayRow>(
      `SELECT toString(toDate32(inspected_at)) AS day, toString(sum(inspected_qty)) AS inspected, toString(sum(defect_qty)) AS defects
       FROM quality_inspections FINAL
       WHERE tenant_id = {tenant:String} AND ${filter.sql} AND toDate32(inspected_at) >= {from:Date32} AND toDate32(inspected_at) <= {to:Date32}
       GROUP BY day ORDER BY day`,
      { tenant, ...filter.params, from, to: asOf },
    );
    const inspected = bucketize(days.map((d) => ({ date: d.day, qty: Number(d.inspected) })), period, from, asOf);
    const defects = bucketize(days.map((d) => ({ date: d.day, qty: Number(d.defects) })), period, from, asOf);
    return inspected.periodStarts.flatMap((periodStart, i) => {
      const n = inspected.values[i] ?? 0;
      // Ingest guarantees defect_qty ≤ inspected_qty per record; the clamp keeps rates in [0, 1] regardless.
      return Number.isFinite(n) && n > 0 ? [{ periodStart, inspected: n, defects: Math.min(n, Math.max(0, defects.values[i] ?? 0)) }] : [];
    });
  }

  async function topDefectCode(tenant: string, filter: { sql: string; params: Record<string, string> }, from: string, to: string): Promise<string> {
    const [top] = await store.query<{ defect_code: string }>(
      `SELECT defect_code FROM quality_inspections FINAL
       WHERE tenant_id = {tenant:String} AND ${filter.sql} AND defect_code != '' AND toDate32(inspected_at) >= {from:Date32} AND toDate32(inspected_at) <= {to:Date32}
       GROUP BY defect_code HAVING sum(defect_qty) > 0 ORDER BY sum(defect_qty) DESC, defect_code LIMIT 1`,
      { tenant, ...filter.params, from, to },
    );
    return top?.defect_code ?? '';
  }

  async function compute(tenant: string, entity: TypedEntityRef, request: TypedRequest): Promise<TypedForecast | undefined> {
    const filter = entityFilter(entity);
    if (filter === undefined) return undefined;
    const [found] = await store.query<{ n: string }>(`SELECT count() AS n FROM quality_inspections FINAL WHERE tenant_id = {tenant:String} AND ${filter.sql}`, {
      tenant,
      ...filter.params,
    });
    if (found === undefined || Number(found.n) === 0) return undefined;
    const [latest] = await store.query<{ as_of: string }>(
      'SELECT toString(max(toDate32(inspected_at))) AS as_of FROM quality_inspections FINAL WHERE tenant_id = {tenant:String}',
      { tenant },
    );
    const asOf = latest?.as_of ?? '';
    const from = lookbackFrom(asOf, request.lookbackDays);
    const periods = await periodsOf(tenant, filter, request.period, from, asOf);
    const last = periods[periods.length - 1];
    if (last === undefined) {
      throw new FgcError('FGC_FORECAST_INVALID_REQUEST', `no complete ${request.period} period with inspections of ${entity.entityType} ${entity.entityId} in the ${request.lookbackDays} days before ${asOf}`, {
        details: [{ field: 'lookback_days', message: `holds no complete ${request.period} period with inspections` }],
      });
    }
    const recent = Math.min(recentPeriods, periods.length);
    const heldOut = periods.length - recent >= MIN_BASELINE_PERIODS;
    const baseline = heldOut ? periods.slice(0, periods.length - recent) : periods;
    const chart = pChart(baseline);
    const violations = runRuleViolations(periods, chart, recent);
    const recentSlice = periods.slice(-recent);
    const sampleSize = meanOf(recentSlice.map((p) => p.inspected));
    const rates = periods.map((p) => p.defects / p.inspected);
    const f = forecastRates(rates, sampleSize, request.horizon, request.levels, request.model);
    const points: ForecastPoint[] = forecastStarts(asOf, request.period, request.horizon).map((start, k) => {
      const lower: Record<string, number> = {};
      const upper: Record<string, number> = {};
      for (const level of request.levels) {
        lower[String(level)] = f.lower[String(level)]?.[k] ?? 0;
        upper[String(level)] = f.upper[String(level)]?.[k] ?? 1;
      }
      return { period_start: start, value: f.mean[k] ?? 0, lower, upper };
    });
    const currentRate = last.defects / last.inspected;
    const upper95 = f.upper[String(BREACH_LEVEL)] ?? [];
    const firstRecent = recentSlice[0]?.periodStart ?? last.periodStart;
    const details: QualityDetails = {
      kind: 'quality',
      current_rate: currentRate,
      center_line: chart.centerLine,
      ucl: chart.ucl,
      lcl: chart.lcl,
      average_sample_size: chart.averageSampleSize,
      spc_violations: violations,
      limit_breached: currentRate > chart.ucl || (upper95[0] ?? 0) > chart.ucl,
      top_defect_code: await topDefectCode(tenant, filter, firstRecent, bucketEnd(last.periodStart, request.period)),
    };
    const reason = [
      `${f.reason} on ${periods.length} ${request.period} defect rates`,
      `bounds: Wilson at max(model, binomial) variance for n̄ ${sampleSize.toFixed(1)} of the last ${recent} periods`,
      heldOut
        ? `p-chart baseline: ${baseline.length} periods before the last ${recent}`
        : `p-chart baseline: all ${periods.length} periods (fewer than ${MIN_BASELINE_PERIODS} before the last ${recent})`,
    ].join('; ');
    return {
      model: f.model,
      reason,
      dataAsOf: asOf,
      points,
      accuracy: rateBacktest(periods, request.horizon, request.levels, request.model, recentPeriods),
      details,
    };
  }

  async function entities(tenant: string, type: EntityType, sinceMs?: number): Promise<TypedEntityRef[]> {
    if (type !== 'line' && type !== 'item') return [];
    const since = sinceMs === undefined ? '' : " AND received_at > {since:DateTime64(3, 'UTC')}";
    const rows = await store.query<{ entity_id: string; entity_site: string }>(
      `SELECT DISTINCT ${ENTITY_COLUMNS[type]} FROM quality_inspections FINAL WHERE tenant_id = {tenant:String} AND entity_id != ''${since} ORDER BY entity_id, entity_site`,
      sinceMs === undefined ? { tenant } : { tenant, since: toClickHouseDateTime(sinceMs) },
    );
    return rows.map((r) => ({ entityType: type, entityId: r.entity_id, site: r.entity_site }));
  }

  return {
    forecastType: 'quality',
    entityTypes: QUALITY_ENTITY_TYPES,
    compute,
    knownEntities: (tenant: string, type: EntityType) => entities(tenant, type),
    entitiesWithNewData: (tenant: string, type: EntityType, sinceMs: number) => entities(tenant, type, sinceMs),
  };
}
