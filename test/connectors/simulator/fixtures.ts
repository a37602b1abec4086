/** Shared configurations and record views for the simulator tests. */
import { generateHistory, type GeneratedHistory } from '../../../connectors/simulator/generator.js';
import type { RecordsByType, SimRecordType } from '../../../connectors/simulator/records.js';
import type { SimulationConfig } from '../../../connectors/simulator/world.js';

/** Two years of 12 items at 2 sites: enough days for the statistics, quick to generate. */
export const STATS_CONFIG: SimulationConfig = { seed: 7, items: 12, sites: 2, historyDays: 730, startDate: '2023-01-02' };
/** The smallest world the planted situations fit in. */
export const SMALL_CONFIG: SimulationConfig = { seed: 3, items: 6, sites: 1, historyDays: 240, startDate: '2024-03-01' };

const cache = new Map<string, GeneratedHistory>();

/** Generated once per test file and configuration (generation is pure). */
export function historyOf(config: SimulationConfig): GeneratedHistory {
  const key = JSON.stringify(config);
  let history = cache.get(key);
  if (history === undefined) {
    history = generateHistory(config);
    cache.set(key, history);
  }
  return history;
}

/** Every record of a type across the history days. */
export function all<T extends Exclude<SimRecordType, 'items'>>(history: GeneratedHistory, type: T): RecordsByType[T] {
  const out: RecordsByType[T][number][] = [];
  for (const day of history.days) out.push(...day.records[type]);
  return out as RecordsByType[T];
}

/** Daily demand per `sku@site`, from the sales order lines, with zero days filled in. */
export function dailyDemand(history: GeneratedHistory): Map<string, number[]> {
  const index = new Map(history.days.map((day, i) => [day.date, i]));
  const out = new Map<string, number[]>();
  for (const line of all(history, 'sales_orders')) {
    const key = `${line.sku}@${line.site}`;
    let series = out.get(key);
    if (series === undefined) {
      series = Array.from({ length: history.days.length }, () => 0);
      out.set(key, series);
    }
    const i = index.get(line.order_date);
    if (i === undefined) throw new Error(`order date outside history: ${line.order_date}`);
    series[i] = (series[i] ?? 0) + line.qty;
  }
  return out;
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

/** Days between two ISO dates. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to.slice(0, 10)}T00:00:00Z`) - Date.parse(`${from.slice(0, 10)}T00:00:00Z`)) / 86_400_000);
}
