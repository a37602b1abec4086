/**
 * The on-disk frame of one message in the embedded log.
 *
 *   offset  size  field
 *   0       4     body length (u32 LE) — bytes after this 8-byte prefix
 *   4       4     CRC-32 of the body (u32 LE, zlib's polynomial)
 *   8       4     message offset, high 32 bits (u32 LE)
 *   12      4     message offset, low 32 bits (u32 LE)
 *   16      8     append timestamp, ms since the epoch (f64 LE: exact for integers below 2^53)
 *   24      4     key length in bytes (i32 LE), -1 for a null key
 *   28      4     value length (u32 LE)
 *   32      4     header count (u32 LE)
 *   36      …     key (UTF-8), value, then per header: u32 name length, name, u32 value length, value
 *
 * Why this shape: the length comes first so a reader knows how much to load before it can check
 * anything, and the CRC over the body is what tells a whole frame from the torn tail a `kill -9`
 * (or power loss) leaves behind — a frame whose length runs past the end of the file or whose CRC
 * does not match is where the valid log ends. The length itself is not covered: a corrupt length
 * makes the CRC run over the wrong bytes, which fails just the same. The offset is stored, not only
 * implied by position, so recovery and readers can verify the sequence and seek by scanning.
 * Everything is little-endian fixed-width so encoding is a few `write*LE` calls into one buffer.
 */
import { crc32 } from 'node:zlib';
import type { BusMessage, ConsumedMessage } from './event-bus.js';
import { FgcError } from '../errors.js';

export const FRAME_PREFIX_BYTES = 8;
export const FRAME_BODY_FIXED_BYTES = 28;
/** Bytes a frame adds to key, value and headers. */
export const FRAME_OVERHEAD_BYTES = FRAME_PREFIX_BYTES + FRAME_BODY_FIXED_BYTES;
/**
 * Largest frame accepted (64 MiB). Kafka's default message limit is 1 MiB; the embedded log is
 * more lenient but still bounded, so recovery can tell a garbage length field from a real frame
 * and a reader never allocates more than this for one message.
 */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

const TWO_POW_32 = 0x1_0000_0000;
const EMPTY_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function invalid(message: string): FgcError {
  return new FgcError('FGC_BUS_INVALID_REQUEST', message);
}

/**
 * Exact encoded size of `message`. Also validates it, so a malformed message fails its own publish
 * call before it is queued together with other callers' messages.
 */
export function frameBytes(message: BusMessage): number {
  const { key, value, headers } = message;
  if (!(value instanceof Uint8Array)) throw invalid('message value must be a Buffer');
  if (key !== null && typeof key !== 'string') throw invalid('message key must be a string or null');
  let bytes = FRAME_OVERHEAD_BYTES + value.length;
  if (key !== null) bytes += Buffer.byteLength(key, 'utf8');
  if (headers !== undefined) {
    for (const name of Object.keys(headers)) {
      const text = headers[name];
      if (typeof text !== 'string') throw invalid(`header ${JSON.stringify(name)} must be a string`);
      bytes += 8 + Buffer.byteLength(name, 'utf8') + Buffer.byteLength(text, 'utf8');
    }
  }
  if (bytes > MAX_FRAME_BYTES) throw invalid(`message of ${bytes} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit`);
  return bytes;
}

/** Encodes `message` at `pos` of `buf` (which has room: see `frameBytes`); returns the end position. */
export function encodeFrame(buf: Buffer, pos: number, message: BusMessage, offset: number, timestamp: number): number {
  const body = pos + FRAME_PREFIX_BYTES;
  buf.writeUInt32LE(Math.floor(offset / TWO_POW_32), body);
  buf.writeUInt32LE(offset >>> 0, body + 4);
  buf.writeDoubleLE(timestamp, body + 8);
  let at = body + FRAME_BODY_FIXED_BYTES;
  if (message.key === null) {
    buf.writeInt32LE(-1, body + 16);
  } else {
    const keyBytes = buf.write(message.key, at, 'utf8');
    buf.writeInt32LE(keyBytes, body + 16);
    at += keyBytes;
  }
  buf.writeUInt32LE(message.value.length, body + 20);
  buf.set(message.value, at);
  at += message.value.length;
  let count = 0;
  const headers = message.headers;
  if (headers !== undefined) {
    for (const name of Object.keys(headers)) {
      at = writeSized(buf, at, name);
      at = writeSized(buf, at, headers[name]!);
      count++;
    }
  }
  buf.writeUInt32LE(count, body + 24);
  buf.writeUInt32LE(at - body, pos);
  buf.writeUInt32LE(crc32(buf.subarray(body, at)), pos + 4);
  return at;
}

