/** The cursor rule as pure functions: ordering, the window, the published set, page reading. */
import { describe, expect, it } from 'vitest';
import { batchReference } from '../../../connectors/erp-rest/entity-sync.js';
import { nextFromLinkHeader, readErpPage, readPath } from '../../../connectors/erp-rest/erp-page.js';
import { backoffMs, parseRetryAfter } from '../../../connectors/erp-rest/erp-http-client.js';
import { parseErpSources } from '../../../connectors/erp-rest/erp-source-config.js';
import { compareIds, laterCursor, PublishedSet, selectFresh, windowStartMs, type SourceRecord } from '../../../connectors/erp-rest/sync-cursor.js';

const T = Date.UTC(2024, 0, 1, 12);

function rec(id: string, updatedAtMs: number, version = String(updatedAtMs)): SourceRecord {
  return { id, version, updatedAtMs, data: { id, v: version } };
}

describe('cursor rule', () => {
  it('orders numeric ids as numbers and others as text', () => {
    expect(['10', '9', '010', '100'].sort(compareIds)).toEqual(['9', '10', '010', '100']);
    expect(['b', 'B', 'a'].sort(compareIds)).toEqual(['B', 'a', 'b']);
  });

  it('never moves a cursor backwards', () => {
    const at = { updatedAt: new Date(T).toISOString(), id: '5' };
    expect(laterCursor(at, { updatedAt: new Date(T).toISOString(), id: '4' })).toBe(at);
    expect(laterCursor(at, { updatedAt: new Date(T + 1).toISOString(), id: '1' })!.id).toBe('1');
    expect(laterCursor(null, at)).toBe(at);
  });

  it('opens the window overlap before the cursor, or at start_from before the first cursor', () => {
    expect(windowStartMs({ updatedAt: new Date(T).toISOString(), id: 'x' }, 300_000, undefined)).toBe(T - 300_000);
    expect(windowStartMs(null, 300_000, '2024-01-01T00:00:00.000Z')).toBe(Date.UTC(2024, 0, 1));
    expect(windowStartMs(null, 300_000, undefined)).toBeUndefined();
  });

  it('publishes late and equal-timestamp records it never published, drops what it did and what lies outside the window', () => {
    const published = new PublishedSet([{ id: 'B', version: String(T), updatedAtMs: T }]);
    const fresh = selectFresh([rec('B', T), rec('A', T), rec('L', T - 60_000), rec('OLD', T - 600_000), rec('A', T), rec('B', T + 5, 'v2')], published, T - 300_000);
    expect(fresh.map((r) => `${r.id}@${r.version}`)).toEqual([`L@${T - 60_000}`, `A@${T}`, 'B@v2']);
  });

  it('forgets published pairs that fell out of the window, then the oldest past the limit', () => {
    const set = new PublishedSet([rec('a', T - 10), rec('b', T), rec('c', T + 10), rec('d', T + 20)]);
    set.prune(T);
    expect(set.entries().map((e) => e.id)).toEqual(['b', 'c', 'd']);
    set.prune(undefined, 2);
    expect(set.entries().map((e) => e.id)).toEqual(['c', 'd']);
  });

  it('derives batch references from the entity, the cursor before the page and the records', () => {
    const page = [rec('A', T)];
    const ref = batchReference('items', { updatedAt: '2024-01-01T00:00:00.000Z', id: '7' }, page);
    expect(ref).toMatch(/^items:2024-01-01T00:00:00.000Z\/7:[0-9a-f]{16}$/);
    expect(batchReference('items', { updatedAt: '2024-01-01T00:00:00.000Z', id: '7' }, page)).toBe(ref);
    expect(batchReference('items', { updatedAt: '2024-01-01T00:00:00.000Z', id: '7' }, [rec('A', T, 'v2')])).not.toBe(ref);
    expect(batchReference('items', { updatedAt: '2024-01-01T00:00:00.000Z', id: 'x'.repeat(500) }, page).length).toBeLessThan(80);
  });
});

describe('page reading and HTTP helpers', () => {
  const [source] = parseErpSources(
    JSON.stringify([{ id: 's', base_url: 'http://x', entities: [{ name: 'e', path: 'e', record_type: 'items', records_field: 'd.rows', version_field: 'rv', paging: { kind: 'next', next_field: '@odata.nextLink' } }] }]),
    {},
  );
  const entity = source!.entities[0]!;

  it('finds records by dot path, next links by exact key first, and numeric ids and versions', () => {
    const page = readErpPage({ d: { rows: [{ id: 7, updated_at: '2024-01-01T00:00:00Z', rv: 3 }] }, '@odata.nextLink': 'http://x/e?$skip=1' }, new Headers(), entity, 'u');
    expect(page.records).toEqual([{ id: '7', version: '3', updatedAtMs: Date.UTC(2024, 0, 1), data: { id: 7, updated_at: '2024-01-01T00:00:00Z', rv: 3 } }]);
    expect(page.next).toBe('http://x/e?$skip=1');
    expect(readPath({ a: { b: 1 } }, 'a.b')).toBe(1);
  });

  it('refuses a page without the record array', () => {
    expect(() => readErpPage({ rows: [] }, new Headers(), entity, 'u')).toThrow(/expected an array of records at "d.rows"/);
  });

  it('reads rel="next" from a Link header among other relations', () => {
    expect(nextFromLinkHeader('<http://x/a?page=1>; rel="prev", <http://x/a?page=3>; rel="next last"')).toBe('http://x/a?page=3');
    expect(nextFromLinkHeader('<http://x/a?page=1>; rel=prev')).toBeUndefined();
    expect(nextFromLinkHeader(null)).toBeUndefined();
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3', 0)).toBe(3_000);
    expect(parseRetryAfter(new Date(T + 5_000).toUTCString(), T)).toBe(5_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });

  it('backs off exponentially up to the cap, scaled by the jitter draw', () => {
    const retry = { maxAttempts: 9, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 0 };
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(a, retry, () => 1))).toEqual([100, 200, 400, 800, 1_000]);
    expect(backoffMs(3, retry, () => 0.5)).toBe(200);
  });
});
