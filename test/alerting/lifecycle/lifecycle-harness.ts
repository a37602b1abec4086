/**
 * Drives the pure lifecycle the way the engine does: keeps the open alerts by fingerprint, applies
 * each step's changes (resolved alerts leave the map), records every transition, on a fake clock.
 */
import type { Alert, AlertTransition, AlertType, Observation } from '../../../alerting/alert-model.js';
import { applyObservations, markNotified, tick, type LifecycleConfig, type LifecycleStep } from '../../../alerting/lifecycle/alert-lifecycle.js';

export const T0 = Date.parse('2026-11-11T00:00:00Z');
export const MIN = 60_000;
export const HOUR = 60 * MIN;

export function observation(state: Observation['state'], overrides: Partial<Observation> = {}): Observation {
  return {
    tenant_id: 'acme',
    type: 'stale_source',
    fingerprint: 'fp-1',
    state,
    severity: 'warning',
    entity_id: 'erp_001',
    site: '',
    title: 'Stale source: erp_001',
    message: 'No data',
    value: 30,
    threshold: 24,
    recommendation: { action: 'check_source', text: 'Check the feed' },
    data_as_of: '2026-11-10',
    observed_at: T0,
    labels: { source_id: 'erp_001' },
    ...overrides,
  };
}

export class Harness {
  readonly open = new Map<string, Alert>();
  readonly transitions: AlertTransition[] = [];
  /** Every version of every alert, in order. */
  readonly saved: Alert[] = [];
  now = T0;
  #ids = 0;

  constructor(readonly config: LifecycleConfig) {}

  #take(step: LifecycleStep): LifecycleStep {
    for (const alert of step.changed) {
      this.saved.push(alert);
      if (alert.status === 'resolved') this.open.delete(alert.fingerprint);
      else this.open.set(alert.fingerprint, alert);
    }
    this.transitions.push(...step.transitions);
    return step;
  }

  observe(...observations: Observation[]): LifecycleStep {
    return this.#take(applyObservations(this.open, observations, this.now, this.config, () => `alert-${++this.#ids}`));
  }

  tick(): LifecycleStep {
    return this.#take(tick(this.open, this.now, this.config));
  }

  /** What the notifier does after sending: every firing alert marked notified now. */
  notifyAll(): void {
    const firing = [...this.open.values()].filter((a) => a.status === 'firing');
    this.#take({ changed: firing.map((a) => markNotified(a, this.now)), transitions: [] });
  }

  advance(ms: number): this {
    this.now += ms;
    return this;
  }

  kinds(): string[] {
    return this.transitions.map((t) => t.kind);
  }
}

export function configWith(base: LifecycleConfig, type: AlertType, pendingForMs: number, keepFiringForMs: number): LifecycleConfig {
  return { ...base, pendingForMs: { ...base.pendingForMs, [type]: pendingForMs }, keepFiringForMs: { ...base.keepFiringForMs, [type]: keepFiringForMs } };
}
