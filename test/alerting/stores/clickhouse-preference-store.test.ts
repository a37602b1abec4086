/**
 * The ClickHouse PreferenceStore on chDB: round trip (nulls, unicode user ids), the latest save
 * wins, tenant isolation, and the per-tenant cache — served within the TTL, reloaded after it,
 * dropped by a save in this process, and a change from another replica seen only after the TTL.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClickHousePreferenceStore } from '../../../alerting/stores/clickhouse-preference-store.js';
import type { AnalyticsStore, QueryParams } from '../../../infra/clickhouse/analytics-store.js';
import { iso, openChdb, somePreferences, T0, type ChdbFixture } from './store-fixture.js';

let fixture: ChdbFixture;
let analytics: AnalyticsStore;

beforeAll(async () => {
  fixture = await openChdb('preference_store_test');
  analytics = fixture.analytics;
});
afterAll(() => fixture.close());
beforeEach(() => analytics.command('TRUNCATE TABLE alert_preferences'));

/** The analytics store with a count of the SELECTs that reached it. */
function counting(): { store: AnalyticsStore; queries: () => number } {
  let n = 0;
  const store: AnalyticsStore = {
    kind: analytics.kind,
    database: analytics.database,
    query: <T>(sql: string, params?: QueryParams) => {
      n++;
      return analytics.query<T>(sql, params);
    },
    command: (sql, params) => analytics.command(sql, params),
    insert: (table, rows, options) => analytics.insert(table, rows, options),
    ping: () => analytics.ping(),
    close: () => Promise.resolve(),
  };
  return { store, queries: () => n };
}

