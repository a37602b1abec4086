/**
 * Small files are replaced atomically: written to a temporary file, then renamed over the old one.
 * A `kill -9` at any moment leaves either the old or the new content, never a half-written file.
 * With `fsync` the data and the directory entry are also flushed, so the replacement survives power
 * loss too. Used by the embedded log (topic meta, group offsets), the embedded schema registry, the
 * ERP cursor files and the alert outbox files. Temporary files end in `.tmp`, so readers listing
 * their own extension never see one.
 */
import { open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

let sequence = 0;

/** Replaces `file` with `content` atomically (see the module comment). */
export async function writeFileAtomic(file: string, content: string | Uint8Array, fsync: boolean): Promise<void> {
  // pid + counter: concurrent writers of different files in one directory never share a temp file.
  const temp = `${file}.${process.pid}.${++sequence}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(content);
    if (fsync) await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  if (fsync) await fsyncDirectory(path.dirname(file));
}

/** Removes temporary files a crash left in `dir` mid-`writeFileAtomic`; call before anyone writes there. */
export async function removeStaleTempFiles(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.endsWith('.tmp')) await rm(path.join(dir, name), { force: true });
  }
}

/** Flushes a directory's entries (file creations, renames) to disk. */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Windows cannot open or fsync a directory; there the rename is as durable as the OS makes it.
    if (!['EISDIR', 'EPERM', 'EACCES', 'EINVAL'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}
