/**
 * The unit a fact's quantities were sent in, and their conversion to the item's base unit. Raw
 * fact records have no canonical unit field (quantities are meant in the base unit); a source that
 * sends another unit does so in a field ingest keeps in `extra` — `uom` or `unit`, or SAP's
 * VRKME (sales unit of VBAP-KWMENG) or MEINS / BSTME (order unit of EKPO-MENGE). No unit → the
 * quantities are already in the base unit. A unit the reference data cannot convert fails the
 * record with UNKNOWN_UOM naming the field, so it is dead-lettered and can be replayed once a
 * conversion is configured.
 */
import type { NormalizeContext, RawRecord } from './normalizer.js';
import { canonicalUnit } from '../reference/units.js';
import { multiplyDecimal } from './decimal-arithmetic.js';
import { NORMALIZE_FAILURES, NormalizeError } from './normalize-failure.js';

/** Extra fields a unit may arrive under, first found wins. */
export const UNIT_FIELDS = ['uom', 'unit', 'VRKME', 'MEINS', 'BSTME'] as const;

export interface RecordUnit {
  /** Canonical code of the unit sent, '' when none was (the base unit). */
  readonly sourceUom: string;
  /** Base units per sent unit, exact decimal text. */
  readonly factor: string;
}

/** An extra value is JSON-encoded; a bare string (hand-made records) is taken as is. */
function extraText(encoded: string): string {
  try {
    const value: unknown = JSON.parse(encoded);
    return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
  } catch {
    return encoded.trim();
  }
}

export function recordUnit(raw: RawRecord, context: NormalizeContext, tenant: string, sku: string): RecordUnit {
  const extra = raw.extra;
  if (extra === null || typeof extra !== 'object') return { sourceUom: '', factor: '1' };
  const fields = extra as Readonly<Record<string, unknown>>;
  for (const field of UNIT_FIELDS) {
    const encoded = fields[field];
    if (typeof encoded !== 'string') continue;
    const unit = extraText(encoded);
    if (unit === '') continue;
    const factor = context.uomFactor(tenant, sku, unit);
    if (factor === undefined) {
      throw new NormalizeError(NORMALIZE_FAILURES.UNKNOWN_UOM, field, `no conversion from unit ${JSON.stringify(unit)} to the base unit of item ${JSON.stringify(sku)} (configure it in uom_conversions, or send the item with its base unit first)`);
    }
    return { sourceUom: canonicalUnit(unit), factor };
  }
  return { sourceUom: '', factor: '1' };
}

/** A quantity in the base unit, exactly; DECIMAL_OUT_OF_RANGE when the product leaves Decimal(38, 18). */
export function toBaseQuantity(value: string, unit: RecordUnit, field: string): string {
  if (unit.factor === '1') return value;
  const converted = multiplyDecimal(value, unit.factor);
  if (converted === undefined) throw new NormalizeError(NORMALIZE_FAILURES.DECIMAL_OUT_OF_RANGE, field, `${field} ${value} × ${unit.factor} (${unit.sourceUom} → base unit) does not fit 20 integer and 18 fraction digits exactly`);
  return converted;
}

/** toBaseQuantity for an optional quantity. */
export function toBaseQuantityOrNull(value: string | null, unit: RecordUnit, field: string): string | null {
  return value === null ? null : toBaseQuantity(value, unit, field);
}
