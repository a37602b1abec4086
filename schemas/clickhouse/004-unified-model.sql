-- The unified manufacturing model: what the pipelines' normalizers (pipelines/normalize/) turn raw
-- records into, and what forecasting and the read API query.
--
-- Conventions shared by every table below:
-- * `tenant_id` leads every ORDER BY: every query filters on it, and a tenant's rows stay together.
-- * Mutable entities are ReplacingMergeTree(version, is_deleted): the row with the highest
--   `version` of a key wins, and when that row has is_deleted = 1 the key disappears from
--   `SELECT … FINAL` (ClickHouse >= 23.2). Readers always use FINAL, so answers never depend on
--   whether a background merge has run yet.
-- * `version` = received_at (epoch ms) × 2^20 + record_index (pipelines/normalize/row-version.ts):
--   a later ingest wins, and inside one batch a later record wins. It fits UInt64 until year 2248
--   with up to 2^20 records per record type per batch (the ingest limit is far lower).
-- * Quantities, prices, costs and amounts are Decimal(38, 18): exact, the same range the ingest
--   validation accepts (20 integer + 18 fraction digits). They are inserted as decimal text, which
--   ClickHouse parses exactly, and read back with toString() (JSON numbers would be doubles).
-- * Dates are Date32 and timestamps DateTime64(3, 'UTC'): both cover 1900-2299, where Date and
--   DateTime would silently clamp a 1950 or 2150 value.
-- * Facts carry their lineage: source_type, source_id, batch_id, record_index, received_at.
-- * Fact quantities are in the item's base unit (items.uom); `source_uom` is the unit the source
--   sent them in ('' when it sent none, which means the base unit), kept for lineage.
-- * Every table the sink inserts into has non_replicated_deduplication_window = 1000: the sink's
--   exactly-once rests on insert_deduplication_token, which a non-replicated MergeTree honours only
--   with a window. 1000 remembered blocks per table is far more than the inserts a sink retries
--   after a crash (one per table per batch), and the hashes cost a few KB.
-- * Business ids of orders, movements, ledger entries, inspections and work orders are unique only
--   inside their source system, so `source_id` is part of those keys; items are canonical (mapped
--   across sources through external_ids), so theirs is not.

-- Canonical items (dimension). Key (tenant_id, sku): one row per canonical sku, whichever source
-- system wrote its latest version (two ERPs mapped to one sku update the same item; the later
-- ingest wins). `uom` is the base unit every quantity of the item is converted to. `source_sku` is
-- the id the writing source used. A source's deletion sets is_deleted = 1.
CREATE TABLE IF NOT EXISTS items (
  tenant_id      LowCardinality(String),
  sku            String,
  name           String,
  uom            LowCardinality(String),
  family         String,
  standard_cost  Nullable(Decimal(38, 18)),
  currency       LowCardinality(String),
  supplier_id    String,
  supplier_name  String,
  lead_time_days Nullable(UInt32),
  is_deleted     UInt8,
  version        UInt64,
  updated_at     DateTime64(3, 'UTC'),
  source_type    LowCardinality(String),
  source_id      String,
  source_sku     String,
  batch_id       String,
  record_index   UInt32
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, sku)
SETTINGS non_replicated_deduplication_window = 1000;

-- Sites (plants, warehouses), as seen on facts. Key (tenant_id, site): the code is trimmed and
-- upper-cased by the normalizers, so 'plant-1 ' and 'PLANT-1' are one site. `last_seen_at` tells
-- when a source last mentioned it.
CREATE TABLE IF NOT EXISTS sites (
  tenant_id    LowCardinality(String),
  site         String,
  source_id    String,
  last_seen_at DateTime64(3, 'UTC'),
  is_deleted   UInt8,
  version      UInt64
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, site)
SETTINGS non_replicated_deduplication_window = 1000;