function writeSized(buf: Buffer, at: number, text: string): number {
  const bytes = buf.write(text, at + 4, 'utf8');
  buf.writeUInt32LE(bytes, at);
  return at + 4 + bytes;
}

/** Body length of the frame at `pos` when it is plausible, else -1 (garbage or torn length). */
export function frameBodyLength(buf: Buffer, pos: number): number {
  const body = buf.readUInt32LE(pos);
  return body < FRAME_BODY_FIXED_BYTES || body + FRAME_PREFIX_BYTES > MAX_FRAME_BYTES ? -1 : body;
}

/** Whether the stored CRC matches the body of the whole frame at `pos`. */
export function frameCrcMatches(buf: Buffer, pos: number, bodyLength: number): boolean {
  const body = pos + FRAME_PREFIX_BYTES;
  return crc32(buf.subarray(body, body + bodyLength)) === buf.readUInt32LE(pos + 4);
}

/** The offset stored in the frame at `pos`. */
export function frameOffset(buf: Buffer, pos: number): number {
  return buf.readUInt32LE(pos + 8) * TWO_POW_32 + buf.readUInt32LE(pos + 12);
}

/**
 * Decodes the whole, CRC-checked frame at `pos`. The value is a view into `buf`, not a copy: the
 * reader hands out a fresh chunk buffer per read, so views stay valid for as long as they are held.
 */
export function decodeFrame(buf: Buffer, pos: number, bodyLength: number, topic: string, partition: number): ConsumedMessage {
  const body = pos + FRAME_PREFIX_BYTES;
  const end = body + bodyLength;
  const offset = buf.readUInt32LE(body) * TWO_POW_32 + buf.readUInt32LE(body + 4);
  const timestamp = buf.readDoubleLE(body + 8);
  const keyLength = buf.readInt32LE(body + 16);
  const valueLength = buf.readUInt32LE(body + 20);
  const headerCount = buf.readUInt32LE(body + 24);
  let at = body + FRAME_BODY_FIXED_BYTES;
  if (at + Math.max(keyLength, 0) + valueLength > end) throw corruptFrame(topic, partition, offset);
  let key: string | null = null;
  if (keyLength >= 0) {
    key = buf.toString('utf8', at, at + keyLength);
    at += keyLength;
  }
  const valueEnd = at + valueLength;
  const value = buf.subarray(at, valueEnd);
  at = valueEnd;
  let headers = EMPTY_HEADERS;
  if (headerCount > 0) {
    const decoded: Record<string, string> = {};
    for (let i = 0; i < headerCount; i++) {
      if (at + 4 > end) throw corruptFrame(topic, partition, offset);
      const nameEnd = at + 4 + buf.readUInt32LE(at);
      if (nameEnd + 4 > end) throw corruptFrame(topic, partition, offset);
      const name = buf.toString('utf8', at + 4, nameEnd);
      const valueStart = nameEnd + 4;
      at = valueStart + buf.readUInt32LE(nameEnd);
      if (at > end) throw corruptFrame(topic, partition, offset);
      const text = buf.toString('utf8', valueStart, at);
      // A header named `__proto__` must stay a plain property, not replace the prototype.
      if (name === '__proto__') Object.defineProperty(decoded, name, { value: text, enumerable: true, writable: true, configurable: true });
      else decoded[name] = text;
    }
    headers = decoded;
  }
  return { topic, partition, offset: String(offset), key, value, headers, timestamp };
}

function corruptFrame(topic: string, partition: number, offset: number): FgcError {
  return new FgcError('FGC_BUS_CORRUPT_LOG', `frame at offset ${offset} of ${topic}[${partition}] has inconsistent lengths`);
}
