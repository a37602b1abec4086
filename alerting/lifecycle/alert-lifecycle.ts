/**
 * The alert lifecycle: a pure state machine from rule observations (and the passage of time) to
 * alert versions and the transitions the notifier acts on. One open alert per fingerprint.
 *
 *                 breach                        pending period elapsed
 *   (no alert) ─────────────► pending ──────────(breach or tick)──────────► firing ──► 'firing'
 *        │                       │                                            │  ▲
 *        │ breach, pendingFor 0  │ ok: resolved silently                      │  │ breach: flap absorbed
 *        └──────► firing         ▼ (it never fired, nobody was told)        ok │  │ (ok_since cleared)
 *                 'firing'     resolved                                        ▼  │
 *                                                                  firing with ok_since
 *                                                                              │ ok held for keepFiringFor
 *                                                                              ▼ (observation or tick)
 *                                                                          resolved ──► 'resolved'
 *
 * - `breach` updates what the alert shows (severity, title, message, value, recommendation…).
 * - `between` (the rule's hysteresis band) only updates value, threshold and data_as_of; it
 *   neither starts, promotes nor resolves anything, and leaves an ok_since running.
 * - `ok` updates data_as_of only: a resolved alert keeps the figures it fired with.
 * - A firing alert whose severity rises (warning → critical) yields another 'firing' transition
 *   when `renotifyOnEscalation` (a user with min_severity critical must hear about it).
 * - `tick` repeats firing alerts every repeatInterval (none while acknowledged or recovering);
 *   the notifier records each send with `markNotified`.
 * So a 'resolved' transition only ever follows a 'firing' one of the same alert: pending alerts
 * resolve silently. Every changed alert gets version + 1 and ISO timestamps from `nowMs`.
 */
import { FgcError } from '../../infra/errors.js';
import { ALERT_TYPES, SEVERITY_RANK, type Alert, type AlertTransition, type AlertType, type Observation } from '../alert-model.js';

