/**
 * Avro values ↔ Kafka message bytes in Confluent's wire format, the same with either registry:
 *
 *   byte 0      magic byte 0
 *   bytes 1–4   schema id, 32-bit big-endian
 *   bytes 5…    the value, Avro binary encoded with that schema
 *
 * Everything derived from a schema is cached, because encoding and decoding run per record in hot
 * loops: the registration of each (subject, schema text), the writer Type of each id (an id's
 * schema never changes), each reader Type and each (writer id, reader) resolver. The caches grow
 * with the number of distinct schemas a process meets — a handful — and are never evicted.
 *
 * Value representation (see avro-schema.ts for unions, logical types and longs):
 * - `long` is a JS number, exact over ±(2^53 − 1) (Number.MAX_SAFE_INTEGER); a value beyond fails
 *   to encode (FGC_SERDE_ENCODE_FAILED) and a message carrying one fails to decode
 *   (FGC_SERDE_DECODE_FAILED) rather than being silently rounded.
 * - `bytes` and `fixed` are Buffers, `map` is a plain object, `null` is `null`.
 * - Fields a value has but its schema lacks are ignored on encode, as Avro writers do.
 * - Decoded records are instances of avsc's generated record classes: their own enumerable
 *   properties are exactly the fields (JSON.stringify and spreading see plain data), but the
 *   prototype is not Object's — compare them with `toEqual`, not `toStrictEqual`.
 *
 * Errors: bad values → FGC_SERDE_ENCODE_FAILED naming the field paths; bad bytes, unknown ids and
 * writer schemas a reader cannot read → FGC_SERDE_DECODE_FAILED (data errors: dead-letter them);
 * an unreachable registry stays FGC_SCHEMA_UNAVAILABLE (retriable: never dead-letter on an outage).
 *
 * Trust: decoding follows the block counts in the message, so a crafted array/map count can make
 * avsc allocate and loop for long; messages come from Forgecast's own producers on Kafka.
 */
import type { Resolver } from 'avsc';
import { FgcError, isFgcError } from '../errors.js';
import type { ErrorDetail } from '../errors.js';
import { parseAvroSchema, type AvroType } from './avro-schema.js';
import type { SchemaRegistry } from './schema-registry.js';

/** Magic byte 0 + 4-byte schema id. */
export const WIRE_HEADER_BYTES = 5;
const MAGIC_BYTE = 0;
/** At most this many failing field paths are listed in an encode error: enough to fix a mapping, bounded for logs. */
const MAX_REPORTED_PATHS = 10;
/** Initial size of the shared encode buffer; it doubles when a record does not fit. Most records are well under 1 KiB. */
const INITIAL_SCRATCH_BYTES = 64 * 1024;
/** A buffer grown past this for one outsized record is dropped afterwards rather than held for the process's life. */
const MAX_RETAINED_SCRATCH_BYTES = 1024 * 1024;

/** A schema registered under a subject, ready for the synchronous `encodeWith`. */
export interface PreparedSchema {
  readonly schemaId: number;
  readonly type: AvroType;
}

export interface DecodedMessage {
  readonly value: unknown;
  /** The writer's schema id from the message header. */
  readonly schemaId: number;
}

/**
 * Encoding writes into this one buffer and copies the exact bytes out: one copy per record instead
 * of two (avsc's `toBuffer` plus a header concat). Safe to share: encoding is synchronous.
 */
let scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);

export class AvroSerde {
  readonly #registry: SchemaRegistry;
  readonly #prepared = new Map<string, Promise<PreparedSchema>>();
  readonly #writers = new Map<number, Promise<AvroType>>();
  readonly #readers = new Map<string, AvroType>();
  /** Per reader Type, per writer id: keyed by object and number, so a decode builds no key string. */
  readonly #resolvers = new WeakMap<AvroType, Map<number, Resolver>>();

  constructor(registry: SchemaRegistry) {
    this.#registry = registry;
  }

