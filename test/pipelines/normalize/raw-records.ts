/**
 * Decoded raw records as the pipeline runner hands them to normalizers: the envelope plus the
 * canonical fields of one record type (exact decimal text, UTC timestamps) and `extra`.
 * `SAMPLES` holds one complete record per type; normalizers.test.ts checks each against its Avro
 * schema so the fixtures cannot drift from what really arrives.
 */
import type { NormalizeFailure, NormalizeOutcome, NormalizedRows, RawRecord } from '../../../pipelines/normalize/normalizer.js';
import type { RecordType } from '../../../schemas/topics.js';

export const RECEIVED_AT = Date.UTC(2024, 0, 15, 10, 0, 0);

export interface EnvelopeOverrides {
  readonly tenant_id?: string;
  readonly source_id?: string;
  readonly source_type?: string;
  readonly batch_id?: string;
  readonly record_index?: number;
  readonly received_at?: number;
}

export const SAMPLES: Readonly<Record<RecordType, Readonly<Record<string, unknown>>>> = {
  items: { sku: 'ITEM-001', name: 'Component A', uom: 'PCS', family: 'FAM', standard_cost: '12.5', currency: 'eur', supplier_id: ' sup-1 ', supplier_name: 'Acme Metals', lead_time_days: 7, deleted: null, abc_class: 'B' },
  sales_orders: { order_id: 'SO-1', line: 10, sku: 'ITEM-001', site: ' plant-1 ', customer_id: 'cust-9', qty: '3', unit_price: '0.1', currency: 'EUR', order_date: '2024-01-10', requested_date: '2024-01-20', status: 'open' },
  purchase_orders: { po_id: 'PO-1', line: 1, sku: 'ITEM-001', site: 'plant-1', supplier_id: 'sup-1', qty: '100', order_date: '2024-01-02', promised_date: '2024-01-09', received_date: '2024-01-11', received_qty: '100', status: 'closed' },
  inventory: { sku: 'ITEM-001', site: 'plant-1', on_hand: '40', reserved: '5', as_of: '2024-01-14T00:00:00.000Z' },
  inventory_movements: { movement_id: 'MV-1', sku: 'ITEM-001', site: 'plant-1', qty: '-2.5', movement_type: 'issue', ts: '2024-01-14T08:30:00.000Z' },
  gl_entries: { entry_id: 'GL-1', account: '4000', amount: '-1234.56', currency: 'usd', posted_at: '2024-01-14T00:00:00.000Z', cost_center: 'CC1', sku: null },
  inspections: { inspection_id: 'IN-1', sku: 'ITEM-001', site: 'plant-1', line: 'l1', inspected_qty: '50', defect_qty: '2', defect_code: 'SCRATCH', inspected_at: '2024-01-14T09:00:00.000Z' },
  work_orders: { wo_id: 'WO-1', sku: 'ITEM-001', site: 'plant-1', qty_planned: '100', qty_completed: '90', qty_scrapped: '4', start_at: '2024-01-10T06:00:00.000Z', end_at: '2024-01-12T18:00:00.000Z', status: 'done' },
};

/** A raw record of `type`: the sample with `fields` over it and the envelope (acme / erp_a) around it. */
export function rawRecord(type: RecordType, fields: Readonly<Record<string, unknown>> = {}, envelope: EnvelopeOverrides = {}, extra: Readonly<Record<string, string>> = {}): RawRecord {
  return {
    tenant_id: 'acme',
    source_type: 'erp',
    source_id: 'erp_a',
    batch_id: 'batch-1',
    record_index: 0,
    received_at: RECEIVED_AT,
    ...envelope,
    ...SAMPLES[type],
    ...fields,
    extra,
  };
}

/** An extra map entry as ingest writes it (JSON-encoded value). */
export function extraValue(value: string | number): string {
  return JSON.stringify(value);
}

/** The rows of a successful outcome, one table's first row at hand; fails the test otherwise. */
export function rowsOf(outcome: NormalizeOutcome): NormalizedRows {
  if (!outcome.ok) throw new Error(`expected rows, got failure ${JSON.stringify(outcome.failure)}`);
  return outcome.rows;
}

export function firstRow(outcome: NormalizeOutcome, table: string): Readonly<Record<string, unknown>> {
  const row = rowsOf(outcome)[table]?.[0];
  if (row === undefined) throw new Error(`no ${table} row in ${JSON.stringify(outcome)}`);
  return row;
}

export function failureOf(outcome: NormalizeOutcome): NormalizeFailure {
  if (outcome.ok) throw new Error(`expected a failure, got rows ${JSON.stringify(outcome.rows)}`);
  return outcome.failure;
}
