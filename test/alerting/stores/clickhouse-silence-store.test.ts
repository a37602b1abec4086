/**
 * The ClickHouse SilenceStore on chDB: round trip, a later save wins (also within one millisecond,
 * and a deletion beats an edit of the same millisecond from another replica), active() windows,
 * tenant isolation and unicode.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClickHouseSilenceStore } from '../../../alerting/stores/clickhouse-silence-store.js';
import type { SilenceStore } from '../../../alerting/alerting-ports.js';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { aSilence, iso, openChdb, T0, type ChdbFixture } from './store-fixture.js';

let fixture: ChdbFixture;
let analytics: AnalyticsStore;
let silences: SilenceStore;
const HOUR = 3_600_000;

beforeAll(async () => {
  fixture = await openChdb('silence_store_test');
  analytics = fixture.analytics;
});
afterAll(() => fixture.close());
beforeEach(async () => {
  await analytics.command('TRUNCATE TABLE alert_silences');
  silences = createClickHouseSilenceStore(analytics);
});

describe('ClickHouse silence store', () => {
  it('round-trips a silence, matchers included', async () => {
    const silence = aSilence({ comment: 'Wartung — Linie 3 🛠', created_by: 'jürgen', matchers: [{ name: 'site', op: '!=', value: 'WERK-MÜNCHEN' }] });
    await silences.save(silence);
    expect(await silences.get('acme', 'sil-1')).toEqual(silence);
    expect(await silences.get('globex', 'sil-1')).toBeUndefined();
    expect(await silences.get('acme', 'sil-2')).toBeUndefined();
  });

  it('the later save wins, even inside one millisecond of a frozen clock', async () => {
    const frozen = createClickHouseSilenceStore(analytics, { now: () => T0 });
    await frozen.save(aSilence({ comment: 'first' }));
    await frozen.save(aSilence({ comment: 'second' }));
    await frozen.save(aSilence({ comment: 'third' }));
    expect((await frozen.get('acme', 'sil-1'))?.comment).toBe('third');
  });

  it('a deletion beats an edit written in the same millisecond by another replica', async () => {
    const replicaA = createClickHouseSilenceStore(analytics, { now: () => T0 });
    const replicaB = createClickHouseSilenceStore(analytics, { now: () => T0 });
    await replicaA.save(aSilence({ deleted: true }));
    await replicaB.save(aSilence({ comment: 'edited concurrently' }));
    const stored = await replicaA.get('acme', 'sil-1');
    expect(stored?.deleted).toBe(true);
  });

  it('active(): not deleted and not ended at now, future ones included, one tenant only', async () => {
    await silences.save(aSilence({ silence_id: 'current', starts_at: iso(T0 - HOUR), ends_at: iso(T0 + HOUR) }));
    await silences.save(aSilence({ silence_id: 'future', starts_at: iso(T0 + 2 * HOUR), ends_at: iso(T0 + 3 * HOUR) }));
    await silences.save(aSilence({ silence_id: 'ended', starts_at: iso(T0 - 2 * HOUR), ends_at: iso(T0 - HOUR) }));
    await silences.save(aSilence({ silence_id: 'ends-now', starts_at: iso(T0 - 2 * HOUR), ends_at: iso(T0) }));
    await silences.save(aSilence({ silence_id: 'deleted', starts_at: iso(T0 - HOUR), ends_at: iso(T0 + HOUR) }));
    await silences.save(aSilence({ silence_id: 'deleted', starts_at: iso(T0 - HOUR), ends_at: iso(T0 + HOUR), deleted: true }));
    await silences.save(aSilence({ tenant_id: 'globex', silence_id: 'other-tenant', starts_at: iso(T0 - HOUR), ends_at: iso(T0 + HOUR) }));
    const active = await silences.active('acme', T0);
    expect(active.map((s) => s.silence_id)).toEqual(['current', 'future']);
    expect((await silences.active('globex', T0)).map((s) => s.silence_id)).toEqual(['other-tenant']);
    expect(await silences.get('acme', 'deleted')).toMatchObject({ deleted: true });
  });

  it('refuses an ends_at that is no timestamp', async () => {
    await expect(silences.save(aSilence({ ends_at: '2024-13-45T00:00:00Z' }))).rejects.toMatchObject({ code: 'FGC_ALERTING_ROW_INVALID' });
  });
});
