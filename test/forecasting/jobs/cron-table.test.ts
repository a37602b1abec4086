import { describe, expect, it } from 'vitest';
import { isValidCron, latestOccurrence, matches, nextOccurrence, occurrencesBetween, parseCron } from '../../../forecasting/jobs/cron.js';
import { CATCH_UP_WINDOW_MS, DEFAULT_JOBS, buildCronTable, dueRuns, parseJobTable } from '../../../forecasting/jobs/cron-table.js';

const at = (iso: string): number => Date.parse(iso);
const isoAll = (ms: number[]): string[] => ms.map((m) => new Date(m).toISOString());

describe('cron expressions', () => {
  it('parses fields, ranges, steps, lists and names', () => {
    const s = parseCron('*/15 9-17 * JAN,jul-aug mon-fri');
    expect([...s.minutes]).toEqual([0, 15, 30, 45]);
    expect([...s.hours]).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect([...s.months]).toEqual([1, 7, 8]);
    expect([...s.daysOfWeek]).toEqual([1, 2, 3, 4, 5]);
    expect([...parseCron('5/20 * * * 7').minutes]).toEqual([5, 25, 45]);
    expect([...parseCron('0 0 * * 7').daysOfWeek]).toEqual([0]); // 7 is Sunday
  });

  it('refuses malformed expressions, naming the problem', () => {
    for (const bad of ['* * * *', '60 * * * *', '* 24 * * *', '* * 0 * *', '*/0 * * * *', '5-1 * * * *', 'x * * * *', '* * * 13 *', '0 2 * * * *']) {
      expect(isValidCron(bad), bad).toBe(false);
    }
    expect(() => parseCron('61 * * * *')).toThrow(/minute 61 is outside 0-59/);
  });

  it('matches in UTC; day-of-month and day-of-week restricted together mean either', () => {
    const nightly = parseCron('0 2 * * *');
    expect(matches(nightly, at('2024-07-01T02:00:00Z'))).toBe(true);
    expect(matches(nightly, at('2024-07-01T02:01:00Z'))).toBe(false);
    const either = parseCron('0 0 13 * fri');
    expect(matches(either, at('2024-09-13T00:00:00Z'))).toBe(true); // Friday the 13th
    expect(matches(either, at('2024-09-06T00:00:00Z'))).toBe(true); // a Friday
    expect(matches(either, at('2024-10-13T00:00:00Z'))).toBe(true); // a 13th (Sunday)
    expect(matches(either, at('2024-10-14T00:00:00Z'))).toBe(false);
  });

  it('lists occurrences between two instants, start exclusive and end inclusive', () => {
    const hourly = parseCron('5 * * * *');
    expect(isoAll(occurrencesBetween(hourly, at('2024-07-01T00:05:00Z'), at('2024-07-01T03:05:00Z')))).toEqual([
      '2024-07-01T01:05:00.000Z',
      '2024-07-01T02:05:00.000Z',
      '2024-07-01T03:05:00.000Z',
    ]);
    expect(nextOccurrence(parseCron('0 3 1 * *'), at('2024-07-02T00:00:00Z'), at('2025-01-01T00:00:00Z'))).toBe(at('2024-08-01T03:00:00Z'));
    expect(nextOccurrence(parseCron('0 0 29 2 *'), at('2025-01-01T00:00:00Z'), at('2027-12-31T00:00:00Z'))).toBeUndefined();
    expect(latestOccurrence(parseCron('0 2 * * *'), at('2024-07-01T02:00:00Z'), at('2024-07-04T01:59:00Z'))).toBe(at('2024-07-03T02:00:00Z'));
  });
});

