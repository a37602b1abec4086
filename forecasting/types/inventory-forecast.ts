/**
 * The inventory forecast handler: projected on-hand per item × site (or per item over its sites)
 * = latest snapshot + open receipts − forecast demand, with bounds per level, and the figures a
 * planner acts on (days of cover, stockout date and probability, safety stock, reorder point,
 * what and when to order). Reads stock facts through the InventorySource port and demand through
 * the same SeriesSource and model selection (`forecastWith`, through the same FitExecutor: in
 * process or on worker threads) as demand forecasts; the math is in `inventory-projection.ts`.
 *
 * Days: the snapshot is the closing stock of day S (data_as_of); day 1 of the projection is S + 1.
 * Demand of days after S that the demand feed already holds (its latest order date is later than
 * the snapshot) is taken as known; the days after the feed's end are forecast. Sales-order demand
 * stands for what leaves stock (order date = issue date). `reserved` stock is not subtracted: it
 * serves orders the demand already counts.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { inProcessFitExecutor, type FitExecutor } from '../service/fit-executor.js';
import type { BacktestAccuracy } from '../service/forecast-record.js';
import type { NewDataAware } from '../service/forecast-service.js';
import { toSteps } from '../service/infer.js';
import { createClickHouseSeriesSource } from '../series/clickhouse-series-source.js';
import { SEASON, addDays, dayNumber } from '../series/periods.js';
import type { EntityType, SeriesSource } from '../series/series-source.js';
import type { ForecastTypeHandler, InventoryDetails, TypedEntityRef, TypedForecast, TypedRequest } from './forecast-type.js';
import { createClickHouseInventorySource, type InventorySource, type StockFacts } from './inventory-source.js';
import {
  bucketPoints,
  expectedReceiptDate,
  firstStockoutDay,
  median,
  projectOnHand,
  projectionDays,
  replenishment,
  sampleSd,
  stepSd,
  stockoutProbabilities,
  type DailyDemand,
  type Receipt,
} from './inventory-projection.js';

/** Entity types an inventory forecast exists for. */
export const INVENTORY_ENTITY_TYPES = ['item_site', 'item'] as const satisfies readonly EntityType[];
type InventoryEntityType = (typeof INVENTORY_ENTITY_TYPES)[number];

/** Cycle service level of safety stock unless configured: the usual target for purchased parts. */
export const DEFAULT_SERVICE_LEVEL = 0.95;
/** Review period of the order-up-to level: buyers place orders in a weekly cycle. */
export const DEFAULT_REVIEW_DAYS = 7;
/** Lead time when neither the item master nor any receipt tells one: two weeks, a common quote. */
export const DEFAULT_LEAD_TIME_DAYS = 14;
/** Day-to-day correlation of demand errors (see inventory-projection.ts: level error at α ≈ 0.1). */
export const DEFAULT_DEMAND_CORRELATION = 0.05;
/** Simulated paths per stockout probability: a standard error below 0.012 at any probability. */
export const DEFAULT_PATHS = 2_000;
/**
 * Longest lead time used: two years. Past that it is a data error (days typed as hours, a
 * placeholder 9999), and demand would be extrapolated far beyond any history.
 */
export const MAX_LEAD_TIME_DAYS = 730;
/** Received lines needed before their spread counts as the lead-time spread (fewer say nothing). */
const MIN_LEAD_TIME_SAMPLES = 3;
/** Seed of the stockout simulation: fixed, so the same data gives the same probability. */
const SIMULATION_SEED = 0x1f0c;

export interface InventoryForecastOptions {
  /** Demand history; the ClickHouse series source over the same store by default. */
  readonly series?: SeriesSource;
  /** Stock facts; the ClickHouse inventory source over the same store by default. */
  readonly source?: InventorySource;
  readonly serviceLevel?: number;
  readonly reviewDays?: number;
  readonly defaultLeadTimeDays?: number;
  readonly correlation?: number;
  readonly paths?: number;
  /** Where the daily demand fit and its backtest run; in process by default. The caller owns (closes) it. */
  readonly fit?: FitExecutor;
}

/** The handler, which can also list the entities whose stock, demand or receipts changed (the hourly job). */
export type InventoryHandler = ForecastTypeHandler & NewDataAware;

function isInventoryEntityType(type: EntityType): type is InventoryEntityType {
  return (INVENTORY_ENTITY_TYPES as readonly string[]).includes(type);
}

