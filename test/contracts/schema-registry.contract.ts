/**
 * The one contract suite for the SchemaRegistry port: every adapter (embedded, Confluent REST)
 * runs it unchanged, so code written against the port behaves the same in both run modes. Subjects
 * are unique per test and no test assumes id values, so the suite can also run against a shared
 * real registry. It ends with the serde over the adapter (ids on the wire, writer look-up by id).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalSchema } from '../../infra/schema-registry/avro-schema.js';
import { AvroSerde } from '../../infra/schema-registry/avro-serde.js';
import type { SchemaRegistry } from '../../infra/schema-registry/schema-registry.js';
import { uniqueName } from '../helpers/temp-dir.js';

export interface SchemaRegistryFixture {
  readonly registry: SchemaRegistry;
  /** For adapters that persist: closes `registry` and opens a new one over the same storage. */
  readonly restart?: () => Promise<SchemaRegistry>;
  /** Releases what the factory set up (temp dirs, stand-in servers); runs after the registry is closed. */
  readonly cleanup: () => Promise<void>;
}

const record = (fields: readonly object[], name = 'Part'): object => ({ type: 'record', name, namespace: 'forgecast.test', fields });
const SKU = { name: 'sku', type: 'string' };
const QTY = { name: 'qty', type: 'long' };
const NOTE = { name: 'note', type: ['null', 'string'], default: null };
const COLOR = { name: 'color', type: 'string', default: 'grey' };

/** Version 1 of the test record. */
export const PART_V1 = JSON.stringify(record([SKU, QTY]));
/** BACKWARD-compatible evolution: an optional field with a default. */
export const PART_V2 = JSON.stringify(record([SKU, QTY, NOTE]));
const PART_V2_COLOR = JSON.stringify(record([SKU, QTY, COLOR]));
/** Incompatible: a new field without a default cannot be filled when reading v1 data. */
const PART_REQUIRED_FIELD = JSON.stringify(record([SKU, QTY, { name: 'plant', type: 'string' }]));
/** Incompatible: a string cannot be read as an int. */
const PART_RETYPED = JSON.stringify(record([{ name: 'sku', type: 'int' }, QTY]));

/** Ids far beyond what any test registry hands out. */
const UNKNOWN_ID = 2_000_000_000;

function sameAvro(actual: string, expected: string): void {
  expect(canonicalSchema(actual)).toBe(canonicalSchema(expected));
}

