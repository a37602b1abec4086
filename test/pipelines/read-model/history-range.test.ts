import { describe, expect, it } from 'vitest';
import { FgcError } from '../../../infra/errors.js';
import { historyRange, MAX_HISTORY_DAYS } from '../../../pipelines/read-model/inventory-queries.js';
import { decodeCursor, encodeCursor } from '../../../pipelines/read-model/keyset-cursor.js';

const NOW = Date.UTC(2024, 0, 20, 23, 59);

describe('inventory history range', () => {
  it('defaults to the 90 days up to today (UTC)', () => {
    expect(historyRange({}, NOW)).toEqual({ from: '2023-10-23', to: '2024-01-20' });
    expect(historyRange({ to: '2024-01-05' }, NOW)).toEqual({ from: '2023-10-08', to: '2024-01-05' });
  });

  it('accepts a one-day range and exactly the widest one', () => {
    expect(historyRange({ from: '2024-01-05', to: '2024-01-05' }, NOW)).toEqual({ from: '2024-01-05', to: '2024-01-05' });
    const to = new Date(Date.UTC(2024, 0, 1) + (MAX_HISTORY_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    expect(historyRange({ from: '2024-01-01', to }, NOW).to).toBe(to);
  });

  it('refuses inverted, too wide and impossible ranges with FGC_DATA_INVALID_RANGE', () => {
    for (const query of [{ from: '2024-01-06', to: '2024-01-05' }, { from: '2023-01-01', to: '2024-01-05' }, { from: '2024-02-30' }, { to: '2024-1-5' }]) {
      expect(() => historyRange(query, NOW)).toThrow(FgcError);
      try {
        historyRange(query, NOW);
      } catch (error) {
        expect((error as FgcError).code).toBe('FGC_DATA_INVALID_RANGE');
      }
    }
  });
});

describe('keyset cursor', () => {
  it('round-trips any key, unicode and quotes included', () => {
    for (const key of ['A-100', "O'Brien", 'Ü/ø%_', '']) expect(decodeCursor(encodeCursor(key))).toBe(key);
  });

  it('refuses cursors it did not write', () => {
    for (const cursor of ['garbage!', Buffer.from('[1]').toString('base64url'), Buffer.from('{"after":3}').toString('base64url')]) {
      expect(() => decodeCursor(cursor)).toThrow(/cursor/);
    }
  });
});
