/**
 * The contract between the normalizers (pure, one per record type) and the sink. A normalizer
 * turns one decoded raw record into rows of the unified model — facts plus the dimension rows
 * and external-id mappings they imply — or says why it cannot (a data error: the record goes to
 * the dead-letter store with that reason and never stops the stream).
 */
import type { RecordType } from '../../schemas/topics.js';

/** One decoded raw record (the Avro value of `forgecast.raw.<type>`, envelope fields included). */
export type RawRecord = Readonly<Record<string, unknown>>;

/** Rows per ClickHouse table of the unified model, ready for JSONEachRow insert. */
export type NormalizedRows = Readonly<Record<string, readonly Readonly<Record<string, unknown>>[]>>;

/** Why a record could not be normalized: stable code, the field at fault, and a message for people. */
export interface NormalizeFailure {
  readonly code: string;
  readonly field: string | null;
  readonly message: string;
}

export type NormalizeOutcome = { readonly ok: true; readonly rows: NormalizedRows } | { readonly ok: false; readonly failure: NormalizeFailure };

/** Reference data normalizers read (unit conversions, code and external-id mappings); pure lookups. */
export interface NormalizeContext {
  /** Factor to convert `qty` in `fromUom` to the item's base unit, or undefined when unknown. */
  uomFactor(tenant: string, sku: string, fromUom: string): string | undefined;
  /** Canonical sku for a source system's item id, when a mapping says two ERPs mean the same item. */
  canonicalSku(tenant: string, sourceId: string, sourceSku: string): string;
}

export type Normalizer = (raw: RawRecord, context: NormalizeContext) => NormalizeOutcome;

/** One normalizer per record type. */
export type Normalizers = Readonly<Record<RecordType, Normalizer>>;
