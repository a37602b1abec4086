/**
 * The embedded stand-ins for SMTP and Slack (ARCHITECTURE.md: "`.eml` files in the data
 * directory's outbox unless SMTP is configured"; "outbox file unless a token is configured"):
 * one file per idempotency key, `<outboxDir>/<email|slack>/<key>.<eml|json>`.
 *
 * Written once and atomically (infra/durable-files.ts: a temporary `.tmp` file, flushed, renamed
 * into place), so a reader (or a `kill -9`) never sees half a message. A key whose file already
 * exists is not written again — the same key is the same message, delivered once.
 *
 * File names: the key as is when it only holds `A–Z a–z 0–9 . _ - : @ + =` (the usual
 * `<notification_id>:<channel>` does), every other byte percent-encoded (`/` → `%2F`), so a key
 * can never name a path outside the directory and two keys never share a file.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../infra/durable-files.js';

export type OutboxKind = 'email' | 'slack';

/** Longest file-name stem: keeps `<stem>.<ext>` under the 255-byte name limit of common file systems. */
const MAX_STEM_BYTES = 200;

/** The file name stem of an idempotency key (see the module comment). */
export function outboxFileStem(key: string): string {
  if (key === '') throw new TypeError('An outbox file needs a non-empty idempotency key');
  let stem = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(byte);
    stem += /[A-Za-z0-9._\-:@+=]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  // `.` and `..` alone are directory names; a leading dot would hide the file.
  if (stem.startsWith('.')) stem = `%2E${stem.slice(1)}`;
  if (stem.length > MAX_STEM_BYTES) throw new TypeError(`Idempotency key too long for an outbox file name (${stem.length} > ${MAX_STEM_BYTES} bytes encoded)`);
  return stem;
}

/** Where the message of `key` is (or will be) written. */
export function outboxFilePath(outboxDir: string, kind: OutboxKind, key: string): string {
  return path.join(outboxDir, kind, `${outboxFileStem(key)}.${kind === 'email' ? 'eml' : 'json'}`);
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Writes `content` to `file` unless it exists (see the module comment); `written` says which.
 * Creates the directory as needed.
 */
export async function writeOutboxFileOnce(file: string, content: string | Uint8Array): Promise<{ readonly written: boolean }> {
  if (await exists(file)) return { written: false };
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  // Flushed: a message the dispatcher records as delivered must still be there after a power loss.
  await writeFileAtomic(file, content, true);
  return { written: true };
}
