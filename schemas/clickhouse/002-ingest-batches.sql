-- Ingest batches: one row per version of a batch's record; the latest version wins
-- (ReplacingMergeTree on `version`, read with FINAL). The ingestor writes the first version when it
-- has published the accepted records; pipelines write later versions as they advance `status`
-- (pending → processing → success | partial | failed) and fill `normalized` / `failed`, copying the
-- other columns. `(tenant_id, batch_id)` is the identity; batch_id is derived from
-- (tenant, source_id, batch_reference), so this table is also the durable idempotency record:
-- `content_hash` tells a replay (same content) from a conflict (different content).
-- `version` is epoch milliseconds × 1000 plus a per-process counter, so later writes win.
-- `status_note` says why the latest version has its status (also copied to ingest_batch_events).
CREATE TABLE IF NOT EXISTS ingest_batches (
  tenant_id        LowCardinality(String),
  batch_id         String,
  source_type      LowCardinality(String),
  source_id        String,
  batch_reference  String,
  mapping          LowCardinality(String),
  content_hash     String,
  status           LowCardinality(String),
  status_note      String,
  received         UInt32,
  accepted         UInt32,
  rejected         UInt32,
  normalized       UInt32,
  failed           UInt32,
  received_by_type Map(LowCardinality(String), UInt32),
  accepted_by_type Map(LowCardinality(String), UInt32),
  rejected_by_type Map(LowCardinality(String), UInt32),
  -- JSON array of {record_type, index, field, message}, at most 1,000 entries (errors_total counts all).
  errors           String,
  errors_total     UInt32,
  received_at      DateTime64(3, 'UTC'),
  updated_at       DateTime64(3, 'UTC'),
  version          UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, batch_id);

-- Audit trail of a batch: one row per status change, written next to each new version of the batch
-- row (the ingestor's first write and every pipeline update), in the same flush. A materialized view
-- would make it automatic, but it multiplies the cost of every small insert (measured in chDB:
-- about 4x), and batch rows are written per request.
CREATE TABLE IF NOT EXISTS ingest_batch_events (
  tenant_id LowCardinality(String),
  batch_id  String,
  at        DateTime64(3, 'UTC'),
  status    LowCardinality(String),
  note      String
) ENGINE = MergeTree
ORDER BY (tenant_id, batch_id, at);
