/**
 * The topic table is the one place names are spelled: every record type has its topic, subject,
 * key fields, table and a schema file whose record carries the envelope and the key fields.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAvroSchema } from '../../infra/schema-registry/avro-schema.js';
import { AVRO_SCHEMA_DIR, DLQ_TOPIC, RAW_TOPICS, RAW_TOPIC_NAMES, RECORD_TYPES, isRecordType, rawSchemaText } from '../../schemas/topics.js';

interface AvroField {
  name: string;
  type: unknown;
  default?: unknown;
  doc?: string;
}

const ENVELOPE = ['tenant_id', 'source_type', 'source_id', 'batch_id', 'record_index', 'received_at'];

describe('schemas/topics.ts', () => {
  it('names topics, subjects, tables and key fields as the contract says', () => {
    expect(RAW_TOPICS.sales_orders).toEqual({
      recordType: 'sales_orders',
      topic: 'forgecast.raw.sales_orders',
      subject: 'forgecast.raw.sales_orders-value',
      keyFields: ['order_id', 'line'],
      table: 'demand_lines',
      schemaFile: 'raw-sales_orders.avsc',
    });
    expect(Object.fromEntries(RECORD_TYPES.map((t) => [t, RAW_TOPICS[t].table]))).toEqual({
      items: 'items',
      sales_orders: 'demand_lines',
      purchase_orders: 'supply_lines',
      inventory: 'inventory_snapshots',
      inventory_movements: 'inventory_movements',
      gl_entries: 'ledger_entries',
      inspections: 'quality_inspections',
      work_orders: 'work_orders',
    });
    expect(Object.fromEntries(RECORD_TYPES.map((t) => [t, RAW_TOPICS[t].keyFields]))).toEqual({
      items: ['sku'],
      sales_orders: ['order_id', 'line'],
      purchase_orders: ['po_id', 'line'],
      inventory: ['sku', 'site', 'as_of'],
      inventory_movements: ['movement_id'],
      gl_entries: ['entry_id'],
      inspections: ['inspection_id'],
      work_orders: ['wo_id'],
    });
    for (const type of RECORD_TYPES) {
      expect(RAW_TOPICS[type].topic).toBe(`forgecast.raw.${type}`);
      expect(RAW_TOPICS[type].subject).toBe(`forgecast.raw.${type}-value`);
    }
    expect(RAW_TOPIC_NAMES).toHaveLength(8);
    expect(new Set(RAW_TOPIC_NAMES).size).toBe(8);
    expect(DLQ_TOPIC).toBe('forgecast.dlq');
    expect(isRecordType('items')).toBe(true);
    expect(isRecordType('item')).toBe(false);
    expect(isRecordType(undefined)).toBe(false);
  });

  it('has exactly one schema file per record type, and no stray one', () => {
    const files = readdirSync(fileURLToPath(AVRO_SCHEMA_DIR)).filter((f) => f.startsWith('raw-'));
    expect(files.sort()).toEqual(RECORD_TYPES.map((t) => RAW_TOPICS[t].schemaFile).sort());
  });

  it.each(RECORD_TYPES)('%s: the schema is a forgecast.raw record with the envelope, its key fields, extra and docs', (type) => {
    const text = rawSchemaText(type);
    expect(() => parseAvroSchema(text)).not.toThrow();
    const schema = JSON.parse(text) as { type: string; namespace: string; fields: AvroField[]; doc?: string };
    expect(schema.type).toBe('record');
    expect(schema.namespace).toBe('forgecast.raw');
    expect(schema.doc).toBeTruthy();
    const names = schema.fields.map((f) => f.name);
    expect(names.slice(0, ENVELOPE.length)).toEqual(ENVELOPE);
    expect(schema.fields.find((f) => f.name === 'received_at')!.type).toEqual({ type: 'long', logicalType: 'timestamp-millis' });
    expect(schema.fields.find((f) => f.name === 'record_index')!.type).toBe('int');
    for (const key of RAW_TOPICS[type].keyFields) expect(names).toContain(key);
    expect(schema.fields.at(-1)).toMatchObject({ name: 'extra', type: { type: 'map', values: 'string' }, default: {} });
    for (const field of schema.fields) expect(field.doc, `${type}.${field.name} has a doc`).toBeTruthy();
  });
});
