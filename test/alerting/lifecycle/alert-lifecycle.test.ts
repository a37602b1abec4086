import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlertTransition } from '../../../alerting/alert-model.js';
import { DEFAULT_LIFECYCLE_CONFIG, acknowledge, applyObservations, lifecycleConfig, markNotified, tick, type LifecycleConfig } from '../../../alerting/lifecycle/alert-lifecycle.js';
import { FgcError } from '../../../infra/errors.js';
import { HOUR, Harness, MIN, T0, configWith, observation } from './lifecycle-harness.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const STOCKOUT = { type: 'stockout_risk' as const, fingerprint: 'fp-stock', entity_id: 'FG-1', site: 'MUC' };

describe('lifecycle: pending, firing, keep-firing-for, resolved (stale_source: pending 15 min, keep firing 1 h)', () => {
  it('walks pending → firing → ok → resolved on a fake clock', () => {
    const h = new Harness(DEFAULT_LIFECYCLE_CONFIG);
    const first = h.observe(observation('breach'));
    expect(first.transitions).toEqual([]);
    const pending = h.open.get('fp-1')!;
    expect(pending).toMatchObject({ alert_id: 'alert-1', status: 'pending', starts_at: iso(T0), fired_at: null, version: 1, last_breach_at: iso(T0), ok_since: null });

    h.advance(14 * MIN).observe(observation('breach', { value: 31 }));
    expect(h.open.get('fp-1')).toMatchObject({ status: 'pending', value: 31, version: 2 });
    expect(h.kinds()).toEqual([]);

    h.advance(MIN).observe(observation('breach', { value: 32 }));
    const firing = h.open.get('fp-1')!;
    expect(firing).toMatchObject({ status: 'firing', fired_at: iso(T0 + 15 * MIN), value: 32, version: 3, updated_at: iso(T0 + 15 * MIN) });
    expect(h.kinds()).toEqual(['firing']);
    expect(h.transitions[0]!.alert).toEqual(firing);

    h.advance(HOUR).observe(observation('ok', { value: 1, data_as_of: '2026-11-11' }));
    const recovering = h.open.get('fp-1')!;
    expect(recovering).toMatchObject({ status: 'firing', ok_since: iso(T0 + 75 * MIN), data_as_of: '2026-11-11', value: 32 });

    h.advance(59 * MIN).observe(observation('ok'));
    expect(h.open.get('fp-1')?.status).toBe('firing');
    h.advance(MIN).observe(observation('ok'));
    expect(h.open.has('fp-1')).toBe(false);
    expect(h.kinds()).toEqual(['firing', 'resolved']);
    expect(h.transitions[1]!.alert).toMatchObject({ alert_id: 'alert-1', status: 'resolved', resolved_at: iso(T0 + 135 * MIN), ok_since: iso(T0 + 75 * MIN), value: 32 });
  });

  it('fires and resolves from tick alone once the periods have elapsed', () => {
    const h = new Harness(DEFAULT_LIFECYCLE_CONFIG);
    h.observe(observation('breach'));
    h.advance(15 * MIN - 1).tick();
    expect(h.kinds()).toEqual([]);
    h.advance(1).tick();
    expect(h.kinds()).toEqual(['firing']);
    h.observe(observation('ok'));
    h.advance(HOUR - 1).tick();
    expect(h.kinds()).toEqual(['firing']);
    h.advance(1).tick();
    expect(h.kinds()).toEqual(['firing', 'resolved']);
    expect(h.open.size).toBe(0);
  });

  it('resolves a pending alert silently on ok, and a later breach opens a new alert', () => {
    const h = new Harness(DEFAULT_LIFECYCLE_CONFIG);
    h.observe(observation('breach'));
    const step = h.advance(5 * MIN).observe(observation('ok'));
    expect(step.transitions).toEqual([]);
    expect(step.changed).toHaveLength(1);
    expect(step.changed[0]).toMatchObject({ status: 'resolved', fired_at: null, resolved_at: iso(T0 + 5 * MIN) });
    h.advance(MIN).observe(observation('breach'));
    expect(h.open.get('fp-1')?.alert_id).toBe('alert-2');
  });

  it('absorbs a breach during keep-firing-for (ok_since cleared) and restarts the wait', () => {
    const h = new Harness(configWith(DEFAULT_LIFECYCLE_CONFIG, 'stale_source', 0, HOUR));
    h.observe(observation('breach'));
    h.advance(MIN).observe(observation('ok'));
    h.advance(50 * MIN).observe(observation('breach', { severity: 'warning' }));
    expect(h.open.get('fp-1')).toMatchObject({ status: 'firing', ok_since: null, last_breach_at: iso(T0 + 51 * MIN) });
    h.advance(MIN).observe(observation('ok'));
    h.advance(59 * MIN).tick();
    expect(h.kinds()).toEqual(['firing']);
    h.advance(MIN).tick();
    expect(h.kinds()).toEqual(['firing', 'resolved']);
  });

  it('yields at most one firing and one resolved for flapping input', () => {
    const h = new Harness(DEFAULT_LIFECYCLE_CONFIG);
    // 6 h flapping every 5 min: breach, ok, breach…, with ticks in between.
    for (let i = 0; i < 72; i += 1) {
      h.observe(observation(i % 2 === 0 ? 'breach' : 'ok'));
      h.advance(150_000).tick();
      h.advance(150_000);
    }
    // Flapping faster than the pending period never fires at all.
    expect(h.kinds()).toEqual([]);
    // Once it breaches steadily it fires; flapping then is absorbed by keep-firing-for.
    for (let i = 0; i < 4; i += 1) h.advance(5 * MIN).observe(observation('breach'));
    for (let i = 0; i < 72; i += 1) h.advance(5 * MIN).observe(observation(i % 2 === 0 ? 'ok' : 'breach'));
    for (let i = 0; i < 20; i += 1) h.advance(5 * MIN).observe(observation('ok'));
    expect(h.kinds()).toEqual(['firing', 'resolved']);
  });
});

