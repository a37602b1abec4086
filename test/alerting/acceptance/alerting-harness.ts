/**
 * The alerting domain assembled as the alerting role runs it (`createAlerting`), in process, over
 * a real store (chDB with the shipped migrations), a real bus and real coordination — embedded
 * ones for `npm test`, Kafka and Redis for `npm run test:services` (the backend is passed in) —
 * delivering to real receivers (receivers.ts): an SMTP server, a Slack Web API stand-in and a
 * webhook receiver that verifies signatures.
 *
 * Timings are shortened (group wait, ticks, polls, backoff) so a scenario takes seconds, and the
 * whole harness runs on one injectable clock (`clock`): real time plus an offset a test can move
 * forward, e.g. past the end of a user's quiet hours. Only alerting's clock moves; the bus,
 * coordination leases and webhook signatures stay on real time, as they would in production.
 */
import { createHash } from 'node:crypto';
import type { Alert, DeliveryRecord, Preferences } from '../../../alerting/alert-model.js';
import { createAlerting, type Alerting, type AlertingSettings } from '../../../alerting/create-alerting.js';
import { DEFAULT_GROUP_ID } from '../../../alerting/delivery/dispatcher.js';
import { ALERT_RULES_GROUP } from '../../../alerting/engine/alert-engine.js';
import { pendingChange } from '../../../alerting/engine/notification-planner.js';
import { eventMessage, forecastEvent, type ForecastEvent } from '../../../forecasting/jobs/forecast-events.js';
import type { ForecastRecord } from '../../../forecasting/service/forecast-version.js';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { createAnalyticsStore } from '../../../infra/clickhouse/clickhouse-analytics-store.js';
import { migrate } from '../../../infra/clickhouse/migrations.js';
import type { Coordination } from '../../../infra/coordination/coordination.js';
import type { EventBus } from '../../../infra/event-bus/event-bus.js';
import { createLogger, silentLogger, type Logger } from '../../../infra/logger.js';
import { mulberry32 } from '../../../infra/seeded-random.js';
import { FORECAST_EVENTS_TOPIC, NOTIFICATIONS_TOPIC } from '../../../schemas/topics.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startSlackStandin, startSmtpStandin, startWebhookReceiver, type SlackStandin, type SmtpStandin, type WebhookReceiver } from './receivers.js';

/** The ports the harness runs alerting on; `close` releases them (not the data dir). */
export interface AlertingBackend {
  readonly label: string;
  readonly store: AnalyticsStore;
  readonly bus: EventBus;
  readonly coordination: Coordination;
  close(): Promise<void>;
}

/** Opens a backend over a fresh data directory (one per test file: chDB binds one per process). */
export type OpenBackend = (dataDir: string, logger: Logger) => Promise<AlertingBackend>;

/** chDB in `dataDir` with every migration applied (alerting's tables are migration 008). */
export async function openChdbStore(dataDir: string, logger: Logger): Promise<AnalyticsStore> {
  const store = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'alerting_acceptance', dataDir, logger });
  await migrate(store, logger);
  return store;
}

/** Alerting's clock: real time plus an offset that only moves forward. */
export interface TestClock {
  now(): number;
  /** Moves the clock to `ms` (never backwards). */
  set(ms: number): void;
}

function offsetClock(startMs: number): TestClock {
  let offset = startMs - Date.now();
  return {
    now: () => Date.now() + offset,
    set(ms) {
      offset = Math.max(offset, ms - Date.now());
    },
  };
}

export interface HarnessOptions {
  /** Where alerting's clock starts (epoch ms). */
  readonly startAt: number;
}

/**
 * Acceptance timings. Group wait 300 ms and ticks / due polls of 100 ms keep a scenario to a
 * couple of seconds while still grouping; backoff from 50 ms capped at 1 s makes an outage of a
 * few seconds cost a handful of attempts; 30 attempts outlast every outage the scenarios stage.
 * The stale-sending window (30 min) is far beyond any clock move a scenario makes, so a send in
 * flight is never taken for lost. The repeat interval (a day) never comes up.
 */
const TIMINGS = { groupWaitMs: 300, tickMs: 100, duePollMs: 100, backoff: { baseMs: 50, factor: 2, capMs: 1_000 }, maxAttempts: 30, staleSendingMs: 30 * 60_000, repeatIntervalMs: 86_400_000 } as const;
/** Seed of the retry jitter: a failing run replays with the same delays. */
const JITTER_SEED = 20_240_601;
/** How long the harness waits for alerting to settle before a scenario's assertions. */
const SETTLE_TIMEOUT_MS = 20_000;

/** Where one user's messages arrive. */
export interface Recipient {
  readonly tenant: string;
  readonly user: string;
  readonly email: string;
  readonly slack: string;
  readonly webhookPath: string;
}

