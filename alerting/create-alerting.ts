/**
 * Assembles the alerting domain over the runtime's ports: the ClickHouse stores, the three
 * channels (real when SMTP / Slack settings are given, outbox files otherwise), the bus outbox and
 * its dispatcher, the rules and the alert engine, and what the HTTP routes need. The alerting
 * role starts the engine and the dispatcher; the api role serves the routes with the same parts.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { AnalyticsStore } from '../infra/clickhouse/analytics-store.js';
import type { Coordination } from '../infra/coordination/coordination.js';
import { FgcError } from '../infra/errors.js';
import type { EventBus } from '../infra/event-bus/event-bus.js';
import type { Logger } from '../infra/logger.js';
import type { ChannelName, Notification } from './alert-model.js';
import type { AlertStore, Channel, DeliveryLog, Outbox, PreferenceStore, SilenceStore } from './alerting-ports.js';
import { createEmailChannel } from './channels/email-channel.js';
import { createSlackChannel } from './channels/slack-channel.js';
import { createWebhookChannel } from './channels/webhook-channel.js';
import { createBusOutbox } from './delivery/bus-outbox.js';
import { createDispatcher, type Dispatcher } from './delivery/dispatcher.js';
import { AlertEngine } from './engine/alert-engine.js';
import { createClickHouseFreshness, type FreshnessSource } from './engine/source-freshness.js';
import type { AlertRoutesOptions, SendRequest } from './http/alert-routes.js';
import { lifecycleConfig, type LifecycleConfig } from './lifecycle/alert-lifecycle.js';
import { targetFor } from './preferences/routing.js';
import { ruleConfig, type RuleConfig } from './rules/rule-config.js';
import { alertRules } from './rules/rule-set.js';
import { createClickHouseAlertStore } from './stores/clickhouse-alert-store.js';
import { createClickHouseDeliveryLog } from './stores/clickhouse-delivery-log.js';
import { createClickHousePreferenceStore } from './stores/clickhouse-preference-store.js';
import { createClickHouseSilenceStore } from './stores/clickhouse-silence-store.js';

export interface AlertingSettings {
  /** Base URL of links in messages. */
  readonly publicUrl: string;
  /** Outbox files of the embedded email / Slack stand-ins go under `<dataDir>/outbox/`. */
  readonly dataDir: string;
  readonly mail: { readonly smtpUrl: string | undefined; readonly from: string };
  readonly slack: { readonly botToken: string | undefined; readonly apiUrl: string | undefined };
  readonly webhooks: { readonly allowPrivateNetworks: boolean; readonly timeoutMs: number };
  readonly groupWaitMs: number;
  readonly repeatIntervalMs: number;
  readonly staleSourceHours: number;
  readonly stockoutProbability: number;
  readonly maxAttempts: number;
  /** A send not finished after this long (its process died mid-send) is tried again. */
  readonly staleSendingMs: number;
  /** Timings tests and benchmarks shorten; production uses the modules' defaults. */
  readonly tuning?: {
    readonly tickMs?: number;
    readonly duePollMs?: number;
    readonly backoff?: { readonly baseMs?: number; readonly factor?: number; readonly capMs?: number };
    readonly random?: () => number;
    readonly sendConcurrency?: number;
  };
}

export interface AlertingParts {
  readonly store: AnalyticsStore;
  readonly bus: EventBus;
  readonly coordination: Coordination;
  readonly logger: Logger;
  readonly now?: () => number;
}

export interface Alerting {
  readonly alerts: AlertStore;
  readonly silences: SilenceStore;
  readonly preferences: PreferenceStore;
  readonly deliveries: DeliveryLog;
  readonly outbox: Outbox;
  readonly channels: ReadonlyMap<ChannelName, Channel>;
  readonly dispatcher: Dispatcher;
  readonly engine: AlertEngine;
  readonly rules: RuleConfig;
  readonly lifecycle: LifecycleConfig;
  /** What the HTTP routes need (alerting/http/alert-routes.ts). */
  readonly routes: AlertRoutesOptions;
  /** Closes the channels' connections (SMTP pool). */
  closeChannels(): Promise<void>;
}