/** A backtest that scored nothing (no demand to score). */
function noAccuracy(levels: readonly number[]): BacktestAccuracy {
  return { wape: null, mase: null, bias: null, coverage_95: null, coverage: Object.fromEntries(levels.map((l) => [String(l), null])), msis: null, windows: 0, horizon: 0 };
}

interface DemandPlan {
  readonly demand: DailyDemand;
  readonly model: string;
  readonly reason: string;
  readonly accuracy: BacktestAccuracy;
}

/**
 * Demand for days 1..days after the snapshot day: known actuals where the demand feed reaches past
 * the snapshot, then the forecast of the daily series (the selected model's mean, and an sd read
 * off its band).
 */
async function planDemand(fit: FitExecutor, y: readonly number[], lastDay: string, snapshotDay: string, days: number, request: TypedRequest): Promise<DemandPlan> {
  if (y.length === 0 || y.every((v) => v === 0)) {
    return { demand: { mean: new Array<number>(days).fill(0), sd: new Array<number>(days).fill(0) }, model: 'none', reason: 'no demand in the lookback window: the projection holds on-hand plus receipts', accuracy: noAccuracy(request.levels) };
  }
  // Days of the feed after the snapshot (positive) or of the snapshot after the feed (negative).
  const ahead = dayNumber(lastDay) - dayNumber(snapshotDay);
  const known = Math.max(0, Math.min(days, ahead));
  const steps = Math.max(1, days - ahead);
  const levels = request.levels;
  const season = SEASON.daily;
  const { output: out, accuracy } = await fit.fit({ y, season, horizon: steps, levels, model: request.model, backtestHorizon: Math.min(steps, days) });
  const forecast = toSteps(out, levels, y.every((v) => v >= 0));
  const mean: number[] = [];
  const sd: number[] = [];
  for (let d = 1; d <= days; d += 1) {
    if (d <= known) {
      mean.push(y[y.length - 1 - ahead + d] ?? 0);
      sd.push(0);
    } else {
      const step = forecast[d - ahead - 1];
      mean.push(step?.value ?? 0);
      sd.push(step === undefined ? 0 : stepSd(step, levels));
    }
  }
  return {
    demand: { mean, sd },
    model: out.model,
    reason: out.reason ?? `requested ${request.model}`,
    accuracy,
  };
}

/** Lead time in whole days (item master, else median of receipts, else the default; at most MAX_LEAD_TIME_DAYS) and its spread. */
function leadTimeOf(facts: StockFacts, fallback: number): { days: number; sd: number; source: string } {
  const history = facts.receivedLeadTimes;
  const sd = history.length >= MIN_LEAD_TIME_SAMPLES ? sampleSd(history) : 0;
  const whole = (days: number): number => Math.min(MAX_LEAD_TIME_DAYS, Math.max(0, Math.ceil(days)));
  if (facts.itemLeadTimeDays !== null) return { days: whole(facts.itemLeadTimeDays), sd, source: 'item master' };
  const med = median(history);
  if (med !== undefined) return { days: whole(med), sd, source: `median of ${history.length} receipts` };
  return { days: whole(fallback), sd: 0, source: 'default' };
}

