/**
 * The alerts benchmark: one smoke run at a tiny size through the real assembly (chDB, embedded
 * log, SMTP server, Slack stand-in, webhook receiver — one run per file, as chDB binds one data
 * directory per process), and plain unit tests of what the bench decides by itself: arguments,
 * the scenario (against alerting's own routing and rules), and the exactly-once verdict.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNELS, type Alert } from '../../../alerting/alert-model.js';
import { wantsAlert } from '../../../alerting/preferences/routing.js';
import { ruleConfig } from '../../../alerting/rules/rule-config.js';
import { alertRules } from '../../../alerting/rules/rule-set.js';
import { parseAlertsBenchArgs, runAlertsBench, deliveryProblems, outstanding, type AlertsBenchResult } from '../../../infra/cli/bench/alerts-bench.js';
import { emailIdempotencyKey, emptyReceipts, slackArguments, slackIdempotencyKey, type Receipts } from '../../../infra/cli/bench/alerts-bench-receivers.js';
import { expectedPairs, forecastEventMessage, scenarioAlerts, scenarioUsers, siteCount, userId } from '../../../infra/cli/bench/alerts-bench-scenario.js';
import { isFgcError } from '../../../infra/errors.js';
import { silentLogger } from '../../../infra/logger.js';

const RESULT_KEYS = [
  'bench', 'mode', 'alerts', 'users', 'users_notified', 'user_alerts', 'notifications', 'channels', 'group_wait_ms', 'per_s',
  'p50_enqueue_to_delivered_ms', 'p99_enqueue_to_delivered_ms', 'all_firing_ms', 'first_delivery_ms', 'seconds', 'peak_rss_mb',
].sort();

const secretsFor = (n: number): string[] => Array.from({ length: n }, (_, i) => `whsec_${Buffer.from(`secret-${i}-0123456789`).toString('base64')}`);
const usersFor = (n: number) => scenarioUsers(n, (i) => `http://127.0.0.1:1/u/${i}`, secretsFor(n), '2026-01-15T08:00:00.000Z');

/** An alert of the scenario as the platform would hold it (only what routing reads matters). */
function asAlert(a: { sku: string; site: string; severity: 'warning' | 'critical' }): Alert {
  return {
    alert_id: `${a.sku}@${a.site}`, tenant_id: 'bench', fingerprint: 'fp', type: 'stockout_risk', severity: a.severity, status: 'firing', entity_id: a.sku, site: a.site,
    title: 't', message: 'm', value: 0.9, threshold: 0.5, recommendation: { action: 'order', text: 'order' }, labels: {}, data_as_of: '2026-01-14',
    starts_at: '2026-01-15T00:00:00.000Z', fired_at: '2026-01-15T00:00:00.000Z', resolved_at: null, updated_at: '2026-01-15T00:00:00.000Z',
    last_breach_at: '2026-01-15T00:00:00.000Z', ok_since: null, acknowledged_by: null, acknowledged_at: null, last_notified_at: null, version: 1,
  };
}

