/**
 * What the simulator knows and the platform must discover: the demand pattern of every item×site
 * with its parameters, and the exact parameters and consequences of the three planted situations.
 * Read off the world and the simulation as of the end of history ("today").
 */
import { isoDate } from './calendar.js';
import { outlierOn, promosBetween, type DemandPattern } from './demand.js';
import type { Supply } from './inventory-policy.js';
import { defectRate } from './production-quality.js';
import type { Simulation } from './simulation.js';

export interface ItemSiteTruth {
  readonly sku: string;
  readonly site: string;
  readonly pattern: DemandPattern;
  /** Smooth class: mean daily units at day 0 before weekly and yearly factors. */
  readonly level: number;
  readonly trendPerYear: number;
  readonly yearlyAmplitude: number;
  /** Intermittent/lumpy: average demand interval in days. */
  readonly adi: number | undefined;
  /** Promo pattern: windows in the history (inclusive dates), their uplift and discount. */
  readonly promoWindows: readonly { readonly from: string; readonly to: string; readonly uplift: number; readonly discount: number }[];
  /** Outlier pattern: spike days in the history and their multiplier. */
  readonly outliers: readonly { readonly date: string; readonly multiplier: number }[];
  /** (s, S) in force at the end of history. */
  readonly policy: { readonly s: number; readonly S: number };
}

export interface StockoutTruth {
  readonly sku: string;
  readonly site: string;
  readonly supplierId: string;
  readonly leadTimeDays: number;
  /** The last automatic order before MRP was switched off, re-sized by hand: qty ordered, policyQty asked for. */
  readonly lastAutoPo: { readonly poId: string; readonly orderDate: string; readonly qty: number; readonly policyQty: number };
  /** Automatic reordering was blocked from this date to the manual order. */
  readonly blockedFrom: string;
  /** Last history day and its closing on-hand. */
  readonly closeDate: string;
  readonly closingOnHand: number;
  /** Mean daily demand of the last 28 history days. */
  readonly recentDailyDemand: number;
  readonly coverDays: number;
  /** The only open order: placed on the last history day, promised after the stockout. */
  readonly openPo: { readonly poId: string; readonly qty: number; readonly orderDate: string; readonly promisedDate: string; readonly receivedDate: string };
  /** First day on which on-hand closes at zero, per the simulation continued past today. */
  readonly stockoutDate: string;
  readonly daysToStockout: number;
}

export interface QualityDriftTruth {
  readonly line: string;
  readonly site: string;
  readonly from: string;
  readonly baseDefectRate: number;
  readonly slopePerDay: number;
  /** Expected defect rate on the last history day. */
  readonly rateAtClose: number;
  readonly defectCode: string;
  readonly skus: readonly string[];
}

export interface LateSupplierTruth {
  readonly supplierId: string;
  readonly name: string;
  /** Orders promised from this date on are late. */
  readonly from: string;
  readonly leadTimeDays: number;
  /** Observed mean delay (days after promise) of orders received, promised before / since `from`. */
  readonly normalMeanDelayDays: number;
  readonly recentMeanDelayDays: number | undefined;
  /** Orders open at the end of history and past their promised date. */
  readonly openPastDue: readonly {
    readonly poId: string;
    readonly sku: string;
    readonly site: string;
    readonly orderDate: string;
    readonly promisedDate: string;
    readonly daysPastDue: number;
    readonly receivedDate: string;
  }[];
}

export interface GroundTruth {
  readonly seed: number;
  /** First live day; history is historyFrom … historyTo = today − 1. */
  readonly today: string;
  readonly historyFrom: string;
  readonly historyTo: string;
  readonly itemSites: readonly ItemSiteTruth[];
  readonly stockout: StockoutTruth;
  readonly qualityDrift: QualityDriftTruth;
  readonly lateSupplier: LateSupplierTruth;
}

function meanDelay(supplies: readonly Supply[]): number | undefined {
  if (supplies.length === 0) return undefined;
  return supplies.reduce((sum, s) => sum + (s.arrivalDay - s.dueDay), 0) / supplies.length;
}

