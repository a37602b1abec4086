/**
 * Opaque keyset cursors for list endpoints: the last key of a page, base64url-encoded JSON, so
 * clients cannot come to depend on its shape and a next page costs one index seek (no OFFSET scan).
 */
import { FgcError } from '../../infra/errors.js';

export function encodeCursor(lastKey: string): string {
  return Buffer.from(JSON.stringify({ after: lastKey }), 'utf8').toString('base64url');
}

/** The key after which the next page starts; FGC_DATA_INVALID_CURSOR for anything this module did not write. */
export function decodeCursor(cursor: string): string {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && typeof (value as { after?: unknown }).after === 'string') return (value as { after: string }).after;
  } catch {
    // fall through to the error below
  }
  throw new FgcError('FGC_DATA_INVALID_CURSOR', 'cursor is not one this API returned');
}
