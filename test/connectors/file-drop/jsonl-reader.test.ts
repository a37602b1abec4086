import { describe, expect, it } from 'vitest';
import { readJsonLines } from '../../../connectors/file-drop/jsonl-reader.js';
import { MAX_RECORD_CHARS, type ReadItem } from '../../../connectors/file-drop/read-item.js';

async function* chunks(parts: readonly string[]): AsyncGenerator<string> {
  for (const part of parts) yield part;
}

async function jsonl(...parts: string[]): Promise<ReadItem[]> {
  const out: ReadItem[] = [];
  for await (const item of readJsonLines(chunks(parts))) out.push(item);
  return out;
}

describe('JSON Lines reader', () => {
  it('reads one object per line with JSON types, skipping blank lines, LF or CRLF', async () => {
    expect(await jsonl('{"sku":"A","qty":2}\r\n\n  \n{"sku":"B","ok":true,"n":null}')).toEqual([
      { kind: 'record', line: 1, record: { sku: 'A', qty: 2 } },
      { kind: 'record', line: 4, record: { sku: 'B', ok: true, n: null } },
    ]);
  });

  it('rejects bad JSON and non-objects by line and reads on', async () => {
    const items = await jsonl('{"sku":"A"}\n{"sku":\n[1,2]\n"text"\nnull\n{"sku":"B"}\n');
    expect(items.map((i) => [i.kind, i.line])).toEqual([
      ['record', 1],
      ['rejected', 2],
      ['rejected', 3],
      ['rejected', 4],
      ['rejected', 5],
      ['record', 6],
    ]);
    expect(items[1]).toMatchObject({ field: null, message: expect.stringMatching(/^not valid JSON: /) as unknown });
    expect(items.slice(2, 5).map((i) => (i.kind === 'rejected' ? i.message : ''))).toEqual(['expected a JSON object, found an array', 'expected a JSON object, found string', 'expected a JSON object, found null']);
  });

  it('gives the same items however the text is split into chunks', async () => {
    const text = '{"a":"x\\ny"}\r\n\n{bad}\n{"b":"ü ✓"}\n';
    const whole = await jsonl(text);
    expect(whole).toHaveLength(3);
    for (let at = 0; at <= text.length; at++) expect(await jsonl(text.slice(0, at), text.slice(at))).toEqual(whole);
  });

  it('rejects and skips a line longer than the record limit without holding it', async () => {
    const long = `{"a":"${'x'.repeat(MAX_RECORD_CHARS)}"}`;
    const items = await jsonl('{"n":1}\n', long.slice(0, 600_000), long.slice(600_000), '\n{"n":3}\n');
    expect(items).toEqual([
      { kind: 'record', line: 1, record: { n: 1 } },
      { kind: 'rejected', line: 2, field: null, message: `line is longer than ${MAX_RECORD_CHARS} characters` },
      { kind: 'record', line: 3, record: { n: 3 } },
    ]);
  });
});
