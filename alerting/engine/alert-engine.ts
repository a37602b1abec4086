/**
 * The alert engine: turns forecast events and source freshness into alerts, and alert changes into
 * notifications in the outbox. One engine is active across replicas (a coordination lease,
 * `alerting-engine`); the others stand by and take over when the lease lapses. The dispatcher
 * (delivery/) is separate and scales with its consumer group.
 *
 * State machine of the engine:
 *   standby ──lease acquired──▶ active: load open alerts, subscribe to forecast events, start timers
 *   active ──lease lost / close──▶ standby (or closed): unsubscribe, stop timers, forget state
 * While active, three things change alerts, one at a time (a promise-chain mutex):
 *  1. each consumed batch of forecast events → rules → lifecycle.applyObservations → save;
 *  2. every `tickMs`: lifecycle.tick (pending → firing, keep-firing-for expiry), then the
 *     notification planner: pending changes older than the group wait → outbox → alerts marked
 *     notified → save;
 *  3. every `freshnessEveryMs`: source freshness → the stale-source rule → applyObservations.
 * The offset of an event batch commits only after its alerts are saved, and notifications derive
 * from the saved state (notification-planner.ts), so a crash anywhere loses nothing: a restart
 * reloads the alerts and plans whatever was not yet marked notified.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Coordination, Lease } from '../../infra/coordination/coordination.js';
import type { EventBus, MessageBatch, Subscription } from '../../infra/event-bus/event-bus.js';
import type { Logger } from '../../infra/logger.js';
import { FORECAST_EVENTS_TOPIC } from '../../schemas/topics.js';
import type { Alert, Notification, Observation } from '../alert-model.js';
import type { AlertStore, DeliveryLog, Outbox, PreferenceStore, SilenceStore } from '../alerting-ports.js';
import { applyObservations, markNotified, tick, type LifecycleConfig } from '../lifecycle/alert-lifecycle.js';
import { digestPeriodMs, lastDigestSlot, planDigest } from './digest-planner.js';
import { pendingChange, planNotifications } from './notification-planner.js';
import type { FreshnessSource } from './source-freshness.js';

/** The rules as the engine uses them: raw forecast events and freshness rows in, observations out. */
export interface RuleSet {
  /** Observations of one forecast event; throws on a malformed event (the engine logs and skips it). */
  forecastEvent(value: Buffer): Observation[];
  sourceFreshness(rows: Awaited<ReturnType<FreshnessSource['latest']>>, nowMs: number): Observation[];
}

/** A second is short against the group wait (2 s) and cheap: the tick only walks in-memory state. */
const DEFAULT_TICK_MS = 1_000;
/** Five minutes: stale-source thresholds are hours; the query is one GROUP BY over batches. */
const DEFAULT_FRESHNESS_EVERY_MS = 300_000;
/** A dead engine is replaced within half a minute; renewals every 10 s survive a slow save. */
const DEFAULT_LEASE_TTL_MS = 30_000;
/** Delivery-log rows looked at to find the firing message a resolved one updates (Slack in place). */
const REPLACES_LOOKBACK = 500;
/** Digest slots are checked once a minute: slots are whole hours. */
const DIGEST_CHECK_MS = 60_000;
/** A sent digest slot is remembered two days, longer than the daily period. */
const DIGEST_MARK_TTL_MS = 2 * 86_400_000;
export const ALERT_RULES_GROUP = 'forgecast-alerting-rules';

export interface AlertEngineOptions {
  readonly bus: EventBus;
  readonly alerts: AlertStore;
  readonly silences: SilenceStore;
  readonly preferences: PreferenceStore;
  readonly deliveries: DeliveryLog;
  readonly outbox: Outbox;
  readonly freshness: FreshnessSource;
  readonly coordination: Coordination;
  readonly rules: RuleSet;
  readonly lifecycle: LifecycleConfig;
  readonly logger: Logger;
  readonly groupWaitMs: number;
  readonly repeatIntervalMs: number;
  readonly tickMs?: number;
  readonly freshnessEveryMs?: number;
  readonly leaseTtlMs?: number;
  readonly now?: () => number;
  readonly newId?: () => string;
  readonly holderId?: string;
  readonly groupId?: string;
}

export class AlertEngine implements AsyncDisposable {
  readonly #o: AlertEngineOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #holder: string;
  readonly #ttl: number;
  /** Pending and firing alerts by fingerprint. */
  readonly #open = new Map<string, Alert>();
  /** Resolved alerts whose resolved notification is not sent yet, by alert id. */
  readonly #resolved = new Map<string, Alert>();
  #lock: Promise<unknown> = Promise.resolve();
  #lease: Lease | null = null;
  #subscription: Subscription | undefined;
  #timers: NodeJS.Timeout[] = [];
  #closed = false;
  /** Tenants with alerts seen by this engine: the ones whose digest users are checked. */
  readonly #tenants = new Set<string>();
  #lastDigestCheck = 0;
  #activeSince: Promise<void>;
  #markActive: () => void = () => undefined;