describe('lifecycle: forecast-driven types fire at once', () => {
  it('goes straight to firing when pendingFor is 0 and resolves at the first ok', () => {
    const h = new Harness(DEFAULT_LIFECYCLE_CONFIG);
    const step = h.observe(observation('breach', STOCKOUT));
    expect(step.transitions.map((t) => t.kind)).toEqual(['firing']);
    expect(step.changed[0]).toMatchObject({ status: 'firing', starts_at: iso(T0), fired_at: iso(T0), version: 1 });
    h.advance(HOUR).observe(observation('ok', STOCKOUT));
    expect(h.kinds()).toEqual(['firing', 'resolved']);
  });

  it('keeps a demand anomaly firing for a day of ok runs', () => {
    const h = new Harness(DEFAULT_LIFECYCLE_CONFIG);
    const demand = { type: 'demand_anomaly' as const, fingerprint: 'fp-demand' };
    h.observe(observation('breach', demand));
    // The first ok run (1 h in) starts the day; the runs up to 23 h after it keep firing.
    for (let i = 0; i < 24; i += 1) h.advance(HOUR).observe(observation('ok', demand));
    expect(h.kinds()).toEqual(['firing']);
    h.advance(HOUR).observe(observation('ok', demand));
    expect(h.kinds()).toEqual(['firing', 'resolved']);
  });
});

