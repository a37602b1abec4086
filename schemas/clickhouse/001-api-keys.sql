-- API keys: one row per key version; the latest version wins (ReplacingMergeTree on `version`).
-- Only a SHA-256 of the secret part is stored: keys carry 256 random bits, so a slow password
-- hash would add latency to every request without adding protection.
CREATE TABLE IF NOT EXISTS api_keys (
  tenant_id   LowCardinality(String),
  key_id      String,
  name        String,
  scopes      Array(LowCardinality(String)),
  secret_hash String,
  created_at  DateTime64(3, 'UTC'),
  revoked_at  Nullable(DateTime64(3, 'UTC')),
  version     UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, key_id);
