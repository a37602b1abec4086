/**
 * The file cursor store: the contract, plus what only files have — torn writes and a damaged file.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CursorKey, CursorState } from '../../../connectors/erp-rest/cursor-store.js';
import { createFileCursorStore } from '../../../connectors/erp-rest/file-cursor-store.js';
import { FgcError } from '../../../infra/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { describeCursorStoreContract } from './cursor-store.contract.js';

describeCursorStoreContract('file', async () => {
  const dir = await tempDir('forgecast-cursors-');
  const store = await createFileCursorStore(dir.path);
  return {
    store,
    reopen: () => createFileCursorStore(dir.path),
    cleanup: async () => {
      await store.close();
      await dir.remove();
    },
  };
});

const KEY: CursorKey = { tenant: 'acme', sourceId: 'erp_001', entity: 'items' };
const SAVED: CursorState = { revision: 3, cursor: { updatedAt: '2024-01-01T05:00:00.000Z', id: 'I005' }, published: [] };

describe('file cursor store on disk', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let entityDir: string;
  beforeEach(async () => {
    dir = await tempDir('forgecast-cursors-');
    entityDir = path.join(dir.path, 'erp-cursors', 'acme', 'erp_001');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('writes one JSON document per entity under <dataDir>/erp-cursors/<tenant>/<source>/', async () => {
    const store = await createFileCursorStore(dir.path);
    await store.save(KEY, SAVED);
    expect(await readdir(entityDir)).toEqual(['items.json']);
    expect(JSON.parse(await readFile(path.join(entityDir, 'items.json'), 'utf8'))).toMatchObject({ format: 1, revision: 3, cursor: SAVED.cursor });
  });

  it('a torn write (a temporary file left behind by a crash) does not corrupt the state and is removed on open', async () => {
    const store = await createFileCursorStore(dir.path);
    await store.save(KEY, SAVED);
    // A crash in the middle of the next save: half a document in the temporary file, never renamed.
    const torn = path.join(entityDir, `items.json.${process.pid}.99.tmp`);
    await writeFile(torn, '{"format":1,"revision":4,"cursor":{"updatedAt":"2024-01-01T06:0');
    expect(await store.load(KEY)).toEqual(SAVED);

    const restarted = await createFileCursorStore(dir.path);
    expect(await restarted.load(KEY)).toEqual(SAVED);
    expect(await readdir(entityDir)).toEqual(['items.json']);
    await restarted.save(KEY, { ...SAVED, revision: 4 });
    expect((await restarted.load(KEY))!.revision).toBe(4);
  });

  it('a damaged cursor file is FGC_ERP_CURSOR_CORRUPT naming the file, never a silent start from scratch', async () => {
    const store = await createFileCursorStore(dir.path);
    await store.save(KEY, SAVED);
    await writeFile(path.join(entityDir, 'items.json'), '{"format":1,"revision":3,"cursor":{"updatedAt":"not a date","id":"x"},"published":[]}');
    const error = await store.load(KEY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FgcError);
    expect((error as FgcError).code).toBe('FGC_ERP_CURSOR_CORRUPT');
    expect((error as FgcError).message).toContain(path.join(entityDir, 'items.json'));
    await writeFile(path.join(entityDir, 'items.json'), '');
    await expect(store.load(KEY)).rejects.toThrow(/not JSON/);
  });

  it('serializes concurrent saves of one key, ending with the highest revision', async () => {
    const store = await createFileCursorStore(dir.path);
    await Promise.all([5, 9, 7, 1, 8].map((revision) => store.save(KEY, { ...SAVED, revision })));
    expect((await store.load(KEY))!.revision).toBe(9);
  });
});
