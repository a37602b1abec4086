import { describe, expect, it } from 'vitest';
import { readCsv, scanHeader } from '../../../connectors/file-drop/csv-reader.js';
import type { ReadItem } from '../../../connectors/file-drop/read-item.js';
import { MAX_RECORD_CHARS } from '../../../connectors/file-drop/read-item.js';
import { readRecords } from '../../../connectors/file-drop/record-stream.js';
import { FgcError } from '../../../infra/errors.js';

async function* chunks<T>(parts: readonly T[]): AsyncGenerator<T> {
  for (const part of parts) yield part;
}

async function collect(items: AsyncIterable<ReadItem>): Promise<ReadItem[]> {
  const out: ReadItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const csv = (...parts: string[]): Promise<ReadItem[]> => collect(readCsv(chunks(parts)));
const bytes = (...parts: (string | number[])[]): Promise<ReadItem[]> =>
  collect(readRecords(chunks(parts.map((p) => (typeof p === 'string' ? new TextEncoder().encode(p) : Uint8Array.from(p)))), 'csv'));

async function failure(promise: Promise<unknown>): Promise<FgcError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FgcError);
  return error as FgcError;
}

describe('CSV reader', () => {
  it('reads a header and records, values as strings, lines numbered from the file', async () => {
    expect(await csv('sku,name,qty\nA-1,Bolt,10\nA-2,Nut,2.5\n')).toEqual([
      { kind: 'record', line: 2, record: { sku: 'A-1', name: 'Bolt', qty: '10' } },
      { kind: 'record', line: 3, record: { sku: 'A-2', name: 'Nut', qty: '2.5' } },
    ]);
  });

  it('handles quoted fields with delimiters, doubled quotes and embedded newlines, numbering by start line', async () => {
    const items = await csv('sku,name,note\n"A,1","Bolt ""M6""","two\nlines"\nB,plain,"x"\n');
    expect(items).toEqual([
      { kind: 'record', line: 2, record: { sku: 'A,1', name: 'Bolt "M6"', note: 'two\nlines' } },
      { kind: 'record', line: 4, record: { sku: 'B', name: 'plain', note: 'x' } },
    ]);
  });

  it('reads CRLF files, keeping a line break inside quotes as written', async () => {
    expect(await csv('a,b\r\n1,"x\r\ny"\r\n2,z\r\n')).toEqual([
      { kind: 'record', line: 2, record: { a: '1', b: 'x\r\ny' } },
      { kind: 'record', line: 4, record: { a: '2', b: 'z' } },
    ]);
  });

  it('keeps a lone CR and a quote inside an unquoted field as data', async () => {
    expect(await csv('a,b\n1\r2,12" pipe\n')).toEqual([{ kind: 'record', line: 2, record: { a: '1\r2', b: '12" pipe' } }]);
  });

  it('detects tab and semicolon delimiters from the header', async () => {
    expect(await csv('sku\tname\nA\tBolt, zinc; M6\n')).toEqual([{ kind: 'record', line: 2, record: { sku: 'A', name: 'Bolt, zinc; M6' } }]);
    expect(await csv('MATNR;MAKTX;STPRS\nM-1;Schraube;1.234,50\n')).toEqual([{ kind: 'record', line: 2, record: { MATNR: 'M-1', MAKTX: 'Schraube', STPRS: '1.234,50' } }]);
  });

  it('counts delimiters outside quotes only, and breaks ties in the order , ; tab', () => {
    expect(scanHeader('"a;b;c",d\n')?.delimiter).toBe(',');
    expect(scanHeader('"a,b,c";d;e\n')?.delimiter).toBe(';');
    expect(scanHeader('a;b,c\n')?.delimiter).toBe(',');
    expect(scanHeader('a\tb;c\n')?.delimiter).toBe(';');
    expect(scanHeader('single\n')?.delimiter).toBe(',');
    expect(scanHeader('a;b')).toBeUndefined(); // not complete until a line break or the end
    expect(scanHeader('a;b', true)?.delimiter).toBe(';');
  });

  it('strips a UTF-8 byte-order mark from the first column name', async () => {
    const items = await bytes([0xef, 0xbb, 0xbf], 'MATNR;MAKTX\nM-1;x\n');
    expect(items).toEqual([{ kind: 'record', line: 2, record: { MATNR: 'M-1', MAKTX: 'x' } }]);
  });

  it('decodes unicode, also when a multi-byte character is split across chunks', async () => {
    const text = 'sku,name\nM-1,Schraube M6 – Edelstahl ✓ 🔩\n';
    const encoded = Array.from(new TextEncoder().encode(text));
    const at = encoded.indexOf(0xf0) + 2; // inside the 4-byte emoji
    expect(await bytes(encoded.slice(0, at), encoded.slice(at))).toEqual([{ kind: 'record', line: 2, record: { sku: 'M-1', name: 'Schraube M6 – Edelstahl ✓ 🔩' } }]);
  });

  it('rejects invalid UTF-8 naming the line, wherever the chunk boundaries fall', async () => {
    const latin1 = [...new TextEncoder().encode('sku,name\nA,ok\nB,'), 0xe4, ...new TextEncoder().encode('rger\n')]; // "ärger" in Windows-1252
    for (const at of [0, 5, 17, latin1.length]) {
      const error = await failure(bytes(latin1.slice(0, at), latin1.slice(at)));
      expect(error.code).toBe('FGC_FILEDROP_UNPARSABLE');
      expect(error.message).toMatch(/^line 3: not valid UTF-8/);
      expect(error.details).toEqual([expect.objectContaining({ line: 3 })]);
    }
    // A surrogate encoded as UTF-8, an overlong slash, and a sequence cut off by the end of the file.
    expect((await failure(bytes('a\n', [0xed, 0xa0, 0x80], '\n'))).message).toMatch(/^line 2:/);
    expect((await failure(bytes('a\nb\n', [0xc0, 0xaf]))).message).toMatch(/^line 3:/);
    expect((await failure(bytes('a\n', [0xe2, 0x9c]))).message).toMatch(/^line 2: .*ends inside/);
  });

  it('validates UTF-8 the same however the bytes are split, down to one byte per chunk', async () => {
    const valid = Array.from(new TextEncoder().encode('sku,name\nä,€\n𝄞,ö✓\n'));
    const whole = await bytes(valid);
    expect(whole).toHaveLength(2);
    for (let at = 0; at <= valid.length; at++) expect(await bytes(valid.slice(0, at), valid.slice(at))).toEqual(whole);
    expect(await bytes(...valid.map((b) => [b]))).toEqual(whole);

    // A stray continuation byte on line 3, a truncated 3-byte character on line 2.
    for (const [broken, line] of [
      [[...valid.slice(0, 16), 0x80, ...valid.slice(16)], 3],
      [[...valid.slice(0, 9), 0xe2, 0x82, ...valid.slice(11)], 2],
    ] as const) {
      for (let at = 0; at <= broken.length; at++) {
        expect((await failure(bytes(broken.slice(0, at), broken.slice(at)))).details[0], `split at ${at}`).toMatchObject({ line });
      }
    }
  });

  it('fails on an empty file, reads nothing from a header-only file, skips blank lines', async () => {
    expect((await failure(csv(''))).message).toMatch(/empty/);
    expect((await failure(csv('\n\n'))).message).toMatch(/empty/);
    expect(await csv('a,b\n')).toEqual([]);
    expect(await csv('a,b')).toEqual([]);
    expect(await csv('a,b\n1,2\n\n   \r\n\n')).toEqual([{ kind: 'record', line: 2, record: { a: '1', b: '2' } }]);
    expect(await csv('a,b\n\n1,2')).toEqual([{ kind: 'record', line: 3, record: { a: '1', b: '2' } }]);
  });

  it('rejects a record with the wrong number of fields by line and reads on', async () => {
    expect(await csv('a,b\n1,2,3\n4\n5,6\n')).toEqual([
      { kind: 'rejected', line: 2, field: null, message: 'expected 2 fields (as in the header), found 3' },
      { kind: 'rejected', line: 3, field: null, message: 'expected 2 fields (as in the header), found 1' },
      { kind: 'record', line: 4, record: { a: '5', b: '6' } },
    ]);
  });

  it('rejects text after a closing quote, and fails on a quote never closed with the line it opened on', async () => {
    expect(await csv('a,b\n"x"y,1\n2,3\n')).toEqual([
      { kind: 'rejected', line: 2, field: null, message: 'unexpected text after the closing quote of field 1' },
      { kind: 'record', line: 3, record: { a: '2', b: '3' } },
    ]);
    const error = await failure(csv('a,b\n1,2\n3,"open\n4,5\n6,7\n'));
    expect(error.code).toBe('FGC_FILEDROP_UNPARSABLE');
    expect(error.message).toBe('line 3: unterminated quoted field: the quote opened on line 3 is never closed');
  });

  it('stops at a runaway quote instead of buffering the rest of the file', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<string> {
      yield 'a,b\n1,"never closed';
      for (;;) {
        pulled++;
        yield 'x'.repeat(64 * 1024);
      }
    }
    const error = await failure(collect(readCsv(endless())));
    expect(error.message).toMatch(/longer than .* the quote opened on line 2/);
    expect(pulled).toBeLessThanOrEqual(MAX_RECORD_CHARS / (64 * 1024) + 1);
  });

  it('leaves empty cells out, keeps odd column names as own fields, and fails on bad headers', async () => {
    const [item] = await csv('sku,__proto__,cost\nA,p,\n');
    expect(item).toEqual({ kind: 'record', line: 2, record: { sku: 'A', ['__proto__']: 'p' } });
    expect(Object.keys((item as { record: object }).record)).toEqual(['sku', '__proto__']);
    expect((await failure(csv('a,b,a\n1,2,3\n'))).message).toBe('line 1: header column 3 repeats the name "a"');
    expect((await failure(csv('a,,c\n1,2,3\n'))).message).toBe('line 1: header column 2 has no name');
    expect(await csv(' a , b \n1,2\n')).toEqual([{ kind: 'record', line: 2, record: { a: '1', b: '2' } }]); // column names are trimmed
  });

  it('gives the same records however the text is split into chunks', async () => {
    const text = 'id;"na;me";v\r\n1;"a ""q""\r\nb";x\r\n"2";;"y"\n\n3;c;"z""\n"\r\n';
    const whole = await csv(text);
    expect(whole).toHaveLength(3);
    for (let at = 0; at <= text.length; at++) expect(await csv(text.slice(0, at), text.slice(at))).toEqual(whole);
    expect(await csv(...text.split(''))).toEqual(whole);
  });
});
