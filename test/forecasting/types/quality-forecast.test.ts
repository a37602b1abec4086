import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../../infra/clickhouse/analytics-store.js';
import { createAnalyticsStore } from '../../../infra/clickhouse/clickhouse-analytics-store.js';
import { toClickHouseDateTime } from '../../../infra/clickhouse/datetime.js';
import { migrate } from '../../../infra/clickhouse/migrations.js';
import { silentLogger } from '../../../infra/logger.js';
import { addDays, dayNumber } from '../../../forecasting/series/periods.js';
import type { QualityDetails, TypedEntityRef, TypedRequest } from '../../../forecasting/types/forecast-type.js';
import { createQualityForecast, type QualityForecastHandler } from '../../../forecasting/types/quality-forecast.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** A Sunday: weeks run Monday 2023-07-03 … Sunday 2024-06-30. */
const AS_OF = '2024-06-30';
const FIRST_MONDAY = '2023-07-03';
const WEEKS = 52;

interface Inspection {
  readonly tenant?: string;
  readonly id: string;
  readonly sku: string;
  readonly site: string;
  readonly line: string;
  readonly inspected: number;
  readonly defects: number | string;
  readonly code: string;
  readonly date: string;
  readonly minute: number;
  readonly version?: number;
  readonly receivedAtMs?: number;
}

let counter = 0;

async function insertInspections(store: AnalyticsStore, rows: readonly Inspection[]): Promise<void> {
  const out = rows.map((r) => {
    counter += 1;
    return {
      tenant_id: r.tenant ?? 'acme',
      source_id: 'qms_test',
      inspection_id: r.id,
      sku: r.sku,
      source_sku: r.sku,
      site: r.site,
      line: r.line,
      inspected_qty: String(r.inspected),
      defect_qty: String(r.defects),
      source_uom: '',
      defect_code: Number(r.defects) > 0 ? r.code : '',
      inspected_at: toClickHouseDateTime(dayNumber(r.date) * 86_400_000 + r.minute * 60_000),
      is_deleted: 0,
      version: r.version ?? counter,
      source_type: 'quality',
      batch_id: 'b1',
      record_index: 0,
      received_at: toClickHouseDateTime(r.receivedAtMs ?? Date.UTC(2024, 6, 1)),
    };
  });
  for (let i = 0; i < out.length; i += 5_000) await store.insert('quality_inspections', out.slice(i, i + 5_000));
}

/** Two inspections of 100 units per weekday; `defects(week, k)` for the k-th (0–9) inspection of the week. */
function weekly(line: string, site: string, sku: string, defects: (week: number, k: number) => { n: number; code: string }): Inspection[] {
  const out: Inspection[] = [];
  for (let w = 0; w < WEEKS; w += 1) {
    for (let d = 0; d < 5; d += 1) {
      for (let shift = 0; shift < 2; shift += 1) {
        const k = d * 2 + shift;
        const { n, code } = defects(w, k);
        out.push({ id: `${line}-${site}-${w}-${k}`, sku, site, line, inspected: 100, defects: n, code, date: addDays(FIRST_MONDAY, 7 * w + d), minute: shift === 0 ? 600 : 1080 });
      }
    }
  }
  return out;
}

/** 2 % for 46 weeks, then +1 point a week for the last 6 (3 % … 8 %), the extra defects coded DIM. */
const drift = weekly('L-DRIFT', 'P1', 'GEAR-1', (w) => (w < WEEKS - 6 ? { n: 2, code: 'SURF' } : { n: 2 + (w - (WEEKS - 7)), code: 'DIM' }));
/** 2.4 % and 2.6 % in alternate weeks: in control. */
const stable = weekly('L-STABLE', 'P1', 'BOLT-1', (w, k) => ({ n: (w % 2 === 0 ? k < 4 : k < 6) ? 3 : 2, code: 'BURR' }));
/** The same line id at another site, one inspection a week at 2 %. */
const otherSite = weekly('L-DRIFT', 'P2', 'GEAR-1', () => ({ n: 2, code: 'SURF' })).filter((_, i) => i % 10 === 0);

const request = (overrides: Partial<TypedRequest> = {}): TypedRequest => ({ period: 'weekly', horizon: 4, levels: [80, 95], lookbackDays: 364, model: 'auto', ...overrides });
const line = (id: string, site = 'P1'): TypedEntityRef => ({ entityType: 'line', entityId: id, site });

