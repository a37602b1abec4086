/**
 * The ClickHouse DeliveryLog on chDB: round trip (the notification JSON included), the highest
 * version of a key wins, get / list per tenant, byKeys over 1,000 keys in one batch, and due()
 * picking exactly the held / retrying rows whose time has come and the stale queued / sending ones.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryRecord, NotificationStatus } from '../../../alerting/alert-model.js';
import type { DeliveryLog } from '../../../alerting/alerting-ports.js';
import { createClickHouseDeliveryLog, DEFAULT_DELIVERY_STALE_MS } from '../../../alerting/stores/clickhouse-delivery-log.js';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { aDelivery, aNotification, iso, openChdb, T0, type ChdbFixture } from './store-fixture.js';

let fixture: ChdbFixture;
let analytics: AnalyticsStore;
let log: DeliveryLog;
const MIN = 60_000;

beforeAll(async () => {
  fixture = await openChdb('delivery_log_test');
  analytics = fixture.analytics;
  log = createClickHouseDeliveryLog(analytics);
});
afterAll(() => fixture.close());
beforeEach(() => analytics.command('TRUNCATE TABLE notification_deliveries'));

describe('save, get and list', () => {
  it('round-trips a record with its notification', async () => {
    const record = aDelivery({
      status: 'delivered',
      attempts: 2,
      provider_id: '<ntf-1.email@forgecast>',
      last_error: 'SMTP 421: try again — später',
      delivered_at: iso(T0 + MIN),
      next_attempt_at: iso(T0 + 30_000),
      notification: aNotification({ title: 'Lagerbestand kritisch 🚨', message: '残り3日\n"quoted"', fallback: { channel: 'slack', conversation: 'C0123456' } }),
    });
    await log.save([record]);
    expect(await log.get('acme', 'ntf-1')).toEqual([record]);
    expect(await log.get('globex', 'ntf-1')).toEqual([]);
  });

  it('get returns every channel of a notification, each at its latest version', async () => {
    await log.save([aDelivery({ channel: 'email' }), aDelivery({ channel: 'slack' }), aDelivery({ channel: 'webhook' }), aDelivery({ notification_id: 'ntf-2' })]);
    await log.save([aDelivery({ channel: 'slack', status: 'delivered', version: 2 }), aDelivery({ channel: 'email', status: 'sending', version: 0 })]);
    const records = await log.get('acme', 'ntf-1');
    expect(records.map((r) => `${r.channel}:${r.status}`)).toEqual(['email:queued', 'slack:delivered', 'webhook:queued']);
  });

  it('a retried identical save lands once', async () => {
    const batch = [aDelivery({ channel: 'email' }), aDelivery({ channel: 'slack' })];
    await log.save(batch);
    await log.save(batch);
    const [row] = await analytics.query<{ n: string }>('SELECT count() AS n FROM notification_deliveries');
    expect(Number(row?.n)).toBe(2);
  });

  it('lists one tenant newest first, filtered by user and status, with a limit', async () => {
    await log.save([
      aDelivery({ notification_id: 'n1', user_id: 'alice', status: 'delivered', created_at: iso(T0) }),
      aDelivery({ notification_id: 'n2', user_id: 'alice', status: 'failed', created_at: iso(T0 + MIN) }),
      aDelivery({ notification_id: 'n3', user_id: 'bob', status: 'failed', created_at: iso(T0 + 2 * MIN) }),
      aDelivery({ notification_id: 'n4', user_id: 'ülrich', status: 'queued', created_at: iso(T0 + 3 * MIN) }),
      aDelivery({ tenant_id: 'globex', notification_id: 'g1', user_id: 'alice', status: 'failed', created_at: iso(T0 + 4 * MIN) }),
    ]);
    const ids = (records: readonly DeliveryRecord[]): string[] => records.map((r) => r.notification_id);
    expect(ids(await log.list('acme', {}))).toEqual(['n4', 'n3', 'n2', 'n1']);
    expect(ids(await log.list('acme', { user_id: 'alice' }))).toEqual(['n2', 'n1']);
    expect(ids(await log.list('acme', { status: 'failed' }))).toEqual(['n3', 'n2']);
    expect(ids(await log.list('acme', { user_id: 'alice', status: 'failed' }))).toEqual(['n2']);
    expect(ids(await log.list('acme', { user_id: 'ülrich' }))).toEqual(['n4']);
    expect(ids(await log.list('acme', { limit: 1 }))).toEqual(['n4']);
    expect(ids(await log.list('globex', {}))).toEqual(['g1']);
  });
});

describe('byKeys', () => {
  it('answers 1,000 keys in one call with the latest record of each, and nothing for unknown keys', async () => {
    const first = Array.from({ length: 1_000 }, (_, i) => aDelivery({ notification_id: `n-${i}`, tenant_id: i % 2 === 0 ? 'acme' : 'globex' }));
    await log.save(first);
    // Every third key moves on to a newer version.
    await log.save(first.filter((_, i) => i % 3 === 0).map((r) => ({ ...r, status: 'delivered' as const, version: 2 })));
    const keys = [...first.map((r) => r.idempotency_key), 'n-missing:email', 'n-1:slack', 'n-0:email'];
    const found = await log.byKeys(keys);
    expect(found.size).toBe(1_000);
    expect(found.has('n-missing:email')).toBe(false);
    expect(found.has('n-1:slack')).toBe(false);
    for (let i = 0; i < 1_000; i++) {
      const record = found.get(`n-${i}:email`);
      expect(record?.status).toBe(i % 3 === 0 ? 'delivered' : 'queued');
      expect(record?.tenant_id).toBe(i % 2 === 0 ? 'acme' : 'globex');
    }
  });

  it('an empty list of keys is an empty map', async () => {
    await log.save([aDelivery()]);
    expect((await log.byKeys([])).size).toBe(0);
  });
});

describe('due', () => {
  const NOW = T0 + 60 * MIN;
  const cases: { id: string; status: NotificationStatus; next?: number; updated?: number; due: boolean }[] = [
    { id: 'held-past', status: 'held', next: NOW - MIN, due: true },
    { id: 'held-now', status: 'held', next: NOW, due: true },
    { id: 'held-future', status: 'held', next: NOW + 1, due: false },
    { id: 'held-no-time', status: 'held', due: true },
    { id: 'retrying-past', status: 'retrying', next: NOW - 5 * MIN, due: true },
    { id: 'retrying-future', status: 'retrying', next: NOW + MIN, due: false },
    { id: 'queued-stale', status: 'queued', updated: NOW - DEFAULT_DELIVERY_STALE_MS - 1, due: true },
    { id: 'queued-fresh', status: 'queued', updated: NOW - DEFAULT_DELIVERY_STALE_MS + 1, due: false },
    { id: 'queued-at-edge', status: 'queued', updated: NOW - DEFAULT_DELIVERY_STALE_MS, due: false },
    { id: 'sending-stale', status: 'sending', updated: NOW - 2 * DEFAULT_DELIVERY_STALE_MS, due: true },
    { id: 'sending-fresh', status: 'sending', updated: NOW - MIN, due: false },
    { id: 'delivered-old', status: 'delivered', next: NOW - 10 * MIN, updated: NOW - 10 * DEFAULT_DELIVERY_STALE_MS, due: false },
    { id: 'failed-old', status: 'failed', next: NOW - 10 * MIN, updated: NOW - 10 * DEFAULT_DELIVERY_STALE_MS, due: false },
  ];
  const seed = (): Promise<void> =>
    log.save(
      cases.map((c, i) =>
        aDelivery({
          notification_id: c.id,
          tenant_id: i % 2 === 0 ? 'acme' : 'globex',
          status: c.status,
          next_attempt_at: c.next === undefined ? null : iso(c.next),
          updated_at: iso(c.updated ?? NOW - MIN),
        }),
      ),
    );

  it('picks exactly the due records, across tenants', async () => {
    await seed();
    const due = await log.due(NOW, 100);
    expect(due.map((r) => r.notification_id).sort()).toEqual(cases.filter((c) => c.due).map((c) => c.id).sort());
  });

  it('judges by the latest version: a retrying row later delivered is not due', async () => {
    await seed();
    await log.save([aDelivery({ notification_id: 'retrying-past', status: 'delivered', version: 2, next_attempt_at: iso(NOW - 5 * MIN) })]);
    const due = await log.due(NOW, 100);
    expect(due.map((r) => r.notification_id)).not.toContain('retrying-past');
  });

  it('returns the oldest first, at most `limit`', async () => {
    await seed();
    const due = await log.due(NOW, 2);
    expect(due.map((r) => r.notification_id)).toEqual(['sending-stale', 'queued-stale']);
    expect(await log.due(NOW, 0)).toEqual([]);
  });

  it('honours a staleness window passed as an option', async () => {
    await seed();
    const eager = createClickHouseDeliveryLog(analytics, { staleMs: 30_000 });
    const due = (await eager.due(NOW, 100)).map((r) => r.notification_id);
    expect(due).toContain('sending-fresh');
    expect(due).toContain('queued-fresh');
  });
});
