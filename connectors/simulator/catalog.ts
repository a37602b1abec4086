/**
 * Master data of the simulated manufacturer: sites, suppliers, items, production lines and
 * customers. Roles the planted situations need are fixed here, by construction rather than luck:
 * - the first `smooth` item is bought from supplier 0 (long, reliable lead time) — the stockout
 *   candidate, whose steady demand makes its stockout date a matter of arithmetic;
 * - supplier 1 is the one that turns late; it supplies the first other purchased item, so it always
 *   has open orders;
 * - at least two items are manufactured, so every site has two busy production lines.
 */
import { DEMAND_PATTERNS, type DemandPattern } from './demand.js';
import { STREAM, rngFor, type Rng } from './prng.js';
import { round2 } from './records.js';

export interface Site {
  readonly index: number;
  readonly code: string;
  readonly name: string;
  readonly currency: string;
  /** Relative size of the site: multiplies every item's demand there. */
  readonly scale: number;
}

export interface Supplier {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  /** Nominal lead time: promised_date = order_date + this. */
  readonly leadTimeDays: number;
  /** Share of purchase orders received on the promised date in normal times. */
  readonly onTimeShare: number;
  /** Mean delay (days) of the orders that are late in normal times. */
  readonly meanDelayDays: number;
}

export interface Item {
  readonly index: number;
  readonly sku: string;
  readonly name: string;
  readonly family: string;
  readonly uom: string;
  readonly standardCost: number;
  readonly currency: string;
  /** Sales price in the item's currency. */
  readonly listPrice: number;
  /** Manufactured in house (work orders) rather than bought (purchase orders). */
  readonly make: boolean;
  readonly supplierIndex: number | undefined;
  /** Days a work order takes (manufactured items). */
  readonly productionDays: number;
  /** Days of average demand one replenishment covers: sets S − s of the (s, S) policy. */
  readonly cycleDays: number;
  readonly pattern: DemandPattern;
}

export interface Line {
  readonly id: string;
  readonly siteIndex: number;
  /** Manufactured items produced on this line. */
  readonly itemIndices: readonly number[];
  /** Defect rate of the line in control. */
  readonly baseDefectRate: number;
}

export interface Catalog {
  readonly sites: readonly Site[];
  readonly suppliers: readonly Supplier[];
  readonly items: readonly Item[];
  readonly lines: readonly Line[];
  readonly customers: readonly (readonly string[])[];
  readonly stockoutItem: number;
  readonly lateSupplier: number;
}

export const SITES = [
  { code: 'MUC', name: 'Munich plant', currency: 'EUR', scale: 1.0 },
  { code: 'CHI', name: 'Chicago plant', currency: 'USD', scale: 0.8 },
  { code: 'WRO', name: 'Wroclaw plant', currency: 'PLN', scale: 0.6 },
  { code: 'LYO', name: 'Lyon plant', currency: 'EUR', scale: 0.7 },
  { code: 'PUN', name: 'Pune plant', currency: 'INR', scale: 0.5 },
  { code: 'MTY', name: 'Monterrey plant', currency: 'MXN', scale: 0.6 },
  { code: 'SZX', name: 'Shenzhen plant', currency: 'CNY', scale: 0.9 },
  { code: 'BRN', name: 'Brno plant', currency: 'CZK', scale: 0.5 },
] as const;

/** Units of each currency per euro (fixed rates: the simulator does not model FX movements). */
export const PER_EUR: Readonly<Record<string, number>> = { EUR: 1, USD: 1.08, PLN: 4.3, INR: 90, MXN: 18.5, CNY: 7.8, CZK: 25 };

const SUPPLIER_NAMES = [
  'Kessler Präzisionsteile GmbH', 'Northwind Castings Inc.', 'Baltic Bearings Sp. z o.o.', 'Rhône Électronique SA',
  'Tata Fasteners Ltd.', 'Monterrey Metales SA de CV', 'Pearl River Components Co.', 'Moravia Packaging s.r.o.',
  'Alpine Hydraulics AG', 'Great Lakes Steel LLC', 'Nordic Seals AB', 'Iberia Motion SL',
] as const;

