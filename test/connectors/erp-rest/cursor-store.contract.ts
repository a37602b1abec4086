/**
 * The CursorStore contract, run against every adapter (file, ClickHouse on chDB): what the poller
 * relies on — nothing before the first save, the latest state after a reopen (a restart), the
 * highest revision whatever order saves arrive in, and keys kept apart.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CursorKey, CursorState, CursorStore } from '../../../connectors/erp-rest/cursor-store.js';

export interface CursorStoreRig {
  readonly store: CursorStore;
  /** A new store over the same storage, as after a restart. */
  reopen(): Promise<CursorStore>;
  cleanup(): Promise<void>;
}

const KEY: CursorKey = { tenant: 'acme', sourceId: 'erp_001', entity: 'items' };

function state(revision: number, id: string): CursorState {
  return {
    revision,
    cursor: { updatedAt: '2024-01-01T05:00:00.000Z', id },
    published: [
      { id, version: '2024-01-01T05:00:00Z', updatedAtMs: Date.UTC(2024, 0, 1, 5) },
      { id: 'with "quotes" and \\ and ünïcode', version: 'v1', updatedAtMs: Date.UTC(2024, 0, 1, 4, 58) },
    ],
  };
}

export function describeCursorStoreContract(name: string, open: () => Promise<CursorStoreRig>): void {
  describe(`CursorStore contract: ${name}`, () => {
    let rig: CursorStoreRig;
    beforeEach(async () => {
      rig = await open();
    });
    afterEach(async () => {
      await rig.cleanup();
    });

    it('has no state before the first save', async () => {
      expect(await rig.store.load(KEY)).toBeNull();
    });

    it('returns the saved state, also after a restart', async () => {
      await rig.store.save(KEY, state(5, 'I005'));
      expect(await rig.store.load(KEY)).toEqual(state(5, 'I005'));
      const reopened = await rig.reopen();
      expect(await reopened.load(KEY)).toEqual(state(5, 'I005'));
      await reopened.close();
    });

    it('keeps the highest revision whatever order the saves arrive in', async () => {
      await rig.store.save(KEY, state(2 ** 21 * 7 + 3, 'new'));
      await rig.store.save(KEY, state(2 ** 21 * 6 + 900, 'stale-replica'));
      expect((await rig.store.load(KEY))!.cursor!.id).toBe('new');
      await rig.store.save(KEY, state(2 ** 21 * 7 + 4, 'newer'));
      expect((await rig.store.load(KEY))!.cursor!.id).toBe('newer');
    });

    it('keeps tenants, sources and entities apart', async () => {
      await rig.store.save(KEY, state(1, 'a'));
      await rig.store.save({ ...KEY, entity: 'sales_orders' }, state(1, 'b'));
      await rig.store.save({ ...KEY, tenant: 'other' }, state(1, 'c'));
      await rig.store.save({ ...KEY, sourceId: 'erp_002' }, state(1, 'd'));
      expect((await rig.store.load(KEY))!.cursor!.id).toBe('a');
      expect((await rig.store.load({ ...KEY, entity: 'sales_orders' }))!.cursor!.id).toBe('b');
      expect((await rig.store.load({ ...KEY, tenant: 'other' }))!.cursor!.id).toBe('c');
      expect((await rig.store.load({ ...KEY, sourceId: 'erp_002' }))!.cursor!.id).toBe('d');
    });

    it('stores a null cursor with an empty published list', async () => {
      await rig.store.save(KEY, { revision: 1, cursor: null, published: [] });
      expect(await rig.store.load(KEY)).toEqual({ revision: 1, cursor: null, published: [] });
    });

    it('refuses key parts that are not plain names', async () => {
      await expect(rig.store.load({ ...KEY, sourceId: '../escape' })).rejects.toThrow(/invalid cursor key/);
      await expect(rig.store.save({ ...KEY, entity: "x' OR 1=1" }, state(1, 'x'))).rejects.toThrow(/invalid cursor key/);
    });
  });
}