export interface LifecycleConfig {
  /** How long a condition must keep breaching before the alert fires. */
  readonly pendingForMs: Readonly<Record<AlertType, number>>;
  /** How long a condition must stay ok before a firing alert resolves. */
  readonly keepFiringForMs: Readonly<Record<AlertType, number>>;
  /** Firing alerts, not acknowledged, are notified again after this long (≤ 0: never). */
  readonly repeatIntervalMs: number;
  /** A firing alert whose severity rises is announced again ('firing' transition). */
  readonly renotifyOnEscalation: boolean;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const DEFAULT_LIFECYCLE_CONFIG: LifecycleConfig = Object.freeze({
  pendingForMs: Object.freeze({
    // Forecast-driven types are evaluated once per forecast run (hours apart): waiting for a second
    // run would delay the alert by a whole run, and the rules' recovery thresholds already damp noise.
    stockout_risk: 0,
    demand_anomaly: 0,
    quality_drift: 0,
    late_supplier: 0,
    // Freshness is evaluated every few minutes: 15 min lets a batch that is being ingested right now land first.
    stale_source: 15 * MINUTE,
  }),
  keepFiringForMs: Object.freeze({
    // Hysteresis (breach vs recovery threshold) guards these; the next run with an ok value resolves.
    stockout_risk: 0,
    quality_drift: 0,
    late_supplier: 0,
    // Hourly runs without a newly completed period carry no breach at all, which reads as ok; a day
    // spans the next nightly run, which compares a new actual with the forecast.
    demand_anomaly: 24 * HOUR,
    // A feed that sends one trickle and dies again within the hour is not back.
    stale_source: HOUR,
  }),
  // Long enough not to nag a shift, short enough that an unacknowledged alert is seen by the next one.
  repeatIntervalMs: 4 * HOUR,
  renotifyOnEscalation: true,
});

/** What a deployment may override. */
export interface LifecycleConfigOverrides {
  readonly pendingForMs?: Partial<Record<AlertType, number>>;
  readonly keepFiringForMs?: Partial<Record<AlertType, number>>;
  readonly repeatIntervalMs?: number;
  readonly renotifyOnEscalation?: boolean;
}

/** The defaults with `overrides` applied, checked (FGC_CONFIG_INVALID naming the setting) and frozen. */
export function lifecycleConfig(overrides: LifecycleConfigOverrides = {}): LifecycleConfig {
  const d = DEFAULT_LIFECYCLE_CONFIG;
  const config: LifecycleConfig = {
    pendingForMs: Object.freeze({ ...d.pendingForMs, ...overrides.pendingForMs }),
    keepFiringForMs: Object.freeze({ ...d.keepFiringForMs, ...overrides.keepFiringForMs }),
    repeatIntervalMs: overrides.repeatIntervalMs ?? d.repeatIntervalMs,
    renotifyOnEscalation: overrides.renotifyOnEscalation ?? d.renotifyOnEscalation,
  };
  for (const type of ALERT_TYPES) {
    for (const key of ['pendingForMs', 'keepFiringForMs'] as const) {
      const ms = config[key][type];
      if (!Number.isFinite(ms) || ms < 0) throw new FgcError('FGC_CONFIG_INVALID', `alert lifecycle setting ${key}.${type} must be a non-negative number of milliseconds (got ${String(ms)})`);
    }
  }
  if (Number.isNaN(config.repeatIntervalMs)) throw new FgcError('FGC_CONFIG_INVALID', 'alert lifecycle setting repeatIntervalMs must be a number of milliseconds');
  return Object.freeze(config);
}

/** The result of one lifecycle step: alert versions to save, and what to notify. */
export interface LifecycleStep {
  readonly changed: Alert[];
  readonly transitions: AlertTransition[];
}

const iso = (ms: number): string => new Date(ms).toISOString();
const at = (text: string): number => Date.parse(text);
const isOpen = (alert: Alert | undefined): alert is Alert => alert !== undefined && alert.status !== 'resolved';

function bump(alert: Alert, nowMs: number, patch: Partial<Alert>): Alert {
  return { ...alert, ...patch, updated_at: iso(nowMs), version: alert.version + 1 };
}

/** What a breach observation sets on the alert (what supervisors see). */
function shown(o: Observation): Partial<Alert> {
  return {
    severity: o.severity,
    title: o.title,
    message: o.message,
    value: o.value,
    threshold: o.threshold,
    recommendation: o.recommendation,
    labels: o.labels,
    data_as_of: o.data_as_of,
    entity_id: o.entity_id,
    site: o.site,
  };
}

function fire(alert: Alert, nowMs: number): Alert {
  return bump(alert, nowMs, { status: 'firing', fired_at: iso(nowMs) });
}

function resolve(alert: Alert, nowMs: number, patch: Partial<Alert> = {}): Alert {
  return bump(alert, nowMs, { ...patch, status: 'resolved', resolved_at: iso(nowMs), ok_since: alert.ok_since ?? iso(nowMs) });
}

function create(o: Observation, nowMs: number, config: LifecycleConfig, newId: () => string): { alert: Alert; fired: boolean } {
  const now = iso(nowMs);
  const pending: Alert = {
    alert_id: newId(),
    tenant_id: o.tenant_id,
    fingerprint: o.fingerprint,
    type: o.type,
    severity: o.severity,
    status: 'pending',
    entity_id: o.entity_id,
    site: o.site,
    title: o.title,
    message: o.message,
    value: o.value,
    threshold: o.threshold,
    recommendation: o.recommendation,
    labels: o.labels,
    data_as_of: o.data_as_of,
    starts_at: now,
    fired_at: null,
    resolved_at: null,
    updated_at: now,
    last_breach_at: now,
    ok_since: null,
    acknowledged_by: null,
    acknowledged_at: null,
    last_notified_at: null,
    version: 1,
  };
  if (config.pendingForMs[o.type] > 0) return { alert: pending, fired: false };
  return { alert: { ...pending, status: 'firing', fired_at: now }, fired: true };
}

/**
 * Applies one evaluation's observations to the open (pending or firing) alerts, keyed by
 * fingerprint. Several observations of one fingerprint: the last one wins. Resolved alerts in
 * `open` are treated as absent (a new breach opens a new alert).
 */
export function applyObservations(open: ReadonlyMap<string, Alert>, observations: readonly Observation[], nowMs: number, config: LifecycleConfig, newId: () => string): LifecycleStep {
  const latest = new Map<string, Observation>();
  for (const o of observations) latest.set(o.fingerprint, o);
  const changed: Alert[] = [];
  const transitions: AlertTransition[] = [];
  const emit = (kind: AlertTransition['kind'], alert: Alert): void => {
    transitions.push({ kind, alert });
  };
  for (const [fingerprint, o] of latest) {
    const alert = open.get(fingerprint);
    if (!isOpen(alert)) {
      if (o.state !== 'breach') continue;
      const created = create(o, nowMs, config, newId);
      changed.push(created.alert);
      if (created.fired) emit('firing', created.alert);
      continue;
    }
    if (o.state === 'between') {
      changed.push(bump(alert, nowMs, { value: o.value, threshold: o.threshold, data_as_of: o.data_as_of }));
    } else if (o.state === 'breach') {
      const updated = bump(alert, nowMs, { ...shown(o), last_breach_at: iso(nowMs), ok_since: null });
      if (alert.status === 'pending') {
        const due = nowMs - at(alert.starts_at) >= config.pendingForMs[alert.type];
        const next = due ? { ...updated, status: 'firing' as const, fired_at: iso(nowMs) } : updated;
        changed.push(next);
        if (due) emit('firing', next);
      } else {
        changed.push(updated);
        if (config.renotifyOnEscalation && SEVERITY_RANK[o.severity] > SEVERITY_RANK[alert.severity]) emit('firing', updated);
      }
    } else if (alert.status === 'pending') {
      changed.push(resolve(alert, nowMs, { data_as_of: o.data_as_of }));
    } else {
      const okSince = alert.ok_since ?? iso(nowMs);
      if (nowMs - at(okSince) >= config.keepFiringForMs[alert.type]) {
        const resolved = resolve({ ...alert, ok_since: okSince }, nowMs, { data_as_of: o.data_as_of });
        changed.push(resolved);
        emit('resolved', resolved);
      } else {
        changed.push(bump(alert, nowMs, { ok_since: okSince, data_as_of: o.data_as_of }));
      }
    }
  }
  return { changed, transitions };
}

/**
 * Time-driven steps, run periodically: pending alerts whose pending period elapsed fire (they have
 * seen no ok, which would have resolved them); firing alerts ok for keepFiringFor resolve; firing
 * alerts neither acknowledged nor recovering repeat every repeatIntervalMs since their last
 * notification (or since firing, when none was recorded). A repeat changes nothing on the alert.
 */
export function tick(open: ReadonlyMap<string, Alert>, nowMs: number, config: LifecycleConfig): LifecycleStep {
  const changed: Alert[] = [];
  const transitions: AlertTransition[] = [];
  for (const alert of open.values()) {
    if (alert.status === 'pending') {
      if (nowMs - at(alert.starts_at) < config.pendingForMs[alert.type]) continue;
      const fired = fire(alert, nowMs);
      changed.push(fired);
      transitions.push({ kind: 'firing', alert: fired });
    } else if (alert.status === 'firing') {
      if (alert.ok_since !== null) {
        if (nowMs - at(alert.ok_since) < config.keepFiringForMs[alert.type]) continue;
        const resolved = resolve(alert, nowMs);
        changed.push(resolved);
        transitions.push({ kind: 'resolved', alert: resolved });
        continue;
      }
      if (alert.acknowledged_at !== null || config.repeatIntervalMs <= 0) continue;
      const last = alert.last_notified_at ?? alert.fired_at;
      if (last !== null && at(last) + config.repeatIntervalMs <= nowMs) transitions.push({ kind: 'repeat', alert });
    }
  }
  return { changed, transitions };
}

/** Acknowledges an open alert (no repeats while acknowledged). Acknowledging twice keeps the first. */
export function acknowledge(alert: Alert, userId: string, nowMs: number): Alert {
  if (alert.status === 'resolved') {
    throw new FgcError('FGC_ALERT_INVALID_REQUEST', `alert ${alert.alert_id} is resolved and cannot be acknowledged`, { details: [{ alert_id: alert.alert_id, status: alert.status }] });
  }
  if (userId.trim() === '') throw new FgcError('FGC_ALERT_INVALID_REQUEST', 'acknowledging an alert needs a user id', { details: [{ field: 'user_id', message: 'must not be empty' }] });
  if (alert.acknowledged_at !== null) return alert;
  return bump(alert, nowMs, { acknowledged_by: userId, acknowledged_at: iso(nowMs) });
}

/** Records that firing notifications of `alert` were sent at `nowMs` (the repeat interval counts from here). */
export function markNotified(alert: Alert, nowMs: number): Alert {
  return bump(alert, nowMs, { last_notified_at: iso(nowMs) });
}
