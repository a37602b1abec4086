/**
 * The ClickHouse tables of the unified model (schemas/clickhouse/004-unified-model.sql) that
 * normalizers emit rows for. Fact tables are named by schemas/topics.ts; the dimensions and
 * external ids are written next to them. The sink inserts each key of NormalizedRows into the
 * table of that name.
 */
import { RAW_TOPICS, RECORD_TYPES } from '../../schemas/topics.js';

export const DIMENSION_TABLES = { sites: 'sites', suppliers: 'suppliers', customers: 'customers', externalIds: 'external_ids' } as const;

/**
 * Each dimension table's ReplacingMergeTree key (its ORDER BY in 004-unified-model.sql; a test
 * holds the two together): rows with the same key are one entity, the highest version wins.
 */
export const DIMENSION_KEYS: Readonly<Record<(typeof DIMENSION_TABLES)[keyof typeof DIMENSION_TABLES], readonly string[]>> = {
  sites: ['tenant_id', 'site'],
  suppliers: ['tenant_id', 'supplier_id'],
  customers: ['tenant_id', 'customer_id'],
  external_ids: ['tenant_id', 'entity', 'source_id', 'source_key'],
};

/** Every table a normalizer may emit rows for. */
export const MODEL_TABLES: readonly string[] = [...new Set([...RECORD_TYPES.map((t) => RAW_TOPICS[t].table), ...Object.values(DIMENSION_TABLES)])];
