/**
 * The SchemaRegistry port over Confluent Schema Registry's REST API, through
 * @confluentinc/schemaregistry's SchemaRegistryClient. This adapter adds what the port promises
 * on top of the client: FgcError codes instead of HTTP statuses, a `getLatest` that is never
 * stale, and a ping that fails fast. The client already caches registrations (subject + schema →
 * id) and schemas by id, both immutable, so this file keeps no cache of its own.
 *
 * HTTP → error code: 409 → FGC_SCHEMA_INCOMPATIBLE; 422 (42201 invalid schema, 42202 invalid
 * version) → FGC_SCHEMA_INVALID; 404 carrying the registry's own 404xx code (40401 subject, 40402
 * version, 40403 schema) → FGC_SCHEMA_NOT_FOUND; no response, 408, 429, 5xx →
 * FGC_SCHEMA_UNAVAILABLE (retriable); 401/403, a bare 404 and other statuses →
 * FGC_SCHEMA_UNAVAILABLE, not retriable (retrying the same credentials or URL cannot help).
 * `isCompatible` on a subject without versions is true (the registry answers 40401 there).
 */
// Deep imports on purpose: the package index also loads every KMS SDK for field encryption
// (AWS, Azure, GCP, Vault), which costs ~0.7 s at start-up for code Forgecast never calls. The
// package has no `exports` map, so these paths are public files of the published tarball.
import { SchemaRegistryClient } from '@confluentinc/schemaregistry/dist/schemaregistry-client.js';
import type { ClientConfig } from '@confluentinc/schemaregistry/dist/rest-service.js';
import type { SchemaInfo, SchemaMetadata } from '@confluentinc/schemaregistry/dist/schemaregistry-client.js';
import { FgcError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RegisteredSchema, SchemaRegistry } from './schema-registry.js';

export interface ConfluentSchemaRegistryOptions {
  /** Base URL, e.g. `http://schema-registry:8081`. */
  readonly url: string;
  /** `user:password` for HTTP basic auth (Confluent Cloud: API key and secret). */
  readonly basicAuth: string | undefined;
  readonly logger: Logger;
  /** Per-request timeout; default 10 s. */
  readonly requestTimeoutMs?: number;
  /** Retries of a request that failed without a response or with 408/429/5xx; default 2. */
  readonly maxRetries?: number;
}

/** Long enough for a registration forwarded to the primary under load, short enough to surface an outage. */
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** A couple of retries ride out a leader election; more only delays the caller's own backoff policy. */
const DEFAULT_MAX_RETRIES = 2;
/** First retry delay (full jitter, doubling) and its cap: the client's own defaults (1 s / 20 s) stall start-up. */
const RETRY_WAIT_MS = 200;
const RETRY_MAX_WAIT_MS = 2_000;
/** A health probe answers quickly or the registry counts as down; no retries. */
const PING_TIMEOUT_MS = 2_000;
/** Subject sent with id look-ups: empty = the default context, where TopicNameStrategy subjects live. */
const ANY_SUBJECT = '';

export function createConfluentSchemaRegistry(options: ConfluentSchemaRegistryOptions): Promise<SchemaRegistry> {
  const logger = options.logger.child({ component: 'schema-registry', adapter: 'confluent' });
  const base: ClientConfig = {
    baseURLs: [options.url],
    ...(options.basicAuth === undefined ? {} : { basicAuthCredentials: { credentialsSource: 'USER_INFO', userInfo: options.basicAuth } }),
  };
  const client = new SchemaRegistryClient({
    ...base,
    createAxiosDefaults: { timeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS },
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    retriesWaitMs: RETRY_WAIT_MS,
    retriesMaxWaitMs: RETRY_MAX_WAIT_MS,
  });
  const pingClient = new SchemaRegistryClient({ ...base, createAxiosDefaults: { timeout: PING_TIMEOUT_MS }, maxRetries: 0 });
  logger.info({ url: options.url, basicAuth: options.basicAuth !== undefined }, 'using Confluent Schema Registry');
  return Promise.resolve(new ConfluentSchemaRegistry(client, pingClient, options.url, logger));
}

class ConfluentSchemaRegistry implements SchemaRegistry {
  readonly kind = 'confluent' as const;
  #closed = false;