describe('alerts bench, smoke run (200 alerts, 20 users)', () => {
  it('prints one line of the documented shape and delivers every notification exactly once per channel', async () => {
    const printed: object[] = [];
    const { result, receipts, log } = await runAlertsBench({ alerts: 200, users: 20, logger: silentLogger(), print: (line) => printed.push(line), deadlineMs: 60_000 });

    expect(printed).toHaveLength(1);
    const line = JSON.parse(JSON.stringify(printed[0])) as AlertsBenchResult;
    expect(Object.keys(line).sort()).toEqual(RESULT_KEYS);
    expect(line).toEqual(result);
    expect(line).toMatchObject({ bench: 'alerts', mode: 'embedded', alerts: 200, users: 20, group_wait_ms: 500 });
    for (const key of RESULT_KEYS.filter((k) => !['bench', 'mode', 'channels'].includes(k))) {
      expect(Number.isFinite(line[key as keyof AlertsBenchResult]), key).toBe(true);
    }

    // Routing, worked out with alerting's own filter: the bench's count must agree with it.
    const users = usersFor(20);
    const alerts = scenarioAlerts(200, siteCount(20)).map(asAlert);
    const pairs = users.flatMap((u) => alerts.filter((a) => wantsAlert(a, u)).map((a) => `${u.user_id}|${a.entity_id}|${a.site}`));
    expect(line.user_alerts).toBe(pairs.length);
    expect(line.users_notified).toBe(new Set(pairs.map((p) => p.split('|')[0])).size);
    expect(line.users_notified).toBeLessThan(20); // the quality-only users get nothing
    expect([...receipts.pairs.keys()].sort()).toEqual(pairs.sort());
    expect([...receipts.pairs.values()].every((n) => n === 1)).toBe(true);

    // Exactly once: every key arrived once, each notification on all three channels, all `delivered` in the log.
    const ids = CHANNELS.map((c) => [...receipts[c].keys()].map((k) => k.slice(0, k.lastIndexOf(':'))).sort());
    expect(ids[0]!.length).toBeGreaterThanOrEqual(line.users_notified);
    expect(ids[1]).toEqual(ids[0]);
    expect(ids[2]).toEqual(ids[0]);
    for (const channel of CHANNELS) {
      for (const [key, arrivals] of receipts[channel]) {
        expect(arrivals, key).toHaveLength(1);
        expect(key.endsWith(`:${channel}`), key).toBe(true);
      }
    }
    expect(receipts.faults).toEqual([]);
    expect(log.size).toBe(line.notifications);
    expect([...log.values()].every((d) => d.status === 'delivered')).toBe(true);
    expect(line.channels).toEqual({ email: ids[0]!.length, slack: ids[0]!.length, webhook: ids[0]!.length });
    expect(line.notifications).toBe(3 * ids[0]!.length);

    // Timings hang together: nothing leaves before the group wait, and p50 ≤ p99 ≤ the run.
    expect(line.first_delivery_ms).toBeGreaterThanOrEqual(500);
    expect(line.all_firing_ms).toBeGreaterThan(0);
    expect(line.p50_enqueue_to_delivered_ms).toBeLessThanOrEqual(line.p99_enqueue_to_delivered_ms);
    expect(line.p99_enqueue_to_delivered_ms).toBeLessThanOrEqual(line.seconds * 1000 + 100);
    // seconds is printed to 0.1 s, per_s from the unrounded figure.
    expect(Math.abs(line.per_s - line.notifications / line.seconds)).toBeLessThanOrEqual(1 + 0.05 * line.per_s);
    expect(line.peak_rss_mb).toBeGreaterThan(0);
  }, 120_000);
});

describe('alerts bench arguments', () => {
  it('defaults to the acceptance size and reads both flag spellings', () => {
    expect(parseAlertsBenchArgs([])).toEqual({ alerts: 10_000, users: 1_000, groupWaitMs: 500 });
    expect(parseAlertsBenchArgs(['--alerts', '200', '--users=20', '--group-wait-ms', '0'])).toEqual({ alerts: 200, users: 20, groupWaitMs: 0 });
  });

  it.each([
    [['--alerts']],
    [['--alerts', 'abc']],
    [['--alerts', '-5']],
    [['--alerts', '0']],
    [['--alerts', '1e3']],
    [['--alerts', '２００']],
    [['--alerts', '100001']],
    [['--users', '10001']],
    [['--users=']],
    [['--group-wait-ms', '60001']],
    [['--alert', '5']],
    [['__proto__', '1']],
    [['alerts']],
  ])('refuses %j with FGC_CLI_USAGE', (args) => {
    let caught: unknown;
    try {
      parseAlertsBenchArgs(args);
    } catch (error) {
      caught = error;
    }
    expect(isFgcError(caught) && caught.code === 'FGC_CLI_USAGE', String(caught)).toBe(true);
  });
});

