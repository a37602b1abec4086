/**
 * Configuration, parsed once at start-up from the environment into one typed, frozen object.
 * Domain code receives the parts it needs; nothing outside this file reads `process.env`.
 * Every setting is declared once in SETTINGS (name, default, meaning); the README table mirrors
 * it and a test keeps the two in step. Invalid settings stop start-up with one error that lists
 * every problem, not just the first.
 */
import os from 'node:os';
import path from 'node:path';
import { FgcError } from './errors.js';

export const ROLES = ['api', 'pipelines', 'forecasting', 'alerting'] as const;
export type Role = (typeof ROLES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const KAFKA_COMPRESSIONS = ['none', 'gzip'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly roles: readonly Role[];
  readonly adminKey: string | undefined;
  readonly logLevel: LogLevel;
  readonly http: {
    readonly bodyLimitBytes: number;
    readonly rateLimitPerMinute: number;
  };
  readonly shutdownTimeoutMs: number;
  readonly ingest: {
    readonly maxRecords: number;
    readonly bodyLimitBytes: number;
    /** Directory watched for CSV / JSON Lines files; undefined = file drop off. */
    readonly dropDir: string | undefined;
    readonly dropTenant: string;
    readonly dropPollMs: number;
    /** JSON array of ERP REST sources; undefined = poller off. */
    readonly erpSources: string | undefined;
    readonly erpCursorStore: 'file' | 'clickhouse';
  };
  readonly forecasting: {
    /** Job table `name=<cron>[@all|new-data[@periods]];…`; undefined = the defaults. */
    readonly jobs: string | undefined;
    /** Entities in flight per job run; by default enough to keep every fit worker busy. */
    readonly concurrency: number;
    /** Worker threads for forecast fits; 0 = on the main thread. */
    readonly workers: number;
    readonly leaseTtlMs: number;
    readonly inferBodyLimitBytes: number;
  };
  readonly demo: { readonly email: string };
  readonly simulator: {
    readonly seed: number;
    readonly items: number;
    readonly sites: number;
    readonly historyDays: number;
    readonly msPerDay: number;
  };
  readonly bus: {
    readonly partitions: number;
    readonly fsync: boolean;
  };
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly idempotent: boolean;
    readonly compression: KafkaCompression;
    readonly createTopics: boolean;
    readonly replicationFactor: number;
    readonly lingerMs: number;
    readonly sessionTimeoutMs: number;
  } | undefined;
  readonly schemaRegistry: { readonly url: string; readonly basicAuth: string | undefined } | undefined;
  readonly clickhouse: {
    readonly url: string | undefined;
    readonly user: string;
    readonly password: string;
    readonly database: string;
  };
  readonly redis: { readonly url: string | undefined; readonly keyPrefix: string };
  readonly mail: { readonly smtpUrl: string | undefined; readonly from: string };
  readonly slack: { readonly botToken: string | undefined; readonly apiUrl: string | undefined };
  readonly webhooks: { readonly allowPrivateNetworks: boolean };
  readonly alerting: {
    /** Base URL of links in messages ('' = http://localhost:<PORT>). */
    readonly publicUrl: string;
    readonly groupWaitMs: number;
    readonly repeatIntervalMs: number;
    readonly staleSourceHours: number;
    readonly stockoutProbability: number;
    readonly maxAttempts: number;
    readonly webhookTimeoutMs: number;
    readonly staleSendingMs: number;
  };
}

/** One environment setting: its name, default (as text, `undefined` = unset) and meaning. */
export interface SettingSpec {
  readonly name: string;
  readonly default: string | undefined;
  readonly description: string;
}