export function describeSchemaRegistryContract(name: string, factory: () => Promise<SchemaRegistryFixture>): void {
  describe(`SchemaRegistry contract: ${name}`, () => {
    let fixture: SchemaRegistryFixture;
    let registry: SchemaRegistry;
    let subject: string;

    beforeEach(async () => {
      fixture = await factory();
      registry = fixture.registry;
      subject = `${uniqueName('parts')}-value`;
    });

    afterEach(async () => {
      await registry.close();
      await fixture.cleanup();
    });

    it('answers ping', async () => {
      await expect(registry.ping()).resolves.toBeUndefined();
    });

    it('registers a schema, returns a positive integer id and serves the schema by id', async () => {
      const id = await registry.register(subject, PART_V1);
      expect(Number.isInteger(id) && id > 0).toBe(true);
      sameAvro(await registry.getById(id), PART_V1);
    });

    it('returns the existing id for a schema the subject already holds, also when only formatting differs', async () => {
      const id = await registry.register(subject, PART_V1);
      expect(await registry.register(subject, PART_V1)).toBe(id);
      const reformatted = JSON.stringify(JSON.parse(PART_V1), null, 4);
      expect(reformatted).not.toBe(PART_V1);
      expect(await registry.register(subject, reformatted)).toBe(id);
      expect((await registry.getLatest(subject)).version).toBe(1);
    });

    it('serves the latest version with subject, id, version and schema', async () => {
      const id = await registry.register(subject, PART_V1);
      const latest = await registry.getLatest(subject);
      expect(latest).toMatchObject({ subject, id, version: 1 });
      sameAvro(latest.schema, PART_V1);
    });

    it('accepts a BACKWARD-compatible evolution as version 2 with a new id, keeping version 1 by id', async () => {
      const v1 = await registry.register(subject, PART_V1);
      const v2 = await registry.register(subject, PART_V2);
      expect(v2).not.toBe(v1);
      expect(await registry.getLatest(subject)).toMatchObject({ subject, id: v2, version: 2 });
      sameAvro(await registry.getById(v1), PART_V1);
      sameAvro(await registry.getById(v2), PART_V2);
    });

    it.each([
      ['adds a required field without a default', PART_REQUIRED_FIELD],
      ['changes a field type', PART_RETYPED],
    ])('rejects an evolution that %s with FGC_SCHEMA_INCOMPATIBLE naming the subject, and keeps the latest', async (_what, schema) => {
      const v1 = await registry.register(subject, PART_V1);
      const error: unknown = await registry.register(subject, schema).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'FGC_SCHEMA_INCOMPATIBLE', retriable: false });
      expect((error as Error).message).toContain(subject);
      expect(await registry.getLatest(subject)).toMatchObject({ id: v1, version: 1 });
    });

    it('tells whether a schema could be the next version', async () => {
      await registry.register(subject, PART_V1);
      expect(await registry.isCompatible(subject, PART_V2)).toBe(true);
      expect(await registry.isCompatible(subject, PART_REQUIRED_FIELD)).toBe(false);
      expect(await registry.isCompatible(subject, PART_RETYPED)).toBe(false);
      // Asking registers nothing.
      expect((await registry.getLatest(subject)).version).toBe(1);
    });

    it('finds any schema compatible with a subject that has no versions yet', async () => {
      expect(await registry.isCompatible(subject, PART_RETYPED)).toBe(true);
    });

    it.each([
      ['text that is not JSON', '{"type": "record", '],
      ['a record without fields', '{"type":"record","name":"Broken"}'],
      ['an unknown type', '{"type":"recordz","name":"Broken","fields":[]}'],
    ])('rejects %s with FGC_SCHEMA_INVALID, in register and isCompatible', async (_what, schema) => {
      await expect(registry.register(subject, schema)).rejects.toMatchObject({ code: 'FGC_SCHEMA_INVALID' });
      await expect(registry.isCompatible(subject, schema)).rejects.toMatchObject({ code: 'FGC_SCHEMA_INVALID' });
      await expect(registry.getLatest(subject)).rejects.toMatchObject({ code: 'FGC_SCHEMA_NOT_FOUND' });
    });

    it('rejects an unknown id and a subject without versions with FGC_SCHEMA_NOT_FOUND', async () => {
      await expect(registry.getById(UNKNOWN_ID)).rejects.toMatchObject({ code: 'FGC_SCHEMA_NOT_FOUND', retriable: false });
      await expect(registry.getLatest(subject)).rejects.toMatchObject({ code: 'FGC_SCHEMA_NOT_FOUND' });
    });

    it('keeps subjects independent: versions count per subject, compatibility is checked per subject, the same schema shares its id', async () => {
      const other = `${uniqueName('orders')}-value`;
      const id = await registry.register(subject, PART_V1);
      expect(await registry.register(other, PART_V1)).toBe(id);
      await registry.register(subject, PART_V2);
      expect(await registry.getLatest(subject)).toMatchObject({ version: 2 });
      expect(await registry.getLatest(other)).toMatchObject({ id, version: 1 });
      // Incompatible with `subject`'s latest, but a third subject has no history to conflict with.
      const third = `${uniqueName('retyped')}-value`;
      const retyped = await registry.register(third, PART_RETYPED);
      expect(await registry.getLatest(third)).toMatchObject({ id: retyped, version: 1 });
    });

    it('serializes concurrent registrations: no version is lost and one schema gets one id', async () => {
      const ids = await Promise.all(Array.from({ length: 5 }, () => registry.register(subject, PART_V1)));
      expect(new Set(ids).size).toBe(1);
      // Both evolutions are compatible with v1 and with each other, in either order.
      const [note, color] = await Promise.all([registry.register(subject, PART_V2), registry.register(subject, PART_V2_COLOR)]);
      expect(new Set([ids[0], note, color]).size).toBe(3);
      const latest = await registry.getLatest(subject);
      expect(latest.version).toBe(3);
      expect([note, color]).toContain(latest.id);
    });

    it('keeps ids, versions and schemas across a restart', async (ctx) => {
      if (fixture.restart === undefined) ctx.skip();
      const v1 = await registry.register(subject, PART_V1);
      const v2 = await registry.register(subject, PART_V2);
      registry = await fixture.restart!();
      expect(await registry.getLatest(subject)).toMatchObject({ subject, id: v2, version: 2 });
      sameAvro(await registry.getById(v1), PART_V1);
      expect(await registry.register(subject, PART_V2)).toBe(v2);
      // The id counter survived too: a new schema does not reuse an id on the wire.
      const fresh = await registry.register(`${uniqueName('after-restart')}-value`, PART_RETYPED);
      expect([v1, v2]).not.toContain(fresh);
      await expect(registry.register(subject, PART_REQUIRED_FIELD)).rejects.toMatchObject({ code: 'FGC_SCHEMA_INCOMPATIBLE' });
    });

    describe('with AvroSerde', () => {
      it('writes the registered id in the header and decodes through a look-up by id', async () => {
        const serde = new AvroSerde(registry);
        const bytes = await serde.encode(subject, PART_V1, { sku: 'Schraube M6 – Edelstahl ✓', qty: 12 });
        const id = (await registry.getLatest(subject)).id;
        expect(bytes[0]).toBe(0);
        expect(bytes.readInt32BE(1)).toBe(id);
        // A fresh serde knows nothing: the writer schema must come from the registry.
        expect(await new AvroSerde(registry).decode(bytes)).toEqual({ value: { sku: 'Schraube M6 – Edelstahl ✓', qty: 12 }, schemaId: id });
      });

      it('reads version 1 data with the version 2 schema, filling the default', async () => {
        const serde = new AvroSerde(registry);
        const v1Bytes = await serde.encode(subject, PART_V1, { sku: '螺丝', qty: 3 });
        await registry.register(subject, PART_V2);
        const decoded = await new AvroSerde(registry).decode(v1Bytes, PART_V2);
        expect(decoded.value).toEqual({ sku: '螺丝', qty: 3, note: null });
      });

      it('turns an id the registry does not know into FGC_SERDE_DECODE_FAILED', async () => {
        const bytes = Buffer.from([0, 0, 0, 0, 0, 2, 0x61, 0]);
        bytes.writeInt32BE(UNKNOWN_ID, 1);
        await expect(new AvroSerde(registry).decode(bytes)).rejects.toMatchObject({ code: 'FGC_SERDE_DECODE_FAILED' });
      });
    });
  });
}
