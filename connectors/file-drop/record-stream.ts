/**
 * File bytes → validated UTF-8 text → records, as one lazy pipeline of async generators: each
 * stage pulls the next chunk only when the one after it asks, so a file of any size flows through
 * in READ_CHUNK_BYTES pieces. Breaking out of the loop closes the file.
 */
import { createReadStream } from 'node:fs';
import { readCsv } from './csv-reader.js';
import type { FileFormat } from './file-name.js';
import { readJsonLines } from './jsonl-reader.js';
import type { ReadItem } from './read-item.js';
import { Utf8Decoder } from './utf8-decoder.js';

/** Read size: Node's default for files; large enough for throughput, small enough to be flat. */
export const READ_CHUNK_BYTES = 64 * 1024;

/** The bytes of a file, each chunk shown to `tap` first (for hashing and progress). */
export async function* fileBytes(path: string, tap: (chunk: Uint8Array) => void = () => undefined): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    tap(chunk);
    yield chunk;
  }
}

/** Decodes UTF-8 (BOM dropped), failing with the line of the first invalid byte. */
export async function* decodeUtf8(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new Utf8Decoder();
  for await (const chunk of bytes) {
    const text = decoder.push(chunk);
    if (text !== '') yield text;
  }
  const rest = decoder.end();
  if (rest !== '') yield rest;
}

/** The records of a file in the given format. */
export function readRecords(bytes: AsyncIterable<Uint8Array>, format: FileFormat): AsyncGenerator<ReadItem> {
  const text = decodeUtf8(bytes);
  return format === 'csv' ? readCsv(text) : readJsonLines(text);
}
