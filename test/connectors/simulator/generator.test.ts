import { describe, expect, it } from 'vitest';
import { generateHistory, nextLiveDay } from '../../../connectors/simulator/generator.js';
import { SIM_RECORD_TYPES } from '../../../connectors/simulator/records.js';
import { historyStartFor } from '../../../connectors/simulator/world.js';
import { isFgcError } from '../../../infra/errors.js';
import { SMALL_CONFIG, historyOf } from './fixtures.js';

function serialise(config: typeof SMALL_CONFIG): string {
  const history = generateHistory(config);
  return JSON.stringify({ items: history.items, days: history.days, truth: history.groundTruth });
}

describe('generator determinism', () => {
  it('gives byte-identical records for the same seed', () => {
    expect(serialise(SMALL_CONFIG)).toBe(serialise(SMALL_CONFIG));
  });

  it('gives different records for a different seed', () => {
    expect(serialise({ ...SMALL_CONFIG, seed: SMALL_CONFIG.seed + 1 })).not.toBe(serialise(SMALL_CONFIG));
  });

  it('continues into live days identically', () => {
    const a = generateHistory(SMALL_CONFIG).simulation;
    const b = generateHistory(SMALL_CONFIG).simulation;
    for (let i = 0; i < 3; i += 1) expect(JSON.stringify(nextLiveDay(a))).toBe(JSON.stringify(nextLiveDay(b)));
  });

  it('covers every history day and every record type, with today right after history', () => {
    const history = historyOf(SMALL_CONFIG);
    expect(history.days).toHaveLength(SMALL_CONFIG.historyDays);
    expect(history.days[0]?.date).toBe(SMALL_CONFIG.startDate);
    expect(history.groundTruth.historyTo).toBe(history.days.at(-1)?.date);
    expect(history.groundTruth.today).toBe('2024-10-27'); // 2024-03-01 + 240 days
    for (const type of SIM_RECORD_TYPES) {
      const count = type === 'items' ? history.items.length : history.days.reduce((sum, day) => sum + day.records[type].length, 0);
      expect(count, type).toBeGreaterThan(0);
    }
  });

  it('computes the start date that puts today after the history', () => {
    expect(historyStartFor('2024-10-27', 240)).toBe(SMALL_CONFIG.startDate);
    expect(generateHistory({ ...SMALL_CONFIG, startDate: historyStartFor('2025-01-15', 240) }).groundTruth.today).toBe('2025-01-15');
  });

  it('refuses configurations the planted situations cannot fit in', () => {
    for (const bad of [{ items: 3 }, { sites: 0 }, { sites: 9 }, { historyDays: 30 }, { startDate: '2024-02-30' }, { seed: -1 }, { seed: 1.5 }]) {
      let error: unknown;
      try {
        generateHistory({ ...SMALL_CONFIG, ...bad });
      } catch (caught) {
        error = caught;
      }
      expect(isFgcError(error) && error.code === 'FGC_CONFIG_INVALID', JSON.stringify(bad)).toBe(true);
    }
  });

  it('generates the default demo size (20 items × 3 sites × 3 years) in a few seconds', () => {
    const started = performance.now();
    const history = generateHistory({ seed: 42, items: 20, sites: 3, historyDays: 1095, startDate: '2022-06-01' });
    const ms = performance.now() - started;
    const counts = Object.fromEntries(SIM_RECORD_TYPES.map((type) => [type, type === 'items' ? history.items.length : history.days.reduce((sum, day) => sum + day.records[type].length, 0)]));
    console.info(`default size: ${Math.round(ms)} ms`, counts);
    expect(ms).toBeLessThan(10_000);
    expect(counts.inventory).toBe(20 * 3 * 1095);
  });
});
