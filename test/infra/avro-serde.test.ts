/**
 * AvroSerde over the embedded registry: the Confluent wire format byte for byte, round trips of
 * the value shapes Forgecast uses, schema evolution in both directions, every way a message can be
 * bad, field paths in encode errors, and the caches that keep hot loops off the registry.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FgcError } from '../../infra/errors.js';
import { silentLogger } from '../../infra/logger.js';
import { parseAvroSchema } from '../../infra/schema-registry/avro-schema.js';
import { AvroSerde } from '../../infra/schema-registry/avro-serde.js';
import { createEmbeddedSchemaRegistry } from '../../infra/schema-registry/embedded-schema-registry.js';
import type { SchemaRegistry } from '../../infra/schema-registry/schema-registry.js';
import { tempDir } from '../helpers/temp-dir.js';

const record = (fields: readonly object[]): string => JSON.stringify({ type: 'record', name: 'StockLevel', namespace: 'forgecast.test', fields });
const LINE = { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }, { name: 'qty', type: 'long' }] };
const BASE_FIELDS = [
  { name: 'sku', type: 'string' },
  { name: 'description', type: 'string' },
  { name: 'qty', type: 'long' },
  { name: 'byPlant', type: { type: 'map', values: 'double' } },
  { name: 'lot', type: ['null', 'string'], default: null },
  { name: 'lines', type: { type: 'array', items: LINE }, default: [] },
  { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OK', 'LOW', 'OUT'] } },
  { name: 'checksum', type: 'bytes' },
];
const V1 = record(BASE_FIELDS);
const V2 = record([...BASE_FIELDS, { name: 'unit', type: 'string', default: 'pcs' }]);

const SAMPLE = {
  sku: 'Schraube M6 – Edelstahl ✓',
  description: '螺丝 (stainless screw) 🔩',
  qty: Number.MAX_SAFE_INTEGER,
  byPlant: { 'Werk Süd': 1.5, 上海: -2 },
  lot: null,
  lines: [
    // avsc's built-in long would flip this one's sign: below −2^52 its zigzag arithmetic rounds.
    { sku: 'a', qty: Number.MIN_SAFE_INTEGER },
    { sku: 'ü', qty: 0 },
  ],
  status: 'LOW',
  checksum: Buffer.from([0, 255, 16]),
};

/** Counts the registry calls the serde makes, to prove its caches. */
function counting(inner: SchemaRegistry): SchemaRegistry & { calls: { register: number; getById: number } } {
  const calls = { register: 0, getById: 0 };
  return {
    ...inner,
    kind: inner.kind,
    calls,
    register: (subject, schema) => {
      calls.register += 1;
      return inner.register(subject, schema);
    },
    getById: (id) => {
      calls.getById += 1;
      return inner.getById(id);
    },
    getLatest: (subject) => inner.getLatest(subject),
    isCompatible: (subject, schema) => inner.isCompatible(subject, schema),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}

async function codeOf(promise: Promise<unknown>): Promise<FgcError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FgcError);
  return error as FgcError;
}

