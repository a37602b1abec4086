import { describe, expect, it } from 'vitest';
import { addDays, bucketEnd, bucketize, bucketStart, dayNumber, followingBuckets, nextBucket } from '../../../forecasting/series/periods.js';

describe('period buckets', () => {
  it('starts ISO weeks on Monday, across year ends', () => {
    expect(bucketStart('2024-07-03', 'weekly')).toBe('2024-07-01'); // Wednesday → Monday
    expect(bucketStart('2024-07-01', 'weekly')).toBe('2024-07-01');
    expect(bucketStart('2024-06-30', 'weekly')).toBe('2024-06-24'); // Sunday belongs to the week before
    expect(bucketStart('2021-01-01', 'weekly')).toBe('2020-12-28');
    expect(bucketStart('1969-12-31', 'weekly')).toBe('1969-12-29'); // before the epoch too
  });

  it('starts months and quarters on their first day and steps across years', () => {
    expect(bucketStart('2024-02-29', 'monthly')).toBe('2024-02-01');
    expect(bucketStart('2024-11-15', 'quarterly')).toBe('2024-10-01');
    expect(bucketStart('2024-03-31', 'quarterly')).toBe('2024-01-01');
    expect(nextBucket('2024-12-01', 'monthly')).toBe('2025-01-01');
    expect(nextBucket('2024-10-01', 'quarterly')).toBe('2025-01-01');
    expect(bucketEnd('2024-02-01', 'monthly')).toBe('2024-02-29');
    expect(followingBuckets('2024-06-24', 'weekly', 3)).toEqual(['2024-07-01', '2024-07-08', '2024-07-15']);
  });

  it('rejects impossible dates', () => {
    expect(() => dayNumber('2024-13-45')).toThrow(RangeError);
    expect(() => dayNumber('2024-02-30')).toThrow(RangeError);
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });

  it('sums into whole buckets only, zero-filling gaps', () => {
    // 2024-06-05 (Wed) .. 2024-06-30 (Sun): the week of 06-03 is cut, so it is left out.
    const days = [
      { date: '2024-06-04', qty: 100 }, // before `from`
      { date: '2024-06-10', qty: 2 },
      { date: '2024-06-16', qty: 3 }, // Sunday: same week as 06-10
      { date: '2024-06-30', qty: 5 },
    ];
    expect(bucketize(days, 'weekly', '2024-06-05', '2024-06-30')).toEqual({
      periodStarts: ['2024-06-10', '2024-06-17', '2024-06-24'],
      values: [5, 0, 5],
    });
    // A last week cut by `to` (Saturday) is left out as well.
    expect(bucketize(days, 'weekly', '2024-06-10', '2024-06-29').periodStarts).toEqual(['2024-06-10', '2024-06-17']);
    expect(bucketize(days, 'daily', '2024-06-15', '2024-06-17')).toEqual({ periodStarts: ['2024-06-15', '2024-06-16', '2024-06-17'], values: [0, 3, 0] });
    expect(bucketize([{ date: '2024-05-31', qty: 1 }, { date: '2024-06-01', qty: 4 }], 'monthly', '2024-05-01', '2024-06-30')).toEqual({ periodStarts: ['2024-05-01', '2024-06-01'], values: [1, 4] });
  });
});