  constructor(options: AlertEngineOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'alert-engine' });
    this.#now = options.now ?? Date.now;
    this.#holder = options.holderId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#ttl = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.#activeSince = new Promise((resolve) => (this.#markActive = resolve));
  }

  /** True while this replica holds the engine lease. */
  get active(): boolean {
    return this.#lease !== null;
  }

  /** Resolves once this replica became the active engine (tests and the demo wait on it). */
  whenActive(): Promise<void> {
    return this.#activeSince;
  }

  /** Starts contending for the engine lease; resolves after the first attempt. */
  async start(): Promise<void> {
    await this.#contend();
    const timer = setInterval(() => void this.#contend(), Math.max(1, Math.floor(this.#ttl / 3)));
    timer.unref();
    this.#timers.push(timer);
  }

  /** Open and unnotified alerts the engine holds (for tests and diagnostics). */
  snapshot(): Alert[] {
    return [...this.#open.values(), ...this.#resolved.values()];
  }

  /** Applies observations (from rules) to the alerts and saves what changed. */
  async observe(observations: readonly Observation[]): Promise<void> {
    if (observations.length === 0) return;
    await this.#exclusive(async () => {
      const { changed } = applyObservations(this.#open, observations, this.#now(), this.#o.lifecycle, this.#o.newId ?? randomUUID);
      await this.#store(changed);
    });
  }

  /** One tick: time-driven lifecycle changes, then notifications for what is pending. */
  async tickOnce(): Promise<number> {
    return this.#exclusive(async () => {
      const now = this.#now();
      const { changed } = tick(this.#open, now, this.#o.lifecycle);
      await this.#store(changed);
      const enqueued = await this.#notify(now);
      if (now - this.#lastDigestCheck >= DIGEST_CHECK_MS) {
        this.#lastDigestCheck = now;
        return enqueued + (await this.#digests(now));
      }
      return enqueued;
    });
  }

  /** Runs the stale-source rule once. */
  async checkFreshness(): Promise<void> {
    const rows = await this.#o.freshness.latest();
    await this.observe(this.#o.rules.sourceFreshness(rows, this.#now()));
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    await this.#deactivate('closing');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(work, work);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  async #contend(): Promise<void> {
    if (this.#closed) return;
    try {
      if (this.#lease === null) {
        const lease = await this.#o.coordination.acquireLease('alerting-engine', this.#holder, this.#ttl);
        if (lease === null) return;
        this.#lease = lease;
        await this.#activate();
      } else {
        const renewed = await this.#o.coordination.renewLease(this.#lease, this.#ttl);
        if (renewed === null) await this.#deactivate('lease lost');
        else this.#lease = renewed;
      }
    } catch (error) {
      this.#log.warn({ err: error }, 'alert engine lease check failed');
    }
  }

  async #activate(): Promise<void> {
    const open = await this.#o.alerts.open();
    this.#open.clear();
    for (const alert of open) {
      this.#open.set(alert.fingerprint, alert);
      this.#tenants.add(alert.tenant_id);
    }
    const since = this.#now() - 7 * 86_400_000;
    for (const alert of await this.#o.alerts.recentlyResolved(since)) {
      if (pendingChange(alert, this.#now(), this.#o.repeatIntervalMs)?.kind === 'resolved') this.#resolved.set(alert.alert_id, alert);
    }
    // Alerting may start before forecasting ever published; a broker without auto-creation needs the topic first.
    await this.#o.bus.ensureTopics([{ topic: FORECAST_EVENTS_TOPIC }]);
    this.#subscription = await this.#o.bus.subscribe({
      groupId: this.#o.groupId ?? ALERT_RULES_GROUP,
      topics: [FORECAST_EVENTS_TOPIC],
      handler: (batch) => this.#onEvents(batch),
      onHandlerError: (error, batch, attempt) => this.#log.warn({ err: error, partition: batch.partition, attempt }, 'forecast events not applied yet; retrying'),
    });
    const tickTimer = setInterval(() => void this.tickOnce().catch((e: unknown) => this.#log.warn({ err: e }, 'alert tick failed')), this.#o.tickMs ?? DEFAULT_TICK_MS);
    const freshTimer = setInterval(() => void this.checkFreshness().catch((e: unknown) => this.#log.warn({ err: e }, 'freshness check failed')), this.#o.freshnessEveryMs ?? DEFAULT_FRESHNESS_EVERY_MS);
    tickTimer.unref();
    freshTimer.unref();
    this.#timers.push(tickTimer, freshTimer);
    this.#log.info({ open: this.#open.size, unnotified_resolved: this.#resolved.size, fencing_token: this.#lease?.token }, 'alert engine active');
    this.#markActive();
  }

  async #deactivate(why: string): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    await subscription?.close();
    await this.#lock;
    const lease = this.#lease;
    this.#lease = null;
    if (lease !== null && why === 'closing') await this.#o.coordination.releaseLease(lease).catch(() => undefined);
    if (lease !== null) this.#log.info({ why }, 'alert engine stopped');
    this.#open.clear();
    this.#resolved.clear();
  }

  async #onEvents(batch: MessageBatch): Promise<void> {
    const observations: Observation[] = [];
    for (const message of batch.messages) {
      try {
        observations.push(...this.#o.rules.forecastEvent(message.value));
      } catch (error) {
        // A malformed event is the producer's bug; skipping it keeps every other entity's alerts flowing.
        this.#log.warn({ err: error, partition: batch.partition, offset: message.offset }, 'forecast event skipped');
      }
    }
    await this.observe(observations);
  }

  /** Saves changed alerts and keeps the in-memory maps in step. */
  async #store(changed: readonly Alert[]): Promise<void> {
    if (changed.length === 0) return;
    await this.#o.alerts.save(changed);
    const now = this.#now();
    for (const alert of changed) {
      this.#tenants.add(alert.tenant_id);
      if (alert.status === 'resolved') {
        this.#open.delete(alert.fingerprint);
        if (pendingChange(alert, now, this.#o.repeatIntervalMs)?.kind === 'resolved') this.#resolved.set(alert.alert_id, alert);
        else this.#resolved.delete(alert.alert_id);
      } else {
        this.#open.set(alert.fingerprint, alert);
      }
    }
  }

  /** Plans and enqueues notifications for every tenant with pending changes; returns how many were enqueued. */
  async #notify(now: number): Promise<number> {
    const byTenant = new Map<string, Alert[]>();
    for (const alert of [...this.#open.values(), ...this.#resolved.values()]) {
      if (pendingChange(alert, now, this.#o.repeatIntervalMs) === undefined) continue;
      const list = byTenant.get(alert.tenant_id);
      if (list === undefined) byTenant.set(alert.tenant_id, [alert]);
      else list.push(alert);
    }
    let enqueued = 0;
    for (const [tenant, alerts] of byTenant) {
      const [users, silences] = await Promise.all([this.#o.preferences.all(tenant), this.#o.silences.active(tenant, now)]);
      const plan = planNotifications(tenant, alerts, users, silences, { nowMs: now, groupWaitMs: this.#o.groupWaitMs, repeatIntervalMs: this.#o.repeatIntervalMs });
      if (plan.notified.length === 0) continue;
      for (const skip of plan.skippedTargets) this.#log.debug(skip, 'user has no target for a channel in their preferences');
      const notifications = await this.#linkReplacements(tenant, plan.notifications);
      await this.#o.outbox.enqueue(notifications);
      enqueued += notifications.length;
      if (plan.silenced.length > 0) this.#log.info({ tenant, alerts: plan.silenced.map((a) => a.alert_id) }, 'alert changes silenced');
      const marked = plan.notified.map((alert) => markNotified(alert, now));
      await this.#store(marked);
      for (const alert of marked) if (alert.status === 'resolved') this.#resolved.delete(alert.alert_id);
      this.#log.info({ tenant, alerts: plan.notified.length, notifications: notifications.length }, 'alert notifications enqueued');
    }
    return enqueued;
  }

  /** Digest messages for every digest user whose latest slot has not been sent yet. */
  async #digests(now: number): Promise<number> {
    let enqueued = 0;
    for (const tenant of this.#tenants) {
      for (const user of await this.#o.preferences.all(tenant)) {
        const slot = lastDigestSlot(user, now);
        if (slot === undefined) continue;
        const mark = `alert-digest:${tenant}:${user.user_id}:${slot}`;
        if ((await this.#o.coordination.get(mark)) !== null) continue;
        const from = new Date(slot - digestPeriodMs(user)).toISOString();
        const alerts = await this.#o.alerts.list(tenant, { from, to: new Date(slot).toISOString(), limit: 1_000 });
        const digest = planDigest(tenant, user, alerts, slot);
        await this.#o.outbox.enqueue(digest);
        await this.#o.coordination.set(mark, '1', DIGEST_MARK_TTL_MS);
        enqueued += digest.length;
      }
    }
    return enqueued;
  }

  /** Resolved Slack messages update the firing message they follow: find which notification that was. */
  async #linkReplacements(tenant: string, notifications: readonly Notification[]): Promise<Notification[]> {
    const resolvedOnSlack = notifications.filter((n) => n.state === 'resolved' && n.channel === 'slack');
    if (resolvedOnSlack.length === 0) return [...notifications];
    const links = new Map<string, string>();
    for (const n of resolvedOnSlack) {
      const history = await this.#o.deliveries.list(tenant, { user_id: n.user_id, limit: REPLACES_LOOKBACK });
      const ids = new Set(n.alerts.map((a) => a.alert_id));
      const firing = history
        .filter((r) => r.channel === 'slack' && r.notification.state === 'firing' && r.notification.alerts.some((a) => ids.has(a.alert_id)))
        .sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
      if (firing !== undefined) links.set(n.idempotency_key, firing.notification_id);
    }
    return notifications.map((n) => {
      const replaces = links.get(n.idempotency_key);
      return replaces === undefined ? n : { ...n, replaces_notification_id: replaces };
    });
  }
}