-- Suppliers. Key (tenant_id, supplier_id). Items name suppliers (supplier_name), purchase orders
-- only mention their code: rows without a name are written with version 0, so a named row always
-- outranks a bare mention and a later purchase order never blanks the name.
CREATE TABLE IF NOT EXISTS suppliers (
  tenant_id    LowCardinality(String),
  supplier_id  String,
  name         String,
  source_id    String,
  last_seen_at DateTime64(3, 'UTC'),
  is_deleted   UInt8,
  version      UInt64
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, supplier_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- Customers, as seen on sales order lines. Key (tenant_id, customer_id).
CREATE TABLE IF NOT EXISTS customers (
  tenant_id    LowCardinality(String),
  customer_id  String,
  source_id    String,
  last_seen_at DateTime64(3, 'UTC'),
  is_deleted   UInt8,
  version      UInt64
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, customer_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- External ids: which canonical key a source system's key means. Key (tenant_id, entity,
-- source_id, source_key): one answer per source key. Rows come from two places:
-- * `observed`: the items normalizer writes one per item record (source sku → canonical sku);
-- * `configured`: a person says "erp_b's MAT-778 is ITEM-001". Configured rows carry versions
--   above 2^62 (pipelines/reference/sku-mappings.ts), so an observed row written from a stale
--   cache can never override what a person configured.
-- The pipelines' reference data reads the mappings back (source_key != canonical_key) per tenant.
-- `entity` is 'item' today; 'site', 'supplier' and 'customer' are reserved for code mappings.
-- The bloom filter serves the read API's "every source id of this canonical item".
CREATE TABLE IF NOT EXISTS external_ids (
  tenant_id     LowCardinality(String),
  entity        LowCardinality(String),
  source_id     String,
  source_key    String,
  canonical_key String,
  origin        LowCardinality(String),
  is_deleted    UInt8,
  version       UInt64,
  updated_at    DateTime64(3, 'UTC'),
  INDEX idx_canonical canonical_key TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, entity, source_id, source_key)
SETTINGS non_replicated_deduplication_window = 1000;

-- Per-item unit conversions: 1 `from_uom` = `factor` of the item's base unit (a BOX of 12 → 12).
-- Key (tenant_id, sku, from_uom). Consulted before the default unit table (pipelines/reference/).
-- Written by people (or a reference-data import), read by the pipelines' reference data.
CREATE TABLE IF NOT EXISTS uom_conversions (
  tenant_id  LowCardinality(String),
  sku        String,
  from_uom   LowCardinality(String),
  factor     Decimal(38, 18),
  is_deleted UInt8,
  version    UInt64,
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, sku, from_uom)
SETTINGS non_replicated_deduplication_window = 1000;

-- Sales order lines: demand. Key (tenant_id, source_id, order_id, line): one row per line of a
-- source's order; a re-sent line (changed quantity or status) replaces the earlier one. An absent
-- line number is 0. `qty` is in the item's base unit; `unit_price` stays per `source_uom` (the unit
-- the source priced in: converting a price would divide, which is not exact) and `line_amount` =
-- sent qty × unit_price, exact. `source_sku` is the item id the source used.
CREATE TABLE IF NOT EXISTS demand_lines (
  tenant_id      LowCardinality(String),
  source_id      String,
  order_id       String,
  line           UInt32,
  sku            String,
  source_sku     String,
  site           String,
  customer_id    String,
  qty            Decimal(38, 18),
  source_uom     LowCardinality(String),
  unit_price     Nullable(Decimal(38, 18)),
  line_amount    Nullable(Decimal(38, 18)),
  currency       LowCardinality(String),
  order_date     Date32,
  requested_date Nullable(Date32),
  status         LowCardinality(String),
  is_deleted     UInt8,
  version        UInt64,
  source_type    LowCardinality(String),
  batch_id       String,
  record_index   UInt32,
  received_at    DateTime64(3, 'UTC'),
  INDEX idx_sku sku TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, source_id, order_id, line)
SETTINGS non_replicated_deduplication_window = 1000;

-- Purchase order lines: supply. Key (tenant_id, source_id, po_id, line), as demand_lines. Promised
-- vs received dates and ordered vs received quantities sit side by side for supplier lead-time and
-- reliability forecasts; quantities are in the item's base unit.
CREATE TABLE IF NOT EXISTS supply_lines (
  tenant_id     LowCardinality(String),
  source_id     String,
  po_id         String,
  line          UInt32,
  sku           String,
  source_sku    String,
  site          String,
  supplier_id   String,
  qty           Decimal(38, 18),
  source_uom    LowCardinality(String),
  received_qty  Nullable(Decimal(38, 18)),
  order_date    Date32,
  promised_date Nullable(Date32),
  received_date Nullable(Date32),
  status        LowCardinality(String),
  is_deleted    UInt8,
  version       UInt64,
  source_type   LowCardinality(String),
  batch_id      String,
  record_index  UInt32,
  received_at   DateTime64(3, 'UTC'),
  INDEX idx_sku sku TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, source_id, po_id, line)
