import { describe, expect, it } from 'vitest';
import { normalizeLedgerEntry } from '../../../pipelines/normalize/gl-entries.js';
import { createStaticReference } from '../../../pipelines/reference/tenant-reference.js';
import { failureOf, firstRow, rawRecord } from './raw-records.js';

const reference = createStaticReference({ acme: { skuMappings: [{ sourceId: 'erp_a', sourceSku: 'OLD-1', canonicalSku: 'ITEM-001' }] } });

describe('ledger entry normalizer', () => {
  it('keeps the amount exact with its upper-cased currency beside it', () => {
    const row = firstRow(normalizeLedgerEntry(rawRecord('gl_entries', { amount: '-12345678901234567890.000000000000000001' }), reference), 'ledger_entries');
    expect(row).toMatchObject({ entry_id: 'GL-1', account: '4000', amount: '-12345678901234567890.000000000000000001', currency: 'USD', posted_at: '2024-01-14 00:00:00.000', sku: '', source_sku: '' });
  });

  it('maps an item named on the entry', () => {
    expect(firstRow(normalizeLedgerEntry(rawRecord('gl_entries', { sku: 'OLD-1' }), reference), 'ledger_entries')).toMatchObject({ sku: 'ITEM-001', source_sku: 'OLD-1' });
  });

  it('refuses an amount without a usable currency', () => {
    expect(failureOf(normalizeLedgerEntry(rawRecord('gl_entries', { currency: 'dollars' }), reference))).toMatchObject({ code: 'INVALID_CURRENCY', field: 'currency' });
    expect(failureOf(normalizeLedgerEntry(rawRecord('gl_entries', { currency: null }), reference))).toMatchObject({ code: 'MISSING_FIELD', field: 'currency' });
  });
});
