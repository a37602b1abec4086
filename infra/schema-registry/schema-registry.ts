/**
 * The schema-registry port. Adapters: Confluent Schema Registry over REST through
 * @confluentinc/schemaregistry (`confluent-schema-registry.ts`) and an embedded registry persisted
 * in the data directory (`embedded-schema-registry.ts`); one contract suite covers both.
 * Schemas are Avro schema JSON text. Subjects follow Confluent's TopicNameStrategy
 * (`<topic>-value`). Compatibility is BACKWARD: a new version must be able to read data written
 * with the previous one.
 */

export interface RegisteredSchema {
  readonly subject: string;
  readonly id: number;
  readonly version: number;
  /** The schema as Avro JSON text. */
  readonly schema: string;
}

export interface SchemaRegistry {
  readonly kind: 'embedded' | 'confluent';
  /**
   * Registers `schema` under `subject` and returns its global id. Registering a schema the subject
   * already holds returns the existing id. Rejects with FGC_SCHEMA_INCOMPATIBLE when the schema is
   * not BACKWARD compatible with the subject's latest version, FGC_SCHEMA_INVALID when it is not Avro.
   */
  register(subject: string, schema: string): Promise<number>;
  /** The schema text of a global id; FGC_SCHEMA_NOT_FOUND when unknown. */
  getById(id: number): Promise<string>;
  /** The latest version of a subject; FGC_SCHEMA_NOT_FOUND when the subject has none. */
  getLatest(subject: string): Promise<RegisteredSchema>;
  /**
   * Whether `schema` could be registered as the subject's next version (true for a subject with no
   * versions). A schema that is not Avro at all rejects with FGC_SCHEMA_INVALID, as the registry's 422 does.
   */
  isCompatible(subject: string, schema: string): Promise<boolean>;
  /** Resolves when the registry answers; rejects with FGC_SCHEMA_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
