-- Forecasts and the runs of the forecasting jobs (forecasting/service, forecasting/jobs).

-- One row per forecast version. Versions are never updated: a new forecast of the same series is a
-- new row with a new version_id, and readers pick the latest by generated_at (or a given version).
-- The key order serves "latest version of this entity's series" (GET /api/v1/forecasts/{id}/{type})
-- and the list grouped by series directly.
-- * `site` is '' when the entity is not site-specific (entity_type item = all sites).
-- * `levels` are the interval levels in percent; `lower` / `upper` hold one array of bounds per
--   level, in `levels` order, each as long as `period_starts` / `point_values`.
-- * `data_as_of` is the last day of data the forecast saw (the latest order date of the tenant's
--   demand feed); `generated_at` is when it was computed.
-- * `accuracy` is the rolling-origin backtest as JSON text (wape, mase, bias, coverage_95,
--   coverage per level, msis, windows, horizon); its keys evolve without a migration.
-- * `run_id` is the forecast_runs run that produced it ('' for one requested over HTTP).
-- A deduplication window lets an insert retried with the same token (the version_id) land once.
CREATE TABLE IF NOT EXISTS forecasts (
  tenant_id       LowCardinality(String),
  entity_type     LowCardinality(String),
  entity_id       String,
  forecast_type   LowCardinality(String),
  period          LowCardinality(String),
  site            String,
  version_id      String,
  generated_at    DateTime64(3, 'UTC'),
  data_as_of      Date32,
  model           LowCardinality(String),
  model_requested LowCardinality(String),
  reason          String,
  lookback_days   UInt32,
  horizon         UInt32,
  levels          Array(UInt8),
  period_starts   Array(Date32),
  point_values    Array(Float64),
  lower           Array(Array(Float64)),
  upper           Array(Array(Float64)),
  accuracy        String,
  run_id          String
) ENGINE = MergeTree
ORDER BY (tenant_id, entity_id, forecast_type, period, site, generated_at)
SETTINGS non_replicated_deduplication_window = 1000;

-- Runs of the forecasting jobs. Each state change of a run is a new row with a higher `version`;
-- ReplacingMergeTree keeps the latest per (job_name, run_id) and readers use FINAL.
-- * `tenant_id` is '' for a run over every tenant (the scheduled runs), or the one tenant a
--   tenant's admin asked for.
-- * `status` goes queued → running → success | failed.
-- * `fencing_token` is the token of the job's coordination lease the run held: a stale runner
--   (lost lease) is recognisable by a lower token than the run that replaced it.
-- * `trigger` is 'schedule', 'catch-up' or 'manual'; `scheduled_for` the cron slot (NULL for manual).
CREATE TABLE IF NOT EXISTS forecast_runs (
  tenant_id        LowCardinality(String),
  job_name         LowCardinality(String),
  run_id           String,
  trigger          LowCardinality(String),
  status           LowCardinality(String),
  scheduled_for    Nullable(DateTime64(3, 'UTC')),
  started_at       DateTime64(3, 'UTC'),
  finished_at      Nullable(DateTime64(3, 'UTC')),
  entities_total   UInt32,
  entities_done    UInt32,
  entities_failed  UInt32,
  error            String,
  holder           String,
  fencing_token    UInt64,
  version          UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (job_name, run_id)
SETTINGS non_replicated_deduplication_window = 1000;
