/**
 * PreferenceStore on ClickHouse (`alert_preferences`, migration 008) over the AnalyticsStore
 * port, with a per-tenant cache: routing reads every user of a tenant for every alert batch, and
 * preferences change rarely.
 *
 * Cache: `all(tenant)` loads the tenant's users once and keeps them `ttlMs` (default 30 s); `get`
 * answers from a fresh cache entry, or reads the one row. A `save` in this process drops the
 * tenant's entry, so this process sees its own change at once; OTHER REPLICAS see it only when
 * their entry expires, i.e. after at most the TTL. A load that was already in flight when a save
 * happened is not cached (a generation counter per tenant), so a stale answer never outlives the
 * save. Concurrent `all` calls of one tenant share one query.
 *
 * Versions: a save replaces the user's record; the version comes from the store's clock (ms,
 * strictly increasing in this process), so the latest save wins. One insert per save.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import type { AlertType, ChannelName, Preferences, Severity } from '../alert-model.js';
import type { PreferenceStore } from '../alerting-ports.js';
import { chTime, isoTime, parseJson, rowsToken, versionClock } from './clickhouse-rows.js';

export const PREFERENCES_TABLE = 'alert_preferences';
/** How long a tenant's users are cached: short enough for a change on another replica to show quickly, long enough to spare a query per alert batch. */
export const DEFAULT_PREFERENCES_TTL_MS = 30_000;

interface PreferencesRow {
  tenant_id: string;
  user_id: string;
  email: string | null;
  slack: string | null;
  webhook: string | null;
  channels: string[];
  min_severity: string;
  alert_types: string[];
  sites: string[];
  quiet_hours: string | null;
  digest: string;
  fallback_channel: string | null;
  updated_at: string;
}

const COLUMNS = 'tenant_id, user_id, email, slack, webhook, channels, min_severity, alert_types, sites, quiet_hours, digest, fallback_channel, updated_at';

function toRow(p: Preferences, version: number): Record<string, unknown> {
  return {
    tenant_id: p.tenant_id,
    user_id: p.user_id,
    email: p.email,
    slack: p.slack === null ? null : JSON.stringify(p.slack),
    webhook: p.webhook === null ? null : JSON.stringify(p.webhook),
    channels: p.channels,
    min_severity: p.min_severity,
    alert_types: p.alert_types,
    sites: p.sites,
    quiet_hours: p.quiet_hours === null ? null : JSON.stringify(p.quiet_hours),
    digest: p.digest,
    fallback_channel: p.fallback_channel,
    updated_at: chTime(p.updated_at, `alert_preferences ${p.tenant_id}/${p.user_id} updated_at`),
    version,
  };
}

function fromRow(r: PreferencesRow): Preferences {
  const at = (field: string): string => `alert_preferences ${r.tenant_id}/${r.user_id} ${field}`;
  return {
    tenant_id: r.tenant_id,
    user_id: r.user_id,
    email: r.email,
    slack: r.slack === null ? null : parseJson<NonNullable<Preferences['slack']>>(r.slack, at('slack')),
    webhook: r.webhook === null ? null : parseJson<NonNullable<Preferences['webhook']>>(r.webhook, at('webhook')),
    channels: r.channels as ChannelName[],
    min_severity: r.min_severity as Severity,
    alert_types: r.alert_types as AlertType[],
    sites: r.sites,
    quiet_hours: r.quiet_hours === null ? null : parseJson<NonNullable<Preferences['quiet_hours']>>(r.quiet_hours, at('quiet_hours')),
    digest: r.digest as Preferences['digest'],
    fallback_channel: r.fallback_channel as ChannelName | null,
    updated_at: isoTime(r.updated_at),
  };
}

export interface PreferenceStoreOptions {
  /** Cache lifetime of a tenant's users (ms); 0 disables the cache. Default 30 s. */
  readonly ttlMs?: number;
  /** Clock for the cache and the row versions (tests pass a fake one). */
  readonly now?: () => number;
}

interface CacheEntry {
  readonly loadedAt: number;
  readonly byUser: ReadonlyMap<string, Preferences>;
}

/** The PreferenceStore port plus cache control for tests and admin tools. */
export interface ClickHousePreferenceStore extends PreferenceStore {
  /** Drops the cached users of one tenant, or of every tenant. */
  invalidate(tenant?: string): void;
}

export function createClickHousePreferenceStore(store: AnalyticsStore, options: PreferenceStoreOptions = {}): ClickHousePreferenceStore {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? DEFAULT_PREFERENCES_TTL_MS;
  const nextVersion = versionClock(now);
  const cache = new Map<string, CacheEntry>();
  const loading = new Map<string, Promise<ReadonlyMap<string, Preferences>>>();
  /** Bumped by every save / invalidate of the tenant: a load started under an older generation is not cached. */
  const generation = new Map<string, number>();

  const fresh = (tenant: string): CacheEntry | undefined => {
    const entry = cache.get(tenant);
    if (entry === undefined) return undefined;
    if (now() - entry.loadedAt < ttlMs) return entry;
    cache.delete(tenant);
    return undefined;
  };

  const bump = (tenant: string): void => {
    generation.set(tenant, (generation.get(tenant) ?? 0) + 1);
    cache.delete(tenant);
    loading.delete(tenant);
  };

  const load = (tenant: string): Promise<ReadonlyMap<string, Preferences>> => {
    const pending = loading.get(tenant);
    if (pending !== undefined) return pending;
    const startedUnder = generation.get(tenant) ?? 0;
    const loadedAt = now();
    const promise = store
      .query<PreferencesRow>(`SELECT ${COLUMNS} FROM ${PREFERENCES_TABLE} FINAL WHERE tenant_id = {tenant:String} ORDER BY user_id`, { tenant })
      .then((rows) => {
        const byUser = new Map(rows.map((r) => [r.user_id, fromRow(r)] as const));
        if ((generation.get(tenant) ?? 0) === startedUnder && ttlMs > 0) cache.set(tenant, { loadedAt, byUser });
        return byUser;
      })
      .finally(() => {
        if (loading.get(tenant) === promise) loading.delete(tenant);
      });
    loading.set(tenant, promise);
    return promise;
  };

  return {
    async save(preferences: Preferences): Promise<void> {
      const row = toRow(preferences, nextVersion());
      try {
        await store.insert(PREFERENCES_TABLE, [row], { deduplicationToken: rowsToken(PREFERENCES_TABLE, [row]) });
      } finally {
        // Also on failure: the insert may have landed before the error reached us.
        bump(preferences.tenant_id);
      }
    },

    async get(tenant: string, userId: string): Promise<Preferences | undefined> {
      const entry = fresh(tenant);
      if (entry !== undefined) return entry.byUser.get(userId);
      const rows = await store.query<PreferencesRow>(
        `SELECT ${COLUMNS} FROM ${PREFERENCES_TABLE} FINAL WHERE tenant_id = {tenant:String} AND user_id = {userId:String} LIMIT 1`,
        { tenant, userId },
      );
      const [row] = rows;
      return row === undefined ? undefined : fromRow(row);
    },

    async all(tenant: string): Promise<Preferences[]> {
      const entry = fresh(tenant);
      const byUser = entry === undefined ? await load(tenant) : entry.byUser;
      return [...byUser.values()];
    },

    invalidate(tenant?: string): void {
      if (tenant !== undefined) {
        bump(tenant);
        return;
      }
      for (const t of new Set([...cache.keys(), ...loading.keys()])) bump(t);
    },
  };
}