describe('lifecycle: between, dedupe, versions', () => {
  it('between never opens, promotes or resolves; it updates value, threshold and data_as_of only', () => {
    const h = new Harness(DEFAULT_LIFECYCLE_CONFIG);
    expect(h.observe(observation('between')).changed).toEqual([]);
    h.observe(observation('breach', STOCKOUT));
    const before = h.open.get('fp-stock')!;
    h.advance(MIN).observe(observation('between', { ...STOCKOUT, value: 0.4, threshold: 0.55, severity: 'info', message: 'calmer', data_as_of: '2026-11-11' }));
    const after = h.open.get('fp-stock')!;
    expect(after).toEqual({ ...before, value: 0.4, threshold: 0.55, data_as_of: '2026-11-11', updated_at: iso(T0 + MIN), version: 2 });
    // A pending alert stays pending on between, even past its pending period; the next tick fires it.
    h.observe(observation('breach'));
    h.advance(20 * MIN).observe(observation('between'));
    expect(h.open.get('fp-1')?.status).toBe('pending');
    h.tick();
    expect(h.open.get('fp-1')?.status).toBe('firing');
  });

  it('lets the last observation of a fingerprint win within one call', () => {
    let ids = 0;
    const newId = () => `id-${++ids}`;
    const none = applyObservations(new Map(), [observation('breach', STOCKOUT), observation('ok', STOCKOUT)], T0, DEFAULT_LIFECYCLE_CONFIG, newId);
    expect(none).toEqual({ changed: [], transitions: [] });
    const one = applyObservations(new Map(), [observation('breach', { ...STOCKOUT, value: 0.6 }), observation('breach', { ...STOCKOUT, value: 0.9 }), observation('breach', { ...STOCKOUT, fingerprint: 'fp-other' })], T0, DEFAULT_LIFECYCLE_CONFIG, newId);
    expect(one.changed.map((a) => [a.fingerprint, a.value])).toEqual([['fp-stock', 0.9], ['fp-other', 30]]);
    expect(one.transitions).toHaveLength(2);
    expect(ids).toBe(2);
  });

  it('treats a resolved alert left in the open map as absent', () => {
    const h = new Harness(DEFAULT_LIFECYCLE_CONFIG);
    h.observe(observation('breach', STOCKOUT));
    const resolved = { ...h.open.get('fp-stock')!, status: 'resolved' as const };
    const step = applyObservations(new Map([['fp-stock', resolved]]), [observation('breach', STOCKOUT)], T0 + HOUR, DEFAULT_LIFECYCLE_CONFIG, () => 'fresh');
    expect(step.changed[0]).toMatchObject({ alert_id: 'fresh', version: 1 });
    expect(tick(new Map([['fp-stock', resolved]]), T0 + 10 * HOUR, DEFAULT_LIFECYCLE_CONFIG)).toEqual({ changed: [], transitions: [] });
  });

  it('announces an escalation to critical once more, not a de-escalation (unless switched off)', () => {
    const h = new Harness(DEFAULT_LIFECYCLE_CONFIG);
    h.observe(observation('breach', STOCKOUT));
    h.advance(HOUR).observe(observation('breach', { ...STOCKOUT, severity: 'critical' }));
    h.advance(HOUR).observe(observation('breach', { ...STOCKOUT, severity: 'warning' }));
    expect(h.kinds()).toEqual(['firing', 'firing']);
    expect(h.transitions[1]!.alert.severity).toBe('critical');
    const quiet = new Harness(lifecycleConfig({ renotifyOnEscalation: false }));
    quiet.observe(observation('breach', STOCKOUT));
    quiet.advance(HOUR).observe(observation('breach', { ...STOCKOUT, severity: 'critical' }));
    expect(quiet.kinds()).toEqual(['firing']);
  });
});

