/**
 * The alerts benchmark's scenario (alerts-bench.ts runs it): who the users are, which alerts the
 * forecast events raise, and which (user, alert) pairs routing must deliver — deterministic, so a
 * run of any size can be checked exactly.
 *
 * - sites: one per USERS_PER_SITE users (250 for 1,000 users); alert k is the stockout risk of
 *   sku `SKU-⌊k / sites⌋` at site `k mod sites`, so every alert is its own sku × site. Every
 *   CRITICAL_EVERY-th alert is critical (stockout projected inside the lead time), the rest
 *   warning (likely within the lead time, projected after it). Each alert is one forecast event
 *   (schema 2, inventory details, JSON as forecasting/jobs/forecast-events.ts writes it).
 * - users: all with email + Slack + webhook, no quiet hours, no digest; user i's home site is
 *   ⌊i / USERS_PER_SITE⌋. By i mod 10 (USER_PROFILES): 6 in 10 want warnings and up from their
 *   site, 2 in 10 only critical ones, 1 in 10 critical ones from three sites (a regional manager),
 *   1 in 10 only quality alerts (so gets none). So routing decides who gets what, and a message
 *   groups a few to a few dozen alerts, as a site supervisor's would. Nobody subscribes to
 *   everything: one message listing 10,000 alerts is not a realistic load.
 */
import { CHANNELS, SEVERITY_RANK, type Preferences } from '../../../alerting/alert-model.js';
import type { BusMessage } from '../../event-bus/event-bus.js';

/** Users per site: a site's shift supervisors and planners. */
const USERS_PER_SITE = 4;
/** One alert in four critical: enough to exercise the critical-only users and the severity filter. */
const CRITICAL_EVERY = 4;

export const BENCH_TENANT = 'bench';

/** By user index mod 10, see the module comment. */
const USER_PROFILES = ['site', 'site', 'site', 'site', 'site', 'site', 'site-critical', 'site-critical', 'regional-critical', 'quality-only'] as const;

/** One alert of the scenario. */
export interface BenchAlert {
  readonly sku: string;
  readonly site: string;
  readonly severity: 'warning' | 'critical';
}

export const userId = (i: number): string => `user-${String(i).padStart(5, '0')}`;
export const siteCode = (s: number): string => `S${String(s + 1).padStart(4, '0')}`;
export const siteCount = (users: number): number => Math.max(1, Math.ceil(users / USERS_PER_SITE));

export function scenarioAlerts(alerts: number, sites: number): BenchAlert[] {
  return Array.from({ length: alerts }, (_, k) => ({
    sku: `SKU-${String(Math.floor(k / sites) + 1).padStart(5, '0')}`,
    site: siteCode(k % sites),
    severity: k % CRITICAL_EVERY === 0 ? 'critical' : 'warning',
  }));
}

export function scenarioUsers(users: number, webhookUrl: (i: number) => string, secrets: readonly string[], nowIso: string): Preferences[] {
  const sites = siteCount(users);
  return Array.from({ length: users }, (_, i) => {
    const profile = USER_PROFILES[i % USER_PROFILES.length]!;
    const home = Math.floor(i / USERS_PER_SITE) % sites;
    const watched = profile === 'regional-critical' ? [...new Set([home, (home + 1) % sites, (home + 2) % sites])] : [home];
    const secret = secrets[i];
    if (secret === undefined) throw new Error(`alerts bench: no webhook secret for user ${i}`);
    return {
      tenant_id: BENCH_TENANT,
      user_id: userId(i),
      email: `${userId(i)}@bench.forgecast.test`,
      slack: { user: `U${String(i).padStart(8, '0')}` },
      webhook: { url: webhookUrl(i), secret },
      channels: [...CHANNELS],
      min_severity: profile === 'site' ? 'warning' : profile === 'quality-only' ? 'info' : 'critical',
      alert_types: profile === 'quality-only' ? ['quality_drift'] : [],
      sites: watched.map(siteCode),
      quiet_hours: null,
      digest: 'off',
      fallback_channel: null,
      updated_at: nowIso,
    };
  });
}