  constructor(
    private readonly client: SchemaRegistryClient,
    private readonly pingClient: SchemaRegistryClient,
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  async register(subject: string, schema: string): Promise<number> {
    this.#assertOpen();
    try {
      // The client caches subject + schema → id, so registering on every encode is cheap.
      const id = await this.client.register(subject, avro(schema), false);
      this.logger.debug({ subject, id }, 'schema registered');
      return id;
    } catch (error) {
      throw this.#translate(error, `registering a schema for subject "${subject}"`, { subject });
    }
  }

  async getById(id: number): Promise<string> {
    this.#assertOpen();
    try {
      // The client caches id → schema (LRU of 1000, answers only): ids are immutable, so no expiry.
      const info = await this.client.getBySubjectAndId(ANY_SUBJECT, id);
      if (typeof info.schema !== 'string') throw new Error('response has no schema text');
      return info.schema;
    } catch (error) {
      throw this.#translate(error, `reading schema id ${id}`, { id });
    }
  }

  async getLatest(subject: string): Promise<RegisteredSchema> {
    this.#assertOpen();
    try {
      // The client caches "latest" with no expiry; another producer may have registered since.
      this.client.clearLatestCaches();
      const meta = await this.client.getLatestSchemaMetadata(subject);
      return toRegistered(subject, meta);
    } catch (error) {
      throw this.#translate(error, `reading the latest schema of subject "${subject}"`, { subject });
    }
  }

  async isCompatible(subject: string, schema: string): Promise<boolean> {
    this.#assertOpen();
    try {
      return await this.client.testSubjectCompatibility(subject, avro(schema));
    } catch (error) {
      // A subject without versions has nothing to be incompatible with (the server answers 40401).
      if (restStatus(error)?.errorCode === 40401) return true;
      throw this.#translate(error, `checking compatibility for subject "${subject}"`, { subject });
    }
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    try {
      await this.pingClient.getDefaultConfig();
    } catch (error) {
      const translated = this.#translate(error, 'pinging', {});
      // Whatever the registry answered, the port promises UNAVAILABLE from a failed ping.
      throw translated.code === 'FGC_SCHEMA_UNAVAILABLE'
        ? translated
        : new FgcError('FGC_SCHEMA_UNAVAILABLE', translated.message, { cause: error, retriable: false });
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([this.client.close(), this.pingClient.close()]);
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError();
  }

  /** Maps whatever the client threw to the port's error codes (table in the module header). */
  #translate(error: unknown, doing: string, context: Record<string, unknown>): FgcError {
    if (error instanceof FgcError) return error;
    const rest = restStatus(error);
    const reason = error instanceof Error ? error.message : String(error);
    const details = [{ ...context, ...(rest === undefined ? {} : { status: rest.status, errorCode: rest.errorCode }) }];
    const options = { cause: error, details };
    if (rest === undefined) {
      const network = isNetworkError(error);
      this.logger.debug({ err: error, ...context }, `schema registry ${network ? 'unreachable' : 'call failed'}`);
      return new FgcError('FGC_SCHEMA_UNAVAILABLE', `Schema registry at ${this.url} failed ${doing}: ${reason}`, {
        ...options,
        // A response we could not understand will not improve on retry; a network failure may.
        retriable: network,
      });
    }
    const { status } = rest;
    if (status === 409) return new FgcError('FGC_SCHEMA_INCOMPATIBLE', `Schema for subject "${String(context.subject)}" is not BACKWARD compatible: ${reason}`, options);
    if (status === 422) return new FgcError('FGC_SCHEMA_INVALID', `Schema registry refused ${doing}: ${reason}`, options);
    // Only the registry's own 404s (404xx codes) mean "no such schema": a bare 404 from a proxy or
    // a wrong base path must not make callers believe a subject is empty.
    if (status === 404 && Math.floor(rest.errorCode / 100) === 404) {
      return new FgcError('FGC_SCHEMA_NOT_FOUND', `Schema registry found nothing ${doing}: ${reason}`, options);
    }
    const transient = status === 408 || status === 429 || status >= 500;
    const hint = status === 401 || status === 403 ? ' (check SCHEMA_REGISTRY_AUTH)' : status === 404 ? ' (check SCHEMA_REGISTRY_URL)' : '';
    return new FgcError('FGC_SCHEMA_UNAVAILABLE', `Schema registry at ${this.url} answered ${status} ${doing}: ${reason}${hint}`, {
      ...options,
      retriable: transient,
    });
  }
}

function closedError(): FgcError {
  return new FgcError('FGC_SCHEMA_UNAVAILABLE', 'The schema registry client is closed', { retriable: false });
}

function avro(schema: string): SchemaInfo {
  return { schemaType: 'AVRO', schema };
}

function toRegistered(subject: string, meta: SchemaMetadata): RegisteredSchema {
  const { id, version, schema } = meta;
  if (typeof id !== 'number' || typeof version !== 'number' || typeof schema !== 'string') {
    throw new Error(`unexpected response for subject "${subject}": ${JSON.stringify(meta)}`);
  }
  return { subject, id, version, schema };
}

/**
 * The status of an HTTP error answer. The client throws a RestError carrying `status` and the
 * registry's `errorCode`; matched by shape so this file does not depend on where RestError lives.
 */
function restStatus(error: unknown): { status: number; errorCode: number } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, errorCode } = error as { status?: unknown; errorCode?: unknown };
  return typeof status === 'number' && typeof errorCode === 'number' ? { status, errorCode } : undefined;
}

/** An axios error without a response: refused, reset, DNS, TLS or timed out. */
function isNetworkError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { isAxiosError, response } = error as { isAxiosError?: unknown; response?: unknown };
  return isAxiosError === true && response === undefined;
}
