/**
 * Embedded adapters (log, registry, chDB) assume one process owns the data directory. This lock
 * file makes a second process on the same directory fail at start-up with a clear message
 * instead of corrupting the log. A lock left by a killed process (its pid no longer alive) is
 * taken over, so `kill -9` never needs manual clean-up.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FgcError } from './errors.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock on `dir`; returns its release. */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, '.forgecast.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new FgcError('FGC_RUNTIME_DATA_DIR_LOCKED', `${dir} is in use by Forgecast process ${owner}; stop it or set FORGECAST_DATA_DIR to another directory`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new FgcError('FGC_RUNTIME_DATA_DIR_LOCKED', `could not lock ${dir}`);
}