describe('lifecycle: repeats and acknowledgement', () => {
  it('repeats a firing alert every repeat interval after it was last notified', () => {
    const h = new Harness(DEFAULT_LIFECYCLE_CONFIG);
    h.observe(observation('breach', STOCKOUT));
    h.notifyAll();
    expect(h.open.get('fp-stock')?.last_notified_at).toBe(iso(T0));
    h.advance(4 * HOUR - 1).tick();
    expect(h.kinds()).toEqual(['firing']);
    const step = h.advance(1).tick();
    expect(step.changed).toEqual([]);
    expect(step.transitions).toEqual([{ kind: 'repeat', alert: h.open.get('fp-stock') }]);
    h.notifyAll();
    h.advance(2 * HOUR).tick();
    expect(h.kinds()).toEqual(['firing', 'repeat']);
    h.advance(2 * HOUR).tick();
    expect(h.kinds()).toEqual(['firing', 'repeat', 'repeat']);
  });

  it('counts from fired_at when never notified, and does not repeat while recovering or with repeats off', () => {
    const h = new Harness(configWith(DEFAULT_LIFECYCLE_CONFIG, 'stockout_risk', 0, 10 * HOUR));
    h.observe(observation('breach', STOCKOUT));
    h.advance(4 * HOUR).tick();
    expect(h.kinds()).toEqual(['firing', 'repeat']);
    h.observe(observation('ok', STOCKOUT));
    h.advance(5 * HOUR).tick();
    expect(h.kinds()).toEqual(['firing', 'repeat']);
    const off = new Harness(lifecycleConfig({ repeatIntervalMs: 0 }));
    off.observe(observation('breach', STOCKOUT));
    off.advance(100 * HOUR).tick();
    expect(off.kinds()).toEqual(['firing']);
  });

  it('acknowledging stops repeats, keeps the first acknowledger, and refuses resolved alerts', () => {
    const h = new Harness(DEFAULT_LIFECYCLE_CONFIG);
    h.observe(observation('breach', STOCKOUT));
    const acked = acknowledge(h.open.get('fp-stock')!, 'user-7', T0 + MIN);
    expect(acked).toMatchObject({ acknowledged_by: 'user-7', acknowledged_at: iso(T0 + MIN), updated_at: iso(T0 + MIN), version: 2, status: 'firing' });
    expect(acknowledge(acked, 'user-8', T0 + 2 * MIN)).toBe(acked);
    h.open.set('fp-stock', acked);
    h.advance(12 * HOUR).tick();
    expect(h.kinds()).toEqual(['firing']);
    expect(() => acknowledge(acked, ' ', T0)).toThrow(/needs a user id/);
    h.observe(observation('ok', STOCKOUT));
    const resolved = h.transitions[1]!.alert;
    expect(resolved.status).toBe('resolved');
    try {
      acknowledge(resolved, 'user-7', T0);
      expect.unreachable('a resolved alert was acknowledged');
    } catch (error) {
      expect(error).toBeInstanceOf(FgcError);
      expect((error as FgcError).code).toBe('FGC_ALERT_INVALID_REQUEST');
      expect((error as FgcError).message).toContain('alert-1 is resolved');
    }
  });

  it('markNotified stamps the time and bumps the version', () => {
    const h = new Harness(DEFAULT_LIFECYCLE_CONFIG);
    h.observe(observation('breach', STOCKOUT));
    const marked = markNotified(h.open.get('fp-stock')!, T0 + 5000);
    expect(marked).toMatchObject({ last_notified_at: iso(T0 + 5000), updated_at: iso(T0 + 5000), version: 2 });
  });
});

describe('lifecycle configuration', () => {
  it('documents forecast types as firing at once and stale_source with a pending and keep-firing period', () => {
    expect(DEFAULT_LIFECYCLE_CONFIG.pendingForMs).toEqual({ stockout_risk: 0, demand_anomaly: 0, quality_drift: 0, late_supplier: 0, stale_source: 15 * MIN });
    expect(DEFAULT_LIFECYCLE_CONFIG.keepFiringForMs.stale_source).toBe(HOUR);
    expect(DEFAULT_LIFECYCLE_CONFIG.repeatIntervalMs).toBe(4 * HOUR);
    expect(lifecycleConfig({ pendingForMs: { quality_drift: MIN } }).pendingForMs).toMatchObject({ quality_drift: MIN, stale_source: 15 * MIN });
  });

  it('refuses negative or non-numeric periods, naming the setting', () => {
    expect(() => lifecycleConfig({ pendingForMs: { stale_source: -1 } })).toThrow(/pendingForMs\.stale_source must be a non-negative number/);
    expect(() => lifecycleConfig({ keepFiringForMs: { late_supplier: Number.NaN } })).toThrow(/keepFiringForMs\.late_supplier/);
    expect(() => lifecycleConfig({ repeatIntervalMs: Number.NaN })).toThrow(/repeatIntervalMs/);
  });
});

