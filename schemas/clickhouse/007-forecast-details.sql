-- The details of typed forecast versions (forecasting/types/forecast-type.ts): inventory (days of
-- cover, stockout date and probability, safety stock, reorder point, open receipts), supply
-- (lead-time quantiles, late probability, open orders) and quality (SPC limits, run-rule
-- violations), as JSON text with a `kind` naming which. '' for demand versions and for versions
-- written before this migration. Its keys evolve without a migration, like `accuracy`.
ALTER TABLE forecasts ADD COLUMN IF NOT EXISTS details String DEFAULT '';
