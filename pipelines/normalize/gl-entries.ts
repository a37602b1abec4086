/**
 * gl_entries → `ledger_entries`. The amount is exact and never converted; its currency (ISO 4217,
 * upper-cased) always sits beside it. An entry naming an item carries the canonical sku.
 */
import { RAW_TOPICS } from '../../schemas/topics.js';
import { factLineage, readEnvelope } from './envelope.js';
import { guardedNormalizer } from './normalize-failure.js';
import type { Normalizer } from './normalizer.js';
import { optionalText, requiredCurrency, requiredDecimal, requiredText, requiredTimestamp } from './raw-fields.js';

export const normalizeLedgerEntry: Normalizer = guardedNormalizer((raw, context) => {
  const envelope = readEnvelope(raw);
  const sourceSku = optionalText(raw, 'sku');
  const entry = {
    ...factLineage(envelope),
    entry_id: requiredText(raw, 'entry_id'),
    account: requiredText(raw, 'account'),
    amount: requiredDecimal(raw, 'amount'),
    currency: requiredCurrency(raw, 'currency'),
    posted_at: requiredTimestamp(raw, 'posted_at'),
    cost_center: optionalText(raw, 'cost_center') ?? '',
    sku: sourceSku === null ? '' : context.canonicalSku(envelope.tenant, envelope.sourceId, sourceSku),
    source_sku: sourceSku ?? '',
  };
  return { [RAW_TOPICS.gl_entries.table]: [entry] };
});
