/**
 * One tenant's reference data as plain lookups, and the pure rules that answer the normalizers'
 * questions from it: the factor from a record's unit to the item's base unit (same unit → 1, then
 * the item's own conversions, then the default table), and the canonical sku of a source's item
 * id (a configured mapping, else the id itself). `ReferenceData` fills these from ClickHouse;
 * `createStaticReference` builds them from literals (tests, tools).
 */
import type { NormalizeContext } from '../normalize/normalizer.js';
import { FgcError } from '../../infra/errors.js';
import { canonicalUnit, defaultFactor } from './units.js';

export interface TenantReference {
  /** Canonical sku → base unit (canonical code). */
  readonly baseUoms: Map<string, string>;
  /** Canonical sku → canonical from-unit → factor into the base unit. */
  readonly conversions: Map<string, Map<string, string>>;
  /** `source_id \u0000 source sku` → canonical sku, only where they differ. */
  readonly skuMappings: Map<string, string>;
}

export function emptyTenantReference(): TenantReference {
  return { baseUoms: new Map(), conversions: new Map(), skuMappings: new Map() };
}

/** Key of skuMappings: NUL cannot occur in ids that passed ingest's text rules. */
export function mappingKey(sourceId: string, sourceSku: string): string {
  return `${sourceId}\u0000${sourceSku}`;
}

export function addConversion(reference: TenantReference, sku: string, fromUom: string, factor: string): void {
  let bySku = reference.conversions.get(sku);
  if (bySku === undefined) reference.conversions.set(sku, (bySku = new Map<string, string>()));
  bySku.set(canonicalUnit(fromUom), factor);
}

export function uomFactorIn(reference: TenantReference, sku: string, fromUom: string): string | undefined {
  const base = reference.baseUoms.get(sku);
  if (base === undefined) return undefined;
  const from = canonicalUnit(fromUom);
  if (from === canonicalUnit(base)) return '1';
  return reference.conversions.get(sku)?.get(from) ?? defaultFactor(from, base);
}

export function canonicalSkuIn(reference: TenantReference, sourceId: string, sourceSku: string): string {
  return reference.skuMappings.get(mappingKey(sourceId, sourceSku)) ?? sourceSku;
}

/** Literal reference data of one tenant. */
export interface StaticTenantReference {
  readonly baseUoms?: Readonly<Record<string, string>>;
  readonly conversions?: readonly { readonly sku: string; readonly fromUom: string; readonly factor: string }[];
  readonly skuMappings?: readonly { readonly sourceId: string; readonly sourceSku: string; readonly canonicalSku: string }[];
}

/** A NormalizeContext over literal reference data; a tenant not listed has none (every sku maps to itself, no base units). */
export function createStaticReference(byTenant: Readonly<Record<string, StaticTenantReference>>): NormalizeContext {
  const tenants = new Map<string, TenantReference>();
  for (const [tenant, input] of Object.entries(byTenant)) {
    const reference = emptyTenantReference();
    for (const [sku, uom] of Object.entries(input.baseUoms ?? {})) reference.baseUoms.set(sku, canonicalUnit(uom));
    for (const c of input.conversions ?? []) addConversion(reference, c.sku, c.fromUom, c.factor);
    for (const m of input.skuMappings ?? []) reference.skuMappings.set(mappingKey(m.sourceId, m.sourceSku), m.canonicalSku);
    tenants.set(tenant, reference);
  }
  const of = (tenant: string): TenantReference => tenants.get(tenant) ?? emptyTenantReference();
  return {
    uomFactor: (tenant, sku, fromUom) => uomFactorIn(of(tenant), sku, fromUom),
    canonicalSku: (tenant, sourceId, sourceSku) => canonicalSkuIn(of(tenant), sourceId, sourceSku),
  };
}

/** The error of a lookup for a tenant whose reference data was never prepared: a wiring bug, not bad data. */
export function notPrepared(tenant: string): FgcError {
  return new FgcError('FGC_PIPELINE_REFERENCE_NOT_LOADED', `reference data of tenant ${JSON.stringify(tenant)} was not prepared before normalizing`);
}