interface Family {
  readonly make: boolean;
  readonly uom: string;
  readonly cost: readonly [number, number];
  readonly names: readonly string[];
}

const FAMILIES: Readonly<Record<string, Family>> = {
  fasteners: { make: false, uom: 'EA', cost: [0.05, 0.8], names: ['Hex bolt M8x40', 'Lock nut M10', 'Washer DIN125 M12', 'Socket screw M6x20'] },
  'raw-materials': { make: false, uom: 'KG', cost: [1.5, 12], names: ['Aluminium bar 6082', 'Steel sheet S235 2mm', 'PA66 granulate', 'Copper wire 1.5mm'] },
  bearings: { make: false, uom: 'EA', cost: [3, 60], names: ['Ball bearing 6204', 'Needle bearing NK20', 'Linear bushing LM12'] },
  castings: { make: false, uom: 'EA', cost: [12, 180], names: ['Pump housing GG25', 'Gearbox cover', 'Motor flange'] },
  packaging: { make: false, uom: 'EA', cost: [0.3, 4], names: ['Carton 600x400', 'Pallet insert', 'Foam insert'] },
  electronics: { make: false, uom: 'EA', cost: [2, 150], names: ['Sensor PT100', 'Relay 24V', 'Servo drive 1kW', 'PLC IO module'] },
  'spare-parts': { make: false, uom: 'EA', cost: [20, 900], names: ['Seal kit', 'Spindle motor', 'Hydraulic valve', 'Drive belt', 'Encoder'] },
  assemblies: { make: true, uom: 'EA', cost: [80, 1200], names: ['Pump unit PU-200', 'Gear motor GM-3', 'Control cabinet CC-1'] },
  'machined-parts': { make: true, uom: 'EA', cost: [8, 220], names: ['Shaft 40mm', 'Bracket', 'Flange adapter', 'Gear 32T'] },
};
const BOUGHT_SMOOTH = ['fasteners', 'raw-materials', 'bearings', 'castings', 'packaging', 'electronics'] as const;
const MADE = ['assemblies', 'machined-parts'] as const;

/** Pattern mix beyond the guaranteed one-of-each (weights sum to 1): mostly smooth runners. */
const PATTERN_WEIGHTS: Readonly<Record<DemandPattern, number>> = { smooth: 0.35, intermittent: 0.2, lumpy: 0.15, promo: 0.15, outlier: 0.15 };
/** Fewest items that fit the guaranteed roles: 2 smooth (stockout + made), one of each other pattern. */
export const MIN_ITEMS = 6;
/** Share of the remaining smooth-class items that are manufactured. */
const MAKE_SHARE = 0.25;
/** Share of items costed in USD (imports); the rest in EUR. */
const USD_SHARE = 0.2;
/** Production lines per site. */
const LINES_PER_SITE = 2;

function weightedPattern(rng: Rng): DemandPattern {
  let u = rng.next();
  for (const pattern of DEMAND_PATTERNS) {
    u -= PATTERN_WEIGHTS[pattern];
    if (u < 0) return pattern;
  }
  return 'smooth';
}

function buildSuppliers(rng: Rng, count: number): Supplier[] {
  return Array.from({ length: count }, (_, index) => {
    const base = SUPPLIER_NAMES[index % SUPPLIER_NAMES.length] ?? 'Supplier';
    const name = index < SUPPLIER_NAMES.length ? base : `${base} (${Math.floor(index / SUPPLIER_NAMES.length) + 1})`;
    // Supplier 0 serves the stockout candidate: a long lead time leaves room for a stockout inside it.
    const leadTimeDays = index === 0 ? rng.intBetween(18, 24) : index === 1 ? rng.intBetween(10, 16) : rng.intBetween(7, 28);
    const onTimeShare = index <= 1 ? 0.85 : rng.range(0.55, 0.9);
    const meanDelayDays = index <= 1 ? 1.5 : rng.range(1, 4);
    return { index, id: `SUP-${String(index + 1).padStart(3, '0')}`, name, leadTimeDays, onTimeShare, meanDelayDays };
  });
}

