/**
 * Cursor store on files: `<dataDir>/erp-cursors/<tenant>/<source>/<entity>.json`, one small JSON
 * document per entity, replaced atomically — written to a unique temporary file, fsynced, renamed
 * over the old one, directory fsynced. A crash at any moment leaves the old or the new state,
 * never half of one; a temporary file left behind is ignored by reads and removed when the store
 * opens. For one machine (embedded mode); replicas share the ClickHouse store instead.
 *
 * Saves of one key are serialized in process, so "keep the highest revision" is a plain
 * read-compare-write (the data directory is locked to one process).
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../infra/durable-files.js';
import { checkCursorKey, decodeCursorState, encodeCursorState, type CursorKey, type CursorState, type CursorStore } from './cursor-store.js';

async function removeTempFiles(dir: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    if (entry.isFile() && entry.name.endsWith('.tmp')) await rm(path.join(entry.parentPath, entry.name), { force: true });
  }
}

class FileCursorStore implements CursorStore {
  /** Tail of the pending operations per file, so saves of one key never interleave. */
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(private readonly root: string) {}

  #file(key: CursorKey): string {
    checkCursorKey(key);
    return path.join(this.root, key.tenant, key.sourceId, `${key.entity}.json`);
  }

  #serialize<T>(file: string, work: () => Promise<T>): Promise<T> {
    const result = (this.#queues.get(file) ?? Promise.resolve()).then(work, work);
    const tail = result.catch(() => undefined);
    this.#queues.set(file, tail);
    void tail.then(() => {
      if (this.#queues.get(file) === tail) this.#queues.delete(file);
    });
    return result;
  }

  async #read(file: string): Promise<CursorState | null> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return decodeCursorState(text, file);
  }

  async load(key: CursorKey): Promise<CursorState | null> {
    const file = this.#file(key);
    return this.#serialize(file, () => this.#read(file));
  }

  async save(key: CursorKey, state: CursorState): Promise<void> {
    const file = this.#file(key);
    await this.#serialize(file, async () => {
      const current = await this.#read(file);
      if (current !== null && current.revision > state.revision) return;
      await mkdir(path.dirname(file), { recursive: true });
      // fsync always: one write per page is cheap next to the HTTP fetch.
      await writeFileAtomic(file, encodeCursorState(state), true);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#queues.values());
  }
}

/** Opens the store under `<dataDir>/erp-cursors`, removing temporary files a crash left behind. */
export async function createFileCursorStore(dataDir: string): Promise<CursorStore> {
  const root = path.join(dataDir, 'erp-cursors');
  await mkdir(root, { recursive: true });
  await removeTempFiles(root);
  return new FileCursorStore(root);
}