describe('the job table and due runs', () => {
  const table = buildCronTable(DEFAULT_JOBS);

  it('has the default nightly and hourly jobs', () => {
    expect(table.map((j) => [j.name, j.schedule, j.scope])).toEqual([
      ['nightly', '0 2 * * *', 'all'],
      ['hourly', '5 * * * *', 'new-data'],
    ]);
    const what = (name: string): string[] =>
      table.find((j) => j.name === name)!.forecastTypes.map((f) => `${f.forecastType}:${f.entityTypes.join(',')}:${f.periods.join(',')}`);
    expect(what('nightly')).toEqual(['demand:item,item_site:daily,weekly', 'inventory:item_site:daily', 'supply:supplier:weekly', 'quality:line:weekly']);
    expect(what('hourly')).toEqual(['demand:item,item_site:daily,weekly', 'inventory:item_site:daily']);
  });

  it('reads the job-table setting and refuses a bad entry', () => {
    expect(parseJobTable(undefined)).toEqual(DEFAULT_JOBS);
    expect(parseJobTable('  ')).toEqual(DEFAULT_JOBS);
    const jobs = parseJobTable('nightly=30 1 * * *; monthly=0 3 1 * *@all@monthly,quarterly');
    const demandPeriods = (j: (typeof jobs)[number]): readonly string[] | undefined => j.forecastTypes.find((f) => f.forecastType === 'demand')?.periods;
    // Written before typed forecasts: periods are demand's; a default job keeps its other types, another job forecasts demand only.
    expect(jobs.map((j) => [j.name, j.schedule, j.scope, demandPeriods(j), j.forecastTypes.map((f) => f.forecastType)])).toEqual([
      ['nightly', '30 1 * * *', 'all', ['daily', 'weekly'], ['demand', 'inventory', 'supply', 'quality']],
      ['monthly', '0 3 1 * *', 'all', ['monthly', 'quarterly'], ['demand']],
    ]);
    const hourly = parseJobTable('hourly=5 * * * *@new-data@daily')[0]!;
    expect(hourly.forecastTypes).toEqual([
      { forecastType: 'demand', entityTypes: ['item', 'item_site'], periods: ['daily'] },
      { forecastType: 'inventory', entityTypes: ['item_site'], periods: ['daily'] },
    ]);
    // The types part: type[:entity types[:periods]] joined by +, each part left out taking the default.
    const typed = parseJobTable('stock=0 */4 * * *@all@@inventory:item,item_site+supply+demand::monthly')[0]!;
    expect(typed.forecastTypes).toEqual([
      { forecastType: 'inventory', entityTypes: ['item', 'item_site'], periods: ['daily'] },
      { forecastType: 'supply', entityTypes: ['supplier'], periods: ['weekly'] },
      { forecastType: 'demand', entityTypes: ['item', 'item_site'], periods: ['monthly'] },
    ]);
    expect(() => parseJobTable('x=0 2 * * *@all@daily@weather')).toThrow(/forecast type "weather"/);
    expect(() => parseJobTable('x=0 2 * * *@all@daily@inventory:warehouse')).toThrow(/entity type "warehouse"/);
    expect(() => parseJobTable('x=0 2 * * *@all@daily@inventory:item:hourly')).toThrow(/period "hourly"/);
    expect(() => parseJobTable('nightly')).toThrow(/name=<cron expression>/);
    expect(() => parseJobTable('x=0 2 * *')).toThrow(/expected 5 fields/);
    expect(() => parseJobTable('x=0 2 * * *@sometimes')).toThrow(/scope/);
    expect(() => parseJobTable('x=0 2 * * *@all@hourly')).toThrow(/period "hourly"/);
    expect(() => buildCronTable([...DEFAULT_JOBS, DEFAULT_JOBS[0]!])).toThrow(/two jobs/);
  });

  it('is due at the slot and not again until the next one', () => {
    const since = new Map([
      ['nightly', at('2024-07-01T01:59:00.050Z')],
      ['hourly', at('2024-07-01T01:59:00.050Z')],
    ]);
    expect(dueRuns(table, since, at('2024-07-01T02:00:00.050Z'))).toEqual([{ job: 'nightly', slot: at('2024-07-01T02:00:00Z') }]);
    const after = new Map([...since.keys()].map((k) => [k, at('2024-07-01T02:00:00.050Z')]));
    expect(dueRuns(table, after, at('2024-07-01T02:01:00.050Z'))).toEqual([]);
    expect(dueRuns(table, after, at('2024-07-01T02:05:00.050Z'))).toEqual([{ job: 'hourly', slot: at('2024-07-01T02:05:00Z') }]);
  });

  it('catches up missed slots after downtime with one run per job, for the latest slot', () => {
    // Down from Monday 01:00 to Thursday 10:30: three nightly and ~80 hourly slots were missed.
    const since = new Map([
      ['nightly', at('2024-06-30T02:00:00Z')],
      ['hourly', at('2024-07-01T00:05:00Z')],
    ]);
    expect(dueRuns(table, since, at('2024-07-04T10:30:00Z'))).toEqual([
      { job: 'nightly', slot: at('2024-07-04T02:00:00Z') },
      { job: 'hourly', slot: at('2024-07-04T10:05:00Z') },
    ]);
    // A job never seen is not considered; a very old last slot is looked at only within the window.
    expect(dueRuns(table, new Map(), at('2024-07-04T10:30:00Z'))).toEqual([]);
    const ancient = dueRuns(table, new Map([['nightly', 0]]), at('2024-07-04T10:30:00Z'));
    expect(ancient).toEqual([{ job: 'nightly', slot: at('2024-07-04T02:00:00Z') }]);
    expect(CATCH_UP_WINDOW_MS).toBeGreaterThanOrEqual(31 * 86_400_000);
  });
});
