/**
 * What makes a batch the same batch (its id) and the same content (its hash), both derived from
 * the request alone so every replica and every retry computes the same values:
 *
 * - batch_id: from (tenant, source_id, batch_reference), UUID-shaped (RFC 9562 version 8, the
 *   "custom" version: 122 bits of SHA-256). A retry after a crash republishes under the same
 *   batch_id and record indexes, which is what the pipelines deduplicate on.
 * - content hash: SHA-256 of a canonical JSON of (source_type, mapping, data) — object keys
 *   sorted at every level — so key order and whitespace do not make a resend a "conflict".
 */
import { createHash } from 'node:crypto';

/** JSON text with object keys sorted at every level; undefined members are left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return canonicalArray(value);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  if (isFlat(record, keys)) return JSON.stringify(sortedCopy(record, keys));
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${out}}`;
}

/**
 * An array — in a batch, the records of one type. The common case, every element a flat record or
 * a primitive, becomes sorted copies stringified by one native call; records of one source share
 * their key order, so the sorted order is reused while the keys match the previous record's.
 */
function canonicalArray(list: readonly unknown[]): string {
  const copies: unknown[] = new Array<unknown>(list.length);
  let lastKeys: readonly string[] = [];
  let lastSorted: readonly string[] = [];
  for (let i = 0; i < list.length; i += 1) {
    const element = list[i];
    if (element === null || typeof element !== 'object') {
      copies[i] = element;
      continue;
    }
    if (Array.isArray(element)) return canonicalArrayElementwise(list);
    const record = element as Record<string, unknown>;
    const keys = Object.keys(record);
    if (!sameKeys(keys, lastKeys)) {
      lastKeys = keys;
      lastSorted = [...keys].sort();
    }
    if (!isFlat(record, lastSorted)) return canonicalArrayElementwise(list);
    copies[i] = sortedCopy(record, lastSorted);
  }
  return JSON.stringify(copies);
}

function canonicalArrayElementwise(list: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < list.length; i += 1) {
    if (i > 0) out += ',';
    out += list[i] === undefined ? 'null' : canonicalJson(list[i]);
  }
  return `${out}]`;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/** A copy with the keys inserted in sorted order: it stringifies natively in that order. */
function sortedCopy(record: Record<string, unknown>, sortedKeys: readonly string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of sortedKeys) copy[key] = record[key];
  return copy;
}

/**
 * Whether a sorted copy of the record stringifies to exactly the canonical text: every member a
 * primitive, no key JavaScript would reorder (integer-like keys come first in any object) and no
 * `__proto__` (assigning it would set the prototype). Records nearly always qualify, and the
 * native stringify is several times faster than the recursion.
 */
function isFlat(record: Record<string, unknown>, keys: readonly string[]): boolean {
  for (const key of keys) {
    const member = record[key];
    if (member !== null && typeof member === 'object') return false;
    const first = key.charCodeAt(0);
    if ((first >= 48 && first <= 57) || key === '__proto__') return false;
  }
  return true;
}

/** SHA-256 (hex) of the canonical JSON of what a batch says: its source type, mapping and data. */
export function contentHash(sourceType: string, mapping: string, data: unknown): string {
  const hash = createHash('sha256');
  // Exactly canonicalJson({ data, mapping, source_type }), fed one record type at a time so no
  // single string holds the whole batch.
  const record = data as Record<string, unknown>;
  hash.update('{"data":{');
  let first = true;
  for (const key of Object.keys(record).sort()) {
    if (record[key] === undefined) continue;
    hash.update(`${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    first = false;
  }
  hash.update(`},"mapping":${JSON.stringify(mapping)},"source_type":${JSON.stringify(sourceType)}}`);
  return hash.digest('hex');
}

/** The batch id of (tenant, source_id, batch_reference): a version-8 UUID from their SHA-256. */
export function batchIdFor(tenant: string, sourceId: string, batchReference: string): string {
  const bytes = createHash('sha256').update(`${tenant}\u0000${sourceId}\u0000${batchReference}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
