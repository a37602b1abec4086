/**
 * Rows of reference data that people configure (an admin API or an import writes them; tests
 * too): "source erp_b's item MAT-778 is our ITEM-001" in external_ids, and "a BOX of ITEM-001 holds
 * 12" in uom_conversions. Ingest-observed external ids are written by the items normalizer instead.
 *
 * Configured external ids carry versions in a band above 2^62, above every observed version
 * (received_at × 2^20 stays below 2^62 until 2109): an items record normalized against a stale
 * cache writes an identity row that could otherwise override what a person configured.
 */
import { toClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import { RECORD_INDEX_BITS, rowVersion } from '../normalize/envelope.js';
import { canonicalDecimal } from '../normalize/decimal-arithmetic.js';
import { canonicalUnit } from './units.js';

export const CONFIGURED_VERSION_BASE = 2n ** 62n;

export interface SkuMappingInput {
  readonly tenant: string;
  readonly sourceId: string;
  readonly sourceSku: string;
  readonly canonicalSku: string;
  /** When it was configured (epoch ms): a later configuration of the same source sku wins. */
  readonly atMs: number;
  /** True removes the mapping. */
  readonly deleted?: boolean;
}

/** An external_ids row saying a source's item id means a canonical sku. */
export function configuredSkuMappingRow(input: SkuMappingInput): Record<string, unknown> {
  return {
    tenant_id: input.tenant,
    entity: 'item',
    source_id: input.sourceId,
    source_key: input.sourceSku,
    canonical_key: input.canonicalSku,
    origin: 'configured',
    is_deleted: input.deleted === true ? 1 : 0,
    version: (CONFIGURED_VERSION_BASE + (BigInt(input.atMs) << BigInt(RECORD_INDEX_BITS))).toString(),
    updated_at: toClickHouseDateTime(input.atMs),
  };
}

export interface UomConversionInput {
  readonly tenant: string;
  readonly sku: string;
  readonly fromUom: string;
  /** How many base units one `fromUom` is, as exact decimal text. */
  readonly factor: string;
  readonly atMs: number;
  readonly deleted?: boolean;
}

/** A uom_conversions row; throws on a factor that is not positive decimal text (a configuration error, refused at once). */
export function uomConversionRow(input: UomConversionInput): Record<string, unknown> {
  const factor = canonicalDecimal(input.factor);
  if (factor === undefined || factor === '0' || factor.startsWith('-')) throw new RangeError(`conversion factor must be positive decimal text, got ${JSON.stringify(input.factor)}`);
  return {
    tenant_id: input.tenant,
    sku: input.sku,
    from_uom: canonicalUnit(input.fromUom),
    factor,
    is_deleted: input.deleted === true ? 1 : 0,
    version: rowVersion(input.atMs, 0),
    updated_at: toClickHouseDateTime(input.atMs),
  };
}
