-- Pipeline operations (pipelines/runner, pipelines/dead-letters).
--
-- dead_letters: one row per version of a record that failed after acceptance. dlq_id is
-- `<topic>:<partition>:<offset>` of the raw message, so a redelivered batch writes the same ids and
-- ReplacingMergeTree(version) keeps one row each (read with FINAL). A replay writes a new version
-- with status `replayed`; a replayed record that fails again arrives under a NEW offset, so a NEW
-- dlq_id (with `replay_of` naming the one it retried). `payload` is the raw message bytes in base64
-- (Confluent wire format), re-published as is by a replay. `record_index` is -1 and `batch_id`
-- empty when the message could not be decoded (the tenant then comes from the key prefix, or
-- `_unknown`).
CREATE TABLE IF NOT EXISTS dead_letters (
  tenant_id     LowCardinality(String),
  dlq_id        String,
  batch_id      String,
  source_id     String,
  record_type   LowCardinality(String),
  record_index  Int64,
  source_topic  LowCardinality(String),
  partition     UInt32,
  offset        UInt64,
  stage         LowCardinality(String),
  error_code    LowCardinality(String),
  field         String,
  message       String,
  payload       String,
  key           Nullable(String),
  replay_of     String,
  created_at    DateTime64(3, 'UTC'),
  status        LowCardinality(String),
  replayed_at   Nullable(DateTime64(3, 'UTC')),
  version       UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, dlq_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- batch_progress: what the pipelines did with each ingest batch's records, one row per
-- (batch, record type) per sunk chunk of a topic-partition; the batch view sums them at read time
-- (normalized, failed − recovered). `recovered` counts replayed records: each retires the failure
-- of the dead letter it re-drives, whatever its new outcome, so normalized + failed stays equal to
-- accepted. Inserts carry a deduplication token per chunk (window below), so a retried insert is
-- dropped.
--
-- The chunk columns (source_topic, partition, first_offset, last_offset) are the sink's ledger: a
-- chunk's progress rows are written last, after its model rows and dead letters, in ONE insert, so
-- their presence proves the whole chunk is stored. After a crash the bus redelivers from its
-- committed offset, which may trail what was stored and may cut batches at other offsets; the
-- runner skips every message at or below the highest stored `last_offset` of the partition.
-- Consumer offsets themselves stay with the bus.
-- Keyed by the chunk itself and read with FINAL: the same chunk written twice under different
-- group-write tokens (two members racing during a rebalance, an in-place retry regrouped with
-- other chunks) collapses to one row instead of counting twice.
CREATE TABLE IF NOT EXISTS batch_progress (
  tenant_id     LowCardinality(String),
  batch_id      String,
  record_type   LowCardinality(String),
  normalized    UInt64,
  failed        UInt64,
  recovered     UInt64,
  source_topic  LowCardinality(String),
  partition     UInt32,
  first_offset  UInt64,
  last_offset   UInt64,
  at            DateTime64(3, 'UTC'),
  INDEX chunk_topic source_topic TYPE set(64) GRANULARITY 4
) ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, batch_id, record_type, source_topic, partition, first_offset, last_offset)
SETTINGS non_replicated_deduplication_window = 1000;

-- The pipelines add a status event when a batch reaches a terminal status; the token keeps a
-- retried write from doubling it.
ALTER TABLE ingest_batch_events MODIFY SETTING non_replicated_deduplication_window = 1000;
