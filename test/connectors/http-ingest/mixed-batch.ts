/**
 * A deterministic batch of mixed record types with a known set of invalid records, for the
 * acceptance tests. Valid records are written already in canonical, normalized form, so the
 * record read back from its topic must equal what was sent (field by field) — a check of content,
 * not only of counts, without re-implementing validation here.
 */
import { RECORD_FIELDS } from '../../../connectors/ingest/record-fields.js';
import { RECORD_TYPES, type RecordType } from '../../../schemas/topics.js';

export interface Expected {
  readonly recordType: RecordType;
  readonly index: number;
  /** The record as sent when valid; undefined for invalid ones. */
  readonly valid: Record<string, unknown> | undefined;
}

export interface MixedBatch {
  readonly data: Record<RecordType, unknown[]>;
  readonly records: readonly Expected[];
  /** `record_type|index|field` of every error the batch must produce. */
  readonly errors: ReadonlySet<string>;
}

const NAMES = ['Schraube M6 – Edelstahl ✓', '螺丝 (stainless screw) 🔩', 'Écrou à œil', 'Wälzlager 6204-2RS', 'Гайка M8', 'O-ring 20×2'];

/** A valid record of `type`, number `n`, in canonical normalized form. */
function validRecord(type: RecordType, n: number): Record<string, unknown> {
  const sku = `SKU-${String(n % 97).padStart(3, '0')}`;
  const day = `2024-01-${String((n % 28) + 1).padStart(2, '0')}`;
  const ts = `${day}T${String(n % 24).padStart(2, '0')}:15:30.250Z`;
  switch (type) {
    case 'items':
      return { sku: `${sku}-${n}`, name: NAMES[n % NAMES.length], uom: 'PC', standard_cost: `${n}.25`, lead_time_days: n % 30, deleted: n % 2 === 0, note: `ü-${n}` };
    case 'sales_orders':
      return { order_id: `SO-${n}`, line: (n % 5) + 1, sku, site: 'Werk Süd', qty: String(n % 50), unit_price: '19.99', currency: 'EUR', order_date: day, status: 'open' };
    case 'purchase_orders':
      return { po_id: `PO-${n}`, line: 10, sku, site: 'W1', supplier_id: `V-${n % 7}`, qty: '1000', order_date: day, promised_date: day, received_qty: '0.5' };
    case 'inventory':
      return { sku, site: `W${n % 3}`, on_hand: `${n}.125`, reserved: '0', as_of: ts };
    case 'inventory_movements':
      return { movement_id: `MV-${n}`, sku, site: 'W1', qty: n % 2 === 0 ? `-${n}` : String(n), movement_type: ['receipt', 'issue', 'adjustment', 'scrap', 'transfer'][n % 5], ts };
    case 'gl_entries':
      return { entry_id: `GL-${n}`, account: '400000', amount: `-${n}.5`, currency: 'EUR', posted_at: ts, cost_center: 'CC-Ω' };
    case 'inspections':
      return { inspection_id: `QI-${n}`, sku, site: 'W1', line: 'L2', inspected_qty: '100', defect_qty: String(n % 10), defect_code: 'D-01', inspected_at: ts };
    case 'work_orders':
      return { wo_id: `WO-${n}`, sku, site: 'W1', qty_planned: '500', qty_completed: '480', qty_scrapped: '20', start_at: ts, end_at: ts, status: 'released' };
  }
}

type Defect = (record: Record<string, unknown>, type: RecordType) => { record: unknown; fields: (string | null)[] } | undefined;

const firstOfKind = (type: RecordType, kinds: readonly string[], nonNegative?: boolean): string | undefined =>
  RECORD_FIELDS[type].find((f) => kinds.includes(f.type.kind) && (nonNegative === undefined || ('nonNegative' in f.type && f.type.nonNegative === nonNegative)))?.name;

/** Ways to break a record, each saying which fields must then be reported (undefined: not applicable to the type). */
const DEFECTS: readonly Defect[] = [
  (record, type) => {
    const field = RECORD_FIELDS[type].find((f) => f.required)!.name;
    const { [field]: _dropped, ...rest } = record;
    return { record: rest, fields: [field] };
  },
  (record, type) => {
    const field = firstOfKind(type, ['decimal']);
    return field === undefined ? undefined : { record: { ...record, [field]: 'abc' }, fields: [field] };
  },
  (record, type) => {
    const field = firstOfKind(type, ['date', 'timestamp']);
    return field === undefined ? undefined : { record: { ...record, [field]: '2024-13-45' }, fields: [field] };
  },
  (record, type) => {
    const field = firstOfKind(type, ['date', 'timestamp']);
    return field === undefined ? undefined : { record: { ...record, [field]: '2024-02-30' }, fields: [field] };
  },
  (record, type) => {
    const field = firstOfKind(type, ['decimal'], true);
    return field === undefined ? undefined : { record: { ...record, [field]: '-5' }, fields: [field] };
  },
  (record, type) => (type === 'inspections' ? { record: { ...record, inspected_qty: '10', defect_qty: '11' }, fields: ['defect_qty'] } : undefined),
  () => ({ record: 'not an object', fields: [null] }),
  () => ({ record: [1, 2, 3], fields: [null] }),
  () => ({ record: null, fields: [null] }),
  (record, type) => {
    const required = RECORD_FIELDS[type].filter((f) => f.required).map((f) => f.name);
    return { record: { ...record, [required[0]!]: '   ', [required[1]!]: null }, fields: required.slice(0, 2) };
  },
];

/** `count` records cycling through the record types; every `every`-th one broken by the next applicable defect. */
export function mixedBatch(count: number, every = 9): MixedBatch {
  const data = Object.fromEntries(RECORD_TYPES.map((t) => [t, [] as unknown[]])) as Record<RecordType, unknown[]>;
  const records: Expected[] = [];
  const errors = new Set<string>();
  let defect = 0;
  for (let n = 0; n < count; n += 1) {
    const type = RECORD_TYPES[n % RECORD_TYPES.length]!;
    const index = data[type].length;
    const record = validRecord(type, n);
    if (n % every === every - 1) {
      let broken: ReturnType<Defect>;
      do broken = DEFECTS[defect++ % DEFECTS.length]!(record, type);
      while (broken === undefined);
      data[type].push(broken.record);
      for (const field of broken.fields) errors.add(`${type}|${index}|${String(field)}`);
      records.push({ recordType: type, index, valid: undefined });
    } else {
      data[type].push(record);
      records.push({ recordType: type, index, valid: record });
    }
  }
  return { data, records, errors };
}