/**
 * `user_id|sku|site` of every pair the users' filters let through, worked out here on the
 * scenario's own terms (not with alerting's routing code), so the bench checks the platform.
 */
export function expectedPairs(users: readonly Preferences[], alerts: readonly BenchAlert[]): Set<string> {
  const bySite = new Map<string, BenchAlert[]>();
  for (const alert of alerts) {
    const list = bySite.get(alert.site);
    if (list === undefined) bySite.set(alert.site, [alert]);
    else list.push(alert);
  }
  const pairs = new Set<string>();
  for (const user of users) {
    if (user.alert_types.length > 0 && !user.alert_types.includes('stockout_risk')) continue;
    const candidates = user.sites.length === 0 ? alerts : user.sites.flatMap((s) => bySite.get(s) ?? []);
    for (const alert of candidates) {
      if (SEVERITY_RANK[alert.severity] >= SEVERITY_RANK[user.min_severity]) pairs.add(`${user.user_id}|${alert.sku}|${alert.site}`);
    }
  }
  return pairs;
}

const addDays = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** The forecast event of one alert's inventory forecast, as the forecasting jobs publish it. */
export function forecastEventMessage(alert: BenchAlert, run: { readonly runId: string; readonly dataAsOf: string; readonly generatedAt: string }): BusMessage {
  const critical = alert.severity === 'critical';
  const lead = 14;
  const demand = 20;
  // Critical: stockout inside the 14-day lead time; warning: after it, but likely within it at p 0.68 (≥ 0.5, < 0.8).
  const stockoutDate = addDays(run.dataAsOf, critical ? 6 : 20);
  const onHand = critical ? 120 : 400;
  const points = Array.from({ length: lead }, (_, d) => {
    const value = onHand - demand * (d + 1);
    return { period_start: addDays(run.dataAsOf, d + 1), value, lower: { '80': value - 15, '95': value - 25 }, upper: { '80': value + 15, '95': value + 25 } };
  });
  const details = {
    kind: 'inventory',
    on_hand: onHand,
    on_hand_as_of: `${run.dataAsOf}T18:00:00Z`,
    open_receipts: [],
    mean_daily_demand: demand,
    days_of_cover: onHand / demand,
    stockout_date: stockoutDate,
    stockout_probability: critical ? 0.97 : 0.81,
    stockout_probability_within_lead_time: critical ? 0.92 : 0.68,
    lead_time_days: lead,
    service_level: 0.95,
    safety_stock: 60,
    reorder_point: demand * lead + 60,
    recommended_order_qty: 400,
    recommended_order_date: run.dataAsOf,
  };
  const event = {
    schema_version: 2,
    event_type: 'forecast.generated',
    tenant_id: BENCH_TENANT,
    entity_type: 'item_site',
    entity_id: alert.sku,
    site: alert.site,
    forecast_type: 'inventory',
    period: 'daily',
    version_id: `${run.runId}-${alert.sku}-${alert.site}`,
    previous_version_id: null,
    run_id: run.runId,
    generated_at: run.generatedAt,
    data_as_of: run.dataAsOf,
    model: 'ets',
    levels: [80, 95],
    points,
    accuracy: { wape: 0.18, mase: 0.85, bias: 0.4, coverage_95: 0.94, coverage: { '80': 0.81, '95': 0.94 }, msis: 3.1, windows: 4, horizon: lead },
    bound_breaches: [],
    stockout_date: stockoutDate,
    stockout_probability: details.stockout_probability,
    details,
  };
  return { key: `${BENCH_TENANT}|${alert.sku}`, value: Buffer.from(JSON.stringify(event)), headers: { 'content-type': 'application/json', 'event-type': 'forecast.generated', 'schema-version': '2' } };
}
