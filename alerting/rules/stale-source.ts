/**
 * Stale source: nothing received from a source system for N hours (24 by default, per-source
 * overrides for feeds with another cadence). Input is the freshness of `GET /api/v1/sources`: one
 * row per source and record type; a source is as fresh as its freshest record type (a source
 * that only sends inventory snapshots today is still alive). Rows whose time cannot be read are
 * left out; a source without any readable time gets no observation rather than a made-up age.
 */
import type { Observation, Severity } from '../alert-model.js';
import { fingerprintOf } from './fingerprint.js';
import { staleThresholdsFor, type StaleSourceConfig } from './rule-config.js';
import { quantity } from './rule-text.js';

/** One row of source freshness (SPEC.md `GET /api/v1/sources`). */
export interface SourceFreshness {
  readonly tenant_id: string;
  readonly source_id: string;
  readonly record_type: string;
  /** ISO timestamp, ClickHouse `YYYY-MM-DD HH:MM:SS[.fff]` (UTC), or epoch ms; null when nothing was received. */
  readonly last_received_at: string | number | null;
}

const HOUR_MS = 3_600_000;
/** The largest epoch ms a JavaScript Date can hold. */
const MAX_DATE_MS = 8.64e15;
const CLICKHOUSE_DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/;

/** Epoch ms of a freshness time, undefined when unreadable. */
export function freshnessTime(value: string | number | null): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 && value <= MAX_DATE_MS ? value : undefined;
  if (typeof value !== 'string' || value === '') return undefined;
  const iso = CLICKHOUSE_DATETIME.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) || ms <= 0 ? undefined : ms;
}

interface SourceState {
  readonly tenant: string;
  readonly source: string;
  lastMs: number;
  readonly recordTypes: Set<string>;
}

export function staleSource(rows: readonly SourceFreshness[], config: StaleSourceConfig, nowMs: number): Observation[] {
  const sources = new Map<string, SourceState>();
  for (const row of rows) {
    const ms = freshnessTime(row.last_received_at);
    if (ms === undefined || row.source_id === '' || row.tenant_id === '') continue;
    const key = JSON.stringify([row.tenant_id, row.source_id]);
    const seen = sources.get(key);
    const state = seen ?? { tenant: row.tenant_id, source: row.source_id, lastMs: ms, recordTypes: new Set<string>() };
    state.lastMs = Math.max(state.lastMs, ms);
    // Rows aggregated per source carry record_type ''.
    if (row.record_type !== '') state.recordTypes.add(row.record_type);
    sources.set(key, state);
  }
  return [...sources.values()].map((s) => observe(s, config, nowMs));
}

function observe(s: SourceState, config: StaleSourceConfig, nowMs: number): Observation {
  const t = staleThresholdsFor(config, s.source);
  // A clock ahead of ours (or a timestamp from the future) is fresh, not negatively old.
  const ageHours = Math.max(0, nowMs - s.lastMs) / HOUR_MS;
  const state = ageHours >= t.thresholdHours ? 'breach' : ageHours < t.recoveryHours ? 'ok' : 'between';
  const severity: Severity = ageHours >= t.criticalHours ? 'critical' : 'warning';
  const last = new Date(s.lastMs).toISOString();
  // Tenths of an hour: precise enough to read, stable enough not to change on every evaluation second.
  const age = Math.round(ageHours * 10) / 10;
  const typeList = [...s.recordTypes].sort().join(', ');
  return {
    tenant_id: s.tenant,
    type: 'stale_source',
    fingerprint: fingerprintOf(s.tenant, 'stale_source', s.source, ''),
    state,
    severity,
    entity_id: s.source,
    site: '',
    title: `Stale source: ${s.source}`,
    message: `No data from ${s.source} for ${quantity(age)} hours (last received ${last}; threshold ${quantity(t.thresholdHours)} hours${typeList === '' ? '' : `; record types ${typeList}`}).`,
    value: age,
    threshold: t.thresholdHours,
    recommendation: {
      action: 'check_source',
      text: `Check the ${s.source} feed: nothing received since ${last} (${quantity(age)} hours). Look at its export job, credentials and the dead letters of its last batch.`,
    },
    data_as_of: last.slice(0, 10),
    observed_at: nowMs,
    labels: { source_id: s.source, ...(typeList === '' ? {} : { record_types: typeList }) },
  };
}
