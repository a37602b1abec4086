/**
 * API keys. A key is `fgc_<key id>_<secret>`: the id finds the record, the secret proves
 * possession. Only a SHA-256 of the secret is stored (in ClickHouse, table `api_keys`); the full
 * key is shown once, at creation. Keys belong to one tenant and carry scopes; `admin` implies all.
 * `FORGECAST_ADMIN_KEY`, when configured, is an admin key of tenant `default`.
 *
 * Lookups are cached for CACHE_TTL_MS, so a revocation takes effect on every replica within that
 * time; unknown key ids are cached too, so a flood of made-up keys does not reach ClickHouse.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { FgcError } from '../errors.js';
import type { AnalyticsStore } from '../clickhouse/analytics-store.js';
import { fromClickHouseDateTime, toClickHouseDateTime } from '../clickhouse/datetime.js';

export const SCOPES = ['ingest', 'read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const DEFAULT_TENANT = 'default';
export const ENV_ADMIN_KEY_ID = 'env-admin';

/** Revocation reaches every replica within this time; short enough for an incident, long enough to spare ClickHouse. */
const CACHE_TTL_MS = 30_000;
/** Bound on cached lookups (hits and misses) so made-up keys cannot grow memory. */
const CACHE_MAX_ENTRIES = 10_000;

const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const KEY_PATTERN = /^fgc_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** Who is calling: resolved from the presented key. */
export interface Principal {
  readonly tenant: string;
  readonly keyId: string;
  readonly scopes: readonly Scope[];
}

export interface ApiKeyRecord {
  readonly tenant: string;
  readonly keyId: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

interface ApiKeyRow {
  tenant_id: string;
  key_id: string;
  name: string;
  scopes: string[];
  secret_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes('admin') || principal.scopes.includes(scope);
}

export function isValidTenant(tenant: string): boolean {
  return TENANT_PATTERN.test(tenant);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    tenant: row.tenant_id,
    keyId: row.key_id,
    name: row.name,
    scopes: row.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)),
    createdAt: fromClickHouseDateTime(row.created_at),
    revokedAt: row.revoked_at === null ? null : fromClickHouseDateTime(row.revoked_at),
  };
}

export interface CreateKeyRequest {
  readonly tenant: string;
  readonly scopes: readonly string[];
  readonly name?: string;
}

export class ApiKeys {
  readonly #cache = new Map<string, { row: ApiKeyRow | null; until: number }>();
  readonly #adminKeyHash: Buffer | undefined;
  #version = 0;

  constructor(
    private readonly store: AnalyticsStore,
    adminKey: string | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.#adminKeyHash = adminKey === undefined ? undefined : sha256(adminKey);
  }

  /** Creates a key; the returned `key` is the only time the secret is visible. */
  async create(request: CreateKeyRequest): Promise<{ key: string; record: ApiKeyRecord }> {
    const problems: { field: string; message: string }[] = [];
    if (!isValidTenant(request.tenant)) problems.push({ field: 'tenant', message: 'lower-case letters, digits, - and _, at most 63 characters' });
    const unknown = request.scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
    if (request.scopes.length === 0 || unknown.length > 0) problems.push({ field: 'scopes', message: `a non-empty subset of ${SCOPES.join(', ')}` });
    const name = (request.name ?? '').trim();
    if (name.length > 200) problems.push({ field: 'name', message: 'at most 200 characters' });
    if (problems.length > 0) throw new FgcError('FGC_KEYS_INVALID', 'invalid key request', { details: problems });

    const keyId = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const row: ApiKeyRow = {
      tenant_id: request.tenant,
      key_id: keyId,
      name,
      scopes: [...new Set(request.scopes)],
      secret_hash: sha256(secret).toString('hex'),
      created_at: toClickHouseDateTime(this.now()),
      revoked_at: null,
    };
    await this.store.insert('api_keys', [{ ...row, version: this.#nextVersion() }]);
    this.#cache.delete(keyId);
    return { key: `fgc_${keyId}_${secret}`, record: toRecord(row) };
  }

  /** The principal of a presented key, or null when the key is unknown, wrong or revoked. */
  async authenticate(presented: string): Promise<Principal | null> {
    if (this.#adminKeyHash !== undefined && timingSafeEqual(sha256(presented), this.#adminKeyHash)) {
      return { tenant: DEFAULT_TENANT, keyId: ENV_ADMIN_KEY_ID, scopes: ['admin'] };
    }
    const match = KEY_PATTERN.exec(presented);
    if (match === null) return null;
    const row = await this.#lookup(match[1]!);
    if (row === null || row.revoked_at !== null) return null;
    if (!timingSafeEqual(sha256(match[2]!), Buffer.from(row.secret_hash, 'hex'))) return null;
    return toRecord(row);
  }

  async get(tenant: string, keyId: string): Promise<ApiKeyRecord | null> {
    const rows = await this.store.query<ApiKeyRow>(
      'SELECT * FROM api_keys FINAL WHERE tenant_id = {tenant:String} AND key_id = {keyId:String}',
      { tenant, keyId },
    );
    return rows[0] === undefined ? null : toRecord(rows[0]);
  }

  async list(tenant: string): Promise<ApiKeyRecord[]> {
    const rows = await this.store.query<ApiKeyRow>('SELECT * FROM api_keys FINAL WHERE tenant_id = {tenant:String} ORDER BY created_at', { tenant });
    return rows.map(toRecord);
  }

  /** Revokes a key of the tenant; false when the tenant has no such key. */
  async revoke(tenant: string, keyId: string): Promise<boolean> {
    const rows = await this.store.query<ApiKeyRow>(
      'SELECT * FROM api_keys FINAL WHERE tenant_id = {tenant:String} AND key_id = {keyId:String}',
      { tenant, keyId },
    );
    const row = rows[0];
    if (row === undefined) return false;
    if (row.revoked_at === null) {
      await this.store.insert('api_keys', [{ ...row, revoked_at: toClickHouseDateTime(this.now()), version: this.#nextVersion() }]);
    }
    this.#cache.delete(keyId);
    return true;
  }

  async #lookup(keyId: string): Promise<ApiKeyRow | null> {
    const cached = this.#cache.get(keyId);
    if (cached !== undefined && cached.until > this.now()) return cached.row;
    const rows = await this.store.query<ApiKeyRow>('SELECT * FROM api_keys FINAL WHERE key_id = {keyId:String} LIMIT 1', { keyId });
    const row = rows[0] ?? null;
    if (this.#cache.size >= CACHE_MAX_ENTRIES) this.#cache.clear();
    this.#cache.set(keyId, { row, until: this.now() + CACHE_TTL_MS });
    return row;
  }

  /** Versions order the rows of one key; milliseconds × 1000 plus a counter stays unique within a process. */
  #nextVersion(): number {
    this.#version = (this.#version + 1) % 1000;
    return this.now() * 1000 + this.#version;
  }
}