export const SETTINGS: readonly SettingSpec[] = [
  { name: 'PORT', default: '8080', description: 'HTTP port of the API role' },
  { name: 'HOST', default: '127.0.0.1', description: 'interface the HTTP server binds; `0.0.0.0` in containers' },
  { name: 'FORGECAST_DATA_DIR', default: './data', description: 'data directory of the embedded adapters (log, registry, chDB, outbox)' },
  { name: 'FORGECAST_ROLES', default: 'api,pipelines,forecasting,alerting', description: 'roles this process runs, comma separated' },
  { name: 'FORGECAST_ADMIN_KEY', default: undefined, description: 'when set (16+ characters), an admin key of tenant `default`' },
  { name: 'FORGECAST_LOG_LEVEL', default: 'info', description: 'pino log level (`fatal` … `trace`, `silent`)' },
  { name: 'FORGECAST_BODY_LIMIT_BYTES', default: '10485760', description: 'largest accepted request body (10 MiB: a 1,000-record batch with wide records fits with room)' },
  { name: 'FORGECAST_RATE_LIMIT_PER_MINUTE', default: '12000', description: 'requests per minute per API key (or client address without a key); shared through Redis in services mode' },
  { name: 'FORGECAST_SHUTDOWN_TIMEOUT_MS', default: '10000', description: 'deadline for releasing resources on SIGTERM/SIGINT' },
  { name: 'FORGECAST_INGEST_MAX_RECORDS', default: '10000', description: 'most records in one ingest batch (413 beyond): ten 1,000-record pages, bounded memory per request' },
  { name: 'FORGECAST_INGEST_BODY_LIMIT_BYTES', default: '16777216', description: 'largest body of `POST /api/v1/ingest` (16 MiB: 10,000 records of about 1.6 KB)' },
  { name: 'FORGECAST_DROP_DIR', default: undefined, description: 'directory watched for CSV / JSON Lines files (`done/` and `failed/` inside); unset = file drop off' },
  { name: 'FORGECAST_DROP_TENANT', default: 'default', description: 'tenant that dropped files are ingested for' },
  { name: 'FORGECAST_DROP_POLL_MS', default: '1000', description: 'file-drop poll period; a file is taken once it stayed unchanged that long' },
  { name: 'FORGECAST_ERP_SOURCES', default: undefined, description: 'JSON array of ERP REST sources to poll (see connectors/erp-rest/README.md); unset = poller off' },
  { name: 'FORGECAST_ERP_CURSOR_STORE', default: undefined, description: 'where ERP cursors persist: `file` (data directory) or `clickhouse`; default `clickhouse` when `CLICKHOUSE_URL` is set, else `file`' },
  { name: 'FORGECAST_FORECAST_JOBS', default: undefined, description: 'forecast job table `name=<cron>[@scope[@periods[@types]]];…` (UTC; scope `all` or `new-data`; types e.g. `demand+inventory:item_site:daily`); unset = `nightly=0 2 * * *` (every type, all entities) and `hourly=5 * * * *@new-data` (demand + inventory)' },
  { name: 'FORGECAST_FORECAST_CONCURRENCY', default: undefined, description: 'entities forecast at once in a job run (overlaps storage round trips with fits); unset = 2 × `FORGECAST_FORECAST_WORKERS`, at least 4' },
  { name: 'FORGECAST_FORECAST_WORKERS', default: undefined, description: 'worker threads fitting forecast models (job runs, `POST /api/v1/forecasts` and `POST /api/v1/infer`), so fits never hold up the API; unset = CPU cores − 1 (at least 1); `0` = fit on the main thread' },
  { name: 'FORGECAST_FORECAST_LEASE_TTL_MS', default: '60000', description: 'job lease lifetime: a replica that dies mid-run blocks the job at most this long' },
  { name: 'FORGECAST_INFER_BODY_LIMIT_BYTES', default: '4194304', description: 'largest body of `POST /api/v1/infer` (100,000 points fit)' },
  { name: 'FORGECAST_DEMO_EMAIL', default: 'supervisor@example.com', description: 'demo: email address of the supervisor whose alert preferences the demo saves' },
  { name: 'FORGECAST_SIM_SEED', default: '42', description: 'demo simulator: seed (same seed, same manufacturer)' },
  { name: 'FORGECAST_SIM_ITEMS', default: '20', description: 'demo simulator: number of items' },
  { name: 'FORGECAST_SIM_SITES', default: '3', description: 'demo simulator: number of sites' },
  { name: 'FORGECAST_SIM_HISTORY_DAYS', default: '1095', description: 'demo simulator: days of history streamed before live mode (three years)' },
  { name: 'FORGECAST_SIM_MS_PER_DAY', default: '10000', description: 'demo simulator: one simulated day every this many milliseconds in live mode' },
  { name: 'FORGECAST_BUS_PARTITIONS', default: '4', description: 'partitions per topic of the embedded log (the same count the Kafka mock creates)' },
  { name: 'FORGECAST_BUS_FSYNC', default: 'false', description: 'embedded log: fsync every append before acknowledging (survives power loss, not only `kill -9`)' },
  { name: 'KAFKA_BROKERS', default: undefined, description: 'comma-separated Kafka bootstrap servers; set = Kafka via kafkajs, unset = embedded log' },
  { name: 'KAFKA_CLIENT_ID', default: 'forgecast', description: 'Kafka client id' },
  { name: 'KAFKA_IDEMPOTENT', default: 'true', description: 'idempotent producer (set `false` for brokers without it, e.g. the librdkafka mock cluster)' },
  { name: 'KAFKA_COMPRESSION', default: 'gzip', description: 'producer compression: `gzip` or `none`' },
  { name: 'KAFKA_CREATE_TOPICS', default: 'true', description: 'create topics through the admin API at start-up (set `false` where the broker auto-creates them)' },
  { name: 'KAFKA_REPLICATION_FACTOR', default: '1', description: 'replication factor of topics Forgecast creates' },
  { name: 'KAFKA_LINGER_MS', default: '5', description: 'how long the producer waits to gather concurrent publishes into one request' },
  { name: 'KAFKA_SESSION_TIMEOUT_MS', default: '30000', description: "consumer session timeout: how long a group waits for a silent (crashed) member before rebalancing its partitions" },
  { name: 'SCHEMA_REGISTRY_URL', default: undefined, description: 'Confluent Schema Registry URL; unset = embedded registry in the data directory' },
  { name: 'SCHEMA_REGISTRY_AUTH', default: undefined, description: 'Schema Registry basic auth as `user:password`' },
  { name: 'CLICKHOUSE_URL', default: undefined, description: 'ClickHouse HTTP URL; unset = chDB in the data directory' },
  { name: 'CLICKHOUSE_USER', default: 'default', description: 'ClickHouse user' },
  { name: 'CLICKHOUSE_PASSWORD', default: '', description: 'ClickHouse password' },
  { name: 'CLICKHOUSE_DATABASE', default: 'forgecast', description: 'database holding every Forgecast table' },
  { name: 'REDIS_URL', default: undefined, description: 'Redis URL; unset = in-process coordination store' },
  { name: 'REDIS_KEY_PREFIX', default: 'fgc:', description: 'prefix of every Redis key Forgecast writes' },
  { name: 'SMTP_URL', default: undefined, description: 'SMTP server (`smtp://user:pass@host:port`); unset = `.eml` files in the outbox' },
  { name: 'MAIL_FROM', default: 'Forgecast <alerts@forgecast.local>', description: 'sender of alert emails' },
  { name: 'SLACK_BOT_TOKEN', default: undefined, description: 'Slack bot token; unset = Slack messages written to the outbox' },
  { name: 'SLACK_API_URL', default: undefined, description: 'Slack Web API base URL (for a local stand-in)' },
  { name: 'WEBHOOK_ALLOW_PRIVATE_NETWORKS', default: 'false', description: 'allow outgoing webhooks to loopback and private addresses' },
  { name: 'FORGECAST_PUBLIC_URL', default: undefined, description: 'base URL of links in alert messages; unset = `http://localhost:<PORT>`' },
  { name: 'ALERT_GROUP_WAIT_MS', default: '2000', description: 'alert changes go out once the newest has waited this long (the oldest at most 4×): one message per user and burst' },
  { name: 'ALERT_REPEAT_INTERVAL_MINUTES', default: '240', description: 'a firing, unacknowledged alert is notified again after this long' },
  { name: 'ALERT_STALE_SOURCE_HOURS', default: '24', description: 'a source with no batch for this long raises a stale_source alert' },
  { name: 'ALERT_STOCKOUT_PROBABILITY', default: '0.5', description: 'stockout probability within lead time that raises a stockout_risk alert' },
  { name: 'ALERT_MAX_ATTEMPTS', default: '10', description: 'delivery attempts per notification and channel before it is marked failed' },
  { name: 'WEBHOOK_TIMEOUT_MS', default: '10000', description: 'timeout of one outgoing webhook request' },
  { name: 'ALERT_STALE_SENDING_MS', default: '300000', description: 'a notification send not finished after this long (its process died) is tried again' },
];

