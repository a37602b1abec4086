import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxFilePath, outboxFileStem, writeOutboxFileOnce } from '../../../alerting/channels/outbox-files.js';
import { tempDir } from '../../helpers/temp-dir.js';

let dir: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir('forgecast-outbox-');
});
afterAll(async () => {
  await dir.remove();
});

describe('outbox file names', () => {
  it('keeps the usual key readable and encodes everything that could leave the directory', () => {
    expect(outboxFileStem('3f2a-11ee:email')).toBe('3f2a-11ee:email');
    expect(outboxFileStem('a/b\\c')).toBe('a%2Fb%5Cc');
    expect(outboxFileStem('..')).toBe('%2E.');
    expect(outboxFileStem('零')).toBe('%E9%9B%B6');
    expect(outboxFilePath('/out', 'slack', 'k:slack')).toBe(path.join('/out', 'slack', 'k:slack.json'));
    expect(() => outboxFileStem('')).toThrow(TypeError);
    expect(() => outboxFileStem('x'.repeat(201))).toThrow(/too long/);
  });

  it('maps distinct keys to distinct names that stay inside the directory (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 60, unit: 'binary' }), fc.string({ minLength: 1, maxLength: 60, unit: 'binary' }), (a, b) => {
        const fa = outboxFilePath('/out', 'email', a);
        expect(path.dirname(fa)).toBe(path.join('/out', 'email'));
        expect(path.basename(fa).startsWith('.')).toBe(false);
        if (Buffer.from(a, 'utf8').equals(Buffer.from(b, 'utf8'))) return;
        expect(fa).not.toBe(outboxFilePath('/out', 'email', b));
      }),
    );
  });
});

describe('writeOutboxFileOnce', () => {
  it('writes once; a second write of the key leaves the first content', async () => {
    const file = outboxFilePath(dir.path, 'email', 'k1:email');
    expect(await writeOutboxFileOnce(file, 'first')).toEqual({ written: true });
    expect(await writeOutboxFileOnce(file, 'second')).toEqual({ written: false });
    expect(await readFile(file, 'utf8')).toBe('first');
  });

  it('concurrent writers of one key leave exactly one complete file and no temporaries', async () => {
    const file = outboxFilePath(dir.path, 'slack', 'race:slack');
    const content = (i: number) => JSON.stringify({ writer: i, pad: 'x'.repeat(100_000) });
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeOutboxFileOnce(file, content(i))));
    const names = await readdir(path.dirname(file), { withFileTypes: false });
    expect(names).toEqual(['race:slack.json']);
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { writer: number };
    expect(await readFile(file, 'utf8')).toBe(content(parsed.writer));
  });
});
