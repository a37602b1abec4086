/**
 * Supply forecasts (entity type `supplier`): how long an order placed with a supplier will take,
 * how likely it is to miss its promise, and what each open line of that supplier can expect.
 * Reads `supply_lines` (migration 004) with FINAL and parameters only; the statistics are the pure
 * `supply-statistics.ts`.
 *
 * Decisions, each also in the forecast's `reason`:
 * - Lead time = received_date − order_date of the supplier's lines received in the lookback,
 *   each weighted 0.5^(days since receipt / half-life). Points hold, for every future period, the
 *   lead time of an order placed then: the weighted mean, with weighted empirical quantiles as
 *   bands. Only received lines enter the distribution; a supplier whose slow orders are still open
 *   looks faster than it is there, which is why lateness (below) also counts open lines.
 * - Late probability = weighted share of promised lines received after the promise, plus every
 *   open line already past a promise inside the lookback (known late, weighted as current news),
 *   shrunk by a Beta prior worth PRIOR_ORDERS orders towards the tenant-wide rate (itself shrunk
 *   towards DEFAULT_LATE_RATE), so a supplier with three orders does not read 0 % or 100 %.
 * - An open line (no receipt, not cancelled or closed) past its promise has late probability 1;
 *   one not yet due gets P(late | still open) (supply-statistics `openLineLateProbability`); one
 *   without a promise the supplier's rate. Its expected date is the promise plus the weighted
 *   median delay of the past lines that were at least as late as this one already is (or, without
 *   a promise or delay history, the order date plus the median lead time of lines at least as old),
 *   never before data_as_of.
 * - Too few receipts in the lookback: the supplier's whole history, then the tenant's, stand in
 *   for the distribution (orders_observed says how many of the supplier's own were used).
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { toClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import type { EntityType } from '../series/series-source.js';
import { dateOfDay, dayNumber } from '../series/periods.js';
import type { ForecastPoint } from '../service/forecast-record.js';
import type { ForecastTypeHandler, SupplyDetails, TypedEntityRef, TypedForecast, TypedRequest } from './forecast-type.js';
import {
  conditionalMedian,
  decayWeight,
  leadTimeBacktestWindows,
  leadTimeSummary,
  openLineLateProbability,
  quantileBands,
  shrunkProbability,
  weightedMoments,
  type WeightedValue,
} from './supply-statistics.js';
import { CANCELLED_STATUSES, NEVER_RECEIVED_STATUSES, codeKey, forecastStarts, lookbackFrom, noBacktest, scoreBacktest } from './typed-series.js';

/**
 * Two months: a supplier that turned late a quarter ago is judged mostly on its new behaviour (the
 * last 90 days hold 1 − 0.5^1.5 ≈ 65 % of the weight of a steady order flow), while a weekly
 * supplier still has an effective sample of about 25 orders. A 90-day half-life left a supplier
 * late on every order of the last quarter at about a 50 % late probability.
 */
export const DEFAULT_HALF_LIFE_DAYS = 60;
/** The prior counts as five orders: a handful of the supplier's own orders already outweighs it. */
export const DEFAULT_PRIOR_ORDERS = 5;
/** Prior late rate when the tenant has no promised receipts: an on-time-in-full rate of 85 %, common for purchased parts. */
export const DEFAULT_LATE_RATE = 0.15;
/** An order is backtested only once five receipts preceded it: fewer give no distribution to speak of. */
const MIN_BACKTEST_HISTORY = 5;
/** The latest 200 orders are backtested: enough for stable coverage, bounded cost for a supplier with years of lines. */
const MAX_BACKTEST_ORDERS = 200;
/** Date32's first day: "all history" for the fallbacks. */
const ALL_HISTORY = '1900-01-01';

export const SUPPLY_MODEL = 'weighted-empirical-lead-time';

