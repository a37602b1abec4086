-- The alerting domain's durable state (alerting/stores/): alerts and their lifecycle bookkeeping,
-- silences, supervisors' preferences, and the notification delivery log.
--
-- Conventions shared by every table below (as in 004 / 006):
-- * `tenant_id` leads every ORDER BY: every per-tenant query filters on it.
-- * Each table is ReplacingMergeTree(version): a change is a new row with a higher `version`, the
--   highest version of a key wins (equal versions: the last inserted), and readers always use
--   FINAL so answers never depend on whether a background merge has run.
-- * Timestamps are DateTime64(3, 'UTC'); nested objects (recommendation, labels, matchers, slack,
--   webhook, quiet hours, the notification itself) are JSON text, so their shape can evolve
--   without a migration.
-- * Skip indexes serve the cross-tenant and non-key lookups (open alerts, due deliveries, batch
--   key lookups). They stay correct under FINAL: ClickHouse (>= 25.x; chDB 26.7, server 26.8
--   here) applies skip indexes with FINAL in exact mode (use_skip_indexes_if_final_exact_mode),
--   which re-reads every version of a key whose granule an index kept.
-- * non_replicated_deduplication_window = 1000: the stores send a token derived from the rows of
--   each insert (a hash), so an insert retried after a timeout lands once. 1000 remembered blocks
--   per table is far more than the inserts that are ever retried; the hashes cost a few KB.

-- Alerts. Key (tenant_id, alert_id); one row per version the lifecycle writes.
-- * `status` pending | firing | resolved; `open()` after a restart reads pending and firing ones
--   of every tenant through the `status` set index (resolved history is most of the table), and
--   `recentlyResolved()` the recently resolved ones through the minmax index on resolved_at.
-- * `fingerprint` is the condition's identity (tenant, type, entity, site); the bloom filter
--   serves lookups of an alert by fingerprint.
-- * `site` is '' for alerts not tied to a site (supplier and source alerts).
-- * `data_as_of` is kept as text (YYYY-MM-DD as the rule gave it): it is only shown, never
--   filtered on, and a value a Date32 column would refuse must not lose the alert.
-- * `value` / `threshold` are Float64 (rule outputs, not ledger quantities).
CREATE TABLE IF NOT EXISTS alerts (
  tenant_id        LowCardinality(String),
  alert_id         String,
  fingerprint      String,
  type             LowCardinality(String),
  severity         LowCardinality(String),
  status           LowCardinality(String),
  entity_id        String,
  site             String,
  title            String,
  message          String,
  value            Float64,
  threshold        Float64,
  recommendation   String,
  labels           String,
  data_as_of       String,
  starts_at        DateTime64(3, 'UTC'),
  fired_at         Nullable(DateTime64(3, 'UTC')),
  resolved_at      Nullable(DateTime64(3, 'UTC')),
  updated_at       DateTime64(3, 'UTC'),
  last_breach_at   DateTime64(3, 'UTC'),
  ok_since         Nullable(DateTime64(3, 'UTC')),
  acknowledged_by  Nullable(String),
  acknowledged_at  Nullable(DateTime64(3, 'UTC')),
  last_notified_at Nullable(DateTime64(3, 'UTC')),
  version          UInt64,
  INDEX idx_status status TYPE set(8) GRANULARITY 1,
  INDEX idx_fingerprint fingerprint TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_starts_at starts_at TYPE minmax GRANULARITY 1,
  INDEX idx_resolved_at resolved_at TYPE minmax GRANULARITY 1
) ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, alert_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- Silences. Key (tenant_id, silence_id). `matchers` is the JSON list of {name, op, value}.
-- Deleting a silence writes a version with deleted = 1 (kept, so GET can still show it). The
-- store derives `version` from its clock (ms × 2, + 1 for a deletion), so a deletion written in
-- the same millisecond as an edit still wins.
CREATE TABLE IF NOT EXISTS alert_silences (
  tenant_id   LowCardinality(String),
  silence_id  String,
  matchers    String,
  starts_at   DateTime64(3, 'UTC'),
  ends_at     DateTime64(3, 'UTC'),
  created_by  String,
  comment     String,
  created_at  DateTime64(3, 'UTC'),
  deleted     UInt8,
  version     UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, silence_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- Preferences of one supervisor. Key (tenant_id, user_id); a save replaces the whole record
-- (version from the store's clock: the latest save wins). `slack`, `webhook` and `quiet_hours` are
-- JSON text or NULL. The webhook secret is stored here because the dispatcher signs with it.
CREATE TABLE IF NOT EXISTS alert_preferences (
  tenant_id        LowCardinality(String),
  user_id          String,
  email            Nullable(String),
  slack            Nullable(String),
  webhook          Nullable(String),
  channels         Array(LowCardinality(String)),
  min_severity     LowCardinality(String),
  alert_types      Array(LowCardinality(String)),
  sites            Array(String),
  quiet_hours      Nullable(String),
  digest           LowCardinality(String),
  fallback_channel Nullable(String),
  updated_at       DateTime64(3, 'UTC'),
  version          UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, user_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- The delivery log: one key per idempotency key (notification_id:channel), one row per state
-- change (version from the dispatcher). `notification` is the whole Notification as JSON, so a
-- retry or a restart can send it again.
-- * status held | queued | sending | retrying | delivered | failed. `due()` reads held and
--   retrying rows whose next_attempt_at has come, and queued / sending rows whose updated_at is
--   older than the staleness window (lost in a crash) — the `status` set index skips the granules
--   of delivered and failed history, the minmax indexes the time ranges.
-- * `byKeys()` looks keys up without a tenant (the dispatcher's batch check): the bloom filter on
--   idempotency_key serves it, as the one on notification_id serves `get(tenant, notification)`.
CREATE TABLE IF NOT EXISTS notification_deliveries (
  tenant_id       LowCardinality(String),
  idempotency_key String,
  notification_id String,
  user_id         String,
  channel         LowCardinality(String),
  status          LowCardinality(String),
  attempts        UInt32,
  last_error      String,
  provider_id     String,
  next_attempt_at Nullable(DateTime64(3, 'UTC')),
  created_at      DateTime64(3, 'UTC'),
  updated_at      DateTime64(3, 'UTC'),
  delivered_at    Nullable(DateTime64(3, 'UTC')),
  notification    String,
  version         UInt64,
  INDEX idx_status status TYPE set(8) GRANULARITY 1,
  INDEX idx_key idempotency_key TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_notification notification_id TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_user user_id TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_next_attempt next_attempt_at TYPE minmax GRANULARITY 1,
  INDEX idx_updated updated_at TYPE minmax GRANULARITY 1
) ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, idempotency_key)
SETTINGS non_replicated_deduplication_window = 1000;
