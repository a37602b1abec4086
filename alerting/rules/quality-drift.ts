/**
 * Quality drift (quality forecasts, a p-chart per line or item): the defect-rate bound is over the
 * control limit (`limit_breached`), or a Western Electric run rule fired in the last few periods.
 * Recovery needs both gone and the current rate back inside centre + 2σ (σ derived from the 3σ
 * UCL), so a rate parked just under the limit does not resolve and re-fire on every run.
 */
import type { Observation, Recommendation, Severity } from '../alert-model.js';
import { fingerprintOf } from './fingerprint.js';
import type { ForecastEventView, QualityDetailsView } from './forecast-event.js';
import { lastActualPeriod, shiftPeriod } from './period-steps.js';
import type { QualityDriftConfig } from './rule-config.js';
import { entityAt, percent } from './rule-text.js';

/** The p-chart's limits are centre ± 3σ. */
const SIGMAS_AT_UCL = 3;

export function qualityDrift(event: ForecastEventView, config: QualityDriftConfig, observedAt: number): Observation[] {
  const d = event.details;
  if (event.forecast_type !== 'quality' || d?.kind !== 'quality') return [];
  const recent = recentViolations(event, d, config.recentPeriods);
  const sigma = Math.max(0, d.ucl - d.center_line) / SIGMAS_AT_UCL;
  const recovered = d.current_rate <= d.center_line + config.recoverySigmas * sigma;
  const state = d.limit_breached || recent.length > 0 ? 'breach' : recovered ? 'ok' : 'between';
  const severity: Severity = d.current_rate > d.ucl ? 'critical' : 'warning';
  const entity = event.entity_id;
  const site = event.site;
  const isLine = event.entity_type === 'line';
  const what = isLine ? `line ${entity}` : entity;
  const findings: string[] = [];
  findings.push(`defect rate ${percent(d.current_rate)} against a control limit of ${percent(d.ucl)} (centre ${percent(d.center_line)})`);
  if (d.limit_breached && d.current_rate <= d.ucl) findings.push('the forecast upper bound crosses the limit');
  const latest = recent[recent.length - 1];
  if (latest !== undefined) findings.push(`SPC ${latest.rule} on ${latest.period_start}: ${latest.description}${recent.length > 1 ? ` (+${recent.length - 1} more)` : ''}`);
  if (d.top_defect_code !== '') findings.push(`top defect ${d.top_defect_code}`);
  return [
    {
      tenant_id: event.tenant_id,
      type: 'quality_drift',
      fingerprint: fingerprintOf(event.tenant_id, 'quality_drift', entity, site),
      state,
      severity,
      entity_id: entity,
      site,
      title: `Quality drift: ${entityAt(what, site)}`,
      message: `${capitalize(findings.join('; '))}.`,
      value: d.current_rate,
      threshold: d.ucl,
      recommendation: recommend(event, d, isLine),
      data_as_of: event.data_as_of,
      observed_at: observedAt,
      labels: {
        ...(isLine ? { line: entity } : { sku: entity }),
        site,
        entity_type: event.entity_type,
        version_id: event.version_id,
        ...(d.top_defect_code === '' ? {} : { defect_code: d.top_defect_code }),
      },
    },
  ];
}

/** Violations within `n` periods up to the last actual one (all of them when the periods cannot be placed). */
function recentViolations(event: ForecastEventView, d: QualityDetailsView, n: number): QualityDetailsView['spc_violations'] {
  const last = lastActualPeriod(event.points, event.period);
  const from = last === undefined ? undefined : shiftPeriod(last, event.period, -(n - 1));
  const sorted = [...d.spc_violations].sort((a, b) => (a.period_start < b.period_start ? -1 : a.period_start > b.period_start ? 1 : 0));
  return from === undefined ? sorted : sorted.filter((v) => v.period_start >= from);
}

function recommend(event: ForecastEventView, d: QualityDetailsView, isLine: boolean): Recommendation {
  const entity = event.entity_id;
  const where = event.site === '' ? '' : ` at ${event.site}`;
  const defect = d.top_defect_code === '' ? 'the defects' : `defect ${d.top_defect_code}`;
  const subject = isLine ? `the open lots from line ${entity}${where}` : `the open lots of ${entity}${where}`;
  const text = `Hold ${subject} and inspect them for ${defect} before release (defect rate ${percent(d.current_rate)}, control limit ${percent(d.ucl)}).`;
  return isLine ? { action: 'hold_lot', line: entity, text } : { action: 'hold_lot', sku: entity, text };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