export interface AlertingHarness {
  readonly backend: AlertingBackend;
  readonly smtp: SmtpStandin;
  readonly slack: SlackStandin;
  readonly webhooks: WebhookReceiver;
  readonly clock: TestClock;
  /** The running alerting; a new instance after `restart()`. */
  readonly alerting: Alerting;
  /** Where `user` of `tenant` receives (unique per tenant and user, so scenarios never share a recipient). */
  recipient(tenant: string, user: string): Recipient;
  /** Stores preferences for the recipient (every channel, min_severity info, no quiet hours unless overridden). */
  subscribe(recipient: Recipient, overrides?: Partial<Preferences>): Promise<Preferences>;
  /** Publishes the event to FORECAST_EVENTS_TOPIC as the forecasting jobs do (`eventMessage`). */
  publishForecast(event: ForecastEvent): Promise<void>;
  /** The delivery log of a tenant (latest state per idempotency key), optionally of one user. */
  deliveries(tenant: string, user?: string): Promise<DeliveryRecord[]>;
  /** Alerts of a tenant, any status. */
  alerts(tenant: string): Promise<Alert[]>;
  /**
   * Waits until alerting has nothing left to do for `tenant`: every event applied, every alert
   * change notified, every outbox message handled, and no delivery sending, queued or retrying
   * (held ones may stay held). Assertions of "exactly N" come after this, not after a sleep.
   */
  settle(tenant: string): Promise<void>;
  /** Closes the engine, dispatcher and channels, and builds and starts new ones over the same store, bus and coordination. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

function testLogger(): Logger {
  const level = process.env.ALERTING_TEST_LOG_LEVEL;
  return level === undefined || level === '' ? silentLogger() : createLogger({ level: level as 'debug' });
}

export async function startAlertingHarness(dataDir: string, openBackend: OpenBackend, options: HarnessOptions): Promise<AlertingHarness> {
  const logger = testLogger();
  const [smtp, slack, webhooks] = await Promise.all([startSmtpStandin(), startSlackStandin(), startWebhookReceiver()]);
  const backend = await openBackend(dataDir, logger);
  const clock = offsetClock(options.startAt);
  const random = mulberry32(JITTER_SEED);
  // Both topics exist before the consumers join, also on brokers that do not auto-create topics.
  await backend.bus.ensureTopics([{ topic: FORECAST_EVENTS_TOPIC }, { topic: NOTIFICATIONS_TOPIC }]);

  const settings: AlertingSettings = {
    publicUrl: 'http://forgecast.test',
    dataDir,
    mail: { smtpUrl: smtp.url, from: 'Forgecast <alerts@forgecast.test>' },
    slack: { botToken: slack.token, apiUrl: slack.url },
    webhooks: { allowPrivateNetworks: true, timeoutMs: 5_000 },
    groupWaitMs: TIMINGS.groupWaitMs,
    repeatIntervalMs: TIMINGS.repeatIntervalMs,
    staleSourceHours: 24,
    stockoutProbability: 0.5,
    maxAttempts: TIMINGS.maxAttempts,
    staleSendingMs: TIMINGS.staleSendingMs,
    tuning: { tickMs: TIMINGS.tickMs, duePollMs: TIMINGS.duePollMs, backoff: TIMINGS.backoff, random },
  };
  const build = (): Alerting => createAlerting({ store: backend.store, bus: backend.bus, coordination: backend.coordination, logger, now: clock.now }, settings);
  const start = async (a: Alerting): Promise<void> => {
    await a.dispatcher.start();
    await a.engine.start();
    await withTimeout(a.engine.whenActive(), 30_000, 'the alert engine to take its lease');
  };
  const stop = async (a: Alerting): Promise<void> => {
    // The alerting role's order: engine, then the dispatcher's in-flight batch, then the channels.
    await a.engine.close();
    await a.dispatcher.close();
    await a.closeChannels();
  };

  let alerting = build();
  await start(alerting);

  const lagZero = async (group: string, topic: string): Promise<boolean> => (await backend.bus.lag(group, [topic])).every((p) => p.lag === 0);

  const harness: AlertingHarness = {
    backend,
    smtp,
    slack,
    webhooks,
    clock,
    get alerting() {
      return alerting;
    },
    recipient(tenant, user) {
      const code = createHash('sha256').update(`${tenant}\u0000${user}`).digest('hex').slice(0, 10).toUpperCase();
      return { tenant, user, email: `${user}@${tenant}.example.com`, slack: `U${code}`, webhookPath: `/hooks/${tenant}/${user}` };
    },
    async subscribe(r, overrides = {}) {
      const secret = `whsec_${Buffer.from(`secret of ${r.tenant}/${r.user}`).toString('base64')}`;
      const prefs: Preferences = {
        tenant_id: r.tenant,
        user_id: r.user,
        email: r.email,
        slack: { user: r.slack },
        webhook: { url: webhooks.endpoint(r.webhookPath, secret), secret },
        channels: ['email', 'slack', 'webhook'],
        min_severity: 'info',
        alert_types: [],
        sites: [],
        quiet_hours: null,
        digest: 'off',
        fallback_channel: null,
        updated_at: new Date(clock.now()).toISOString(),
        ...overrides,
      };
      await alerting.preferences.save(prefs);
      return prefs;
    },
    async publishForecast(event) {
      await backend.bus.publish(FORECAST_EVENTS_TOPIC, [eventMessage(event)]);
    },
    deliveries: (tenant, user) => alerting.deliveries.list(tenant, { ...(user === undefined ? {} : { user_id: user }), limit: 1_000 }),
    alerts: (tenant) => alerting.alerts.list(tenant, { limit: 1_000 }),
    async settle(tenant) {
      await waitFor('forecast events applied (rules group caught up)', () => lagZero(ALERT_RULES_GROUP, FORECAST_EVENTS_TOPIC), SETTLE_TIMEOUT_MS);
      await waitFor(
        'every alert change notified',
        () => !alerting.engine.snapshot().some((a) => a.tenant_id === tenant && pendingChange(a, clock.now(), TIMINGS.repeatIntervalMs) !== undefined),
        SETTLE_TIMEOUT_MS,
      );
      await waitFor('the outbox consumed (dispatch group caught up)', () => lagZero(DEFAULT_GROUP_ID, NOTIFICATIONS_TOPIC), SETTLE_TIMEOUT_MS);
      await waitFor(
        'no delivery sending, queued or retrying',
        async () => (await harness.deliveries(tenant)).every((d) => d.status === 'delivered' || d.status === 'failed' || d.status === 'held'),
        SETTLE_TIMEOUT_MS,
        50,
      );
    },
    async restart() {
      await stop(alerting);
      alerting = build();
      await start(alerting);
    },
    async close() {
      await stop(alerting).catch(() => undefined);
      await backend.close();
      await Promise.allSettled([smtp.close(), slack.close(), webhooks.close()]);
    },
  };
  return harness;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ------------------------------------------------------------------------------ forecast events

/** What a stockout scenario varies in an inventory forecast. */
export interface InventoryForecastInput {
  readonly tenant: string;
  readonly sku: string;
  readonly site: string;
  /** Probability of a stockout within the lead time (what the stockout rule compares). */
  readonly probabilityWithinLeadTime: number;
  /** First day of projected zero stock (null: none within the horizon). */
  readonly stockoutDate: string | null;
  readonly leadTimeDays: number;
  readonly dataAsOf: string;
  /** Distinguishes versions of one entity. */
  readonly version: string;
}

const DAY_MS = 86_400_000;
const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/**
 * An inventory forecast version as the forecasting jobs publish it: the JSON `forecastEvent`
 * builds (schema version 2, details of kind inventory, stockout date and probability lifted to the
 * top level), from a record shaped like the forecast store's.
 */
export function inventoryForecastEvent(input: InventoryForecastInput): ForecastEvent {
  const onHand = 120;
  const daily = 10;
  const horizon = 30;
  const points = Array.from({ length: horizon }, (_, i) => {
    const value = Math.max(0, onHand - daily * (i + 1));
    return { period_start: addDays(input.dataAsOf, i + 1), value, lower: { '80': Math.max(0, value - 15), '95': Math.max(0, value - 25) }, upper: { '80': value + 15, '95': value + 25 } };
  });
  const atRisk = input.probabilityWithinLeadTime >= 0.3;
  const record: ForecastRecord = {
    tenant_id: input.tenant,
    entity_id: input.sku,
    entity_type: 'item_site',
    forecast_type: 'inventory',
    period: 'daily',
    site: input.site,
    model: 'inventory_projection',
    model_requested: 'auto',
    reason: 'projected on-hand from the demand forecast, open receipts and the latest snapshot',
    version_id: `${input.tenant}-${input.sku}-${input.version}`,
    generated_at: `${input.dataAsOf}T02:00:00.000Z`,
    data_as_of: input.dataAsOf,
    lookback_days: 365,
    horizon,
    levels: [80, 95],
    points,
    accuracy: { wape: 0.18, mase: 0.9, bias: 0.4, coverage_95: 0.94, coverage: { '80': 0.81, '95': 0.94 }, msis: 5.2, windows: 4, horizon },
    run_id: `run-${input.version}`,
    details: {
      kind: 'inventory',
      on_hand: onHand,
      on_hand_as_of: `${input.dataAsOf}T00:00:00.000Z`,
      open_receipts: [],
      mean_daily_demand: daily,
      days_of_cover: onHand / daily,
      stockout_date: input.stockoutDate,
      stockout_probability: Math.min(1, input.probabilityWithinLeadTime + 0.1),
      stockout_probability_within_lead_time: input.probabilityWithinLeadTime,
      lead_time_days: input.leadTimeDays,
      service_level: 0.95,
      safety_stock: 40,
      reorder_point: 180,
      recommended_order_qty: atRisk ? 340 : 0,
      recommended_order_date: atRisk ? addDays(input.dataAsOf, 2) : null,
    },
  };
  return forecastEvent(record, undefined, new Map());
}
