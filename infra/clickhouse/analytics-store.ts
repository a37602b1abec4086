/**
 * The analytics-store port: ClickHouse as the domains see it. One adapter
 * (`clickhouse-analytics-store.ts`) serves both run modes, because both speak to the real
 * ClickHouse engine through @clickhouse/client — over HTTP to a server, or in process through
 * chDB's Connection. Queries are parameterized only: values travel as `{name:Type}` parameters,
 * never spliced into SQL text.
 */

/** Values bound to `{name:Type}` placeholders. */
export type QueryParams = Readonly<Record<string, unknown>>;

export interface InsertOptions {
  /**
   * ClickHouse drops a repeated insert with the same token (MergeTree tables need
   * `non_replicated_deduplication_window` > 0). Sinks derive it from what they insert, so a
   * retried insert after a crash is harmless.
   */
  readonly deduplicationToken?: string;
}

export interface AnalyticsStore {
  readonly kind: 'chdb' | 'clickhouse';
  readonly database: string;
  /** Runs a SELECT and returns its rows (JSONEachRow). */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Runs a statement that returns no rows (DDL, ALTER, …). */
  command(sql: string, params?: QueryParams): Promise<void>;
  /** Inserts rows as JSONEachRow into a table of the Forgecast database. */
  insert(table: string, rows: readonly object[], options?: InsertOptions): Promise<void>;
  /** Resolves when ClickHouse answers; rejects with FGC_STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
