/**
 * A streaming JSON Lines reader: one JSON object per line (LF or CRLF), blank lines skipped.
 * A line that is not valid JSON, or valid JSON but not an object, is rejected with its line
 * number and reading goes on; values keep their JSON types. Only the line in progress is held in
 * memory; a line longer than MAX_RECORD_CHARS is rejected and skipped up to its end.
 */
import { MAX_RECORD_CHARS, type ReadItem } from './read-item.js';

export async function* readJsonLines(text: AsyncIterable<string>): AsyncGenerator<ReadItem> {
  let partial = '';
  let line = 1;
  /** The current line is too long: its text is dropped until the next LF. */
  let skipping = false;

  for await (const chunk of text) {
    let start = 0;
    for (let lf = chunk.indexOf('\n'); lf >= 0; lf = chunk.indexOf('\n', start)) {
      if (skipping) {
        skipping = false;
      } else {
        const item = parseLine(partial + chunk.slice(start, lf), line);
        if (item !== undefined) yield item;
      }
      partial = '';
      start = lf + 1;
      line++;
    }
    if (!skipping) partial += chunk.slice(start);
    if (partial.length > MAX_RECORD_CHARS) {
      yield { kind: 'rejected', line, field: null, message: `line is longer than ${MAX_RECORD_CHARS} characters` };
      partial = '';
      skipping = true;
    }
  }
  if (!skipping) {
    const item = parseLine(partial, line);
    if (item !== undefined) yield item;
  }
}

/** `text` may end in the CR of a CRLF: JSON counts it as whitespace, so it needs no stripping. */
function parseLine(text: string, line: number): ReadItem | undefined {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'rejected', line, field: null, message: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'rejected', line, field: null, message: `expected a JSON object, found ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` };
  }
  return { kind: 'record', line, record: value as Record<string, unknown> };
}
