/**
 * The one table of Forgecast's raw data contracts: for every record type a source may send, the
 * Kafka topic its accepted records go to, the Schema Registry subject of their values (Confluent's
 * TopicNameStrategy, `<topic>-value`), the business key fields that make up the message key (and
 * so the partition and the order per entity), the ClickHouse table the pipelines fill from it, and
 * the Avro schema file. Connectors publish by this table, pipelines consume by it; nothing else
 * spells a topic name.
 *
 * schemas/ depends on nothing: the .avsc files are read with fs relative to this module.
 */
import { readFileSync } from 'node:fs';

/** Record types a source may send (SPEC.md, Ingest). Order is the order of documentation. */
export const RECORD_TYPES = ['items', 'sales_orders', 'purchase_orders', 'inventory', 'inventory_movements', 'gl_entries', 'inspections', 'work_orders'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** Where records that failed after acceptance go, with their context (pipelines' dead letters). */
export const DLQ_TOPIC = 'forgecast.dlq';
/** Forecast events: one JSON message per forecast version, produced by forecasting's jobs, consumed by alerting. */
export const FORECAST_EVENTS_TOPIC = 'forgecast.forecast-events';
/**
 * Forecast tasks (services mode): one JSON message per entity × forecast type × period of a job
 * run, published by the replica holding the job's lease and consumed by every forecasting-role
 * process in one group, so a run's fits spread over processes.
 */
export const FORECAST_TASKS_TOPIC = 'forgecast.forecast-tasks';
/** The alerting outbox: one JSON message per notification × channel, consumed by the dispatcher group. */
export const NOTIFICATIONS_TOPIC = 'forgecast.notifications';

/** One row of the table. */
export interface RawTopicSpec {
  readonly recordType: RecordType;
  /** `forgecast.raw.<record_type>`. */
  readonly topic: string;
  /** Schema Registry subject of message values: `<topic>-value`. */
  readonly subject: string;
  /**
   * Canonical fields whose values, joined, identify one business entity version. The message key
   * is `tenant|source_id|<key values joined by |>`, so all versions of an entity share a partition.
   */
  readonly keyFields: readonly string[];
  /** ClickHouse table of the unified model the pipelines fill from this topic. */
  readonly table: string;
  /** The Avro schema file under schemas/avro/. */
  readonly schemaFile: string;
}

function row(recordType: RecordType, keyFields: readonly string[], table: string): RawTopicSpec {
  const topic = `forgecast.raw.${recordType}`;
  return { recordType, topic, subject: `${topic}-value`, keyFields, table, schemaFile: `raw-${recordType}.avsc` };
}

export const RAW_TOPICS: Readonly<Record<RecordType, RawTopicSpec>> = {
  items: row('items', ['sku'], 'items'),
  sales_orders: row('sales_orders', ['order_id', 'line'], 'demand_lines'),
  purchase_orders: row('purchase_orders', ['po_id', 'line'], 'supply_lines'),
  inventory: row('inventory', ['sku', 'site', 'as_of'], 'inventory_snapshots'),
  inventory_movements: row('inventory_movements', ['movement_id'], 'inventory_movements'),
  gl_entries: row('gl_entries', ['entry_id'], 'ledger_entries'),
  inspections: row('inspections', ['inspection_id'], 'quality_inspections'),
  work_orders: row('work_orders', ['wo_id'], 'work_orders'),
};

/** Every raw topic, in RECORD_TYPES order (for `ensureTopics` and subscriptions). */
export const RAW_TOPIC_NAMES: readonly string[] = RECORD_TYPES.map((t) => RAW_TOPICS[t].topic);

/** Directory of the .avsc files. */
export const AVRO_SCHEMA_DIR = new URL('./avro/', import.meta.url);

const schemaTexts = new Map<RecordType, string>();

/**
 * The Avro schema text of a record type's raw values, read once per process. Read synchronously:
 * callers need it at start-up, before they serve anything.
 */
export function rawSchemaText(recordType: RecordType): string {
  let text = schemaTexts.get(recordType);
  if (text === undefined) {
    text = readFileSync(new URL(RAW_TOPICS[recordType].schemaFile, AVRO_SCHEMA_DIR), 'utf8');
    schemaTexts.set(recordType, text);
  }
  return text;
}

export function isRecordType(value: unknown): value is RecordType {
  return typeof value === 'string' && (RECORD_TYPES as readonly string[]).includes(value);
}
