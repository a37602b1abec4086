/**
 * The failure codes normalizers report, and how they report them. Each normalizer reads its record
 * linearly; a reader that meets a value it cannot put into the model throws a NormalizeError, and
 * `guardedNormalizer` turns exactly that into `{ ok: false, failure }` — the sink dead-letters the
 * record with the code, field and message. Any other exception (reference data not loaded, a bug)
 * propagates: it is not the record's fault and must never dead-letter good data.
 *
 * Codes are stable (dead letters are listed and filtered by them). `RULE_*` codes are business
 * rules: the record passed ingest validation field by field but is wrong as a whole.
 */
import type { NormalizeContext, NormalizeFailure, NormalizeOutcome, NormalizedRows, RawRecord } from './normalizer.js';

export const NORMALIZE_FAILURES = {
  /** A required field is missing or not of its type in the decoded record (a replayed or foreign message). */
  MISSING_FIELD: 'MISSING_FIELD',
  /** The envelope (tenant, source, batch, index, received_at) is incomplete or out of range. */
  INVALID_ENVELOPE: 'INVALID_ENVELOPE',
  /** A decimal is unreadable, or a converted value no longer fits Decimal(38, 18) exactly. */
  DECIMAL_OUT_OF_RANGE: 'DECIMAL_OUT_OF_RANGE',
  /** A date or timestamp is unreadable or outside 1900-01-01 … 2299-12-31 (ClickHouse Date32 / DateTime64). */
  INVALID_DATE: 'INVALID_DATE',
  /** A currency is not a three-letter ISO 4217 code. */
  INVALID_CURRENCY: 'INVALID_CURRENCY',
  /** A value is outside its fixed set (movement type). */
  INVALID_VALUE: 'INVALID_VALUE',
  /** The record's unit has no conversion to the item's base unit (unknown unit, or item without a base unit). */
  UNKNOWN_UOM: 'UNKNOWN_UOM',
  /** A purchase order line has a received quantity above zero but no received date. */
  RULE_RECEIVED_QTY_WITHOUT_DATE: 'RULE_RECEIVED_QTY_WITHOUT_DATE',
  /** Goods were received before the purchase order was placed. */
  RULE_RECEIVED_BEFORE_ORDER: 'RULE_RECEIVED_BEFORE_ORDER',
  /** The supplier promised delivery before the purchase order was placed. */
  RULE_PROMISED_BEFORE_ORDER: 'RULE_PROMISED_BEFORE_ORDER',
  /** A work order ends before it starts. */
  RULE_END_BEFORE_START: 'RULE_END_BEFORE_START',
} as const;

export type NormalizeFailureCode = (typeof NORMALIZE_FAILURES)[keyof typeof NORMALIZE_FAILURES];

/** Thrown by readers inside a normalizer; caught only by `guardedNormalizer`. */
export class NormalizeError extends Error {
  readonly failure: NormalizeFailure;

  constructor(code: NormalizeFailureCode, field: string | null, message: string) {
    super(message);
    this.name = 'NormalizeError';
    this.failure = { code, field, message };
  }
}

/** Wraps a normalizer body that returns rows or throws NormalizeError into the contract's outcome. */
export function guardedNormalizer(body: (raw: RawRecord, context: NormalizeContext) => NormalizedRows): (raw: RawRecord, context: NormalizeContext) => NormalizeOutcome {
  return (raw, context) => {
    try {
      return { ok: true, rows: body(raw, context) };
    } catch (error) {
      if (error instanceof NormalizeError) return { ok: false, failure: error.failure };
      throw error;
    }
  };
}
