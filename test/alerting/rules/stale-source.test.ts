import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../../alerting/rules/fingerprint.js';
import { DEFAULT_RULE_CONFIG, ruleConfig } from '../../../alerting/rules/rule-config.js';
import { freshnessTime, staleSource, type SourceFreshness } from '../../../alerting/rules/stale-source.js';

const NOW = Date.parse('2026-11-11T12:00:00Z');
const H = 3_600_000;
const config = DEFAULT_RULE_CONFIG.staleSource;

const row = (source_id: string, hoursAgo: number, record_type = 'items', tenant_id = 'acme'): SourceFreshness => ({ tenant_id, source_id, record_type, last_received_at: new Date(NOW - hoursAgo * H).toISOString() });

describe('stale source', () => {
  it('breaches at the threshold, is ok below it (recovery defaults to the threshold)', () => {
    const [o] = staleSource([row('erp_001', 30)], config, NOW);
    expect(o).toMatchObject({ type: 'stale_source', state: 'breach', severity: 'warning', entity_id: 'erp_001', site: '', value: 30, threshold: 24, data_as_of: '2026-11-10', observed_at: NOW });
    expect(o!.fingerprint).toBe(fingerprintOf('acme', 'stale_source', 'erp_001', ''));
    expect(o!.message).toBe('No data from erp_001 for 30 hours (last received 2026-11-10T06:00:00.000Z; threshold 24 hours; record types items).');
    expect(o!.recommendation.action).toBe('check_source');
    expect(o!.recommendation.text).toMatch(/^Check the erp_001 feed: nothing received since 2026-11-10T06:00:00.000Z \(30 hours\)/);
    expect(staleSource([row('a', 24)], config, NOW)[0]!.state).toBe('breach');
    expect(staleSource([row('a', 23.99)], config, NOW)[0]!.state).toBe('ok');
  });

  it('has a between band when recovery is set below the threshold, and is critical from 72 h', () => {
    const banded = ruleConfig({ staleSource: { recoveryHours: 12 } }).staleSource;
    expect(staleSource([row('a', 12)], banded, NOW)[0]!.state).toBe('between');
    expect(staleSource([row('a', 11.9)], banded, NOW)[0]!.state).toBe('ok');
    expect(staleSource([row('a', 72)], config, NOW)[0]!.severity).toBe('critical');
    expect(staleSource([row('a', 71.9)], config, NOW)[0]!.severity).toBe('warning');
  });

  it('takes a source as fresh as its freshest record type, one observation per tenant and source', () => {
    const obs = staleSource([row('erp', 50, 'items'), row('erp', 2, 'inventory'), row('erp', 40, 'items', 'other'), row('files', 30, 'sales_orders')], config, NOW);
    expect(obs.map((o) => [o.tenant_id, o.entity_id, o.state, o.labels['record_types']])).toEqual([
      ['acme', 'erp', 'ok', 'inventory, items'],
      ['other', 'erp', 'breach', 'items'],
      ['acme', 'files', 'breach', 'sales_orders'],
    ]);
  });

  it('applies per-source overrides (a weekly file drop)', () => {
    const weekly = ruleConfig({ staleSource: { perSource: { weekly_drop: { thresholdHours: 7 * 24 + 12 } } } }).staleSource;
    const [drop, erp] = staleSource([row('weekly_drop', 100), row('erp', 100)], weekly, NOW);
    expect([drop!.state, drop!.threshold]).toEqual(['ok', 180]);
    expect([erp!.state, erp!.threshold, erp!.severity]).toEqual(['breach', 24, 'critical']);
    // The override keeps the default critical/threshold ratio (3×).
    expect(staleSource([row('weekly_drop', 539)], weekly, NOW)[0]!.severity).toBe('warning');
    expect(staleSource([row('weekly_drop', 540)], weekly, NOW)[0]!.severity).toBe('critical');
  });

  it('reads ClickHouse and epoch times, skips unreadable rows, and treats future times as fresh', () => {
    expect(freshnessTime('2026-11-10 06:00:00')).toBe(Date.parse('2026-11-10T06:00:00Z'));
    expect(freshnessTime('2026-11-10 06:00:00.250')).toBe(Date.parse('2026-11-10T06:00:00.250Z'));
    expect(freshnessTime(NOW)).toBe(NOW);
    for (const bad of [null, '', 'soon', Number.NaN, -1, 1e20]) expect(freshnessTime(bad)).toBeUndefined();
    const rows: SourceFreshness[] = [
      { tenant_id: 'acme', source_id: 'broken', record_type: 'items', last_received_at: 'not a date' },
      { tenant_id: 'acme', source_id: 'future', record_type: 'items', last_received_at: NOW + 5 * H },
      { tenant_id: 'acme', source_id: '', record_type: 'items', last_received_at: NOW },
      { tenant_id: 'acme', source_id: 'agg', record_type: '', last_received_at: '2026-11-09 12:00:00' },
    ];
    const obs = staleSource(rows, config, NOW);
    expect(obs.map((o) => [o.entity_id, o.state, o.value])).toEqual([
      ['future', 'ok', 0],
      ['agg', 'breach', 48],
    ]);
    expect(obs[1]!.labels).not.toHaveProperty('record_types');
    expect(obs[1]!.message).toBe('No data from agg for 48 hours (last received 2026-11-09T12:00:00.000Z; threshold 24 hours).');
  });

  it('gives nothing for no rows', () => {
    expect(staleSource([], config, NOW)).toEqual([]);
  });
});