  /**
   * Registers `schema` under `subject` once per serde (concurrent callers share the one request)
   * and returns its id and Type. FGC_SCHEMA_INVALID / _INCOMPATIBLE / _UNAVAILABLE as the registry
   * says; a failure is not cached, so the next call asks again.
   */
  prepare(subject: string, schema: string): Promise<PreparedSchema> {
    const key = `${subject}\u0000${schema}`;
    let prepared = this.#prepared.get(key);
    if (prepared === undefined) {
      const registering = this.#registerAndParse(subject, schema);
      this.#prepared.set(key, registering);
      void registering.catch(() => {
        if (this.#prepared.get(key) === registering) this.#prepared.delete(key);
      });
      prepared = registering;
    }
    return prepared;
  }

  /** Registers (once) and encodes `value` in the wire format. */
  async encode(subject: string, schema: string, value: unknown): Promise<Buffer> {
    const { schemaId, type } = await this.prepare(subject, schema);
    return encodeFrame(schemaId, type, value, `subject "${subject}"`);
  }

  /**
   * The synchronous fast path for hot loops: `prepare` once, then encode many records without a
   * promise each. FGC_SERDE_ENCODE_FAILED when `value` does not match `type`.
   */
  encodeWith(schemaId: number, type: AvroType, value: unknown): Buffer {
    return encodeFrame(schemaId, type, value, `schema id ${schemaId}`);
  }

  /**
   * Decodes a wire-format message with its writer schema and, when `readerSchema` is given,
   * resolves it to that schema (defaults fill fields the writer lacked, fields the reader lacks
   * are dropped). FGC_SERDE_DECODE_FAILED for a wrong magic byte, truncated or trailing bytes, an
   * unknown schema id, or a writer schema the reader cannot read; FGC_SCHEMA_INVALID when
   * `readerSchema` itself is not Avro.
   */
  async decode(buffer: Buffer, readerSchema?: string): Promise<DecodedMessage> {
    if (buffer.length < WIRE_HEADER_BYTES) {
      throw decodeError(`message is ${buffer.length} bytes, shorter than the ${WIRE_HEADER_BYTES}-byte header`, {});
    }
    if (buffer[0] !== MAGIC_BYTE) {
      throw decodeError(`unknown magic byte 0x${buffer[0]!.toString(16).padStart(2, '0')} (expected 0x00)`, {});
    }
    const schemaId = buffer.readInt32BE(1);
    const writer = await this.#writerType(schemaId);
    const reader = readerSchema === undefined ? undefined : this.#readerType(readerSchema);
    const resolver = readerSchema === undefined || reader === undefined ? undefined : this.#resolver(schemaId, writer, reader);

    let decoded: { value: unknown; offset: number };
    try {
      decoded = (reader ?? writer).decode(buffer, WIRE_HEADER_BYTES, resolver);
    } catch (cause) {
      throw decodeError(`body does not decode with schema id ${schemaId}: ${(cause as Error).message}`, { schemaId }, cause);
    }
    if (decoded.offset < 0) throw decodeError(`body is truncated for schema id ${schemaId}`, { schemaId });
    if (decoded.offset !== buffer.length) {
      throw decodeError(`${buffer.length - decoded.offset} trailing bytes after the value of schema id ${schemaId}`, { schemaId });
    }
    return { value: decoded.value, schemaId };
  }

  async #registerAndParse(subject: string, schema: string): Promise<PreparedSchema> {
    // Parse first: a schema avsc cannot use must not be registered for encoders that would then fail.
    const type = this.#readerType(schema);
    const schemaId = await this.#registry.register(subject, schema);
    return { schemaId, type };
  }

  #writerType(schemaId: number): Promise<AvroType> {
    let writer = this.#writers.get(schemaId);
    if (writer === undefined) {
      const fetching = this.#fetchWriter(schemaId);
      this.#writers.set(schemaId, fetching);
      void fetching.catch(() => {
        if (this.#writers.get(schemaId) === fetching) this.#writers.delete(schemaId);
      });
      writer = fetching;
    }
    return writer;
  }

