/**
 * Assembles the simulated manufacturer from a configuration: master data, demand series, the
 * (s, S) model of every item×site, production lines, and the planted situations (which need the
 * rest in place: the stockout search replays its item×site's model). Pure and deterministic: the
 * same configuration gives the same world.
 */
import { FgcError } from '../../infra/errors.js';
import { isoDate, parseIsoDate } from './calendar.js';
import { MIN_ITEMS, SITES, buildCatalog, type Catalog } from './catalog.js';
import { DemandSeries, demandParams } from './demand.js';
import type { ItemSiteModel, ItemSitePlants } from './inventory-policy.js';
import { planDrift, planLate, planStockout, type DriftPlan, type LatePlan, type StockoutPlan } from './planted.js';
import type { LineModel } from './production-quality.js';
import { createOrder, planningLeadDays } from './supply.js';

export interface SimulationConfig {
  readonly seed: number;
  readonly items: number;
  readonly sites: number;
  /** Days of history; "today" (the first live day) is startDate + historyDays. */
  readonly historyDays: number;
  /** First history day, ISO `YYYY-MM-DD`. */
  readonly startDate: string;
}

export interface World {
  readonly config: SimulationConfig;
  readonly catalog: Catalog;
  /** Days since 1970-01-01 of simulation day 0. */
  readonly startEpoch: number;
  /** Simulation day of "today": history is days 0 … today − 1. */
  readonly today: number;
  /** models[item][site] */
  readonly models: readonly (readonly ItemSiteModel[])[];
  readonly lines: readonly LineModel[];
  readonly drift: DriftPlan;
  readonly late: LatePlan;
  readonly stockout: StockoutPlan;
}

/** Least history the planted situations need: a half-year policy window and the 200-day search. */
export const MIN_HISTORY_DAYS = 240;
/** Most history: ten years is plenty for any demo or benchmark. */
const MAX_HISTORY_DAYS = 3660;
/** Most items: keeps one run within memory (records are built in memory before batching). */
const MAX_ITEMS = 2000;

/** The startDate that makes `today` the first live day after `historyDays` of history. */
export function historyStartFor(today: string, historyDays: number): string {
  return isoDate(parseIsoDate(today) - historyDays);
}

export function validateConfig(config: SimulationConfig): void {
  const problems: string[] = [];
  if (!Number.isSafeInteger(config.seed) || config.seed < 0) problems.push('seed must be a non-negative integer');
  if (!Number.isInteger(config.items) || config.items < MIN_ITEMS || config.items > MAX_ITEMS) problems.push(`items must be an integer in ${MIN_ITEMS}..${MAX_ITEMS}`);
  if (!Number.isInteger(config.sites) || config.sites < 1 || config.sites > SITES.length) problems.push(`sites must be an integer in 1..${SITES.length}`);
  if (!Number.isInteger(config.historyDays) || config.historyDays < MIN_HISTORY_DAYS || config.historyDays > MAX_HISTORY_DAYS) {
    problems.push(`historyDays must be an integer in ${MIN_HISTORY_DAYS}..${MAX_HISTORY_DAYS}`);
  }
  try {
    parseIsoDate(config.startDate);
  } catch {
    problems.push('startDate must be an ISO date YYYY-MM-DD');
  }
  if (problems.length > 0) {
    throw new FgcError('FGC_CONFIG_INVALID', `invalid simulator configuration: ${problems.join('; ')}`, { details: problems.map((message) => ({ message })) });
  }
}

export function buildWorld(config: SimulationConfig): World {
  validateConfig(config);
  const { seed } = config;
  const today = config.historyDays;
  const startEpoch = parseIsoDate(config.startDate);
  const catalog = buildCatalog(seed, config.items, config.sites);
  const drift = planDrift(seed, catalog, today);
  const late = planLate(catalog, today);

  const lines: LineModel[] = catalog.lines.map((line, index) => ({
    line,
    siteCode: catalog.sites[line.siteIndex]?.code ?? '',
    drift: index === drift.lineIndex ? drift.drift : undefined,
  }));

  const modelFor = (itemIndex: number, siteIndex: number, series: DemandSeries) => {
    const item = catalog.items[itemIndex];
    const site = catalog.sites[siteIndex];
    if (item === undefined || site === undefined) throw new RangeError(`no item ${itemIndex} at site ${siteIndex}`);
    const supplier = item.supplierIndex === undefined ? undefined : catalog.suppliers[item.supplierIndex];
    const line = lines.find((l) => l.line.siteIndex === siteIndex && l.line.itemIndices.includes(itemIndex));
    const context = { seed, item, site, supplier, line, late: late.regime };
    return (plants: ItemSitePlants): ItemSiteModel => ({
      seed,
      itemIndex,
      siteIndex,
      series,
      planningLeadDays: planningLeadDays(item, supplier),
      cycleDays: item.cycleDays,
      plants,
      createOrder: (state, day, qty, note) => createOrder(context, state, day, qty, note),
    });
  };

  const factories = catalog.items.map((item) =>
    catalog.sites.map((site) => {
      const params = demandParams(seed, item.index, site.index, item.pattern, site.scale);
      return modelFor(item.index, site.index, new DemandSeries({ seed, itemIndex: item.index, siteIndex: site.index, startEpoch, params }));
    }),
  );
  const factory = (itemIndex: number, siteIndex: number) => {
    const make = factories[itemIndex]?.[siteIndex];
    if (make === undefined) throw new RangeError(`no item ${itemIndex} at site ${siteIndex}`);
    return make;
  };

  const stockoutItem = catalog.items[catalog.stockoutItem];
  const stockoutSupplier = catalog.suppliers[stockoutItem?.supplierIndex ?? -1];
  if (stockoutSupplier === undefined) throw new Error('the stockout candidate has no supplier');
  const stockoutSite = seed % catalog.sites.length;
  const stockout = planStockout({
    seed,
    itemIndex: catalog.stockoutItem,
    siteIndex: stockoutSite,
    today,
    leadTimeDays: stockoutSupplier.leadTimeDays,
    model: factory(catalog.stockoutItem, stockoutSite),
  });

  const models = catalog.items.map((item) =>
    catalog.sites.map((site) => {
      let plants: ItemSitePlants = {};
      if (item.index === stockout.itemIndex && site.index === stockout.siteIndex) plants = stockout.plants;
      if (item.index === late.expedite.itemIndex && site.index === late.expedite.siteIndex) plants = { expediteDays: [late.expedite.day] };
      return factory(item.index, site.index)(plants);
    }),
  );

  return { config, catalog, startEpoch, today, models, lines, drift, late, stockout };
}
