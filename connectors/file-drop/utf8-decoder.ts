/**
 * Streaming UTF-8 decoding that refuses invalid input and says on which line it is.
 *
 * `TextDecoder` with `fatal: true` would reject bad bytes but cannot say where they are, and a
 * file exported as Windows-1252 (the usual culprit: `ä` as a lone 0xE4) deserves an error naming
 * the line to fix. So each chunk is checked first — natively (`isUtf8`) where it can be, else by a
 * small byte-level validator (the Unicode "well-formed UTF-8" table: no overlongs, no surrogates,
 * nothing past U+10FFFF) that carries its state across chunk boundaries — and its LF bytes are
 * counted: 0x0A never occurs inside a multi-byte sequence, so the LF count is the physical line
 * number. Only validated bytes reach the (then non-fatal) `TextDecoder`, which also drops a
 * leading byte-order mark.
 */
import { isUtf8 } from 'node:buffer';
import { FgcError } from '../../infra/errors.js';

export class Utf8Decoder {
  readonly #decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  /** Continuation bytes still expected for the sequence in progress. */
  #need = 0;
  /** Allowed range of the next continuation byte (narrowed after E0, ED, F0, F4). */
  #lower = 0x80;
  #upper = 0xbf;
  /** Physical line (1-based) of the next byte. */
  #line = 1;

  /** Decodes the next chunk; throws FGC_FILEDROP_UNPARSABLE at the first invalid byte. */
  push(bytes: Uint8Array): string {
    this.#validate(bytes);
    return this.#decoder.decode(bytes, { stream: true });
  }

  /** Flushes the decoder; a sequence cut off by the end of the file is invalid too. */
  end(): string {
    if (this.#need > 0) throw invalid(this.#line, 'the file ends inside a multi-byte UTF-8 character');
    return this.#decoder.decode();
  }

  /**
   * Fast path: the chunk without a character cut off at its end is checked natively (`isUtf8`)
   * and only its LFs are counted; the byte-level scan runs on the few bytes around the chunk
   * boundaries, and on the whole chunk only when it is invalid, to find where.
   */
  #validate(bytes: Uint8Array): void {
    const from = Math.min(this.#need, bytes.length);
    this.#scan(bytes, 0, from); // completes a character begun in the previous chunk
    const cut = incompleteTail(bytes, from);
    if (isUtf8(bytes.subarray(from, cut))) {
      for (let lf = bytes.indexOf(0x0a, from); lf >= 0 && lf < cut; lf = bytes.indexOf(0x0a, lf + 1)) this.#line++;
      this.#scan(bytes, cut, bytes.length);
    } else {
      this.#scan(bytes, from, bytes.length);
    }
  }

  /** The byte-level check of bytes[from, to), carrying its state to the next call. */
  #scan(bytes: Uint8Array, from: number, to: number): void {
    let need = this.#need;
    let lower = this.#lower;
    let upper = this.#upper;
    let line = this.#line;
    for (let i = from; i < to; i++) {
      const b = bytes[i]!;
      if (need === 0) {
        if (b < 0x80) {
          if (b === 0x0a) line++;
        } else if (b >= 0xc2 && b <= 0xdf) {
          need = 1;
        } else if (b >= 0xe0 && b <= 0xef) {
          need = 2;
          if (b === 0xe0) lower = 0xa0; // shorter forms are overlong
          if (b === 0xed) upper = 0x9f; // ED A0..BF would encode a UTF-16 surrogate
        } else if (b >= 0xf0 && b <= 0xf4) {
          need = 3;
          if (b === 0xf0) lower = 0x90; // overlong
          if (b === 0xf4) upper = 0x8f; // past U+10FFFF
        } else {
          throw invalid(line, `byte 0x${hex(b)} cannot start a UTF-8 character`);
        }
      } else {
        if (b < lower || b > upper) throw invalid(line, `byte 0x${hex(b)} breaks a multi-byte UTF-8 character`);
        lower = 0x80;
        upper = 0xbf;
        need--;
      }
    }
    this.#need = need;
    this.#lower = lower;
    this.#upper = upper;
    this.#line = line;
  }
}

/** Where a character that the chunk's end cuts off begins (its lead byte), or bytes.length. */
function incompleteTail(bytes: Uint8Array, from: number): number {
  for (let i = bytes.length - 1; i >= Math.max(from, bytes.length - 3); i--) {
    const b = bytes[i]!;
    if (b < 0x80) break; // ASCII: nothing is cut off
    if (b >= 0xc0) {
      const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return i + length > bytes.length ? i : bytes.length;
    }
  }
  return bytes.length;
}

function hex(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}

function invalid(line: number, problem: string): FgcError {
  const message = `line ${line}: not valid UTF-8 (${problem}); re-export the file as UTF-8`;
  return new FgcError('FGC_FILEDROP_UNPARSABLE', message, { details: [{ line, field: null, message }] });
}