export interface SupplyForecastOptions {
  /** Half-life of an observation's weight in days (default DEFAULT_HALF_LIFE_DAYS). */
  readonly halfLifeDays?: number;
  /** Weight of the prior late rate, in orders (default DEFAULT_PRIOR_ORDERS). */
  readonly priorOrders?: number;
  /** Prior late rate for a tenant without promised receipts (default DEFAULT_LATE_RATE). */
  readonly defaultLateRate?: number;
}

const SUPPLY_ENTITY_TYPES = ['supplier'] as const satisfies readonly EntityType[];

const sqlList = (values: readonly string[]): string => values.map((v) => `'${v}'`).join(', ');
/** Constant lists only (never user input) are spliced into SQL. */
const NOT_CANCELLED = `lower(status) NOT IN (${sqlList(CANCELLED_STATUSES)})`;
const STILL_OPEN = `received_date IS NULL AND lower(status) NOT IN (${sqlList(NEVER_RECEIVED_STATUSES)})`;

/** Aliases differ from column names: a ClickHouse alias is visible in the whole query (WHERE too). */
interface ReceiptRow {
  order_day: string;
  promised_day: string | null;
  received_day: string;
}

interface OpenRow {
  po_id: string;
  sku: string;
  site: string;
  order_day: string;
  promised_day: string | null;
}

interface Receipt {
  readonly orderDay: number;
  readonly promisedDay: number | null;
  readonly receivedDay: number;
}

const toReceipt = (r: ReceiptRow): Receipt => ({
  orderDay: dayNumber(r.order_day),
  promisedDay: r.promised_day === null ? null : dayNumber(r.promised_day),
  receivedDay: dayNumber(r.received_day),
});

/** The supply handler; `entitiesWithNewData` lets the hourly job re-forecast only suppliers with new or changed lines. */
export type SupplyForecastHandler = ForecastTypeHandler & {
  entitiesWithNewData(tenant: string, type: EntityType, sinceMs: number): Promise<TypedEntityRef[]>;
};