/** Mean of a list (0 when empty). */
function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The inventory handler over the given ports (tests pass in-memory ones). */
export function inventoryForecastHandler(ports: { readonly series: SeriesSource; readonly source: InventorySource }, options: InventoryForecastOptions = {}): InventoryHandler {
  const serviceLevel = options.serviceLevel ?? DEFAULT_SERVICE_LEVEL;
  if (!(serviceLevel > 0.5 && serviceLevel < 1)) throw new RangeError(`serviceLevel must lie in (0.5, 1), got ${serviceLevel}`);
  const reviewDays = options.reviewDays ?? DEFAULT_REVIEW_DAYS;
  const defaultLead = options.defaultLeadTimeDays ?? DEFAULT_LEAD_TIME_DAYS;
  const correlation = options.correlation ?? DEFAULT_DEMAND_CORRELATION;
  const paths = options.paths ?? DEFAULT_PATHS;
  const fit = options.fit ?? inProcessFitExecutor();

  async function compute(tenant: string, entity: TypedEntityRef, request: TypedRequest): Promise<TypedForecast | undefined> {
    if (!isInventoryEntityType(entity.entityType)) return undefined;
    const site = entity.entityType === 'item_site' ? entity.site : '';
    const facts = await ports.source.stockFacts(tenant, entity.entityId, site);
    if (facts === undefined) return undefined;
    const snapshotDay = facts.stock.map((s) => s.day).sort().at(-1) ?? '';
    const onHand = facts.stock.reduce((sum, s) => sum + s.onHand, 0);
    const firstDay = addDays(snapshotDay, 1);
    const horizonDays = projectionDays(firstDay, request.period, request.horizon);
    const lead = leadTimeOf(facts, defaultLead);
    const days = Math.max(horizonDays, lead.days + reviewDays);

    const series = await ports.series.demandSeries(tenant, { entityType: entity.entityType, entityId: entity.entityId, site }, 'daily', request.lookbackDays);
    const lastDay = series?.periodStarts[series.periodStarts.length - 1] ?? snapshotDay;
    const plan = await planDemand(fit, series?.values ?? [], lastDay, snapshotDay, days, request);

    const openReceipts = facts.receipts.map((line) => {
      const expected = line.receivedDate ?? expectedReceiptDate(line, facts.supplierDelays.get(line.supplierId) ?? null, lead.days, firstDay);
      return { po_id: line.poId, qty: line.qty, promised_date: line.promisedDate, expected_date: expected };
    });
    const receipts: Receipt[] = openReceipts.map((r) => ({ day: dayNumber(r.expected_date) - dayNumber(snapshotDay), qty: r.qty }));
    const projection = projectOnHand({ onHand, demand: plan.demand, receipts, levels: request.levels, correlation });
    const horizon = projection.slice(0, horizonDays);
    const stockoutIndex = firstStockoutDay(horizon);
    const stockoutDate = stockoutIndex === undefined ? null : addDays(firstDay, stockoutIndex);
    const [withinHorizon = 0, withinLead = 0] = stockoutProbabilities({ onHand, demand: plan.demand, receipts, correlation, within: [horizonDays, lead.days], paths, seed: SIMULATION_SEED });
    const position = onHand + openReceipts.reduce((sum, r) => sum + r.qty, 0);
    const order = replenishment({ position, demand: plan.demand, correlation, leadTimeDays: lead.days, leadTimeSdDays: lead.sd, reviewDays, serviceLevel });
    const meanDaily = mean(plan.demand.mean.slice(0, horizonDays));

    const details: InventoryDetails = {
      kind: 'inventory',
      on_hand: onHand,
      on_hand_as_of: facts.stock.map((s) => s.asOf).sort().at(-1) ?? '',
      open_receipts: openReceipts,
      mean_daily_demand: meanDaily,
      days_of_cover: meanDaily > 0 ? Math.max(0, onHand) / meanDaily : null,
      stockout_date: stockoutDate,
      stockout_probability: withinHorizon,
      stockout_probability_within_lead_time: withinLead,
      lead_time_days: lead.days,
      service_level: serviceLevel,
      safety_stock: order.safetyStock,
      reorder_point: order.reorderPoint,
      recommended_order_qty: order.recommendedOrderQty,
      recommended_order_date: stockoutDate === null ? null : addDays(stockoutDate, -lead.days),
    };
    const sites = facts.stock.length === 1 ? `at ${facts.stock[0]?.site ?? ''}` : `over ${facts.stock.length} sites`;
    return {
      model: `projection:${plan.model}`,
      reason:
        `on-hand ${onHand} ${sites} as of ${snapshotDay} + ${openReceipts.length} receipt${openReceipts.length === 1 ? '' : 's'} − daily demand (${plan.reason}); ` +
        `bounds from the demand bands, days correlated ${correlation}; lead time ${lead.days} d (${lead.source}); ` +
        'accuracy: backtest of the daily demand series the projection is built on',
      dataAsOf: snapshotDay,
      points: bucketPoints(horizon, firstDay, request.period, request.horizon),
      accuracy: plan.accuracy,
      details,
    };
  }

  return {
    forecastType: 'inventory',
    entityTypes: INVENTORY_ENTITY_TYPES,
    compute,
    async knownEntities(tenant: string, type: EntityType): Promise<TypedEntityRef[]> {
      return isInventoryEntityType(type) ? ports.source.knownEntities(tenant, type) : [];
    },
    async entitiesWithNewData(tenant: string, type: EntityType, sinceMs: number): Promise<TypedEntityRef[]> {
      return isInventoryEntityType(type) ? ports.source.entitiesWithNewData(tenant, type, sinceMs) : [];
    },
  };
}

/** The inventory handler over ClickHouse (demand through the ClickHouse series source). */
export function createInventoryForecast(store: AnalyticsStore, options: InventoryForecastOptions = {}): InventoryHandler {
  return inventoryForecastHandler({ series: options.series ?? createClickHouseSeriesSource(store), source: options.source ?? createClickHouseInventorySource(store) }, options);
}