SETTINGS non_replicated_deduplication_window = 1000;

-- On-hand snapshots. Key (tenant_id, sku, site, as_of): one stock figure per canonical item, site
-- and moment, whichever source reported it last (two systems reporting the same stock are one
-- fact). The key order serves "latest per site of one sku" and history ranges directly.
CREATE TABLE IF NOT EXISTS inventory_snapshots (
  tenant_id    LowCardinality(String),
  sku          String,
  site         String,
  as_of        DateTime64(3, 'UTC'),
  on_hand      Decimal(38, 18),
  reserved     Nullable(Decimal(38, 18)),
  source_uom   LowCardinality(String),
  source_sku   String,
  is_deleted   UInt8,
  version      UInt64,
  source_type  LowCardinality(String),
  source_id    String,
  batch_id     String,
  record_index UInt32,
  received_at  DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, sku, site, as_of)
SETTINGS non_replicated_deduplication_window = 1000;

-- Goods movements (signed quantity: receipts positive, issues negative as sent). Key (tenant_id,
-- source_id, movement_id): a corrected movement replaces the earlier one.
CREATE TABLE IF NOT EXISTS inventory_movements (
  tenant_id     LowCardinality(String),
  source_id     String,
  movement_id   String,
  sku           String,
  source_sku    String,
  site          String,
  qty           Decimal(38, 18),
  source_uom    LowCardinality(String),
  movement_type LowCardinality(String),
  ts            DateTime64(3, 'UTC'),
  is_deleted    UInt8,
  version       UInt64,
  source_type   LowCardinality(String),
  batch_id      String,
  record_index  UInt32,
  received_at   DateTime64(3, 'UTC'),
  INDEX idx_sku sku TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, source_id, movement_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- General-ledger lines. Key (tenant_id, source_id, entry_id). `amount` is exact and never
-- converted; `currency` (ISO 4217, upper case) always sits beside it.
CREATE TABLE IF NOT EXISTS ledger_entries (
  tenant_id    LowCardinality(String),
  source_id    String,
  entry_id     String,
  account      String,
  amount       Decimal(38, 18),
  currency     LowCardinality(String),
  posted_at    DateTime64(3, 'UTC'),
  cost_center  String,
  sku          String,
  source_sku   String,
  is_deleted   UInt8,
  version      UInt64,
  source_type  LowCardinality(String),
  batch_id     String,
  record_index UInt32,
  received_at  DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, source_id, entry_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- Quality inspections. Key (tenant_id, source_id, inspection_id). Quantities in the base unit.
CREATE TABLE IF NOT EXISTS quality_inspections (
  tenant_id     LowCardinality(String),
  source_id     String,
  inspection_id String,
  sku           String,
  source_sku    String,
  site          String,
  line          String,
  inspected_qty Decimal(38, 18),
  defect_qty    Decimal(38, 18),
  source_uom    LowCardinality(String),
  defect_code   String,
  inspected_at  DateTime64(3, 'UTC'),
  is_deleted    UInt8,
  version       UInt64,
  source_type   LowCardinality(String),
  batch_id      String,
  record_index  UInt32,
  received_at   DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, source_id, inspection_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- Production (work) orders. Key (tenant_id, source_id, wo_id): progress updates replace the row.
CREATE TABLE IF NOT EXISTS work_orders (
  tenant_id     LowCardinality(String),
  source_id     String,
  wo_id         String,
  sku           String,
  source_sku    String,
  site          String,
  qty_planned   Decimal(38, 18),
  qty_completed Nullable(Decimal(38, 18)),
  qty_scrapped  Nullable(Decimal(38, 18)),
  source_uom    LowCardinality(String),
  start_at      Nullable(DateTime64(3, 'UTC')),
  end_at        Nullable(DateTime64(3, 'UTC')),
  status        LowCardinality(String),
  is_deleted    UInt8,
  version       UInt64,
  source_type   LowCardinality(String),
  batch_id      String,
  record_index  UInt32,
  received_at   DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, source_id, wo_id)
SETTINGS non_replicated_deduplication_window = 1000;
