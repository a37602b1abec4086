/**
 * Thresholds of the alert rules, in one typed object with documented defaults. Every rule has a
 * breach threshold and a recovery threshold: between the two an observation is `between`, and the
 * lifecycle keeps the alert in whatever state it is in (hysteresis), so a value hovering around
 * one threshold does not fire and resolve on every evaluation.
 */
import { FgcError } from '../../infra/errors.js';

/** Stockout risk (inventory forecasts). Probabilities are of running out within the replenishment lead time. */
export interface StockoutRiskConfig {
  /** Breach at or above this probability. */
  readonly breachProbability: number;
  /** Ok below this probability (≤ breachProbability). */
  readonly recoveryProbability: number;
  /** Critical at or above this probability, whatever the projected stockout date. */
  readonly criticalProbability: number;
}

/** Demand outside the previous forecast's band (demand forecasts). */
export interface DemandAnomalyConfig {
  /** The band (percent) an actual must fall outside; breaches at a wider band count too. */
  readonly bandLevel: number;
  /** Misses smaller than this share of the forecast (distance outside the band ÷ |forecast|) are `info`, not `warning`. */
  readonly infoBelowRelativeMiss: number;
}

/** Defect-rate drift (quality forecasts, p-chart). */
export interface QualityDriftConfig {
  /** SPC run-rule violations within this many periods up to the last actual period count as a breach. */
  readonly recentPeriods: number;
  /** Ok only when the current rate is at or below centre + this many sigmas (σ derived as (UCL − centre) / 3). */
  readonly recoverySigmas: number;
}

/** Late supplier (supply forecasts). */
export interface LateSupplierConfig {
  /** Critical when a past-due order line is at least this many days past its promised date. */
  readonly criticalDaysPastDue: number;
}

/** Per-source override of the stale-source thresholds. */
export interface StaleSourceThresholds {
  readonly thresholdHours: number;
  /** Ok below this age (≤ thresholdHours); defaults to thresholdHours (no band). */
  readonly recoveryHours?: number;
  /** Critical at or above this age (≥ thresholdHours); an override without it keeps the default critical ÷ threshold ratio. */
  readonly criticalHours?: number;
}

/** Stale source (no data received from a source for a while). */
export interface StaleSourceConfig extends StaleSourceThresholds {
  /** Critical at or above this age. */
  readonly criticalHours: number;
  /** Overrides keyed by source_id (a weekly file drop needs a week, not a day). */
  readonly perSource: Readonly<Record<string, StaleSourceThresholds>>;
}

export interface RuleConfig {
  readonly stockoutRisk: StockoutRiskConfig;
  readonly demandAnomaly: DemandAnomalyConfig;
  readonly qualityDrift: QualityDriftConfig;
  readonly lateSupplier: LateSupplierConfig;
  readonly staleSource: StaleSourceConfig;
}

export const DEFAULT_RULE_CONFIG: RuleConfig = Object.freeze({
  stockoutRisk: Object.freeze({
    // A coin flip of running out before an order placed today can arrive: time to order.
    breachProbability: 0.5,
    // Resolve only once the risk is clearly lower, so a forecast re-run wobbling around 50 % does not flap.
    recoveryProbability: 0.3,
    // Four in five: the supervisor should act today even if the median stockout is beyond the lead time.
    criticalProbability: 0.8,
  }),
  demandAnomaly: Object.freeze({
    // The widest band the forecasts carry by default (levels 80, 95): outside it is a real surprise.
    bandLevel: 95,
    // A miss under 10 % of the forecast beyond the band is worth a look, not a warning.
    infoBelowRelativeMiss: 0.1,
  }),
  qualityDrift: Object.freeze({
    // Run rules flag the last point of a run; three periods keeps a violation visible for the next runs without reviving old ones.
    recentPeriods: 3,
    // Two sigmas: the Western Electric warning zone; below it the process is back in its normal range.
    recoverySigmas: 2,
  }),
  lateSupplier: Object.freeze({
    // A week past the promise usually means a missed production slot at the supplier, not a delayed truck.
    criticalDaysPastDue: 7,
  }),
  staleSource: Object.freeze({
    // Daily feeds (the common ERP export cadence) are a day late after 24 h.
    thresholdHours: 24,
    // Three missed daily deliveries: planning data is going stale.
    criticalHours: 72,
    perSource: Object.freeze({}),
  }),
});

/** What a deployment may override (each section partially). */
export interface RuleConfigOverrides {
  readonly stockoutRisk?: Partial<StockoutRiskConfig>;
  readonly demandAnomaly?: Partial<DemandAnomalyConfig>;
  readonly qualityDrift?: Partial<QualityDriftConfig>;
  readonly lateSupplier?: Partial<LateSupplierConfig>;
  readonly staleSource?: Partial<StaleSourceConfig>;
}

