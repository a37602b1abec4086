/**
 * The ClickHouse AlertStore on chDB over the shipped migrations: round trip, highest version wins
 * under FINAL (before and after a merge), list filters and order, open() across tenants, tenant
 * isolation, unicode, one insert per save and a retried insert landing once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../alerting/alert-model.js';
import { createClickHouseAlertStore, type ClickHouseAlertStore } from '../../../alerting/stores/clickhouse-alert-store.js';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import type { FgcError } from '../../../infra/errors.js';
import { anAlert, iso, openChdb, T0, type ChdbFixture } from './store-fixture.js';

let fixture: ChdbFixture;
let analytics: AnalyticsStore;
let alerts: ClickHouseAlertStore;

beforeAll(async () => {
  fixture = await openChdb('alert_store_test');
  analytics = fixture.analytics;
  alerts = createClickHouseAlertStore(analytics);
});
afterAll(() => fixture.close());
beforeEach(() => analytics.command('TRUNCATE TABLE alerts'));

const rowCount = async (): Promise<number> => Number((await analytics.query<{ n: string }>('SELECT count() AS n FROM alerts'))[0]?.n);

describe('save and get', () => {
  it('round-trips every field', async () => {
    const alert = anAlert({ acknowledged_by: 'bob', acknowledged_at: iso(T0 + 5_000), last_notified_at: iso(T0 + 61_000), ok_since: iso(T0 + 70_000) });
    await alerts.save([alert]);
    expect(await alerts.get('acme', 'al-1')).toEqual(alert);
  });

  it('returns undefined for an unknown id, and for another tenant', async () => {
    await alerts.save([anAlert()]);
    expect(await alerts.get('acme', 'nope')).toBeUndefined();
    expect(await alerts.get('globex', 'al-1')).toBeUndefined();
  });

  it('keeps the highest version, whatever the insert order, before and after a merge', async () => {
    await alerts.save([anAlert({ version: 3, status: 'resolved', resolved_at: iso(T0 + 9_000) })]);
    await alerts.save([anAlert({ version: 2, status: 'firing' })]);
    await alerts.save([anAlert({ version: 1, status: 'pending', fired_at: null })]);
    expect((await alerts.get('acme', 'al-1'))?.status).toBe('resolved');
    expect(await rowCount()).toBe(3);
    await analytics.command('OPTIMIZE TABLE alerts FINAL');
    expect(await rowCount()).toBe(1);
    expect((await alerts.get('acme', 'al-1'))?.version).toBe(3);
  });

  it('writes a batch in one insert, and a retried identical insert lands once', async () => {
    const batch = Array.from({ length: 50 }, (_, i) => anAlert({ alert_id: `al-${i}`, fingerprint: `fp-${i}` }));
    await alerts.save(batch);
    await alerts.save(batch);
    expect(await rowCount()).toBe(50);
    const [parts] = await analytics.query<{ n: string }>("SELECT count() AS n FROM system.parts WHERE database = currentDatabase() AND table = 'alerts' AND active");
    expect(Number(parts?.n)).toBe(1);
  });

  it('an empty save is a no-op', async () => {
    await alerts.save([]);
    expect(await rowCount()).toBe(0);
  });

  it('keeps unicode and quotes in titles, ids, labels and recommendations', async () => {
    const alert = anAlert({
      alert_id: 'al-ü-🚨',
      tenant_id: 'tenant-日本',
      entity_id: "O'Brien \"bolt\" ✓",
      site: 'WERK-MÜNCHEN',
      title: 'Lagerbestand kritisch: Schraube M8 — 残り3日 🚨',
      message: 'line1\nline2\t\\',
      labels: { 'lieferant': 'Müller & Söhne', emoji: '🔩' },
      recommendation: { action: 'order', text: 'Bestellen: 500 Stück bis 03.06.', order_qty: 500 },
    });
    await alerts.save([alert]);
    expect(await alerts.get('tenant-日本', 'al-ü-🚨')).toEqual(alert);
  });

  it('refuses a timestamp that is no instant, naming the field', async () => {
    const error = (await alerts.save([anAlert({ updated_at: 'yesterday' })]).catch((e: unknown) => e)) as FgcError;
    expect(error.code).toBe('FGC_ALERTING_ROW_INVALID');
    expect(error.message).toContain('updated_at');
    expect(await rowCount()).toBe(0);
  });

  it('finds the newest alert of a fingerprint', async () => {
    await alerts.save([
      anAlert({ alert_id: 'old', fingerprint: 'fp-x', starts_at: iso(T0), status: 'resolved', resolved_at: iso(T0 + 1) }),
      anAlert({ alert_id: 'new', fingerprint: 'fp-x', starts_at: iso(T0 + 86_400_000) }),
      anAlert({ alert_id: 'other', fingerprint: 'fp-y', starts_at: iso(T0 + 2 * 86_400_000) }),
    ]);
    expect((await alerts.byFingerprint('acme', 'fp-x'))?.alert_id).toBe('new');
    expect(await alerts.byFingerprint('globex', 'fp-x')).toBeUndefined();
  });
});

describe('open()', () => {
  it('returns the pending and firing alerts of every tenant, by their latest version only', async () => {
    await alerts.save([
      anAlert({ tenant_id: 'acme', alert_id: 'a-firing' }),
      anAlert({ tenant_id: 'acme', alert_id: 'a-pending', status: 'pending', fired_at: null }),
      anAlert({ tenant_id: 'acme', alert_id: 'a-resolved', status: 'resolved', resolved_at: iso(T0 + 1) }),
      anAlert({ tenant_id: 'globex', alert_id: 'g-firing' }),
      anAlert({ tenant_id: 'globex', alert_id: 'g-later-resolved', version: 1 }),
    ]);
    // A later version resolves one; an old firing row of it must not resurface.
    await alerts.save([anAlert({ tenant_id: 'globex', alert_id: 'g-later-resolved', version: 2, status: 'resolved', resolved_at: iso(T0 + 2) })]);
    // A resolved alert re-opened by a later version is open again.
    await alerts.save([anAlert({ tenant_id: 'acme', alert_id: 'a-resolved', version: 2, status: 'firing' })]);
    const open = await alerts.open();
    expect(open.map((a) => `${a.tenant_id}/${a.alert_id}`).sort()).toEqual(['acme/a-firing', 'acme/a-pending', 'acme/a-resolved', 'globex/g-firing']);
  });

  it('stays exact over many parts (skip indexes under FINAL)', async () => {
    // Resolved versions in separate inserts (separate parts and granules) from their firing versions.
    await alerts.save(Array.from({ length: 200 }, (_, i) => anAlert({ alert_id: `x-${i}`, version: 1 })));
    await alerts.save(Array.from({ length: 200 }, (_, i) => anAlert({ alert_id: `x-${i}`, version: 2, status: i % 10 === 0 ? 'firing' : 'resolved', resolved_at: iso(T0 + 5) })));
    const open = await alerts.open();
    expect(open).toHaveLength(20);
    expect(open.every((a) => a.version === 2 && a.status === 'firing')).toBe(true);
  });
});

describe('recentlyResolved()', () => {
  it('returns alerts of every tenant whose latest version resolved at or after `since`', async () => {
    const since = T0 + 10_000;
    await alerts.save([
      anAlert({ tenant_id: 'acme', alert_id: 'before', status: 'resolved', resolved_at: iso(since - 1) }),
      anAlert({ tenant_id: 'acme', alert_id: 'at', status: 'resolved', resolved_at: iso(since) }),
      anAlert({ tenant_id: 'globex', alert_id: 'after', status: 'resolved', resolved_at: iso(since + 60_000) }),
      anAlert({ tenant_id: 'acme', alert_id: 'firing' }),
      anAlert({ tenant_id: 'acme', alert_id: 'reopened', status: 'resolved', resolved_at: iso(since + 1), version: 1 }),
    ]);
    await alerts.save([anAlert({ tenant_id: 'acme', alert_id: 'reopened', status: 'firing', resolved_at: null, version: 2 })]);
    const resolved = await alerts.recentlyResolved(since);
    expect(resolved.map((a) => `${a.tenant_id}/${a.alert_id}`)).toEqual(['acme/at', 'globex/after']);
    expect((await alerts.recentlyResolved(Number.NEGATIVE_INFINITY)).map((a) => a.alert_id).sort()).toEqual(['after', 'at', 'before']);
  });
});

describe('list()', () => {
  const day = 86_400_000;
  const seed = async (): Promise<Alert[]> => {
    const rows = [
      anAlert({ alert_id: 'a1', starts_at: iso(T0), severity: 'info', type: 'stale_source', site: '', status: 'resolved', resolved_at: iso(T0 + 1) }),
      anAlert({ alert_id: 'a2', starts_at: iso(T0 + day), severity: 'warning', type: 'stockout_risk', site: 'PLANT-1' }),
      anAlert({ alert_id: 'a3', starts_at: iso(T0 + 2 * day), severity: 'critical', type: 'stockout_risk', site: 'PLANT-2' }),
      anAlert({ alert_id: 'a4', starts_at: iso(T0 + 3 * day), severity: 'critical', type: 'quality_drift', site: 'PLANT-1', status: 'pending', fired_at: null }),
      anAlert({ alert_id: 'a5', starts_at: iso(T0 + 3 * day), severity: 'warning', type: 'late_supplier', site: 'PLANT-2' }),
      anAlert({ tenant_id: 'globex', alert_id: 'g1', starts_at: iso(T0 + day), severity: 'critical' }),
    ];
    await alerts.save(rows);
    return rows;
  };
  const ids = (list: readonly Alert[]): string[] => list.map((a) => a.alert_id);

  it('lists one tenant newest first (starts_at, then alert_id, descending)', async () => {
    await seed();
    expect(ids(await alerts.list('acme', {}))).toEqual(['a5', 'a4', 'a3', 'a2', 'a1']);
    expect(ids(await alerts.list('globex', {}))).toEqual(['g1']);
    expect(await alerts.list('initech', {})).toEqual([]);
  });

  it('filters by status, severity, type and site, combined', async () => {
    await seed();
    expect(ids(await alerts.list('acme', { status: 'firing' }))).toEqual(['a5', 'a3', 'a2']);
    expect(ids(await alerts.list('acme', { severity: 'critical' }))).toEqual(['a4', 'a3']);
    expect(ids(await alerts.list('acme', { type: 'stockout_risk' }))).toEqual(['a3', 'a2']);
    expect(ids(await alerts.list('acme', { site: 'PLANT-1' }))).toEqual(['a4', 'a2']);
    expect(ids(await alerts.list('acme', { site: '' }))).toEqual(['a1']);
    expect(ids(await alerts.list('acme', { status: 'firing', severity: 'critical', site: 'PLANT-2' }))).toEqual(['a3']);
    expect(ids(await alerts.list('acme', { type: "x' OR 1=1 --" }))).toEqual([]);
  });

  it('bounds starts_at with from (inclusive) and to (exclusive), and honours limit', async () => {
    await seed();
    expect(ids(await alerts.list('acme', { from: iso(T0 + day), to: iso(T0 + 3 * day) }))).toEqual(['a3', 'a2']);
    expect(ids(await alerts.list('acme', { from: iso(T0 + 3 * day) }))).toEqual(['a5', 'a4']);
    expect(ids(await alerts.list('acme', { limit: 2 }))).toEqual(['a5', 'a4']);
    expect(ids(await alerts.list('acme', { limit: 0 }))).toHaveLength(5);
  });

  it('filters on the latest version: an alert resolved later is not listed as firing', async () => {
    await seed();
    await alerts.save([anAlert({ alert_id: 'a2', starts_at: iso(T0 + day), site: 'PLANT-1', version: 2, status: 'resolved', resolved_at: iso(T0 + day + 1) })]);
    expect(ids(await alerts.list('acme', { status: 'firing' }))).toEqual(['a5', 'a3']);
    expect(ids(await alerts.list('acme', { status: 'resolved' }))).toEqual(['a2', 'a1']);
  });

  it('a from / to that is not a timestamp is FGC_ALERT_INVALID_REQUEST', async () => {
    const error = (await alerts.list('acme', { from: 'last tuesday' }).catch((e: unknown) => e)) as FgcError;
    expect(error.code).toBe('FGC_ALERT_INVALID_REQUEST');
  });
});