  async #fetchWriter(schemaId: number): Promise<AvroType> {
    let text: string;
    try {
      text = await this.#registry.getById(schemaId);
    } catch (error) {
      // An id the registry does not know is bad data; any other failure (outage) keeps its code.
      if (isFgcError(error) && error.code === 'FGC_SCHEMA_NOT_FOUND') {
        throw decodeError(`unknown schema id ${schemaId}`, { schemaId }, error);
      }
      throw error;
    }
    try {
      return parseAvroSchema(text);
    } catch (cause) {
      throw decodeError(`writer schema id ${schemaId} is not usable: ${(cause as Error).message}`, { schemaId }, cause);
    }
  }

  #readerType(schema: string): AvroType {
    let type = this.#readers.get(schema);
    if (type === undefined) {
      type = parseAvroSchema(schema);
      this.#readers.set(schema, type);
    }
    return type;
  }

  #resolver(schemaId: number, writer: AvroType, reader: AvroType): Resolver {
    let byWriter = this.#resolvers.get(reader);
    if (byWriter === undefined) {
      byWriter = new Map();
      this.#resolvers.set(reader, byWriter);
    }
    let resolver = byWriter.get(schemaId);
    if (resolver === undefined) {
      try {
        resolver = reader.createResolver(writer);
      } catch (cause) {
        throw decodeError(`the reader schema cannot read data written with schema id ${schemaId}: ${(cause as Error).message}`, { schemaId }, cause);
      }
      byWriter.set(schemaId, resolver);
    }
    return resolver;
  }
}

function encodeFrame(schemaId: number, type: AvroType, value: unknown, what: string): Buffer {
  for (;;) {
    let end: number;
    try {
      end = type.encode(value, scratch, WIRE_HEADER_BYTES);
    } catch (cause) {
      throw encodeError(type, value, what, cause);
    }
    if (end >= 0) {
      scratch[0] = MAGIC_BYTE;
      scratch.writeInt32BE(schemaId, 1);
      const frame = Buffer.allocUnsafe(end);
      scratch.copy(frame, 0, 0, end);
      if (scratch.length > MAX_RETAINED_SCRATCH_BYTES) scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
      return frame;
    }
    // `encode` returns minus the bytes missing; grow at least by doubling so a big batch settles fast.
    scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end));
  }
}

/** Builds the encode error, using avsc's validator to say which fields are wrong (`lines.2.qty`). */
function encodeError(type: AvroType, value: unknown, what: string, cause: unknown): FgcError {
  const problems: ErrorDetail[] = [];
  type.isValid(value, {
    errorHook: (path: string[], received: unknown, expected: AvroType) => {
      if (problems.length < MAX_REPORTED_PATHS) {
        problems.push({ field: path.length === 0 ? '(root)' : path.join('.'), expected: describeType(expected), received: describeValue(received) });
      }
    },
  });
  const summary =
    problems.length === 0
      ? (cause as Error).message
      : problems.map((p) => `field "${String(p.field)}" expected ${String(p.expected)}, got ${String(p.received)}`).join('; ');
  // avsc's own message quotes the offending value; keep it (as the cause) only when it is all we have,
  // so customer data does not ride along into logs when the field paths already say what is wrong.
  return new FgcError('FGC_SERDE_ENCODE_FAILED', `Value does not match the Avro schema of ${what}: ${summary}`, {
    cause: problems.length === 0 ? cause : undefined,
    details: problems,
  });
}

/** A short name for the expected type: named types and primitives by name, others by their schema, truncated. */
function describeType(type: AvroType): string {
  if (type.name !== undefined) return type.name;
  const schema = type.schema();
  if (typeof schema === 'string') return schema;
  const json = JSON.stringify(schema);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** The kind of a wrong value, never its content: values may carry customer data into logs. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Buffer.isBuffer(value)) return 'Buffer';
  if (typeof value === 'number') return Number.isInteger(value) ? (Number.isSafeInteger(value) ? 'integer' : 'unsafe integer') : 'non-integer number';
  return typeof value;
}

function decodeError(message: string, detail: ErrorDetail, cause?: unknown): FgcError {
  return new FgcError('FGC_SERDE_DECODE_FAILED', `Message could not be decoded: ${message}`, { cause, details: [detail] });
}
