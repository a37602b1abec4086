/**
 * Batch identity and content: the id depends only on (tenant, source_id, batch_reference); the
 * hash only on what the batch says, not on key order; the canonical JSON's fast path for flat
 * records is byte-identical to the general recursion. And group commit, which shares ClickHouse
 * round trips between concurrent batches, gives every caller its own result or its flush's error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchIdFor, canonicalJson, contentHash } from '../../../connectors/ingest/batch-identity.js';
import { GroupCommit } from '../../../connectors/ingest/group-commit.js';

/** Reference canonical JSON: sorted keys at every level, written the slow, obvious way. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : reference(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .filter((k) => record[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${reference(record[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('batch identity', () => {
  it('derives a stable version-8 UUID from tenant, source and reference only', () => {
    const id = batchIdFor('acme', 'erp_001', 'batch_20240101_001');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(batchIdFor('acme', 'erp_001', 'batch_20240101_001')).toBe(id);
    const others = [batchIdFor('globex', 'erp_001', 'batch_20240101_001'), batchIdFor('acme', 'erp_002', 'batch_20240101_001'), batchIdFor('acme', 'erp_001', 'batch_20240101_002'), batchIdFor('acme', 'erp_00', '1batch_20240101_001')];
    expect(new Set([id, ...others]).size).toBe(5);
  });

  it('hashes content independently of key order, and differently for any change', () => {
    const a = contentHash('erp', 'canonical', { items: [{ sku: 'A', name: 'x', dims: { w: 1, h: 2 } }], inventory: [] });
    const b = contentHash('erp', 'canonical', { inventory: [], items: [{ dims: { h: 2, w: 1 }, name: 'x', sku: 'A' }] });
    expect(a).toBe(b);
    expect(contentHash('erp', 'canonical', { items: [{ sku: 'A', name: 'x', dims: { w: 1, h: 3 } }], inventory: [] })).not.toBe(a);
    expect(contentHash('quality', 'canonical', { items: [{ sku: 'A', name: 'x', dims: { w: 1, h: 2 } }], inventory: [] })).not.toBe(a);
    expect(contentHash('erp', 'sap', { items: [{ sku: 'A', name: 'x', dims: { w: 1, h: 2 } }], inventory: [] })).not.toBe(a);
    expect(contentHash('erp', 'canonical', { items: [{ sku: 'A', name: 'x', dims: { w: 1, h: 2 } }] })).not.toBe(a);
  });

  it('writes the same canonical JSON as the reference for any JSON value (property)', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => canonicalJson(value) === reference(value)), { numRuns: 500 });
    fc.assert(fc.property(fc.dictionary(fc.oneof(fc.string(), fc.integer({ min: 0 }).map(String)), fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null))), (flat) => canonicalJson(flat) === reference(flat)));
    // Arrays of flat records sharing (or not) their key order: the batched fast path.
    const flatRecord = fc.dictionary(fc.constantFrom('sku', 'name', 'qty', 'b', 'a', 'zz', '10', '2'), fc.oneof(fc.string(), fc.integer(), fc.constant(null)));
    fc.assert(fc.property(fc.array(flatRecord, { maxLength: 20 }), (records) => canonicalJson(records) === reference(records)));
    const sameShape = Array.from({ length: 5 }, (_, i) => ({ sku: `S${i}`, name: 'n', qty: i }));
    expect(canonicalJson([...sameShape, { qty: 9, sku: 'X' }, 'text', 7, null])).toBe(reference([...sameShape, { qty: 9, sku: 'X' }, 'text', 7, null]));
    const poisoned = JSON.parse('{"b":1,"__proto__":{"x":1},"a":2}') as unknown;
    expect(canonicalJson(poisoned)).toBe('{"__proto__":{"x":1},"a":2,"b":1}');
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
    // Integer-like keys: JavaScript orders them first in any object; canonical order is plain string order.
    expect(canonicalJson({ b: 1, '10': 2, '9': 3, a: 4 })).toBe('{"10":2,"9":3,"a":4,"b":1}');
  });
});

describe('GroupCommit', () => {
  it('sends a lone call at once and groups the calls that arrive while a flush runs', async () => {
    const flushes: number[][] = [];
    let release!: () => void;
    let gate = new Promise<void>((resolve) => (release = resolve));
    const group = new GroupCommit<number, string>(async (items) => {
      flushes.push([...items]);
      await gate;
      return items.map((i) => `r${i}`);
    }, 3);
    const first = group.submit(1);
    const queued = [group.submit(2), group.submit(3), group.submit(4), group.submit(5)];
    expect(flushes).toEqual([[1]]);
    release();
    gate = Promise.resolve();
    expect(await first).toBe('r1');
    expect(await Promise.all(queued)).toEqual(['r2', 'r3', 'r4', 'r5']);
    expect(flushes).toEqual([[1], [2, 3, 4], [5]]);
    expect(await group.submit(6)).toBe('r6');
  });

  it('fails exactly the calls of a failed flush, and carries on', async () => {
    let fail = true;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const group = new GroupCommit<string, string>(async (items) => {
      await gate;
      if (items.includes('boom') && fail) {
        fail = false;
        throw new Error('flush failed');
      }
      return items.map((i) => i.toUpperCase());
    }, 10);
    const first = group.submit('a');
    const second = [group.submit('boom'), group.submit('b')];
    release();
    expect(await first).toBe('A');
    await expect(second[0]).rejects.toThrow('flush failed');
    await expect(second[1]).rejects.toThrow('flush failed');
    expect(await group.submit('c')).toBe('C');
  });
});
