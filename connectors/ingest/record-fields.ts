/**
 * The canonical fields of every record type (SPEC.md, Ingest): name, type and whether it is
 * required. This table drives validation; the Avro schemas in schemas/avro/ carry the same fields
 * (a test keeps the two in step), with every value normalized as the types below say.
 *
 * Types and the value each becomes:
 * - text       trimmed string, Unicode kept as sent (numbers are accepted as their decimal text)
 * - decimal    exact decimal text (`"12.50"` → `"12.5"`), never a float; optionally non-negative
 * - integer    a whole number within 32 bits; optionally non-negative
 * - date       `YYYY-MM-DD`
 * - timestamp  UTC `YYYY-MM-DDTHH:mm:ss.sssZ` (a date alone means midnight UTC)
 * - boolean    true / false
 * - enum       one of a fixed set of lower-case words (an Avro enum)
 * - code       one of a fixed set of upper-case codes, read in any case (an Avro string, so the
 *              set can grow without breaking consumers still reading with an older schema)
 */
import type { RecordType } from '../../schemas/topics.js';

export type FieldType =
  | { readonly kind: 'text' }
  | { readonly kind: 'decimal'; readonly nonNegative: boolean }
  | { readonly kind: 'integer'; readonly nonNegative: boolean }
  | { readonly kind: 'date' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'code'; readonly values: readonly string[] };

/** One canonical field of a record type. */
export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  /** Missing, null or empty is an error when required; otherwise it becomes null. */
  readonly required: boolean;
}

/** Movement types of `inventory_movements.movement_type` (SPEC.md). */
export const MOVEMENT_TYPES = ['receipt', 'issue', 'adjustment', 'scrap', 'transfer'] as const;
/**
 * Classes of `items.abc_class` (added with raw-items.avsc's second version): the usual three of an
 * ABC analysis. A source with more classes maps them onto these in its profile's `values`.
 */
export const ABC_CLASSES = ['A', 'B', 'C'] as const;

const TEXT: FieldType = { kind: 'text' };
const DECIMAL: FieldType = { kind: 'decimal', nonNegative: false };
const QUANTITY: FieldType = { kind: 'decimal', nonNegative: true };
const COUNT: FieldType = { kind: 'integer', nonNegative: true };
const DATE: FieldType = { kind: 'date' };
const TIMESTAMP: FieldType = { kind: 'timestamp' };
const BOOLEAN: FieldType = { kind: 'boolean' };

const required = (name: string, type: FieldType): FieldSpec => ({ name, type, required: true });
const optional = (name: string, type: FieldType): FieldSpec => ({ name, type, required: false });

/**
 * Decisions where SPEC.md is silent: order `line` numbers are integers (SAP's `000010` is 10);
 * an inspection's `line` is the production line, text. Prices, costs and amounts may be negative
 * (credits, rebates); every quantity except a movement's signed `qty` may not.
 */
export const RECORD_FIELDS: Readonly<Record<RecordType, readonly FieldSpec[]>> = {
  items: [
    required('sku', TEXT),
    required('name', TEXT),
    optional('uom', TEXT),
    optional('family', TEXT),
    optional('standard_cost', DECIMAL),
    optional('currency', TEXT),
    optional('supplier_id', TEXT),
    optional('supplier_name', TEXT),
    optional('lead_time_days', COUNT),
    optional('deleted', BOOLEAN),
    optional('abc_class', { kind: 'code', values: ABC_CLASSES }),
  ],
  sales_orders: [
    required('order_id', TEXT),
    optional('line', COUNT),
    required('sku', TEXT),
    required('site', TEXT),
    optional('customer_id', TEXT),
    required('qty', QUANTITY),
    optional('unit_price', DECIMAL),
    optional('currency', TEXT),
    required('order_date', DATE),
    optional('requested_date', DATE),
    optional('status', TEXT),
  ],
  purchase_orders: [
    required('po_id', TEXT),
    optional('line', COUNT),
    required('sku', TEXT),
    required('site', TEXT),
    required('supplier_id', TEXT),
    required('qty', QUANTITY),
    required('order_date', DATE),
    optional('promised_date', DATE),
    optional('received_date', DATE),
    optional('received_qty', QUANTITY),
    optional('status', TEXT),
  ],
  inventory: [required('sku', TEXT), required('site', TEXT), required('on_hand', QUANTITY), optional('reserved', QUANTITY), required('as_of', TIMESTAMP)],
  inventory_movements: [
    required('movement_id', TEXT),
    required('sku', TEXT),
    required('site', TEXT),
    required('qty', DECIMAL),
    required('movement_type', { kind: 'enum', values: MOVEMENT_TYPES }),
    required('ts', TIMESTAMP),
  ],
  gl_entries: [
    required('entry_id', TEXT),
    required('account', TEXT),
    required('amount', DECIMAL),
    required('currency', TEXT),
    required('posted_at', TIMESTAMP),
    optional('cost_center', TEXT),
    optional('sku', TEXT),
  ],
  inspections: [
    required('inspection_id', TEXT),
    required('sku', TEXT),
    required('site', TEXT),
    optional('line', TEXT),
    required('inspected_qty', QUANTITY),
    required('defect_qty', QUANTITY),
    optional('defect_code', TEXT),
    required('inspected_at', TIMESTAMP),
  ],
  work_orders: [
    required('wo_id', TEXT),
    required('sku', TEXT),
    required('site', TEXT),
    required('qty_planned', QUANTITY),
    optional('qty_completed', QUANTITY),
    optional('qty_scrapped', QUANTITY),
    optional('start_at', TIMESTAMP),
    optional('end_at', TIMESTAMP),
    optional('status', TEXT),
  ],
};

/** A field's type in words, for error messages and docs. */
export function describeFieldType(type: FieldType): string {
  switch (type.kind) {
    case 'text':
      return 'text';
    case 'decimal':
      return type.nonNegative ? 'a number ≥ 0' : 'a number';
    case 'integer':
      return type.nonNegative ? 'a whole number ≥ 0' : 'a whole number';
    case 'date':
      return 'an ISO 8601 date (YYYY-MM-DD)';
    case 'timestamp':
      return 'an ISO 8601 date or date-time';
    case 'boolean':
      return 'true or false';
    case 'enum':
    case 'code':
      return `one of ${type.values.join(', ')}`;
  }
}