export function createAlerting(parts: AlertingParts, settings: AlertingSettings): Alerting {
  const { store, bus, coordination, logger } = parts;
  const now = parts.now ?? Date.now;
  const alerts = createClickHouseAlertStore(store);
  const silences = createClickHouseSilenceStore(store, { now });
  const preferences = createClickHousePreferenceStore(store, { now });
  const deliveries = createClickHouseDeliveryLog(store, { staleMs: settings.staleSendingMs });
  const outbox = createBusOutbox(bus);
  const outboxDir = path.join(settings.dataDir, 'outbox');
  const channelList: Channel[] = [
    createEmailChannel({ smtpUrl: settings.mail.smtpUrl, from: settings.mail.from, outboxDir, baseUrl: settings.publicUrl }),
    createSlackChannel({ token: settings.slack.botToken, apiUrl: settings.slack.apiUrl, outboxDir, baseUrl: settings.publicUrl, logger }),
    createWebhookChannel({ allowPrivateNetworks: settings.webhooks.allowPrivateNetworks, baseUrl: settings.publicUrl, timeoutMs: settings.webhooks.timeoutMs }),
  ];
  const channels = new Map<ChannelName, Channel>(channelList.map((c) => [c.name, c]));
  const tuning = settings.tuning ?? {};
  const dispatcher = createDispatcher({
    bus,
    channels,
    deliveries,
    outbox,
    coordination,
    logger,
    now,
    maxAttempts: settings.maxAttempts,
    staleSendingMs: settings.staleSendingMs,
    ...(tuning.duePollMs === undefined ? {} : { duePollMs: tuning.duePollMs }),
    ...(tuning.backoff === undefined ? {} : { backoff: tuning.backoff }),
    ...(tuning.random === undefined ? {} : { random: tuning.random }),
    ...(tuning.sendConcurrency === undefined ? {} : { sendConcurrency: tuning.sendConcurrency }),
  });
  // The recovery threshold sits below the breach one (hysteresis); critical staleness comes later than the threshold.
  const p = settings.stockoutProbability;
  const rules = ruleConfig({
    stockoutRisk: { breachProbability: p, recoveryProbability: Math.min(0.3, p * 0.6), criticalProbability: Math.max(0.8, p) },
    staleSource: { thresholdHours: settings.staleSourceHours, criticalHours: Math.max(72, settings.staleSourceHours * 3) },
  });
  const lifecycle = lifecycleConfig({ repeatIntervalMs: settings.repeatIntervalMs });
  const engine = new AlertEngine({
    bus,
    alerts,
    silences,
    preferences,
    deliveries,
    outbox,
    freshness: createClickHouseFreshness(store) satisfies FreshnessSource,
    coordination,
    rules: alertRules(rules, now),
    lifecycle,
    logger,
    groupWaitMs: settings.groupWaitMs,
    repeatIntervalMs: settings.repeatIntervalMs,
    now,
    ...(tuning.tickMs === undefined ? {} : { tickMs: tuning.tickMs }),
  });

  const send = async (tenant: string, request: SendRequest): Promise<{ notification_id: string; status: 'queued' }> => {
    const prefs = await preferences.get(tenant, request.user_id);
    if (prefs === undefined) throw new FgcError('FGC_PREFERENCES_NOT_FOUND', `no preferences for user ${request.user_id}`);
    const target = targetFor(prefs, request.channel);
    if (target === null) throw new FgcError('FGC_CHANNEL_NOT_CONFIGURED', `user ${request.user_id} has no ${request.channel} target`, { details: [{ field: 'channel', message: `no ${request.channel} target in the user's preferences` }] });
    const id = `ntf_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
    const at = new Date(now()).toISOString();
    const notification: Notification = {
      notification_id: id,
      tenant_id: tenant,
      user_id: request.user_id,
      channel: request.channel,
      idempotency_key: `${id}:${request.channel}`,
      kind: 'direct',
      state: '',
      severity: request.severity,
      title: request.title,
      message: request.message,
      notification_type: request.notification_type,
      alerts: [],
      target,
      replaces_provider_id: null,
      replaces_notification_id: null,
      fallback: null,
      created_at: at,
      deliver_after: at,
    };
    await outbox.enqueue([notification]);
    return { notification_id: id, status: 'queued' };
  };

  return {
    alerts,
    silences,
    preferences,
    deliveries,
    outbox,
    channels,
    dispatcher,
    engine,
    rules,
    lifecycle,
    routes: { alerts, silences, preferences, deliveries, send, retry: (tenant, id) => dispatcher.retry(tenant, id), now },
    async closeChannels() {
      await Promise.allSettled(channelList.map(async (c) => c.close?.()));
    },
  };
}