/** The defaults with `overrides` applied, checked (FGC_CONFIG_INVALID naming the setting) and frozen. */
export function ruleConfig(overrides: RuleConfigOverrides = {}): RuleConfig {
  const d = DEFAULT_RULE_CONFIG;
  const config: RuleConfig = {
    stockoutRisk: Object.freeze({ ...d.stockoutRisk, ...overrides.stockoutRisk }),
    demandAnomaly: Object.freeze({ ...d.demandAnomaly, ...overrides.demandAnomaly }),
    qualityDrift: Object.freeze({ ...d.qualityDrift, ...overrides.qualityDrift }),
    lateSupplier: Object.freeze({ ...d.lateSupplier, ...overrides.lateSupplier }),
    staleSource: Object.freeze({ ...d.staleSource, ...overrides.staleSource, perSource: Object.freeze({ ...(overrides.staleSource?.perSource ?? d.staleSource.perSource) }) }),
  };
  checkRuleConfig(config);
  return Object.freeze(config);
}

/** The stale-source thresholds that apply to one source (override, else the defaults). */
export function staleThresholdsFor(config: StaleSourceConfig, sourceId: string): Required<StaleSourceThresholds> {
  const own = Object.hasOwn(config.perSource, sourceId) ? config.perSource[sourceId] : undefined;
  const thresholdHours = own?.thresholdHours ?? config.thresholdHours;
  const recoveryHours = own?.recoveryHours ?? (own === undefined ? config.recoveryHours : undefined) ?? thresholdHours;
  // An override without its own critical age keeps the default ratio (72 h / 24 h: three missed deliveries).
  const criticalHours = own?.criticalHours ?? (own === undefined ? config.criticalHours : thresholdHours * (config.criticalHours / config.thresholdHours));
  return { thresholdHours, recoveryHours, criticalHours };
}

function invalid(setting: string, message: string): FgcError {
  return new FgcError('FGC_CONFIG_INVALID', `alert rule setting ${setting} ${message}`, { details: [{ setting, message }] });
}

function probability(setting: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || value > 1) throw invalid(setting, `must be a probability in [0, 1] (got ${String(value)})`);
}

function positive(setting: string, value: number, allowZero = false): void {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) throw invalid(setting, `must be a ${allowZero ? 'non-negative' : 'positive'} number (got ${String(value)})`);
}

function checkStale(prefix: string, t: StaleSourceThresholds): void {
  positive(`${prefix}.thresholdHours`, t.thresholdHours);
  if (t.recoveryHours !== undefined) {
    positive(`${prefix}.recoveryHours`, t.recoveryHours);
    if (t.recoveryHours > t.thresholdHours) throw invalid(`${prefix}.recoveryHours`, `must not exceed thresholdHours (${t.thresholdHours})`);
  }
  if (t.criticalHours !== undefined) {
    positive(`${prefix}.criticalHours`, t.criticalHours);
    if (t.criticalHours < t.thresholdHours) throw invalid(`${prefix}.criticalHours`, `must not be below thresholdHours (${t.thresholdHours})`);
  }
}

function checkRuleConfig(c: RuleConfig): void {
  const s = c.stockoutRisk;
  probability('stockoutRisk.breachProbability', s.breachProbability);
  probability('stockoutRisk.recoveryProbability', s.recoveryProbability);
  probability('stockoutRisk.criticalProbability', s.criticalProbability);
  if (s.recoveryProbability > s.breachProbability) throw invalid('stockoutRisk.recoveryProbability', `must not exceed breachProbability (${s.breachProbability})`);
  const level = c.demandAnomaly.bandLevel;
  if (!Number.isFinite(level) || level <= 0 || level >= 100) throw invalid('demandAnomaly.bandLevel', `must be a percentage in (0, 100) (got ${String(level)})`);
  positive('demandAnomaly.infoBelowRelativeMiss', c.demandAnomaly.infoBelowRelativeMiss, true);
  if (!Number.isInteger(c.qualityDrift.recentPeriods) || c.qualityDrift.recentPeriods < 1) throw invalid('qualityDrift.recentPeriods', `must be a whole number ≥ 1 (got ${String(c.qualityDrift.recentPeriods)})`);
  positive('qualityDrift.recoverySigmas', c.qualityDrift.recoverySigmas, true);
  if (c.qualityDrift.recoverySigmas > 3) throw invalid('qualityDrift.recoverySigmas', 'must not exceed 3 (the control limit itself)');
  positive('lateSupplier.criticalDaysPastDue', c.lateSupplier.criticalDaysPastDue);
  checkStale('staleSource', c.staleSource);
  for (const [source, t] of Object.entries(c.staleSource.perSource)) checkStale(`staleSource.perSource.${source}`, t);
}
