/**
 * Record validation exactly per SPEC.md (canonical profile): what makes a record invalid, what each
 * error names, how valid values are normalized, and that unknown fields are kept. Also keeps the
 * field table and the Avro schemas in step, since both describe the same records.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { RECORD_FIELDS } from '../../../connectors/ingest/record-fields.js';
import { validateRecord, type ValidationResult } from '../../../connectors/ingest/validate-record.js';
import type { MappingProfile } from '../../../connectors/mapping/mapping-profile.js';
import { loadMappingProfiles } from '../../../connectors/mapping/profile-loader.js';
import { RECORD_TYPES, rawSchemaText, type RecordType } from '../../../schemas/topics.js';

let canonical: MappingProfile;
beforeAll(async () => {
  canonical = (await loadMappingProfiles()).get('canonical')!;
});

const validate = (type: RecordType, raw: unknown, index = 0): ValidationResult => validateRecord(type, raw, canonical, index);
const okOf = (result: ValidationResult): Record<string, unknown> => {
  if (result.ok === undefined) throw new Error(`expected a valid record, got ${JSON.stringify(result.errors)}`);
  return result.ok;
};
const fieldsOf = (result: ValidationResult): (string | null)[] => (result.errors ?? []).map((e) => e.field);

const VALID: Record<RecordType, Record<string, unknown>> = {
  items: { sku: 'ITEM-001', name: 'Component A' },
  sales_orders: { order_id: 'SO-1', line: 1, sku: 'ITEM-001', site: 'W1', qty: 5, order_date: '2024-01-05' },
  purchase_orders: { po_id: 'PO-1', line: 10, sku: 'ITEM-001', site: 'W1', supplier_id: 'S-1', qty: '100', order_date: '2024-01-02' },
  inventory: { sku: 'ITEM-001', site: 'W1', on_hand: 40, as_of: '2024-01-05' },
  inventory_movements: { movement_id: 'M-1', sku: 'ITEM-001', site: 'W1', qty: -3, movement_type: 'issue', ts: '2024-01-05T10:00:00Z' },
  gl_entries: { entry_id: 'GL-1', account: '4000', amount: '-1250.00', currency: 'EUR', posted_at: '2024-01-31' },
  inspections: { inspection_id: 'I-1', sku: 'ITEM-001', site: 'W1', inspected_qty: 100, defect_qty: 3, inspected_at: '2024-01-05T08:00:00Z' },
  work_orders: { wo_id: 'WO-1', sku: 'ITEM-001', site: 'W1', qty_planned: 500 },
};

describe('validateRecord (canonical profile)', () => {
  it.each(RECORD_TYPES)('%s: a minimal valid record passes, optional fields become null', (type) => {
    const record = okOf(validate(type, VALID[type]));
    for (const field of RECORD_FIELDS[type]) expect(record, field.name).toHaveProperty(field.name);
    for (const field of RECORD_FIELDS[type].filter((f) => !f.required && !(f.name in VALID[type]))) expect(record[field.name]).toBeNull();
    expect({ ...(record.extra as object) }).toEqual({});
  });

  it.each(RECORD_TYPES)('%s: each required field missing, null or blank is an error naming it', (type) => {
    for (const field of RECORD_FIELDS[type].filter((f) => f.required)) {
      for (const missing of [undefined, null, '', '   ']) {
        const raw: Record<string, unknown> = { ...VALID[type], [field.name]: missing };
        if (missing === undefined) delete raw[field.name];
        const result = validate(type, raw, 7);
        expect(result.errors, `${type}.${field.name} = ${JSON.stringify(missing)}`).toEqual([{ record_type: type, index: 7, field: field.name, message: `${field.name} is required` }]);
      }
    }
  });

  it('reports every problem of a record, each with record type, index and field', () => {
    const result = validate('sales_orders', { order_id: '', sku: 'X', site: 'W1', qty: 'abc', order_date: '2024-13-45', line: -1 }, 42);
    expect(result.errors).toEqual([
      { record_type: 'sales_orders', index: 42, field: 'order_id', message: 'order_id is required' },
      { record_type: 'sales_orders', index: 42, field: 'line', message: 'line must not be negative (got -1)' },
      { record_type: 'sales_orders', index: 42, field: 'qty', message: 'qty must be a number ≥ 0: "abc" is not a decimal number' },
      { record_type: 'sales_orders', index: 42, field: 'order_date', message: 'order_date must be a date: "2024-13-45" has month 13' },
    ]);
  });

  it('refuses unreadable numbers and dates', () => {
    expect(fieldsOf(validate('inventory', { ...VALID.inventory, on_hand: 'abc' }))).toEqual(['on_hand']);
    expect(fieldsOf(validate('inventory', { ...VALID.inventory, on_hand: '1e21' }))).toEqual(['on_hand']);
    expect(fieldsOf(validate('inventory', { ...VALID.inventory, on_hand: true }))).toEqual(['on_hand']);
    expect(fieldsOf(validate('inventory', { ...VALID.inventory, on_hand: { value: 1 } }))).toEqual(['on_hand']);
    expect(fieldsOf(validate('inventory', { ...VALID.inventory, as_of: '2024-02-30' }))).toEqual(['as_of']);
    expect(fieldsOf(validate('sales_orders', { ...VALID.sales_orders, order_date: '2024-13-45' }))).toEqual(['order_date']);
    expect(fieldsOf(validate('sales_orders', { ...VALID.sales_orders, requested_date: 'soon' }))).toEqual(['requested_date']);
    expect(fieldsOf(validate('sales_orders', { ...VALID.sales_orders, line: 1.5 }))).toEqual(['line']);
    expect(fieldsOf(validate('items', { ...VALID.items, lead_time_days: 3_000_000_000 }))).toEqual(['lead_time_days']);
    expect(fieldsOf(validate('items', { ...VALID.items, deleted: 'maybe' }))).toEqual(['deleted']);
    expect(fieldsOf(validate('inventory_movements', { ...VALID.inventory_movements, movement_type: 'teleport' }))).toEqual(['movement_type']);
  });

  it('refuses negatives where SPEC forbids them, allows them where signed', () => {
    const forbidden: [RecordType, string][] = [
      ['inventory', 'on_hand'],
      ['inventory', 'reserved'],
      ['inspections', 'inspected_qty'],
      ['inspections', 'defect_qty'],
      ['sales_orders', 'qty'],
      ['purchase_orders', 'qty'],
      ['purchase_orders', 'received_qty'],
      ['work_orders', 'qty_planned'],
      ['work_orders', 'qty_completed'],
      ['work_orders', 'qty_scrapped'],
    ];
    for (const [type, field] of forbidden) {
      const raw = { ...VALID[type], [field]: '-1' };
      const fields = fieldsOf(validate(type, raw));
      expect(fields, `${type}.${field}`).toContain(field);
      expect(validate(type, raw).errors!.find((e) => e.field === field)!.message).toBe(`${field} must not be negative (got -1)`);
    }
    expect(okOf(validate('inventory_movements', { ...VALID.inventory_movements, qty: '-12.50' })).qty).toBe('-12.5');
    expect(okOf(validate('gl_entries', VALID.gl_entries)).amount).toBe('-1250');
    expect(okOf(validate('sales_orders', { ...VALID.sales_orders, unit_price: -2 })).unit_price).toBe('-2');
  });

  it('refuses defect_qty above inspected_qty, exactly', () => {
    expect(validate('inspections', { ...VALID.inspections, inspected_qty: '10', defect_qty: '10.000000001' }).errors).toEqual([
      { record_type: 'inspections', index: 0, field: 'defect_qty', message: 'defect_qty (10.000000001) must not exceed inspected_qty (10)' },
    ]);
    expect(okOf(validate('inspections', { ...VALID.inspections, inspected_qty: 10, defect_qty: '10.0' })).defect_qty).toBe('10');
    // Only one message when a quantity is already unreadable.
    expect(fieldsOf(validate('inspections', { ...VALID.inspections, inspected_qty: 'x', defect_qty: 5 }))).toEqual(['inspected_qty']);
  });

  it('refuses records that are not JSON objects, with field null', () => {
    for (const [raw, kind] of [[null, 'null'], [[1, 2], 'an array'], ['ITEM-001', 'a string'], [42, 'a number'], [true, 'true (a boolean)']] as const) {
      expect(validate('items', raw, 3).errors).toEqual([{ record_type: 'items', index: 3, field: null, message: `record must be a JSON object, got ${kind}` }]);
    }
  });

  it('normalizes values: trimmed text, exact decimal text, ISO dates and UTC timestamps, booleans, enums', () => {
    const item = okOf(validate('items', { sku: '  ITEM-9 ', name: 'Schraube M6 – Edelstahl ✓', standard_cost: '12.50', lead_time_days: '14', deleted: 'false', currency: 'EUR' }));
    expect(item).toMatchObject({ sku: 'ITEM-9', name: 'Schraube M6 – Edelstahl ✓', standard_cost: '12.5', lead_time_days: 14, deleted: false, currency: 'EUR', uom: null });
    expect(okOf(validate('items', { sku: 12345, name: '螺丝 🔩' }))).toMatchObject({ sku: '12345', name: '螺丝 🔩' });
    expect(okOf(validate('items', { ...VALID.items, deleted: true })).deleted).toBe(true);
    expect(okOf(validate('items', { ...VALID.items, deleted: 1 })).deleted).toBe(true);
    expect(okOf(validate('sales_orders', { ...VALID.sales_orders, qty: '100', line: '000010' }))).toMatchObject({ qty: '100', line: 10, order_date: '2024-01-05' });
    expect(okOf(validate('inventory', VALID.inventory)).as_of).toBe('2024-01-05T00:00:00.000Z');
    expect(okOf(validate('inventory_movements', { ...VALID.inventory_movements, movement_type: ' Receipt ', ts: '2024-01-05T12:00:00+01:00' }))).toMatchObject({ movement_type: 'receipt', ts: '2024-01-05T11:00:00.000Z' });
  });

  it('reads abc_class (schema version 2) in any case as A, B or C and refuses anything else, naming the field', () => {
    for (const [sent, stored] of [['A', 'A'], ['b', 'B'], ['  c\t', 'C']] as const) expect(okOf(validate('items', { ...VALID.items, abc_class: sent })).abc_class).toBe(stored);
    for (const absent of [undefined, null, '', '   ']) expect(okOf(validate('items', { ...VALID.items, abc_class: absent })).abc_class).toBeNull();
    for (const bad of ['D', 'AB', 'A+', 'Ａ', 'ä', 1, true, ['A'], { class: 'A' }]) {
      const result = validate('items', { ...VALID.items, abc_class: bad }, 5);
      expect(result.errors, JSON.stringify(bad)).toEqual([{ record_type: 'items', index: 5, field: 'abc_class', message: expect.stringMatching(/^abc_class must be one of A, B, C \(got /) as unknown }]);
    }
    expect(validate('items', { ...VALID.items, abc_class: 'x'.repeat(100_000) }).errors![0]!.message.length).toBeLessThan(200);
    // The field is canonical now: it no longer lands in extra.
    expect({ ...(okOf(validate('items', { ...VALID.items, abc_class: 'a' })).extra as object) }).toEqual({});
  });

  it('keeps unknown fields in extra, JSON-encoded, and never lets them touch the prototype', () => {
    const raw = JSON.parse('{"sku":"A","name":"B","qty":100,"color":"grün","dims":{"w":1,"h":[2,3]},"flag":null,"__proto__":{"polluted":true}}') as unknown;
    const record = okOf(validate('items', raw));
    expect({ ...(record.extra as object) }).toEqual({ qty: '100', color: '"grün"', dims: '{"w":1,"h":[2,3]}', flag: 'null', ['__proto__']: '{"polluted":true}' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses text that is not text and text that is not valid Unicode', () => {
    expect(fieldsOf(validate('items', { sku: { id: 1 }, name: ['x'] }))).toEqual(['sku', 'name']);
    expect(fieldsOf(validate('items', { sku: 'A', name: 'bad \ud800 surrogate' }))).toEqual(['name']);
    expect(fieldsOf(validate('items', { sku: 'A', name: 'x'.repeat(4001) }))).toEqual(['name']);
    expect(okOf(validate('items', { sku: 'A', name: 'x'.repeat(4000) })).name).toHaveLength(4000);
    const badKey = validate('items', { sku: 'A', name: 'B', ['\udc00']: 1 }).errors![0]!;
    expect(badKey.field).toBeNull();
    expect(badKey.message).toContain('surrogate');
  });

  it('does not read canonical fields from the prototype chain', () => {
    const result = validate('items', Object.assign(Object.create({ sku: 'inherited', name: 'inherited' }) as object, {}));
    expect(fieldsOf(result)).toEqual(['sku', 'name']);
  });
});

describe('the field table and the Avro schemas describe the same records', () => {
  // A `code` field is an Avro string, not an enum: its set may grow without breaking older readers.
  const AVRO_OF: Record<string, unknown> = { text: 'string', decimal: 'string', integer: 'int', date: 'string', timestamp: 'string', boolean: 'boolean', code: 'string' };
  it.each(RECORD_TYPES)('%s', (type) => {
    const schema = JSON.parse(rawSchemaText(type)) as { fields: { name: string; type: unknown; default?: unknown }[] };
    const canonical = schema.fields.slice(6, -1);
    expect(canonical.map((f) => f.name)).toEqual(RECORD_FIELDS[type].map((f) => f.name));
    for (const [i, field] of RECORD_FIELDS[type].entries()) {
      const avro = canonical[i]!;
      const base = field.type.kind === 'enum' ? { type: 'enum', name: 'MovementType', symbols: field.type.values, doc: 'Kind of stock movement.' } : AVRO_OF[field.type.kind];
      if (field.required) expect(avro.type, `${type}.${field.name}`).toEqual(base);
      else {
        expect(avro.type, `${type}.${field.name}`).toEqual(['null', base]);
        expect(avro.default).toBeNull();
      }
    }
  });
});