describe('quality forecast (chDB, quality_inspections)', () => {
  let store: AnalyticsStore;
  let dir: { path: string; remove: () => Promise<void> };
  let handler: QualityForecastHandler;

  beforeAll(async () => {
    dir = await tempDir();
    store = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'quality_test', dataDir: dir.path, logger: silentLogger() });
    await migrate(store, silentLogger());
    handler = createQualityForecast(store);
    await insertInspections(store, [
      ...drift,
      ...stable,
      ...otherSite,
      // A Sunday inspection at P2 makes AS_OF the tenant's last day of data, so the last week is complete.
      { id: 'SUN-1', sku: 'GEAR-1', site: 'P2', line: 'L-DRIFT', inspected: 100, defects: 2, code: 'SURF', date: AS_OF, minute: 600 },
      // A stable-line inspection first sent with 90 defects, then corrected: FINAL keeps the correction.
      { id: 'FIX-1', sku: 'BOLT-1', site: 'P1', line: 'L-STABLE', inspected: 100, defects: 90, code: 'BURR', date: addDays(AS_OF, -3), minute: 700, version: 1 },
      // Another tenant's line of the same id, later and awful.
      { tenant: 'other', id: 'O-1', sku: 'GEAR-1', site: 'P1', line: 'L-STABLE', inspected: 10, defects: 10, code: 'X', date: '2024-08-01', minute: 600 },
    ]);
    // The correction in its own insert (one block would collapse the two versions on insert already).
    await insertInspections(store, [{ id: 'FIX-1', sku: 'BOLT-1', site: 'P1', line: 'L-STABLE', inspected: 100, defects: '2.5', code: 'BURR', date: addDays(AS_OF, -3), minute: 700, version: 2, receivedAtMs: Date.UTC(2024, 6, 5) }]);
  });
  afterAll(async () => {
    await store.close();
    await dir.remove();
  });

  it('flags a line whose defect rate drifts up over the last six weeks', async () => {
    const f = (await handler.compute('acme', line('L-DRIFT'), request()))!;
    const d = f.details as QualityDetails;
    expect(f.dataAsOf).toBe(AS_OF);
    expect(d.kind).toBe('quality');
    expect(d.current_rate).toBeCloseTo(0.08, 12);
    // The baseline leaves out the last 8 weeks, so the drift does not raise its own limits.
    expect(d.center_line).toBeCloseTo(0.02, 12);
    expect(d.average_sample_size).toBe(1000);
    expect(d.ucl).toBeCloseTo(0.02 + 3 * Math.sqrt((0.02 * 0.98) / 1000), 12);
    expect(d.lcl).toBeCloseTo(0.02 - 3 * Math.sqrt((0.02 * 0.98) / 1000), 12);
    const rules = d.spc_violations.map((v) => v.rule);
    expect(rules).toEqual(expect.arrayContaining(['beyond-3-sigma', '2-of-3-beyond-2-sigma', '4-of-5-beyond-1-sigma', '6-increasing']));
    expect(d.spc_violations.every((v) => v.period_start === '2024-06-24')).toBe(true);
    expect(d.limit_breached).toBe(true);
    expect(d.top_defect_code).toBe('DIM');
    // The forecast follows the rise: above the centre line, bounds inside [0, 1].
    for (const p of f.points) {
      expect(p.value).toBeGreaterThan(d.center_line);
      expect(p.upper['95']!).toBeGreaterThan(d.ucl);
      expect(p.upper['95']!).toBeLessThanOrEqual(1);
    }
  });

  it('finds nothing wrong on a stable line', async () => {
    const f = (await handler.compute('acme', line('L-STABLE'), request()))!;
    const d = f.details as QualityDetails;
    expect(d.center_line).toBeCloseTo(0.025, 12);
    expect(d.spc_violations).toEqual([]);
    expect(d.limit_breached).toBe(false);
    expect(d.top_defect_code).toBe('BURR');
    // The last week: 26 of 1000 plus the corrected 2.5 of 100.
    expect(d.current_rate).toBeCloseTo(28.5 / 1100, 12);
    for (const p of f.points) {
      expect(p.value).toBeGreaterThan(0.02);
      expect(p.value).toBeLessThan(0.03);
      expect(p.upper['95']!).toBeLessThan(d.ucl);
    }
  });

  it('gives points after the last complete week with ordered, nested bounds inside [0, 1]', async () => {
    for (const id of ['L-DRIFT', 'L-STABLE']) {
      const f = (await handler.compute('acme', line(id), request({ horizon: 6, levels: [50, 80, 95] })))!;
      expect(f.points.map((p) => p.period_start)).toEqual(['2024-07-01', '2024-07-08', '2024-07-15', '2024-07-22', '2024-07-29', '2024-08-05']);
      for (const p of f.points) {
        expect(p.lower['95']!).toBeGreaterThanOrEqual(0);
        expect(p.lower['95']!).toBeLessThanOrEqual(p.lower['80']!);
        expect(p.lower['80']!).toBeLessThanOrEqual(p.lower['50']!);
        expect(p.lower['50']!).toBeLessThanOrEqual(p.value);
        expect(p.value).toBeLessThanOrEqual(p.upper['50']!);
        expect(p.upper['50']!).toBeLessThanOrEqual(p.upper['80']!);
        expect(p.upper['80']!).toBeLessThanOrEqual(p.upper['95']!);
        expect(p.upper['95']!).toBeLessThanOrEqual(1);
        expect(Object.keys(p.lower).sort()).toEqual(['50', '80', '95']);
      }
    }
    // Without 95 among the levels the points carry only what was asked; limit_breached still reads a 95 % band.
    const only80 = (await handler.compute('acme', line('L-DRIFT'), request({ levels: [80] })))!;
    expect(Object.keys(only80.points[0]!.upper)).toEqual(['80']);
    expect((only80.details as QualityDetails).limit_breached).toBe(true);
  });

  it('backtests the rate forecast rolling-origin', async () => {
    const s = (await handler.compute('acme', line('L-STABLE'), request()))!;
    expect(s.accuracy.windows).toBe(3);
    expect(s.accuracy.horizon).toBe(4);
    expect(s.accuracy.wape!).toBeLessThan(0.1);
    expect(s.accuracy.coverage_95!).toBeGreaterThan(0.9);
    expect(s.accuracy.coverage['80']).not.toBeNull();
    const d = (await handler.compute('acme', line('L-DRIFT'), request()))!;
    // The rise is what the origins before it could not foresee.
    expect(d.accuracy.bias!).toBeLessThan(0);
    expect(d.accuracy.wape!).toBeGreaterThan(s.accuracy.wape!);
  });

  it('serves lines per site, items, daily periods, and honours the requested model', async () => {
    const p2 = (await handler.compute('acme', line('l-drift', 'p2'), request()))!;
    expect((p2.details as QualityDetails).spc_violations).toEqual([]);
    expect((p2.details as QualityDetails).average_sample_size).toBe(100);
    const item = (await handler.compute('acme', { entityType: 'item', entityId: 'GEAR-1', site: '' }, request()))!;
    expect((item.details as QualityDetails).limit_breached).toBe(true);
    expect((item.details as QualityDetails).average_sample_size).toBe(1100);
    const daily = (await handler.compute('acme', line('L-STABLE'), request({ period: 'daily', lookbackDays: 28, horizon: 3 })))!;
    expect(daily.points.map((p) => p.period_start)).toEqual(['2024-07-01', '2024-07-02', '2024-07-03']);
    // Weekends carry no inspections: 20 weekday rates, not 28 with zeros.
    expect(daily.reason).toContain('on 20 daily defect rates');
    const naive = (await handler.compute('acme', line('L-STABLE'), request({ model: 'naive' })))!;
    expect(naive.model).toBe('naive');
    expect(naive.points[0]!.value).toBeCloseTo(28.5 / 1100, 12);
  });

  it('refuses a lookback without a complete period, and answers undefined for what it does not know', async () => {
    await expect(handler.compute('acme', line('L-STABLE'), request({ lookbackDays: 3 }))).rejects.toMatchObject({ code: 'FGC_FORECAST_INVALID_REQUEST' });
    expect(await handler.compute('acme', line('L-NOPE'), request())).toBeUndefined();
    expect(await handler.compute('acme', line('L-STABLE', 'P2'), request())).toBeUndefined();
    expect(await handler.compute('ghost', line('L-STABLE'), request())).toBeUndefined();
    expect(await handler.compute('acme', { entityType: 'supplier', entityId: 'L-STABLE', site: '' }, request())).toBeUndefined();
    expect((await handler.compute('other', line('L-STABLE'), request({ lookbackDays: 7, period: 'daily' })))!.dataAsOf).toBe('2024-08-01');
  });

  it('lists lines per site and items with inspections', async () => {
    expect(handler.forecastType).toBe('quality');
    expect(handler.entityTypes).toEqual(['line', 'item']);
    expect(await handler.knownEntities('acme', 'line')).toEqual([
      { entityType: 'line', entityId: 'L-DRIFT', site: 'P1' },
      { entityType: 'line', entityId: 'L-DRIFT', site: 'P2' },
      { entityType: 'line', entityId: 'L-STABLE', site: 'P1' },
    ]);
    expect(await handler.knownEntities('acme', 'item')).toEqual([
      { entityType: 'item', entityId: 'BOLT-1', site: '' },
      { entityType: 'item', entityId: 'GEAR-1', site: '' },
    ]);
    expect(await handler.knownEntities('acme', 'supplier')).toEqual([]);
    // Only the corrected inspection arrived after 2 July.
    const since = Date.UTC(2024, 6, 2);
    expect(await handler.entitiesWithNewData('acme', 'line', since)).toEqual([{ entityType: 'line', entityId: 'L-STABLE', site: 'P1' }]);
    expect(await handler.entitiesWithNewData('acme', 'item', since)).toEqual([{ entityType: 'item', entityId: 'BOLT-1', site: '' }]);
    expect(await handler.entitiesWithNewData('acme', 'line', Date.UTC(2024, 5, 1))).toHaveLength(3);
    expect(await handler.entitiesWithNewData('acme', 'supplier', 0)).toEqual([]);
  });
});