export function createSupplyForecast(store: AnalyticsStore, options: SupplyForecastOptions = {}): SupplyForecastHandler {
  const halfLife = options.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS;
  const priorOrders = options.priorOrders ?? DEFAULT_PRIOR_ORDERS;
  const defaultLateRate = options.defaultLateRate ?? DEFAULT_LATE_RATE;

  async function receipts(tenant: string, supplier: string | undefined, from: string, to: string): Promise<Receipt[]> {
    const rows = await store.query<ReceiptRow>(
      `SELECT toString(order_date) AS order_day, toString(promised_date) AS promised_day, toString(received_date) AS received_day
       FROM supply_lines FINAL
       WHERE tenant_id = {tenant:String} ${supplier === undefined ? '' : 'AND supplier_id = {supplier:String}'} AND ${NOT_CANCELLED}
         AND received_date IS NOT NULL AND received_date >= {from:Date32} AND received_date <= {to:Date32}`,
      { tenant, supplier: supplier ?? '', from, to },
    );
    return rows.map(toReceipt);
  }

  /** The tenant's (weighted) late receipts and open past-due lines in the window: the prior's evidence. */
  async function tenantLateRate(tenant: string, from: string, asOf: string, asOfDay: number): Promise<{ rate: number; lines: number }> {
    const days = await store.query<{ day: string; lines: string; late: string }>(
      `SELECT toString(received_date) AS day, count() AS lines, countIf(received_date > promised_date) AS late
       FROM supply_lines FINAL
       WHERE tenant_id = {tenant:String} AND ${NOT_CANCELLED} AND promised_date IS NOT NULL
         AND received_date IS NOT NULL AND received_date >= {from:Date32} AND received_date <= {to:Date32}
       GROUP BY received_date`,
      { tenant, from, to: asOf },
    );
    const [open] = await store.query<{ n: string }>(
      `SELECT count() AS n FROM supply_lines FINAL
       WHERE tenant_id = {tenant:String} AND ${STILL_OPEN} AND promised_date IS NOT NULL AND promised_date >= {from:Date32} AND promised_date < {to:Date32}`,
      { tenant, from, to: asOf },
    );
    let hits = Number(open?.n ?? 0);
    let total = hits;
    let lines = hits;
    for (const d of days) {
      const w = decayWeight(asOfDay - dayNumber(d.day), halfLife);
      hits += w * Number(d.late);
      total += w * Number(d.lines);
      lines += Number(d.lines);
    }
    return { rate: shrunkProbability(hits, total, defaultLateRate, priorOrders), lines };
  }

  async function compute(tenant: string, entity: TypedEntityRef, request: TypedRequest): Promise<TypedForecast | undefined> {
    if (entity.entityType !== 'supplier') return undefined;
    const supplier = codeKey(entity.entityId);
    const [found] = await store.query<{ n: string }>('SELECT count() AS n FROM supply_lines FINAL WHERE tenant_id = {tenant:String} AND supplier_id = {supplier:String}', {
      tenant,
      supplier,
    });
    if (found === undefined || Number(found.n) === 0) return undefined;
    const [latest] = await store.query<{ as_of: string }>(
      'SELECT toString(max(greatest(order_date, ifNull(received_date, order_date)))) AS as_of FROM supply_lines FINAL WHERE tenant_id = {tenant:String}',
      { tenant },
    );
    const asOf = latest?.as_of ?? '';
    const asOfDay = dayNumber(asOf);
    const from = lookbackFrom(asOf, request.lookbackDays);
    const fromDay = dayNumber(from);

    const own = await receipts(tenant, supplier, from, asOf);
    let basis = own;
    let basisNote = `${own.length} receipts in the last ${request.lookbackDays} days`;
    if (basis.length === 0) {
      basis = await receipts(tenant, supplier, ALL_HISTORY, asOf);
      basisNote = `no receipt in the lookback: the supplier's ${basis.length} receipts of all history`;
    }
    if (basis.length === 0) {
      basis = await receipts(tenant, undefined, ALL_HISTORY, asOf);
      basisNote = `no receipt of this supplier yet: the tenant's ${basis.length} receipts stand in`;
    }
    if (basis.length === 0) return undefined;

    const weightOf = (r: Receipt): number => decayWeight(asOfDay - r.receivedDay, halfLife);
    const leadTimes: WeightedValue[] = basis.map((r) => ({ value: r.receivedDay - r.orderDay, weight: weightOf(r) }));
    const delays: WeightedValue[] = own.flatMap((r) => (r.promisedDay === null ? [] : [{ value: r.receivedDay - r.promisedDay, weight: weightOf(r) }]));

    const open = await store.query<OpenRow>(
      `SELECT po_id, sku, site, toString(order_date) AS order_day, toString(promised_date) AS promised_day
       FROM supply_lines FINAL
       WHERE tenant_id = {tenant:String} AND supplier_id = {supplier:String} AND ${STILL_OPEN}
       ORDER BY order_date, po_id, line`,
      { tenant, supplier },
    );
    const openPastDue = open.filter((o) => o.promised_day !== null && dayNumber(o.promised_day) >= fromDay && dayNumber(o.promised_day) < asOfDay).length;
    const prior = await tenantLateRate(tenant, from, asOf, asOfDay);
    const lateHits = delays.reduce((s, d) => s + (d.value > 0 ? d.weight : 0), 0) + openPastDue;
    const lateTotal = delays.reduce((s, d) => s + d.weight, 0) + openPastDue;
    const lateProbability = shrunkProbability(lateHits, lateTotal, prior.rate, priorOrders);
    const delayMoments = weightedMoments(delays);
    const meanDelay = Number.isFinite(delayMoments.mean) ? delayMoments.mean : 0;

    const summary = leadTimeSummary(leadTimes);
    const openOrders = open.map((o) => {
      const orderDay = dayNumber(o.order_day);
      const promisedDay = o.promised_day === null ? null : dayNumber(o.promised_day);
      let expectedDay: number;
      if (promisedDay !== null && delays.length > 0) expectedDay = promisedDay + (conditionalMedian(delays, asOfDay - promisedDay) ?? asOfDay - promisedDay);
      else expectedDay = orderDay + (conditionalMedian(leadTimes, asOfDay - orderDay) ?? asOfDay - orderDay);
      return {
        po_id: o.po_id,
        sku: o.sku,
        site: o.site,
        order_date: o.order_day,
        promised_date: o.promised_day,
        expected_date: dateOfDay(Math.max(asOfDay, expectedDay)),
        days_past_due: promisedDay === null ? 0 : Math.max(0, asOfDay - promisedDay),
        late_probability: promisedDay === null ? lateProbability : openLineLateProbability(lateProbability, delays, promisedDay - asOfDay),
      };
    });

    const bands = quantileBands(leadTimes, summary.mean, request.levels);
    const points: ForecastPoint[] = forecastStarts(asOf, request.period, request.horizon).map((start) => ({
      period_start: start,
      value: summary.mean,
      lower: { ...bands.lower },
      upper: { ...bands.upper },
    }));

    const windows = leadTimeBacktestWindows(
      own.map((r) => ({ orderDay: r.orderDay, receivedDay: r.receivedDay })),
      { halfLifeDays: halfLife, levels: request.levels, minHistory: MIN_BACKTEST_HISTORY, maxOrders: MAX_BACKTEST_ORDERS },
    );
    const accuracy = windows.length > 0 ? scoreBacktest(windows, request.levels, 1) : noBacktest(request.levels);
    const details: SupplyDetails = {
      kind: 'supply',
      supplier_id: supplier,
      orders_observed: own.length,
      lead_time_days: summary,
      late_probability: lateProbability,
      mean_delay_days: meanDelay,
      open_orders: openOrders,
    };
    const reason = [
      `lead time: weighted empirical distribution of ${basisNote} (half-life ${halfLife} days)`,
      `late probability: ${delays.length} promised receipts and ${openPastDue} open past-due lines, Beta prior of ${priorOrders} orders at the tenant rate ${prior.rate.toFixed(3)} (${prior.lines} lines)`,
      windows.length > 0
        ? `backtest: each of ${windows.length} orders predicted from the receipts before it`
        : `backtest: no order had ${MIN_BACKTEST_HISTORY} receipts before it in the lookback, metrics null`,
    ].join('; ');
    return { model: SUPPLY_MODEL, reason, dataAsOf: asOf, points, accuracy, details };
  }

  return {
    forecastType: 'supply',
    entityTypes: SUPPLY_ENTITY_TYPES,
    compute,
    async knownEntities(tenant: string, type: EntityType): Promise<TypedEntityRef[]> {
      if (type !== 'supplier') return [];
      const rows = await store.query<{ supplier_id: string }>(
        "SELECT DISTINCT supplier_id FROM supply_lines FINAL WHERE tenant_id = {tenant:String} AND supplier_id != '' ORDER BY supplier_id",
        { tenant },
      );
      return rows.map((r) => ({ entityType: 'supplier', entityId: r.supplier_id, site: '' }));
    },
    async entitiesWithNewData(tenant: string, type: EntityType, sinceMs: number): Promise<TypedEntityRef[]> {
      if (type !== 'supplier') return [];
      // Not filtered on status: a line newly cancelled or received is new data for its supplier too.
      const rows = await store.query<{ supplier_id: string }>(
        "SELECT DISTINCT supplier_id FROM supply_lines FINAL WHERE tenant_id = {tenant:String} AND supplier_id != '' AND received_at > {since:DateTime64(3, 'UTC')} ORDER BY supplier_id",
        { tenant, since: toClickHouseDateTime(sinceMs) },
      );
      return rows.map((r) => ({ entityType: 'supplier', entityId: r.supplier_id, site: '' }));
    },
  };
}