describe('ClickHouse preference store', () => {
  it('round-trips full and minimal preferences', async () => {
    const store = createClickHousePreferenceStore(analytics);
    const full = somePreferences({ alert_types: ['stockout_risk', 'quality_drift'], sites: ['PLANT-1', 'WERK-MÜNCHEN'], digest: 'daily', fallback_channel: 'email' });
    const minimal = somePreferences({ user_id: 'bob', email: null, slack: null, webhook: null, channels: [], quiet_hours: null, min_severity: 'critical' });
    await store.save(full);
    await store.save(minimal);
    expect(await store.get('acme', 'alice')).toEqual(full);
    expect(await store.get('acme', 'bob')).toEqual(minimal);
    expect((await store.all('acme')).map((p) => p.user_id)).toEqual(['alice', 'bob']);
  });

  it('keeps unicode user ids apart and intact', async () => {
    const store = createClickHousePreferenceStore(analytics);
    const ids = ['jürgen', 'JÜRGEN', '山田太郎', 'o\'brien "x"', '🙂'];
    for (const user_id of ids) await store.save(somePreferences({ user_id, email: `${user_id}@example.com` }));
    const all = await store.all('acme');
    expect(all.map((p) => p.user_id).sort()).toEqual([...ids].sort());
    expect((await store.get('acme', '山田太郎'))?.email).toBe('山田太郎@example.com');
  });

  it('the latest save wins, even inside one millisecond', async () => {
    const store = createClickHousePreferenceStore(analytics, { now: () => T0 });
    await store.save(somePreferences({ min_severity: 'info' }));
    await store.save(somePreferences({ min_severity: 'critical' }));
    expect((await store.get('acme', 'alice'))?.min_severity).toBe('critical');
    expect(await store.all('acme')).toHaveLength(1);
  });

  it('never shows one tenant the users of another', async () => {
    const store = createClickHousePreferenceStore(analytics);
    await store.save(somePreferences({ tenant_id: 'acme', user_id: 'alice' }));
    await store.save(somePreferences({ tenant_id: 'globex', user_id: 'gina' }));
    expect((await store.all('acme')).map((p) => p.user_id)).toEqual(['alice']);
    expect((await store.all('globex')).map((p) => p.user_id)).toEqual(['gina']);
    expect(await store.get('globex', 'alice')).toBeUndefined();
    expect(await store.all('initech')).toEqual([]);
  });

  describe('cache', () => {
    it('serves a tenant from one query within the TTL, and reloads after it', async () => {
      let clock = T0;
      const { store: counted, queries } = counting();
      const store = createClickHousePreferenceStore(counted, { ttlMs: 30_000, now: () => clock });
      await analytics.insert('alert_preferences', [{ tenant_id: 'acme', user_id: 'alice', channels: [], min_severity: 'info', alert_types: [], sites: [], digest: 'off', updated_at: '2024-06-01 10:00:00.000', version: 1 }]);
      expect(await store.all('acme')).toHaveLength(1);
      expect(await store.all('acme')).toHaveLength(1);
      expect((await store.get('acme', 'alice'))?.user_id).toBe('alice');
      expect(await store.get('acme', 'nobody')).toBeUndefined();
      expect(queries()).toBe(1);
      clock += 30_000;
      expect(await store.all('acme')).toHaveLength(1);
      expect(queries()).toBe(2);
    });

    it('shares one query between concurrent loads of a tenant', async () => {
      const { store: counted, queries } = counting();
      const store = createClickHousePreferenceStore(counted);
      await store.save(somePreferences());
      const results = await Promise.all([store.all('acme'), store.all('acme'), store.all('acme')]);
      expect(results.map((r) => r.length)).toEqual([1, 1, 1]);
      expect(queries()).toBe(1);
    });

    it('a save in this process is seen at once; another replica sees it after its TTL', async () => {
      let clock = T0;
      const here = createClickHousePreferenceStore(analytics, { now: () => clock });
      const replica = createClickHousePreferenceStore(analytics, { now: () => clock });
      await here.save(somePreferences({ min_severity: 'info' }));
      expect((await here.all('acme'))[0]?.min_severity).toBe('info');
      expect((await replica.all('acme'))[0]?.min_severity).toBe('info');

      clock += 1;
      await here.save(somePreferences({ min_severity: 'critical', updated_at: iso(clock) }));
      expect((await here.all('acme'))[0]?.min_severity).toBe('critical');
      expect((await here.get('acme', 'alice'))?.min_severity).toBe('critical');
      // The replica's cache is still within its TTL: the old value, until it expires.
      expect((await replica.all('acme'))[0]?.min_severity).toBe('info');
      clock += 30_000;
      expect((await replica.all('acme'))[0]?.min_severity).toBe('critical');
    });

    it('a load in flight during a save is not cached', async () => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const slow: AnalyticsStore = {
        kind: analytics.kind,
        database: analytics.database,
        query: async <T>(sql: string, params?: QueryParams) => {
          const rows = await analytics.query<T>(sql, params);
          await gate;
          return rows;
        },
        insert: (table, rows, options) => analytics.insert(table, rows, options),
        command: (sql, params) => analytics.command(sql, params),
        ping: () => analytics.ping(),
        close: () => Promise.resolve(),
      };
      const store = createClickHousePreferenceStore(slow);
      await analytics.insert('alert_preferences', [{ tenant_id: 'acme', user_id: 'alice', channels: [], min_severity: 'info', alert_types: [], sites: [], digest: 'off', updated_at: '2024-06-01 10:00:00.000', version: 1 }]);
      const stale = store.all('acme');
      await store.save(somePreferences({ min_severity: 'critical' }));
      release();
      expect((await stale)[0]?.min_severity).toBe('info');
      expect((await store.all('acme'))[0]?.min_severity).toBe('critical');
    });

    it('ttlMs 0 disables the cache', async () => {
      const { store: counted, queries } = counting();
      const store = createClickHousePreferenceStore(counted, { ttlMs: 0 });
      await store.save(somePreferences());
      await store.all('acme');
      await store.all('acme');
      expect(queries()).toBe(2);
    });
  });
});