describe('alerts bench scenario', () => {
  it('gives every alert its own sku × site, a quarter of them critical', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3_000 }), fc.integer({ min: 1, max: 400 }), (count, users) => {
        const alerts = scenarioAlerts(count, siteCount(users));
        expect(alerts).toHaveLength(count);
        expect(new Set(alerts.map((a) => `${a.sku}|${a.site}`)).size).toBe(count);
        expect(alerts.filter((a) => a.severity === 'critical')).toHaveLength(Math.ceil(count / 4));
      }),
      { numRuns: 40 },
    );
  });

  it('expects exactly the pairs alerting\'s routing lets through, for any size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 60 }), (count, n) => {
        const users = usersFor(n);
        const alerts = scenarioAlerts(count, siteCount(n));
        const routed = users.flatMap((u) => alerts.filter((a) => wantsAlert(asAlert(a), u)).map((a) => `${u.user_id}|${a.sku}|${a.site}`));
        expect([...expectedPairs(users, alerts)].sort()).toEqual(routed.sort());
      }),
      { numRuns: 40 },
    );
  });

  it('makes routing matter: users differ in sites and severity, and one in ten wants no stockout alert', () => {
    const users = usersFor(1_000);
    expect(new Set(users.map((u) => u.user_id)).size).toBe(1_000);
    expect(users.filter((u) => u.min_severity === 'critical')).toHaveLength(300);
    expect(users.filter((u) => u.sites.length === 3)).toHaveLength(100);
    expect(users.filter((u) => u.alert_types.length > 0)).toHaveLength(100);
    expect(users.every((u) => u.channels.length === 3 && u.webhook !== null && u.quiet_hours === null && u.digest === 'off')).toBe(true);
    const pairs = expectedPairs(users, scenarioAlerts(10_000, siteCount(1_000)));
    expect(pairs.size).toBe(29_000);
    expect(userId(7)).toBe('user-00007');
  });

  it('publishes events the platform\'s rules turn into exactly one stockout alert of the intended severity', () => {
    // The thresholds create-alerting derives from the bench's stockoutProbability 0.5.
    const rules = alertRules(ruleConfig({ stockoutRisk: { breachProbability: 0.5, recoveryProbability: 0.3, criticalProbability: 0.8 } }), () => Date.parse('2026-01-15T08:00:00Z'));
    const run = { runId: 'run-1', dataAsOf: '2026-01-14', generatedAt: '2026-01-15T02:00:00.000Z' };
    for (const alert of scenarioAlerts(8, 3)) {
      const message = forecastEventMessage(alert, run);
      expect(message.key).toBe(`bench|${alert.sku}`);
      const observations = rules.forecastEvent(message.value);
      expect(observations).toHaveLength(1);
      expect(observations[0]).toMatchObject({ type: 'stockout_risk', state: 'breach', severity: alert.severity, entity_id: alert.sku, site: alert.site, tenant_id: 'bench' });
    }
  });
});

