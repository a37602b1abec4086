/**
 * items → `items` (canonical item) + `external_ids` (this source's id for it) + `suppliers` (when
 * the item names one). The sku is mapped to the canonical one (NormalizeContext.canonicalSku), so
 * the same item from two ERPs becomes one row; the base unit is stored by its canonical code (PCS →
 * EA) or as written when the default table does not know it (a base unit may be anything);
 * `deleted: true` writes the row with is_deleted = 1, which hides the item from FINAL reads.
 *
 * `abc_class` arrived with the second version of raw-items.avsc (column: migration 009). The
 * runner decodes every message with the current schema as reader, so a record written with the
 * first version reads null here and stores NULL, one written with the second stores its class —
 * both through the same running consumer. An ingestor of the first release that was sent the field
 * anyway kept it in `extra` (as every unknown field); it is taken from there, so records accepted
 * while the ingest role was being upgraded lose nothing.
 */
import { RAW_TOPICS } from '../../schemas/topics.js';
import { canonicalUnit } from '../reference/units.js';
import { readEnvelope } from './envelope.js';
import { supplierRow } from './dimension-rows.js';
import { DIMENSION_TABLES } from './model-tables.js';
import { NORMALIZE_FAILURES, NormalizeError, guardedNormalizer } from './normalize-failure.js';
import type { Normalizer, RawRecord } from './normalizer.js';
import { optionalBoolean, optionalCode, optionalCount, optionalCurrency, optionalDecimal, optionalText, requiredText } from './raw-fields.js';

/** The ABC classes (ingest validates the same list; domains do not import each other). */
export const ABC_CLASSES = ['A', 'B', 'C'] as const;

const isAbcClass = (code: string): boolean => (ABC_CLASSES as readonly string[]).includes(code);

/**
 * The item's class: the field when set (INVALID_VALUE outside the classes), else a value an older
 * ingestor kept in `extra.abc_class`. That one was never validated, so a value outside the classes
 * stays in extra and the column NULL, rather than failing a record that was valid when accepted.
 */
function abcClass(raw: RawRecord): string | null {
  const sent = optionalCode(raw, 'abc_class');
  if (sent !== null) {
    if (!isAbcClass(sent)) throw new NormalizeError(NORMALIZE_FAILURES.INVALID_VALUE, 'abc_class', `abc_class must be one of ${ABC_CLASSES.join(', ')}, got ${JSON.stringify(sent)}`);
    return sent;
  }
  const extra = raw.extra;
  if (extra === null || typeof extra !== 'object' || !Object.hasOwn(extra, 'abc_class')) return null;
  const encoded = (extra as Readonly<Record<string, unknown>>).abc_class;
  if (typeof encoded !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(encoded);
  } catch {
    value = encoded; // a bare string (hand-made records), as record-unit.ts reads extra values too
  }
  const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
  return isAbcClass(code) ? code : null;
}

export const normalizeItem: Normalizer = guardedNormalizer((raw, context) => {
  const envelope = readEnvelope(raw);
  const sourceSku = requiredText(raw, 'sku');
  const sku = context.canonicalSku(envelope.tenant, envelope.sourceId, sourceSku);
  const uom = optionalText(raw, 'uom');
  const supplierId = optionalCode(raw, 'supplier_id');
  const supplierName = optionalText(raw, 'supplier_name');
  const item = {
    tenant_id: envelope.tenant,
    sku,
    name: requiredText(raw, 'name'),
    uom: uom === null ? '' : canonicalUnit(uom),
    family: optionalText(raw, 'family') ?? '',
    standard_cost: optionalDecimal(raw, 'standard_cost'),
    currency: optionalCurrency(raw, 'currency') ?? '',
    supplier_id: supplierId ?? '',
    supplier_name: supplierName ?? '',
    lead_time_days: optionalCount(raw, 'lead_time_days'),
    abc_class: abcClass(raw),
    is_deleted: optionalBoolean(raw, 'deleted') === true ? 1 : 0,
    version: envelope.version,
    updated_at: envelope.receivedAt,
    source_type: envelope.sourceType,
    source_id: envelope.sourceId,
    source_sku: sourceSku,
    batch_id: envelope.batchId,
    record_index: envelope.recordIndex,
  };
  const externalId = {
    tenant_id: envelope.tenant,
    entity: 'item',
    source_id: envelope.sourceId,
    source_key: sourceSku,
    canonical_key: sku,
    origin: 'observed',
    is_deleted: 0,
    version: envelope.version,
    updated_at: envelope.receivedAt,
  };
  return {
    [RAW_TOPICS.items.table]: [item],
    [DIMENSION_TABLES.externalIds]: [externalId],
    [DIMENSION_TABLES.suppliers]: supplierId === null ? [] : [supplierRow(envelope, supplierId, supplierName)],
  };
});
