/**
 * Avro schema facts shared by the embedded registry, the serde and the REST stand-in used in tests:
 * parsing schema text into an avsc Type (one set of options everywhere, because a resolver only
 * works between types built alike), the text two schemas are compared by, and the BACKWARD check.
 *
 * `long` is a JS number, exact over the whole safe-integer range ±(2^53 − 1), through our own long
 * type: avsc's built-in one zigzag-encodes in float arithmetic, which silently flips the sign of
 * negative values below −2^52 (2|n| − 1 is odd and rounds to even) on encode and on decode. Values
 * outside the safe range are refused when encoding and fail when decoding — never rounded.
 * Forgecast's longs are epoch milliseconds and counts; bigint would make every caller convert.
 *
 * avsc is CommonJS and Node only sees its `Service` export by name, so the module object is taken
 * as the default import and its types are imported separately.
 */
import avsc from 'avsc';
import type { ForSchemaOptions, Schema, Type } from 'avsc';
import { FgcError } from '../errors.js';

export type AvroType = Type;

/**
 * Union representation for every Type Forgecast builds. `wrapUnions: 'auto'` (avsc's default, pinned here so it
 * cannot drift) keeps `["null", "string"]` values as plain `null` / `"text"`; only unions avsc
 * cannot tell apart by JS value (two records, int and long…) are wrapped as `{ "<branch>": value }`.
 * No logical-type implementations are registered: `timestamp-millis` is a `long` number of
 * milliseconds and `decimal` is a Buffer of its bytes, on both sides of the wire.
 */
const WRAP_UNIONS = 'auto';

/** zigzag(n) = 2|n| (− 1) stays ≤ 2^53 — exact in float arithmetic — while |n| ≤ 2^52. */
const FLOAT_EXACT_LIMIT = 2 ** 52;
/** A varint of at most 7 bytes holds < 2^49: decodable in float arithmetic. */
const FLOAT_EXACT_VARINT_BYTES = 7;
/** Longest varint of a 64-bit long. */
const MAX_VARINT_BYTES = 10;
const varintScratch = Buffer.alloc(MAX_VARINT_BYTES);

/** Zigzag varint bytes of a safe integer: float arithmetic where it is exact, bigint beyond. */
function toZigzagVarint(n: number): Buffer {
  let length = 0;
  if (n >= -FLOAT_EXACT_LIMIT && n <= FLOAT_EXACT_LIMIT) {
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    while (z >= 0x80) {
      varintScratch[length++] = (z % 0x80) | 0x80;
      z = Math.floor(z / 0x80);
    }
    varintScratch[length++] = z;
  } else {
    const big = BigInt(n);
    let z = big >= 0n ? big << 1n : (-big << 1n) - 1n;
    while (z >= 0x80n) {
      varintScratch[length++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    varintScratch[length++] = Number(z);
  }
  return Buffer.from(varintScratch.subarray(0, length));
}

/** The safe integer a zigzag varint holds; throws when it is outside ±(2^53 − 1). */
function fromZigzagVarint(bytes: Buffer): number {
  if (bytes.length <= FLOAT_EXACT_VARINT_BYTES) {
    let z = 0;
    let scale = 1;
    for (const b of bytes) {
      z += (b & 0x7f) * scale;
      scale *= 0x80;
    }
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  let z = 0n;
  let shift = 0n;
  for (const b of bytes) {
    z |= BigInt(b & 0x7f) << shift;
    shift += 7n;
  }
  const n = (z & 1n) === 0n ? z >> 1n : -((z + 1n) >> 1n);
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new Error(`long ${n} is outside the safe integer range ±(2^53 − 1)`);
  }
  return Number(n);
}

/**
 * The `long` every Forgecast Type uses (see the module header). `noUnpack`: avsc hands over and
 * takes the raw varint bytes, so the arithmetic above is the only one that touches the value.
 */
const EXACT_LONG = avsc.types.LongType.__with(
  {
    fromBuffer: fromZigzagVarint,
    toBuffer: toZigzagVarint,
    fromJSON: (json: unknown) => json,
    toJSON: (n: number) => n,
    isValid: (value: unknown) => Number.isSafeInteger(value),
    compare: (a: number, b: number) => (a === b ? 0 : a < b ? -1 : 1),
  },
  true,
);

const NUMERIC_TYPES: ReadonlySet<unknown> = new Set(['int', 'long', 'float', 'double']);
type UnionTypeConstructor = new (branches: Type[], opts: Partial<ForSchemaOptions>) => Type;

/**
 * Keeps `wrapUnions: 'auto'` deciding as it does with avsc's own long: a union of `long` with
 * another number type is wrapped, since a JS number cannot say which branch it is. avsc buckets
 * our long apart from numbers and would leave such a union unwrapped, failing every encode.
 */
function wrapNumericUnions(schema: Schema, opts: ForSchemaOptions): Type | undefined {
  if (!Array.isArray(schema)) return undefined;
  const numeric = (schema as unknown[]).map((branch) => (typeof branch === 'object' && branch !== null ? (branch as { type?: unknown }).type : branch));
  const numbers = numeric.filter((name) => NUMERIC_TYPES.has(name));
  if (numbers.length < 2 || !numbers.includes('long')) return undefined;
  const Wrapped = avsc.types.WrappedUnionType as unknown as UnionTypeConstructor;
  return new Wrapped((schema as Schema[]).map((branch) => avsc.Type.forSchema(branch, opts)), opts);
}

/** Parses Avro schema JSON text; FGC_SCHEMA_INVALID (naming the problem) when it is not Avro. */
export function parseAvroSchema(text: string): AvroType {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new FgcError('FGC_SCHEMA_INVALID', `Schema is not JSON: ${(cause as Error).message}`, { cause });
  }
  try {
    // A fresh options object per call: avsc stores the named types it defines in `opts.registry`,
    // so a shared one would make a second schema declaring the same record name "duplicate".
    return avsc.Type.forSchema(json as Schema, { wrapUnions: WRAP_UNIONS, registry: { long: EXACT_LONG }, typeHook: wrapNumericUnions });
  } catch (cause) {
    throw new FgcError('FGC_SCHEMA_INVALID', `Schema is not valid Avro: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The text two schemas are compared by to decide "same schema, same id"; `text` must already have
 * passed `parseAvroSchema`. Not Avro's Parsing Canonical Form (avsc `fingerprint()`): that form
 * drops field defaults, and two schemas differing only by a default resolve differently, so they
 * must not share an id. `exportAttrs` keeps defaults, aliases, order, logical types and docs, in a
 * normalized key order without whitespace. Built with avsc's own long type: ours is one shared
 * instance and would lose a `long`'s `logicalType` attribute from the export.
 */
export function canonicalSchema(text: string): string {
  return JSON.stringify(avsc.Type.forSchema(JSON.parse(text) as Schema, { wrapUnions: WRAP_UNIONS }).schema({ exportAttrs: true }));
}

/**
 * Why `reader` cannot read data written with `writer`, or `undefined` when it can (Avro schema
 * resolution as avsc implements it: missing reader defaults, type changes, renamed records without
 * aliases, enum symbols the reader lacks without a default all count).
 */
export function backwardIncompatibility(reader: AvroType, writer: AvroType): string | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