type Env = Readonly<Record<string, string | undefined>>;

/** Most fit threads: past a large machine's cores, more threads only add memory (each loads the models). */
const MAX_FORECAST_WORKERS = 256;
/** Job-run entities in flight when none is configured: below this, storage round trips are not overlapped. */
const MIN_FORECAST_CONCURRENCY = 4;

/**
 * Entities in flight per job run for `workers` fit threads: two per worker, so each worker has
 * its next fit queued while the main thread loads a series and stores the last version.
 */
export function defaultForecastConcurrency(workers: number): number {
  return Math.max(MIN_FORECAST_CONCURRENCY, 2 * workers);
}

/** Collects problems instead of throwing at the first, so one start-up names them all. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    if (value !== undefined && value.trim() !== '') return value.trim();
    return SETTINGS.find((s) => s.name === name)?.default;
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  string(name: string): string {
    return this.raw(name) ?? '';
  }

  int(name: string, min: number, max: number): number {
    const text = this.raw(name) ?? '';
    const value = Number(text);
    if (!/^-?\d+$/.test(text) || value < min || value > max) {
      this.problems.push(`${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
      return min;
    }
    return value;
  }

  number(name: string, min: number, max: number): number {
    const text = this.raw(name) ?? '';
    const value = Number(text);
    if (text === '' || !Number.isFinite(value) || value < min || value > max) {
      this.problems.push(`${name}: expected a number from ${min} to ${max}, got ${JSON.stringify(text)}`);
      return min;
    }
    return value;
  }

  bool(name: string): boolean {
    const text = (this.raw(name) ?? '').toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(text)) return true;
    if (['false', '0', 'no', 'off'].includes(text)) return false;
    this.problems.push(`${name}: expected true or false, got ${JSON.stringify(text)}`);
    return false;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const text = this.raw(name) ?? '';
    if ((allowed as readonly string[]).includes(text)) return text as T;
    this.problems.push(`${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(text)}`);
    return allowed[0] as T;
  }

  url(name: string, protocols: readonly string[]): string | undefined {
    const text = this.raw(name);
    if (text === undefined) return undefined;
    try {
      const parsed = new URL(text);
      if (!protocols.includes(parsed.protocol)) {
        this.problems.push(`${name}: expected a ${protocols.join(' or ')} URL, got ${parsed.protocol}`);
      }
    } catch {
      this.problems.push(`${name}: not a valid URL`);
    }
    return text;
  }
}

function parseRoles(reader: Reader): Role[] {
  const text = reader.string('FORGECAST_ROLES');
  const names = text.split(',').map((r) => r.trim()).filter((r) => r !== '');
  const unknown = names.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0 || names.length === 0) {
    reader.problems.push(`FORGECAST_ROLES: expected a comma-separated subset of ${ROLES.join(',')}, got ${JSON.stringify(text)}`);
  }
  return ROLES.filter((r) => names.includes(r));
}

function parseBrokers(reader: Reader): string[] | undefined {
  const text = reader.optional('KAFKA_BROKERS');
  if (text === undefined) return undefined;
  const brokers = text.split(',').map((b) => b.trim()).filter((b) => b !== '');
  for (const broker of brokers) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(broker)) reader.problems.push(`KAFKA_BROKERS: ${JSON.stringify(broker)} is not host:port`);
  }
  return brokers;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Reads every setting; throws `FGC_CONFIG_INVALID` listing all problems at once.
 * `cwd` resolves a relative data directory, so tests can pass their own.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const r = new Reader(env);
  const adminKey = r.optional('FORGECAST_ADMIN_KEY');
  if (adminKey !== undefined && adminKey.length < 16) r.problems.push('FORGECAST_ADMIN_KEY: must be at least 16 characters');
  const brokers = parseBrokers(r);
  const registryUrl = r.url('SCHEMA_REGISTRY_URL', ['http:', 'https:']);
  // One core stays with the main thread (HTTP, storage, the bus).
  const forecastWorkers = r.optional('FORGECAST_FORECAST_WORKERS') === undefined ? Math.max(1, os.availableParallelism() - 1) : r.int('FORGECAST_FORECAST_WORKERS', 0, MAX_FORECAST_WORKERS);

  const config: Config = {
    port: r.int('PORT', 0, 65535),
    host: r.string('HOST'),
    dataDir: path.resolve(cwd, r.string('FORGECAST_DATA_DIR')),
    roles: parseRoles(r),
    adminKey,
    logLevel: r.oneOf('FORGECAST_LOG_LEVEL', LOG_LEVELS),
    http: {
      bodyLimitBytes: r.int('FORGECAST_BODY_LIMIT_BYTES', 1024, 1024 * 1024 * 1024),
      rateLimitPerMinute: r.int('FORGECAST_RATE_LIMIT_PER_MINUTE', 1, 100_000_000),
    },
    shutdownTimeoutMs: r.int('FORGECAST_SHUTDOWN_TIMEOUT_MS', 100, 600_000),
    ingest: {
      maxRecords: r.int('FORGECAST_INGEST_MAX_RECORDS', 1, 1_000_000),
      bodyLimitBytes: r.int('FORGECAST_INGEST_BODY_LIMIT_BYTES', 1024, 1024 * 1024 * 1024),
      dropDir: r.optional('FORGECAST_DROP_DIR') === undefined ? undefined : path.resolve(cwd, r.string('FORGECAST_DROP_DIR')),
      dropTenant: r.string('FORGECAST_DROP_TENANT'),
      dropPollMs: r.int('FORGECAST_DROP_POLL_MS', 50, 3_600_000),
      erpSources: r.optional('FORGECAST_ERP_SOURCES'),
      erpCursorStore:
        r.optional('FORGECAST_ERP_CURSOR_STORE') === undefined
          ? r.optional('CLICKHOUSE_URL') === undefined
            ? 'file'
            : 'clickhouse'
          : r.oneOf('FORGECAST_ERP_CURSOR_STORE', ['file', 'clickhouse'] as const),
    },
    forecasting: {
      jobs: r.optional('FORGECAST_FORECAST_JOBS'),
      concurrency: r.optional('FORGECAST_FORECAST_CONCURRENCY') === undefined ? defaultForecastConcurrency(forecastWorkers) : r.int('FORGECAST_FORECAST_CONCURRENCY', 1, 256),
      workers: forecastWorkers,
      leaseTtlMs: r.int('FORGECAST_FORECAST_LEASE_TTL_MS', 1_000, 3_600_000),
      inferBodyLimitBytes: r.int('FORGECAST_INFER_BODY_LIMIT_BYTES', 1024, 1024 * 1024 * 1024),
    },
    demo: { email: r.string('FORGECAST_DEMO_EMAIL') },
    simulator: {
      seed: r.int('FORGECAST_SIM_SEED', 0, 2 ** 31 - 1),
      // Lower bounds: the simulator needs room to plant its three situations (connectors/simulator).
      items: r.int('FORGECAST_SIM_ITEMS', 6, 5_000),
      sites: r.int('FORGECAST_SIM_SITES', 1, 50),
      historyDays: r.int('FORGECAST_SIM_HISTORY_DAYS', 240, 3_650),
      msPerDay: r.int('FORGECAST_SIM_MS_PER_DAY', 10, 86_400_000),
    },
    bus: {
      partitions: r.int('FORGECAST_BUS_PARTITIONS', 1, 256),
      fsync: r.bool('FORGECAST_BUS_FSYNC'),
    },
    kafka:
      brokers === undefined
        ? undefined
        : {
            brokers,
            clientId: r.string('KAFKA_CLIENT_ID'),
            idempotent: r.bool('KAFKA_IDEMPOTENT'),
            compression: r.oneOf('KAFKA_COMPRESSION', KAFKA_COMPRESSIONS),
            createTopics: r.bool('KAFKA_CREATE_TOPICS'),
            replicationFactor: r.int('KAFKA_REPLICATION_FACTOR', 1, 16),
            lingerMs: r.int('KAFKA_LINGER_MS', 0, 10_000),
            sessionTimeoutMs: r.int('KAFKA_SESSION_TIMEOUT_MS', 6_000, 1_800_000),
          },
    schemaRegistry: registryUrl === undefined ? undefined : { url: registryUrl, basicAuth: r.optional('SCHEMA_REGISTRY_AUTH') },
    clickhouse: {
      url: r.url('CLICKHOUSE_URL', ['http:', 'https:']),
      user: r.string('CLICKHOUSE_USER'),
      password: r.string('CLICKHOUSE_PASSWORD'),
      database: r.string('CLICKHOUSE_DATABASE'),
    },
    redis: { url: r.url('REDIS_URL', ['redis:', 'rediss:']), keyPrefix: r.string('REDIS_KEY_PREFIX') },
    mail: { smtpUrl: r.url('SMTP_URL', ['smtp:', 'smtps:']), from: r.string('MAIL_FROM') },
    slack: { botToken: r.optional('SLACK_BOT_TOKEN'), apiUrl: r.url('SLACK_API_URL', ['http:', 'https:']) },
    webhooks: { allowPrivateNetworks: r.bool('WEBHOOK_ALLOW_PRIVATE_NETWORKS') },
    alerting: {
      publicUrl: r.url('FORGECAST_PUBLIC_URL', ['http:', 'https:']) ?? '',
      groupWaitMs: r.int('ALERT_GROUP_WAIT_MS', 0, 600_000),
      repeatIntervalMs: r.int('ALERT_REPEAT_INTERVAL_MINUTES', 1, 43_200) * 60_000,
      staleSourceHours: r.int('ALERT_STALE_SOURCE_HOURS', 1, 8_760),
      stockoutProbability: r.number('ALERT_STOCKOUT_PROBABILITY', 0, 1),
      maxAttempts: r.int('ALERT_MAX_ATTEMPTS', 1, 100),
      webhookTimeoutMs: r.int('WEBHOOK_TIMEOUT_MS', 100, 120_000),
      staleSendingMs: r.int('ALERT_STALE_SENDING_MS', 1_000, 86_400_000),
    },
  };

  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(config.clickhouse.database)) {
    r.problems.push('CLICKHOUSE_DATABASE: letters, digits and underscores only');
  }
  if (r.problems.length > 0) {
    throw new FgcError('FGC_CONFIG_INVALID', `Invalid configuration:\n  - ${r.problems.join('\n  - ')}`, {
      details: r.problems.map((problem) => ({ problem })),
    });
  }
  return deepFreeze(config);
}

/** Which systems run against real services; the rest run embedded. */
export function describeModes(config: Config): Record<'stream' | 'schemas' | 'storage' | 'coordination' | 'email' | 'slack', 'services' | 'embedded'> {
  const mode = (present: unknown): 'services' | 'embedded' => (present === undefined ? 'embedded' : 'services');
  return {
    stream: mode(config.kafka),
    schemas: mode(config.schemaRegistry),
    storage: mode(config.clickhouse.url),
    coordination: mode(config.redis.url),
    email: mode(config.mail.smtpUrl),
    slack: mode(config.slack.botToken),
  };
}
