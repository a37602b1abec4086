import { describe, expect, it } from 'vitest';
import { parseAvroSchema } from '../../../infra/schema-registry/avro-schema.js';
import { MODEL_TABLES } from '../../../pipelines/normalize/model-tables.js';
import { NORMALIZERS } from '../../../pipelines/normalize/normalizers.js';
import { createStaticReference } from '../../../pipelines/reference/tenant-reference.js';
import { RECORD_TYPES, RAW_TOPICS, rawSchemaText } from '../../../schemas/topics.js';
import { rawRecord, rowsOf } from './raw-records.js';

const reference = createStaticReference({ acme: { baseUoms: { 'ITEM-001': 'EA' } } });

describe('normalizers', () => {
  it.each(RECORD_TYPES)('%s: the fixture is a valid raw Avro value and normalizes into its topic table', (type) => {
    const record = rawRecord(type);
    expect(parseAvroSchema(rawSchemaText(type)).isValid(record)).toBe(true);
    const rows = rowsOf(NORMALIZERS[type](record, reference));
    expect(rows[RAW_TOPICS[type].table]).toHaveLength(1);
    for (const table of Object.keys(rows)) expect(MODEL_TABLES).toContain(table);
  });

  it('lets a reference-data failure propagate instead of reporting it as bad data', () => {
    const broken = { uomFactor: () => { throw new Error('not prepared'); }, canonicalSku: () => { throw new Error('not prepared'); } };
    for (const type of RECORD_TYPES) {
      if (type === 'gl_entries') continue; // an entry without a sku asks the reference data nothing
      expect(() => NORMALIZERS[type](rawRecord(type), broken)).toThrow('not prepared');
    }
  });
});
