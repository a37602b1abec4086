/**
 * The one error registry. Every error the platform raises on purpose carries a stable
 * `FGC_<AREA>_<WHAT>` code, whether retrying can help, the HTTP status it maps to, and its cause.
 * Callers branch on `code` or `retriable`, never on message text.
 */

/** Static facts about one error code. */
export interface ErrorSpec {
  readonly status: number;
  readonly retriable: boolean;
  readonly message: string;
}

export const ERROR_CODES = {
  // configuration and start-up
  FGC_CONFIG_INVALID: { status: 500, retriable: false, message: 'Invalid configuration' },
  FGC_RUNTIME_DATA_DIR_LOCKED: { status: 500, retriable: false, message: 'The data directory is in use by another Forgecast process' },
  FGC_CLI_USAGE: { status: 400, retriable: false, message: 'Invalid command line' },
  FGC_LIFECYCLE_SHUTDOWN_TIMEOUT: { status: 500, retriable: false, message: 'Shutdown did not finish in time' },

  // HTTP surface
  FGC_HTTP_MALFORMED_JSON: { status: 400, retriable: false, message: 'Request body is not valid JSON' },
  FGC_HTTP_INVALID_REQUEST: { status: 400, retriable: false, message: 'Request is invalid' },
  FGC_HTTP_NOT_FOUND: { status: 404, retriable: false, message: 'Not found' },
  FGC_HTTP_METHOD_NOT_ALLOWED: { status: 405, retriable: false, message: 'Method not allowed' },
  FGC_HTTP_BODY_TOO_LARGE: { status: 413, retriable: false, message: 'Request body is too large' },
  FGC_HTTP_UNSUPPORTED_MEDIA_TYPE: { status: 415, retriable: false, message: 'Unsupported content type' },
  FGC_HTTP_RATE_LIMITED: { status: 429, retriable: true, message: 'Too many requests' },
  FGC_HTTP_INTERNAL: { status: 500, retriable: false, message: 'Internal error' },

  // authentication and authorization
  FGC_AUTH_MISSING_KEY: { status: 401, retriable: false, message: 'An API key is required' },
  FGC_AUTH_INVALID_KEY: { status: 401, retriable: false, message: 'The API key is not valid' },
  FGC_AUTH_FORBIDDEN: { status: 403, retriable: false, message: 'The API key lacks the required scope' },
  FGC_KEYS_NOT_FOUND: { status: 404, retriable: false, message: 'API key not found' },
  FGC_KEYS_INVALID: { status: 422, retriable: false, message: 'Invalid API key request' },

  // event bus
  FGC_BUS_UNAVAILABLE: { status: 503, retriable: true, message: 'The event bus is unavailable' },
  FGC_BUS_PUBLISH_FAILED: { status: 503, retriable: true, message: 'Publishing to the event bus failed' },
  FGC_BUS_CLOSED: { status: 503, retriable: false, message: 'The event bus is closed' },
  FGC_BUS_CORRUPT_LOG: { status: 500, retriable: false, message: 'The embedded log is corrupt' },
  FGC_BUS_HANDLER_FAILED: { status: 500, retriable: false, message: 'A consumer handler failed' },
  FGC_BUS_INVALID_REQUEST: { status: 500, retriable: false, message: 'Invalid event-bus request (topic name, message or option)' },

  // schema registry and serde
  FGC_SCHEMA_UNAVAILABLE: { status: 503, retriable: true, message: 'The schema registry is unavailable' },
  FGC_SCHEMA_INCOMPATIBLE: { status: 409, retriable: false, message: 'Schema is not compatible with the previous version' },
  FGC_SCHEMA_INVALID: { status: 422, retriable: false, message: 'Schema is not a valid Avro schema' },
  FGC_SCHEMA_NOT_FOUND: { status: 404, retriable: false, message: 'Schema not found' },
  FGC_SERDE_ENCODE_FAILED: { status: 422, retriable: false, message: 'Value does not match its Avro schema' },
  FGC_SERDE_DECODE_FAILED: { status: 422, retriable: false, message: 'Message could not be decoded' },

  // analytics store
  FGC_STORE_UNAVAILABLE: { status: 503, retriable: true, message: 'ClickHouse is unavailable' },
  FGC_STORE_QUERY_FAILED: { status: 500, retriable: false, message: 'ClickHouse query failed' },
  FGC_STORE_MIGRATION_FAILED: { status: 500, retriable: false, message: 'A ClickHouse migration failed' },

  // ingest (connectors)
  FGC_INGEST_INVALID_ENVELOPE: { status: 400, retriable: false, message: 'The batch envelope is invalid' },
  FGC_INGEST_TOO_MANY_RECORDS: { status: 413, retriable: false, message: 'The batch holds too many records' },
  FGC_INGEST_ALL_INVALID: { status: 422, retriable: false, message: 'Every record of the batch is invalid' },
  FGC_INGEST_CONFLICT: { status: 409, retriable: false, message: 'This batch reference was already used with different content' },
  FGC_INGEST_IN_PROGRESS: { status: 409, retriable: true, message: 'This batch is being ingested by another request' },
  FGC_INGEST_BATCH_NOT_FOUND: { status: 404, retriable: false, message: 'Batch not found' },
  FGC_INGEST_PROFILE_INVALID: { status: 500, retriable: false, message: 'A mapping profile file is invalid' },

  // pipelines (raw topics → unified model)
  FGC_PIPELINE_NORMALIZER_THREW: { status: 500, retriable: false, message: 'A normalizer threw instead of returning a failure (a bug; the record is dead-lettered)' },
  FGC_PIPELINE_SINK_REJECTED: { status: 500, retriable: true, message: 'ClickHouse refused the rows of a pipeline batch; the partition is held and retried until fixed' },
  FGC_PIPELINE_NOT_RUNNING: { status: 503, retriable: true, message: 'The pipeline runner is not running in this process' },
  FGC_PIPELINE_SINK_OVERLAP: { status: 503, retriable: true, message: 'A pipeline batch overlaps chunks a retried group write stored or is storing; it is redelivered and re-checked against the ledger' },
  FGC_PIPELINE_REPLAY_INVALID: { status: 422, retriable: false, message: 'The dead-letter replay filter is invalid' },

  // forecasting
  FGC_FORECAST_INVALID_INPUT: { status: 422, retriable: false, message: 'Forecast input is invalid' },
  FGC_FORECAST_INVALID_REQUEST: { status: 422, retriable: false, message: 'The forecast request is well-formed but cannot be served as asked' },
  FGC_FORECAST_TYPE_UNSUPPORTED: { status: 422, retriable: false, message: 'This forecast type (or entity type for it) is not supported yet' },
  FGC_FORECAST_ENTITY_NOT_FOUND: { status: 404, retriable: false, message: 'No data for this entity' },
  FGC_FORECAST_NOT_FOUND: { status: 404, retriable: false, message: 'Forecast not found' },
  FGC_FORECAST_INVALID_CURSOR: { status: 400, retriable: false, message: 'The cursor is not valid' },
  FGC_FORECAST_JOB_NOT_FOUND: { status: 404, retriable: false, message: 'No forecast job of that name' },
  FGC_FORECAST_JOB_BUSY: { status: 409, retriable: true, message: 'The forecast job is already running (here or on another replica)' },
  FGC_FORECAST_JOB_LEASE_LOST: { status: 503, retriable: true, message: 'The forecast job lost its lease; another replica may run it' },
  FGC_FORECAST_CRON_INVALID: { status: 500, retriable: false, message: 'A forecast job schedule is not a valid cron expression' },
  FGC_FORECAST_WORKER_FAILED: { status: 500, retriable: false, message: 'A forecast worker thread died while fitting; it is replaced for the next fit' },
  FGC_FORECAST_EXECUTOR_CLOSED: { status: 503, retriable: true, message: 'The forecast workers are shut down (the process is stopping)' },
  FGC_FORECAST_TASK_CLAIMED: { status: 503, retriable: true, message: 'Another member of the forecast-workers group is forecasting this task; it is redelivered later' },
  FGC_FORECAST_RUN_TIMEOUT: { status: 500, retriable: false, message: 'No task of the distributed forecast run finished within the timeout' },

  // alerting: alerts, silences, preferences, notifications (alerting/)
  FGC_ALERT_NOT_FOUND: { status: 404, retriable: false, message: 'Alert not found' },
  FGC_ALERT_INVALID_REQUEST: { status: 422, retriable: false, message: 'The alert request is well-formed but invalid' },
  FGC_ALERT_EVENT_INVALID: { status: 422, retriable: false, message: 'A forecast event is malformed (the field is named); it is skipped' },
  FGC_SILENCE_NOT_FOUND: { status: 404, retriable: false, message: 'Silence not found' },
  FGC_SILENCE_INVALID: { status: 422, retriable: false, message: 'The silence is well-formed but invalid (matchers or time window)' },
  FGC_ALERT_ALREADY_RESOLVED: { status: 409, retriable: false, message: 'The alert is resolved; only pending or firing alerts can be acknowledged' },
  FGC_PREFERENCES_NOT_FOUND: { status: 404, retriable: false, message: 'No preferences for this user' },
  FGC_PREFERENCES_INVALID: { status: 422, retriable: false, message: 'The preferences are well-formed but invalid' },
  FGC_NOTIFICATION_NOT_FOUND: { status: 404, retriable: false, message: 'Notification not found' },
  FGC_NOTIFICATION_NOT_RETRIABLE: { status: 409, retriable: false, message: 'The notification is not in a state that can be retried' },
  FGC_NOTIFICATION_MALFORMED: { status: 422, retriable: false, message: 'A notification message is not a valid notification' },
  FGC_CHANNEL_NOT_CONFIGURED: { status: 422, retriable: false, message: 'The user has no target for this channel' },
  FGC_DELIVERY_TRANSIENT: { status: 503, retriable: true, message: 'A notification channel failed; the delivery will be retried' },
  FGC_DELIVERY_PERMANENT: { status: 502, retriable: false, message: 'A notification channel refused the delivery; it will not be retried' },
  FGC_WEBHOOK_TARGET_REFUSED: { status: 422, retriable: false, message: 'The webhook target is not allowed (private or loopback address, or not http/https)' },
  FGC_ALERTING_ROW_INVALID: { status: 500, retriable: false, message: 'An alerting record cannot be stored or read back (a timestamp or JSON field is not valid)' },

  // coordination
  FGC_COORD_UNAVAILABLE: { status: 503, retriable: true, message: 'The coordination store is unavailable' },
  FGC_COORD_COMMAND_FAILED: { status: 500, retriable: false, message: 'The coordination store refused the command' },

  // ERP REST poller (connectors/erp-rest): upstream failures map to 502/503, never to 4xx of ours
  FGC_ERP_UNAVAILABLE: { status: 503, retriable: true, message: 'The ERP API is unavailable (server errors, rate limits or timeouts outlasted the retries)' },
  FGC_ERP_REQUEST_REJECTED: { status: 502, retriable: false, message: 'The ERP API rejected the request' },
  FGC_ERP_INVALID_PAGE: { status: 502, retriable: false, message: 'The ERP API returned a page that is not valid' },
  FGC_ERP_RESPONSE_TOO_LARGE: { status: 502, retriable: false, message: 'The ERP API response exceeds the size limit' },
  FGC_ERP_CURSOR_CORRUPT: { status: 500, retriable: false, message: 'A stored ERP cursor cannot be read' },
  FGC_ERP_LEASE_LOST: { status: 503, retriable: true, message: 'The poller lost its lease on the ERP source' },

  // pipelines: reference data and the unified-model read API
  FGC_PIPELINE_REFERENCE_NOT_LOADED: { status: 500, retriable: false, message: 'Reference data of the tenant was not prepared before normalizing' },
  FGC_DATA_NOT_FOUND: { status: 404, retriable: false, message: 'Not found' },
  FGC_DATA_INVALID_CURSOR: { status: 400, retriable: false, message: 'The cursor is not valid' },
  FGC_DATA_INVALID_RANGE: { status: 400, retriable: false, message: 'The date range is not valid' },

  // file drop connector
  FGC_FILEDROP_INVALID_NAME: { status: 422, retriable: false, message: 'The file name does not follow the file-drop naming convention' },
  FGC_FILEDROP_UNPARSABLE: { status: 422, retriable: false, message: 'The file cannot be read as CSV or JSON Lines' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One field- or record-level problem, as listed in an error body's `details`. */
export interface ErrorDetail {
  readonly [key: string]: unknown;
}

export interface FgcErrorOptions {
  readonly cause?: unknown;
  readonly details?: readonly ErrorDetail[];
  /** Overrides the registry's retriable flag when the situation knows better. */
  readonly retriable?: boolean;
}

export class FgcError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retriable: boolean;
  readonly details: readonly ErrorDetail[];

  constructor(code: ErrorCode, message?: string, options: FgcErrorOptions = {}) {
    const spec: ErrorSpec = ERROR_CODES[code];
    super(message ?? spec.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FgcError';
    this.code = code;
    this.status = spec.status;
    this.retriable = options.retriable ?? spec.retriable;
    this.details = options.details ?? [];
  }

  toJSON(): { code: ErrorCode; message: string; details: readonly ErrorDetail[] } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isFgcError(value: unknown): value is FgcError {
  return value instanceof FgcError;
}

/**
 * Whether retrying the operation that threw `error` may succeed. Unknown errors count as
 * retriable: an infrastructure hiccup must never be mistaken for bad data and dropped.
 */
export function isRetriable(error: unknown): boolean {
  return isFgcError(error) ? error.retriable : true;
}
