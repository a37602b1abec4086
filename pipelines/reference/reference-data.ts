/**
 * Reference data from ClickHouse, per tenant, behind the normalizers' synchronous NormalizeContext.
 * Normalizers stay pure and synchronous; the sink makes the data present first:
 *
 *   await referenceData.prepare(tenantsOfTheBatch)   // loads missing or stale tenants
 *   normalizers[type](raw, referenceData)             // lookups from memory
 *   referenceData.observe(rowsJustInserted)           // optional: base units of items just written
 *
 * Per tenant it holds every item's base unit (items FINAL), the per-item conversions
 * (uom_conversions FINAL) and the sku mappings (external_ids FINAL, entity 'item', where the source
 * key differs from the canonical one) — memory grows with a tenant's item count, a few hundred
 * bytes per item. A tenant's data is reloaded when older than `ttlMs`, or at once by `refresh`.
 * A lookup for a tenant that was never prepared throws FGC_PIPELINE_REFERENCE_NOT_LOADED: guessing
 * "no mapping" would silently split one item into two.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import type { NormalizeContext, NormalizedRows } from '../normalize/normalizer.js';
import { canonicalUnit } from './units.js';
import { addConversion, canonicalSkuIn, emptyTenantReference, mappingKey, notPrepared, uomFactorIn, type TenantReference } from './tenant-reference.js';

/**
 * How long a tenant's reference data is served before a reload: a mapping or conversion a person
 * configures reaches running pipelines within a minute, while batches (many per second) do not
 * each pay three queries.
 */
export const DEFAULT_REFERENCE_TTL_MS = 60_000;

export interface ReferenceDataOptions {
  readonly ttlMs?: number;
  /** Clock, injectable for tests. */
  readonly now?: () => number;
}

interface Loaded {
  readonly reference: TenantReference;
  readonly loadedAt: number;
}

export class ReferenceData implements NormalizeContext {
  private readonly tenants = new Map<string, Loaded>();
  private readonly loading = new Map<string, Promise<void>>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: AnalyticsStore,
    options: ReferenceDataOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_REFERENCE_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Loads every listed tenant that is not loaded or is older than the TTL; concurrent calls share one load per tenant. */
  async prepare(tenants: Iterable<string>): Promise<void> {
    const due = [...new Set(tenants)].filter((tenant) => {
      const loaded = this.tenants.get(tenant);
      return loaded === undefined || this.now() - loaded.loadedAt >= this.ttlMs;
    });
    await Promise.all(due.map((tenant) => this.refresh(tenant)));
  }

  /** Reloads one tenant now (after a person changed its mappings or conversions). */
  async refresh(tenant: string): Promise<void> {
    const inFlight = this.loading.get(tenant);
    if (inFlight !== undefined) return inFlight;
    const load = this.load(tenant).finally(() => this.loading.delete(tenant));
    this.loading.set(tenant, load);
    return load;
  }

  /**
   * Learns base units from item rows the sink has just stored, so a later record of the same
   * stream converts against an item created moments ago without waiting for the TTL. Tenants not
   * loaded are ignored (their first prepare reads the rows from ClickHouse).
   */
  observe(rows: NormalizedRows): void {
    for (const row of rows.items ?? []) {
      const { tenant_id: tenant, sku, uom, is_deleted: deleted } = row;
      const reference = typeof tenant === 'string' ? this.tenants.get(tenant)?.reference : undefined;
      if (reference === undefined || typeof sku !== 'string' || typeof uom !== 'string' || uom === '' || deleted === 1) continue;
      reference.baseUoms.set(sku, canonicalUnit(uom));
    }
  }

  uomFactor(tenant: string, sku: string, fromUom: string): string | undefined {
    return uomFactorIn(this.loaded(tenant), sku, fromUom);
  }

  canonicalSku(tenant: string, sourceId: string, sourceSku: string): string {
    return canonicalSkuIn(this.loaded(tenant), sourceId, sourceSku);
  }

  private loaded(tenant: string): TenantReference {
    const loaded = this.tenants.get(tenant);
    if (loaded === undefined) throw notPrepared(tenant);
    return loaded.reference;
  }

  private async load(tenant: string): Promise<void> {
    const params = { tenant };
    const [items, conversions, mappings] = await Promise.all([
      this.store.query<{ sku: string; uom: string }>("SELECT sku, uom FROM items FINAL WHERE tenant_id = {tenant:String} AND uom != ''", params),
      this.store.query<{ sku: string; from_uom: string; factor: string }>(
        'SELECT sku, from_uom, toString(factor) AS factor FROM uom_conversions FINAL WHERE tenant_id = {tenant:String}',
        params,
      ),
      this.store.query<{ source_id: string; source_key: string; canonical_key: string }>(
        "SELECT source_id, source_key, canonical_key FROM external_ids FINAL WHERE tenant_id = {tenant:String} AND entity = 'item' AND source_key != canonical_key",
        params,
      ),
    ]);
    const reference = emptyTenantReference();
    for (const item of items) reference.baseUoms.set(item.sku, canonicalUnit(item.uom));
    for (const c of conversions) addConversion(reference, c.sku, c.from_uom, c.factor);
    for (const m of mappings) reference.skuMappings.set(mappingKey(m.source_id, m.source_key), m.canonical_key);
    this.tenants.set(tenant, { reference, loadedAt: this.now() });
  }
}
