/**
 * SPEC.md's canonical fields per record type and its validity rules, restated independently of the
 * simulator so the tests check the simulator against the contract rather than against itself.
 */
type Kind = 'string' | 'number' | 'date' | 'boolean';
interface Field {
  readonly kind: Kind;
  readonly required?: boolean;
  readonly nonNegative?: boolean;
}

const s = (required = false): Field => ({ kind: 'string', required });
const n = (required = false, nonNegative = false): Field => ({ kind: 'number', required, nonNegative });
const d = (required = false): Field => ({ kind: 'date', required });

export const CANONICAL: Readonly<Record<string, Readonly<Record<string, Field>>>> = {
  items: { sku: s(true), name: s(true), uom: s(), family: s(), standard_cost: n(false, true), currency: s(), supplier_id: s(), supplier_name: s(), lead_time_days: n(false, true), deleted: { kind: 'boolean' } },
  sales_orders: { order_id: s(true), line: n(), sku: s(true), site: s(true), customer_id: s(), qty: n(true, true), unit_price: n(false, true), currency: s(), order_date: d(true), requested_date: d(), status: s() },
  purchase_orders: { po_id: s(true), line: n(), sku: s(true), site: s(true), supplier_id: s(true), qty: n(true, true), order_date: d(true), promised_date: d(), received_date: d(), received_qty: n(false, true), status: s() },
  inventory: { sku: s(true), site: s(true), on_hand: n(true, true), reserved: n(false, true), as_of: d(true) },
  inventory_movements: { movement_id: s(true), sku: s(true), site: s(true), qty: n(true), movement_type: s(true), ts: d(true) },
  gl_entries: { entry_id: s(true), account: s(true), amount: n(true), currency: s(true), posted_at: d(true), cost_center: s(), sku: s() },
  inspections: { inspection_id: s(true), sku: s(true), site: s(true), line: s(), inspected_qty: n(true, true), defect_qty: n(true, true), defect_code: s(), inspected_at: d(true) },
  work_orders: { wo_id: s(true), sku: s(true), site: s(true), qty_planned: n(true, true), qty_completed: n(false, true), qty_scrapped: n(false, true), start_at: d(), end_at: d(), status: s() },
};

const MOVEMENT_TYPES = new Set(['receipt', 'issue', 'adjustment', 'scrap', 'transfer']);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A real calendar date or timestamp in ISO 8601. */
export function isIsoDate(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (DATE.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    return Number.isFinite(ms) && new Date(ms).toISOString().startsWith(value);
  }
  if (!TIMESTAMP.test(value)) return false;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === value.slice(0, 10);
}

/** Problems with one record, empty when it is valid per SPEC.md. */
export function problems(recordType: string, record: unknown): string[] {
  const fields = CANONICAL[recordType];
  if (fields === undefined) return [`unknown record type ${recordType}`];
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return ['not an object'];
  const values = record as Record<string, unknown>;
  const out: string[] = [];
  for (const [name, field] of Object.entries(fields)) {
    const value = values[name];
    if (value === undefined || value === null || value === '') {
      if (field.required === true) out.push(`${name} missing`);
      continue;
    }
    if (field.kind === 'string' && typeof value !== 'string') out.push(`${name} not a string`);
    if (field.kind === 'boolean' && typeof value !== 'boolean') out.push(`${name} not a boolean`);
    if (field.kind === 'number' && (typeof value !== 'number' || !Number.isFinite(value))) out.push(`${name} not a number`);
    if (field.kind === 'number' && field.nonNegative === true && typeof value === 'number' && value < 0) out.push(`${name} negative`);
    if (field.kind === 'date' && !isIsoDate(value)) out.push(`${name} not an ISO date: ${JSON.stringify(value)}`);
  }
  if (recordType === 'inspections' && typeof values.defect_qty === 'number' && typeof values.inspected_qty === 'number' && values.defect_qty > values.inspected_qty) {
    out.push('defect_qty exceeds inspected_qty');
  }
  if (recordType === 'inventory_movements' && !MOVEMENT_TYPES.has(String(values.movement_type))) out.push(`movement_type ${String(values.movement_type)}`);
  return out;
}