/** The ground truth as of the end of history; `simulation` must stand at today. */
export function groundTruthAt(simulation: Simulation): GroundTruth {
  const { world } = simulation;
  const { catalog, today, startEpoch } = world;
  if (simulation.day !== today) throw new Error(`ground truth is read at today (day ${today}), the simulation is at day ${simulation.day}`);
  const date = (day: number): string => isoDate(startEpoch + day);

  const itemSites = world.models.flatMap((row) =>
    row.map((model): ItemSiteTruth => {
      const { key } = model.series;
      const { params } = key;
      const outliers: { date: string; multiplier: number }[] = [];
      if (params.pattern === 'outlier') {
        for (let day = 0; day < today; day += 1) {
          const multiplier = outlierOn(key, day);
          if (multiplier > 1) outliers.push({ date: date(day), multiplier });
        }
      }
      const state = simulation.state(model.itemIndex, model.siteIndex);
      return {
        sku: catalog.items[model.itemIndex]?.sku ?? '',
        site: catalog.sites[model.siteIndex]?.code ?? '',
        pattern: params.pattern,
        level: params.level,
        trendPerYear: params.trendPerYear,
        yearlyAmplitude: params.yearlyAmplitude,
        adi: params.pattern === 'intermittent' || params.pattern === 'lumpy' ? params.adi : undefined,
        promoWindows: promosBetween(key, 0, today).map((w) => ({ from: date(w.fromDay), to: date(Math.min(w.toDay, today - 1)), uplift: w.uplift, discount: w.discount })),
        outliers,
        policy: { s: state.policy.s, S: state.policy.S },
      };
    }),
  );

  const plan = world.stockout;
  const stockoutItem = catalog.items[plan.itemIndex];
  const stockoutSupplier = catalog.suppliers[stockoutItem?.supplierIndex ?? -1];
  const lastAuto = simulation.supplies.find(
    (s) => s.itemIndex === plan.itemIndex && s.siteIndex === plan.siteIndex && s.orderDay === plan.plants.resizeOrder?.day && s.note === undefined,
  );
  const stockout: StockoutTruth = {
    sku: stockoutItem?.sku ?? '',
    site: catalog.sites[plan.siteIndex]?.code ?? '',
    supplierId: stockoutSupplier?.id ?? '',
    leadTimeDays: stockoutSupplier?.leadTimeDays ?? 0,
    lastAutoPo: {
      poId: lastAuto?.id ?? '',
      orderDate: date(plan.plants.resizeOrder?.day ?? 0),
      qty: plan.plants.resizeOrder?.qty ?? 0,
      policyQty: plan.policyQty,
    },
    blockedFrom: date(plan.plants.freezeFrom ?? today - 1),
    closeDate: date(today - 1),
    closingOnHand: plan.closingOnHand,
    recentDailyDemand: plan.recentDemand,
    coverDays: plan.closingOnHand / plan.recentDemand,
    openPo: {
      poId: plan.manualOrder.id,
      qty: plan.manualOrder.qty,
      orderDate: date(plan.manualOrder.orderDay),
      promisedDate: date(plan.manualOrder.dueDay),
      receivedDate: date(plan.manualOrder.arrivalDay),
    },
    stockoutDate: date(plan.stockoutDay),
    daysToStockout: plan.stockoutDay - today,
  };

  const driftLine = world.lines[world.drift.lineIndex];
  if (driftLine === undefined) throw new Error('the drifting line does not exist');
  const qualityDrift: QualityDriftTruth = {
    line: driftLine.line.id,
    site: driftLine.siteCode,
    from: date(world.drift.drift.fromDay),
    baseDefectRate: driftLine.line.baseDefectRate,
    slopePerDay: world.drift.drift.slopePerDay,
    rateAtClose: defectRate(driftLine, today - 1),
    defectCode: world.drift.drift.code,
    skus: driftLine.line.itemIndices.map((i) => catalog.items[i]?.sku ?? ''),
  };

  const { regime } = world.late;
  const lateSupplier = catalog.suppliers[regime.supplierIndex];
  const ofLate = simulation.supplies.filter((s) => s.kind === 'po' && s.supplierIndex === regime.supplierIndex);
  const received = ofLate.filter((s) => s.arrivalDay < today);
  const openPastDue = ofLate
    .filter((s) => s.arrivalDay >= today && s.dueDay < today)
    .map((s) => ({
      poId: s.id,
      sku: catalog.items[s.itemIndex]?.sku ?? '',
      site: catalog.sites[s.siteIndex]?.code ?? '',
      orderDate: date(s.orderDay),
      promisedDate: date(s.dueDay),
      daysPastDue: today - s.dueDay,
      receivedDate: date(s.arrivalDay),
    }));

  return {
    seed: world.config.seed,
    today: date(today),
    historyFrom: date(0),
    historyTo: date(today - 1),
    itemSites,
    stockout,
    qualityDrift,
    lateSupplier: {
      supplierId: lateSupplier?.id ?? '',
      name: lateSupplier?.name ?? '',
      from: date(regime.fromDay),
      leadTimeDays: lateSupplier?.leadTimeDays ?? 0,
      normalMeanDelayDays: meanDelay(received.filter((s) => s.dueDay < regime.fromDay)) ?? 0,
      recentMeanDelayDays: meanDelay(received.filter((s) => s.dueDay >= regime.fromDay)),
      openPastDue,
    },
  };
}