describe('alerts bench verdict', () => {
  const arrived = (r: Receipts, key: string, times = 1): void => {
    const channel = key.slice(key.lastIndexOf(':') + 1) as (typeof CHANNELS)[number];
    r[channel].set(key, Array.from({ length: times }, (_, i) => 1_000 + i));
  };
  const complete = (): { receipts: Receipts; log: Map<string, { status: string }>; expected: Set<string> } => {
    const receipts = emptyReceipts();
    const log = new Map<string, { status: string }>();
    for (const channel of CHANNELS) {
      arrived(receipts, `ntf_a:${channel}`);
      log.set(`ntf_a:${channel}`, { status: 'delivered' });
    }
    receipts.pairs.set('user-00000|SKU-1|S0001', 1);
    return { receipts, log, expected: new Set(['user-00000|SKU-1|S0001']) };
  };

  it('finds nothing wrong when every key arrived once and matches the log', () => {
    const { receipts, log, expected } = complete();
    expect(deliveryProblems(receipts, expected, log)).toEqual([]);
    expect(outstanding(receipts, expected)).toBe(0);
  });

  it('names a duplicate, a missing channel, a log disagreement, a lost key and every pair problem', () => {
    const { receipts, log, expected } = complete();
    arrived(receipts, 'ntf_a:email', 2);
    receipts.slack.delete('ntf_a:slack');
    log.set('ntf_a:webhook', { status: 'retrying' });
    log.set('ntf_b:email', { status: 'delivered' });
    expected.add('user-00001|SKU-2|S0002');
    receipts.pairs.set('user-00000|SKU-1|S0001', 2);
    receipts.pairs.set('user-00009|SKU-1|S0001', 1);
    receipts.faults.push('webhook for user 3: signature check failed (signature_mismatch)');
    const problems = deliveryProblems(receipts, expected, log);
    expect(problems).toEqual(
      expect.arrayContaining([
        'webhook for user 3: signature check failed (signature_mismatch)',
        'ntf_a:email arrived 2 times on email',
        'ntf_a arrived on email, webhook only',
        'ntf_a:webhook arrived, but the delivery log has it retrying',
        'ntf_a:slack is delivered in the delivery log but never arrived',
        'ntf_b:email is delivered in the delivery log but never arrived',
        'user-00000|SKU-1|S0001 is in 2 firing notifications, not 1',
        'user-00001|SKU-2|S0002 is in 0 firing notifications, not 1',
        "user-00009|SKU-1|S0001 was notified, but the user's preferences exclude it",
      ]),
    );
    expect(problems).toHaveLength(9);
    expect(outstanding(receipts, expected)).toBeGreaterThan(0);
  });

  it('counts what is still outstanding: pairs not seen and channels a notification still lacks', () => {
    const receipts = emptyReceipts();
    const expected = new Set(['u|a|s', 'u|b|s']);
    expect(outstanding(receipts, expected)).toBe(2);
    arrived(receipts, 'ntf_x:webhook');
    receipts.pairs.set('u|a|s', 1);
    receipts.pairs.set('u|b|s', 1);
    expect(outstanding(receipts, expected)).toBe(2);
    arrived(receipts, 'ntf_x:email');
    arrived(receipts, 'ntf_x:slack');
    expect(outstanding(receipts, expected)).toBe(0);
  });
});

describe('alerts bench receivers', () => {
  it('reads the idempotency key from the email header section only, unfolding folded lines', () => {
    expect(emailIdempotencyKey('From: a@b\r\nX-Forgecast-Idempotency-Key: ntf_1:email\r\nSubject: s\r\n\r\nbody')).toBe('ntf_1:email');
    expect(emailIdempotencyKey('From: a@b\r\nx-forgecast-idempotency-key:\r\n ntf_2:email\r\n\r\nbody')).toBe('ntf_2:email');
    expect(emailIdempotencyKey('From: a@b\r\n\r\nX-Forgecast-Idempotency-Key: ntf_3:email\r\n')).toBeUndefined();
    expect(emailIdempotencyKey('')).toBeUndefined();
  });

  it('reads Slack arguments form-encoded or as JSON, and the key from the metadata', () => {
    const metadata = JSON.stringify({ event_type: 'forgecast_notification', event_payload: { idempotency_key: 'ntf_1:slack' } });
    const form = new URLSearchParams({ channel: 'U1', text: 'Ünïcødé ⚠️', metadata }).toString();
    const args = slackArguments(form, 'application/x-www-form-urlencoded');
    expect(args).toMatchObject({ channel: 'U1', text: 'Ünïcødé ⚠️' });
    expect(slackIdempotencyKey(args)).toBe('ntf_1:slack');
    expect(slackIdempotencyKey(slackArguments(JSON.stringify({ metadata: JSON.parse(metadata) as unknown }), 'application/json; charset=utf-8'))).toBe('ntf_1:slack');
    expect(slackIdempotencyKey({ metadata: '{not json' })).toBeUndefined();
    expect(slackIdempotencyKey({ metadata: { event_payload: { idempotency_key: 42 } } })).toBeUndefined();
    expect(slackIdempotencyKey({})).toBeUndefined();
  });
});
