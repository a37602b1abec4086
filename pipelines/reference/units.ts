/**
 * The default unit-of-measure table: which codes mean the same unit (ERPs spell "each" as EA, PC,
 * PCS, ST, STK, UN…; UN/ECE Rec. 20 codes such as KGM and MTR are common in EDI) and how units of
 * one dimension relate (1 KG = 1000 G). Packaging units (BOX, CASE, PAL…) have no default: how many
 * pieces a box holds depends on the item, so they come from the per-item `uom_conversions` table.
 *
 * Factors are decimal text relative to one reference unit per dimension; a conversion divides two
 * of them exactly, and a pair whose quotient does not terminate (EA → DZ is 1/12) has no default.
 */
import { divideDecimalExact } from '../normalize/decimal-arithmetic.js';

/** Spellings → the canonical code stored in the model. */
const ALIASES: Readonly<Record<string, string>> = {
  EA: 'EA', EACH: 'EA', PC: 'EA', PCS: 'EA', PCE: 'EA', ST: 'EA', STK: 'EA', STCK: 'EA', UN: 'EA', UNIT: 'EA', UNITS: 'EA', C62: 'EA',
  DZ: 'DZ', DOZ: 'DZ', DZN: 'DZ',
  MG: 'MG', MGM: 'MG',
  G: 'G', GR: 'G', GRM: 'G',
  KG: 'KG', KGM: 'KG', KGS: 'KG',
  T: 'T', TO: 'T', TNE: 'T', TON: 'T',
  ML: 'ML', MLT: 'ML',
  CL: 'CL', CLT: 'CL',
  L: 'L', LT: 'L', LTR: 'L',
  M3: 'M3', MTQ: 'M3', CBM: 'M3',
  MM: 'MM', MMT: 'MM',
  CM: 'CM', CMT: 'CM',
  M: 'M', MTR: 'M',
  KM: 'KM', KMT: 'KM',
};

/** Canonical code → [dimension, size in the dimension's reference unit]. */
const DIMENSIONS: Readonly<Record<string, readonly [dimension: string, size: string]>> = {
  EA: ['count', '1'],
  DZ: ['count', '12'],
  MG: ['mass', '0.001'],
  G: ['mass', '1'],
  KG: ['mass', '1000'],
  T: ['mass', '1000000'],
  ML: ['volume', '1'],
  CL: ['volume', '10'],
  L: ['volume', '1000'],
  M3: ['volume', '1000000'],
  MM: ['length', '1'],
  CM: ['length', '10'],
  M: ['length', '1000'],
  KM: ['length', '1000000'],
};

/** The canonical code of a unit as a source spells it: trimmed, upper-cased, aliases resolved (unknown codes stay as written). */
export function canonicalUnit(code: string): string {
  const upper = code.trim().toUpperCase();
  return ALIASES[upper] ?? upper;
}

/** Whether the default table knows the unit. */
export function isKnownUnit(code: string): boolean {
  return DIMENSIONS[canonicalUnit(code)] !== undefined;
}

/**
 * How many `base` one `from` is by the default table (KG → G: "1000"; G → KG: "0.001"); undefined
 * for unknown units, different dimensions or a non-terminating quotient.
 */
export function defaultFactor(from: string, base: string): string | undefined {
  const source = DIMENSIONS[canonicalUnit(from)];
  const target = DIMENSIONS[canonicalUnit(base)];
  if (source === undefined || target === undefined || source[0] !== target[0]) return undefined;
  return divideDecimalExact(source[1], target[1]);
}