function familyFor(rng: Rng, pattern: DemandPattern, make: boolean): string {
  if (make) return rng.pick(MADE);
  if (pattern === 'intermittent' || pattern === 'lumpy') return rng.chance(0.7) ? 'spare-parts' : 'electronics';
  return rng.pick(BOUGHT_SMOOTH);
}

export function buildCatalog(seed: number, itemCount: number, siteCount: number): Catalog {
  const rng = rngFor(seed, STREAM.CATALOG);
  const sites: Site[] = SITES.slice(0, siteCount).map((site, index) => ({ index, ...site }));
  const suppliers = buildSuppliers(rng, Math.max(3, Math.ceil(itemCount / 4)));

  const guaranteed: DemandPattern[] = ['smooth', 'smooth', 'intermittent', 'lumpy', 'promo', 'outlier'];
  const extra = Array.from({ length: itemCount - guaranteed.length }, () => weightedPattern(rng));
  const patterns = rng.shuffle([...guaranteed, ...extra]);
  const stockoutItem = patterns.indexOf('smooth');
  const smoothClass = patterns.flatMap((p, i) => (p !== 'intermittent' && p !== 'lumpy' && i !== stockoutItem ? [i] : []));
  const forcedMake = new Set(smoothClass.slice(0, 2));

  let nextSupplier = 1;
  const usedNames = new Map<string, number>();
  const items: Item[] = patterns.map((pattern, index) => {
    const make = forcedMake.has(index) || (index !== stockoutItem && smoothClass.includes(index) && rng.chance(MAKE_SHARE));
    const family = index === stockoutItem ? rng.pick(BOUGHT_SMOOTH) : familyFor(rng, pattern, make);
    const spec = FAMILIES[family] ?? { make, uom: 'EA', cost: [1, 10] as const, names: ['Part'] };
    const baseName = rng.pick(spec.names);
    const seen = usedNames.get(baseName) ?? 0;
    usedNames.set(baseName, seen + 1);
    // Costs spread log-uniformly: a family spans one to two orders of magnitude.
    const standardCost = round2(Math.exp(rng.range(Math.log(spec.cost[0]), Math.log(spec.cost[1]))));
    const currency = rng.chance(USD_SHARE) ? 'USD' : 'EUR';
    let supplierIndex: number | undefined;
    if (!make) {
      if (index === stockoutItem) supplierIndex = 0;
      else {
        supplierIndex = nextSupplier;
        nextSupplier = (nextSupplier + 1) % suppliers.length;
      }
    }
    return {
      index,
      sku: `FG-${String(10001 + index)}`,
      name: seen === 0 ? baseName : `${baseName} v${seen + 1}`,
      family,
      uom: spec.uom,
      standardCost: Math.max(0.01, standardCost),
      currency,
      // Gross margins of 25–90 % over standard cost, typical for industrial components.
      listPrice: round2(standardCost * rng.range(1.25, 1.9)) || 0.02,
      make,
      supplierIndex,
      productionDays: rng.intBetween(2, 4),
      // The stockout candidate reorders often (8–12 days): many recent orders for the planted search
      // to choose from; others cover 10–30 days (purchased) or 14–28 days (batch production).
      cycleDays: index === stockoutItem ? rng.intBetween(8, 12) : make ? rng.intBetween(14, 28) : rng.intBetween(10, 30),
      pattern,
    };
  });

  const lines: Line[] = sites.flatMap((site) => {
    const made = items.filter((item) => item.make).map((item) => item.index);
    return Array.from({ length: LINES_PER_SITE }, (_, l) => ({
      id: `${site.code}-L${l + 1}`,
      siteIndex: site.index,
      itemIndices: made.filter((_, k) => k % LINES_PER_SITE === l),
      // In-control defect rates of 0.8–2.5 %: machining and assembly lines at a decent capability.
      baseDefectRate: rng.range(0.008, 0.025),
    }));
  });

  const customers = sites.map((site) => {
    const count = rng.intBetween(12, 30);
    return Array.from({ length: count }, (_, k) => `C-${site.code}-${String(k + 1).padStart(3, '0')}`);
  });

  return { sites, suppliers, items, lines, customers, stockoutItem, lateSupplier: 1 };
}
