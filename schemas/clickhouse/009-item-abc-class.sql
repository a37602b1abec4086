-- Schema evolution, step 2 of raw-items.avsc: the item's ABC classification (`abc_class`, 'A',
-- 'B' or 'C'), so planners can tell the few items that carry most of the value from the many that
-- do not. NULL means "not classified": items stored before this migration, and records written with
-- the first version of the schema (they decode with the field's Avro default, null) hold NULL;
-- NULL rather than '' keeps "no class was sent" apart from any class. ADD COLUMN only changes
-- metadata: no existing part is rewritten, old parts read the default. IF NOT EXISTS makes a rerun
-- (two roles migrating at once) a no-op.
ALTER TABLE items ADD COLUMN IF NOT EXISTS abc_class LowCardinality(Nullable(String)) AFTER lead_time_days;
