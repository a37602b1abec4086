-- ERP REST poller cursors (connectors/erp-rest): one row per checkpoint of (tenant, source, entity).
-- `state` is the poller's JSON (cursor and recently published (id, version) pairs). Readers take
-- the highest `revision` (ORDER BY revision DESC LIMIT 1), so answers never depend on merges; the
-- ReplacingMergeTree only keeps the table small by collapsing older checkpoints in the background.
-- Revisions come from lease fencing tokens: a stale replica's late write has a lower revision.
CREATE TABLE IF NOT EXISTS erp_cursors (
  tenant_id  LowCardinality(String),
  source_id  String,
  entity     String,
  revision   UInt64,
  state      String,
  saved_at   DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(revision)
ORDER BY (tenant_id, source_id, entity);