describe('AvroSerde', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let registry: ReturnType<typeof counting>;
  let serde: AvroSerde;

  beforeEach(async () => {
    dir = await tempDir('forgecast-serde-');
    registry = counting(await createEmbeddedSchemaRegistry({ dir: dir.path, logger: silentLogger() }));
    serde = new AvroSerde(registry);
  });
  afterEach(async () => {
    await registry.close();
    await dir.remove();
  });

  describe('wire format', () => {
    it('is magic byte 0, the schema id big-endian, then the Avro binary body', async () => {
      await registry.register('padding-value', JSON.stringify('string')); // so the id under test is not 1
      await registry.register('more-padding-value', JSON.stringify('long'));
      const bytes = await serde.encode('stock-value', V1, SAMPLE);
      const id = (await registry.getLatest('stock-value')).id;
      expect(id).toBe(3);
      expect([...bytes.subarray(0, 5)]).toEqual([0, 0, 0, 0, 3]);
      expect(bytes.subarray(5).equals(parseAvroSchema(V1).toBuffer(SAMPLE))).toBe(true);
    });

    it('writes ids above 2^24 in all four bytes', () => {
      const type = parseAvroSchema(JSON.stringify('string'));
      const bytes = serde.encodeWith(0x01020304, type, 'x');
      expect([...bytes]).toEqual([0, 1, 2, 3, 4, 2, 0x78]);
    });

    it('encodeWith produces the same bytes as encode, synchronously', async () => {
      const { schemaId, type } = await serde.prepare('stock-value', V1);
      expect(serde.encodeWith(schemaId, type, SAMPLE).equals(await serde.encode('stock-value', V1, SAMPLE))).toBe(true);
    });
  });

  describe('round trip', () => {
    it('keeps unicode strings, maps, null and non-null unions, arrays of records, enums, bytes and extreme longs', async () => {
      const decoded = await serde.decode(await serde.encode('stock-value', V1, SAMPLE));
      expect(decoded.value).toEqual(SAMPLE);
      const withLot = { ...SAMPLE, lot: 'L-2024-001', lines: [], byPlant: {} };
      expect((await serde.decode(await serde.encode('stock-value', V1, withLot))).value).toEqual(withLot);
    });

    it('keeps every safe-integer long exact, in the standard zigzag varint encoding', async () => {
      const { schemaId, type } = await serde.prepare('long-value', '"long"');
      const longs = [0, 1, -1, 63, -64, 64, -65, 2 ** 31, -(2 ** 31) - 1, 1.7e12, -1.7e12, 2 ** 52, -(2 ** 52), 2 ** 52 + 1, -(2 ** 52) - 1, -(2 ** 53) + 3];
      for (const n of [...longs, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
        const bytes = serde.encodeWith(schemaId, type, n);
        expect([...bytes.subarray(5)], `bytes of ${n}`).toEqual(referenceZigzagVarint(n));
        expect((await serde.decode(bytes)).value, `value of ${n}`).toBe(n);
      }
    });

    it('wraps unions only where a JS value cannot tell the branch: long with another number type', async () => {
      const schema = record([
        { name: 'amount', type: ['int', 'long'] },
        { name: 'at', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }] },
      ]);
      const value = { amount: { long: 2 ** 40 }, at: 1_700_000_000_000 };
      expect((await serde.decode(await serde.encode('union-value', schema, value))).value).toEqual(value);
      await expect(serde.encode('union-value', schema, { amount: 5, at: null })).rejects.toMatchObject({ code: 'FGC_SERDE_ENCODE_FAILED' });
    });

    it('encodes records larger than the shared buffer, and small ones after them, exactly', async () => {
      const big = { ...SAMPLE, description: 'ß'.repeat(200_000) };
      const bigBytes = await serde.encode('stock-value', V1, big);
      expect((await serde.decode(bigBytes)).value).toEqual(big);
      const small = await serde.encode('stock-value', V1, SAMPLE);
      expect(small.length).toBe(5 + parseAvroSchema(V1).toBuffer(SAMPLE).length);
      expect((await serde.decode(small)).value).toEqual(SAMPLE);
    });
  });

  describe('schema evolution', () => {
    it('decodes version 1 data with a version 2 reader, filling the new field from its default', async () => {
      const v1Bytes = await serde.encode('stock-value', V1, SAMPLE);
      await registry.register('stock-value', V2);
      const decoded = await serde.decode(v1Bytes, V2);
      expect(decoded).toEqual({ value: { ...SAMPLE, unit: 'pcs' }, schemaId: v1Bytes.readInt32BE(1) });
    });

    it('decodes version 2 data with a version 1 reader, dropping the field it does not know', async () => {
      await registry.register('stock-value', V1);
      const v2Bytes = await serde.encode('stock-value', V2, { ...SAMPLE, unit: 'kg' });
      expect((await serde.decode(v2Bytes, V1)).value).toEqual(SAMPLE);
      // Without a reader, the writer's own shape comes back.
      expect((await serde.decode(v2Bytes)).value).toEqual({ ...SAMPLE, unit: 'kg' });
    });

    it('rejects a reader that cannot read the writer schema with FGC_SERDE_DECODE_FAILED', async () => {
      const bytes = await serde.encode('stock-value', V1, SAMPLE);
      const needsPlant = record([...BASE_FIELDS, { name: 'plant', type: 'string' }]);
      const error = await codeOf(serde.decode(bytes, needsPlant));
      expect(error.code).toBe('FGC_SERDE_DECODE_FAILED');
      expect(error.message).toContain('plant');
    });

    it('rejects a reader schema that is not Avro with FGC_SCHEMA_INVALID', async () => {
      const bytes = await serde.encode('stock-value', V1, SAMPLE);
      expect((await codeOf(serde.decode(bytes, '{"type":"nope"}'))).code).toBe('FGC_SCHEMA_INVALID');
    });
  });

  describe('bad messages are FGC_SERDE_DECODE_FAILED', () => {
    let good: Buffer;
    beforeEach(async () => {
      good = await serde.encode('stock-value', V1, SAMPLE);
    });

    it.each([
      ['a wrong magic byte', (b: Buffer) => Buffer.concat([Buffer.from([1]), b.subarray(1)]), 'magic byte 0x01'],
      ['fewer bytes than the header', (b: Buffer) => b.subarray(0, 3), 'shorter than the 5-byte header'],
      ['an empty message', () => Buffer.alloc(0), 'shorter than the 5-byte header'],
      ['a truncated body', (b: Buffer) => b.subarray(0, b.length - 1), 'truncated'],
      ['a header without a body', (b: Buffer) => b.subarray(0, 5), 'truncated'],
      ['trailing garbage', (b: Buffer) => Buffer.concat([b, Buffer.from([1, 2])]), '2 trailing bytes'],
      ['an unknown schema id', (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0x30, 0x39]), b.subarray(5)]), 'unknown schema id 12345'],
    ])('%s', async (_what, corrupt, message) => {
      const error = await codeOf(serde.decode(corrupt(good)));
      expect(error).toMatchObject({ code: 'FGC_SERDE_DECODE_FAILED', retriable: false });
      expect(error.message).toContain(message);
    });

    it('a long beyond the safe integer range, as a Java producer may write', async () => {
      const { schemaId } = await serde.prepare('long-value', '"long"');
      const maxLong = Buffer.from([0, 0, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]); // zigzag(2^63 − 1)
      maxLong.writeInt32BE(schemaId, 1);
      const error = await codeOf(serde.decode(maxLong));
      expect(error.code).toBe('FGC_SERDE_DECODE_FAILED');
      expect(error.message).toContain('safe integer range');
    });

    it('a body that avsc cannot read (an enum index out of range)', async () => {
      const type = parseAvroSchema(JSON.stringify({ type: 'enum', name: 'E', symbols: ['A'] }));
      const { schemaId } = await serde.prepare('enum-value', JSON.stringify({ type: 'enum', name: 'E', symbols: ['A'] }));
      const bytes = serde.encodeWith(schemaId, type, 'A');
      bytes[5] = 0x0a; // index 5
      expect((await codeOf(serde.decode(bytes))).code).toBe('FGC_SERDE_DECODE_FAILED');
    });
  });

  describe('encode errors', () => {
    it('name the field path, the expected type and the kind of value, not the value', async () => {
      const bad = { ...SAMPLE, qty: 'secret customer text', lines: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 1.5 }] };
      const error = await codeOf(serde.encode('stock-value', V1, bad));
      expect(error.code).toBe('FGC_SERDE_ENCODE_FAILED');
      expect(error.message).toContain('subject "stock-value"');
      expect(error.message).toContain('field "qty" expected long, got string');
      expect(error.message).toContain('field "lines.1.qty" expected long, got non-integer number');
      expect(error.details).toEqual([
        { field: 'qty', expected: 'long', received: 'string' },
        { field: 'lines.1.qty', expected: 'long', received: 'non-integer number' },
      ]);
      expect(JSON.stringify({ ...error.toJSON(), cause: String(error.cause) })).not.toContain('secret customer text');
    });

    it('name a missing required field, a wrong union branch, an unknown enum symbol and an unsafe long', async () => {
      const { sku: _omitted, ...missingSku } = SAMPLE;
      const bad = { ...missingSku, lot: 42, status: 'GONE', byPlant: { a: 1 }, qty: 2 ** 60 };
      const error = await codeOf(serde.encode('stock-value', V1, bad));
      expect(error.details.map((d) => d.field)).toEqual(['sku', 'qty', 'lot', 'status']);
      expect(error.details[0]).toMatchObject({ received: 'undefined' });
      expect(error.details[1]).toMatchObject({ received: 'unsafe integer' });
    });

    it('are thrown by encodeWith too, naming the schema id', () => {
      const type = parseAvroSchema(V1);
      expect(() => serde.encodeWith(7, type, { ...SAMPLE, status: 3 })).toThrow(/schema id 7: field "status" expected forgecast\.test\.Status, got integer/);
    });

    it('leave the shared buffer usable for the next record', async () => {
      await expect(serde.encode('stock-value', V1, { ...SAMPLE, qty: 'x' })).rejects.toThrow(FgcError);
      expect((await serde.decode(await serde.encode('stock-value', V1, SAMPLE))).value).toEqual(SAMPLE);
    });

    it('pass registry refusals through: invalid and incompatible schemas', async () => {
      expect((await codeOf(serde.encode('stock-value', '{"type":"nope"}', 1))).code).toBe('FGC_SCHEMA_INVALID');
      expect(registry.calls.register).toBe(0); // avsc refused it before the registry was asked
      await serde.encode('stock-value', V1, SAMPLE);
      const retyped = record(BASE_FIELDS.map((f) => (f.name === 'sku' ? { name: 'sku', type: 'int' } : f)));
      expect((await codeOf(serde.encode('stock-value', retyped, { ...SAMPLE, sku: 1 }))).code).toBe('FGC_SCHEMA_INCOMPATIBLE');
    });
  });

  describe('caches', () => {
    it('register a (subject, schema) once, also under concurrent first use', async () => {
      await Promise.all(Array.from({ length: 20 }, () => serde.encode('stock-value', V1, SAMPLE)));
      for (let i = 0; i < 1_000; i += 1) await serde.encode('stock-value', V1, SAMPLE);
      expect(registry.calls.register).toBe(1);
      await serde.encode('other-value', V1, SAMPLE);
      expect(registry.calls.register).toBe(2);
    });

    it('fetch a writer schema once per id', async () => {
      const bytes = await serde.encode('stock-value', V1, SAMPLE);
      const reader = new AvroSerde(registry);
      await Promise.all([reader.decode(bytes), reader.decode(bytes), reader.decode(bytes, V2)]);
      await reader.decode(bytes, V2);
      expect(registry.calls.getById).toBe(1);
    });

    it('do not keep failures: an outage stays retriable FGC_SCHEMA_UNAVAILABLE and the next call asks again', async () => {
      const bytes = await serde.encode('stock-value', V1, SAMPLE);
      let down = true;
      const flaky: SchemaRegistry = {
        ...registry,
        register: (subject, schema) => (down ? Promise.reject(unavailable()) : registry.register(subject, schema)),
        getById: (id) => (down ? Promise.reject(unavailable()) : registry.getById(id)),
      };
      const onFlaky = new AvroSerde(flaky);
      expect(await codeOf(onFlaky.decode(bytes))).toMatchObject({ code: 'FGC_SCHEMA_UNAVAILABLE', retriable: true });
      expect(await codeOf(onFlaky.encode('stock-value', V1, SAMPLE))).toMatchObject({ code: 'FGC_SCHEMA_UNAVAILABLE', retriable: true });
      down = false;
      expect((await onFlaky.decode(bytes)).value).toEqual(SAMPLE);
      expect((await onFlaky.encode('stock-value', V1, SAMPLE)).equals(bytes)).toBe(true);
    });
  });
});

/** Avro's long encoding, straight from the spec in bigint arithmetic: the reference the serde must match. */
function referenceZigzagVarint(n: number): number[] {
  let z = BigInt(n) >= 0n ? BigInt(n) << 1n : ((-BigInt(n)) << 1n) - 1n;
  const bytes: number[] = [];
  do {
    const low = Number(z & 0x7fn);
    z >>= 7n;
    bytes.push(z > 0n ? low | 0x80 : low);
  } while (z > 0n);
  return bytes;
}

function unavailable(): FgcError {
  return new FgcError('FGC_SCHEMA_UNAVAILABLE', 'registry down (test)');
}