type Command =
  | { readonly kind: 'observe'; readonly fp: string; readonly state: 'breach' | 'ok' | 'between'; readonly severity: 'info' | 'warning' | 'critical'; readonly advance: number }
  | { readonly kind: 'tick'; readonly advance: number }
  | { readonly kind: 'notify'; readonly advance: number }
  | { readonly kind: 'ack'; readonly fp: string; readonly advance: number };

const fps = fc.constantFrom('a', 'b', 'c');
const advance = fc.integer({ min: 0, max: 3 * HOUR });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('observe' as const), fp: fps, state: fc.constantFrom('breach' as const, 'ok' as const, 'between' as const), severity: fc.constantFrom('info' as const, 'warning' as const, 'critical' as const), advance }),
  fc.record({ kind: fc.constant('tick' as const), advance }),
  fc.record({ kind: fc.constant('notify' as const), advance }),
  fc.record({ kind: fc.constant('ack' as const), fp: fps, advance }),
);
const config: fc.Arbitrary<LifecycleConfig> = fc
  .record({ pending: fc.integer({ min: 0, max: 2 * HOUR }), keep: fc.integer({ min: 0, max: 2 * HOUR }), repeat: fc.integer({ min: 0, max: 6 * HOUR }), escalate: fc.boolean() })
  .map(({ pending, keep, repeat, escalate }) => ({ ...configWith(DEFAULT_LIFECYCLE_CONFIG, 'stale_source', pending, keep), repeatIntervalMs: repeat, renotifyOnEscalation: escalate }));

/** Per fingerprint: every resolved and repeat follows a firing of an alert not yet resolved; per alert: versions only grow. */
function checkHistory(transitions: readonly AlertTransition[]): void {
  const firingOpen = new Map<string, string>();
  const counts = new Map<string, { firing: number; resolved: number }>();
  for (const t of transitions) {
    const fp = t.alert.fingerprint;
    const c = counts.get(fp) ?? { firing: 0, resolved: 0 };
    counts.set(fp, c);
    if (t.kind === 'firing') {
      c.firing += 1;
      firingOpen.set(fp, t.alert.alert_id);
    } else {
      expect(firingOpen.get(fp), `${t.kind} of ${fp} without a firing before it`).toBe(t.alert.alert_id);
      if (t.kind === 'resolved') {
        c.resolved += 1;
        firingOpen.delete(fp);
      }
    }
    expect(c.resolved).toBeLessThanOrEqual(c.firing);
  }
}

describe('lifecycle property', () => {
  it("never lets a fingerprint's resolved transitions outnumber or precede its firing ones", () => {
    fc.assert(
      fc.property(config, fc.array(command, { maxLength: 80 }), (cfg, commands) => {
        const h = new Harness(cfg);
        const versions = new Map<string, number>();
        for (const c of commands) {
          h.advance(c.advance);
          if (c.kind === 'observe') h.observe(observation(c.state, { fingerprint: c.fp, severity: c.severity }));
          else if (c.kind === 'tick') h.tick();
          else if (c.kind === 'notify') h.notifyAll();
          else {
            const alert = h.open.get(c.fp);
            if (alert !== undefined) h.open.set(c.fp, acknowledge(alert, 'u', h.now));
          }
        }
        checkHistory(h.transitions);
        for (const alert of h.saved) {
          expect(alert.version).toBeGreaterThan(versions.get(alert.alert_id) ?? 0);
          versions.set(alert.alert_id, alert.version);
        }
        for (const alert of h.open.values()) expect(alert.status).not.toBe('resolved');
      }),
      { numRuns: 400 },
    );
  });
});
