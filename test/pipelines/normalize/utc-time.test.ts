import { describe, expect, it } from 'vitest';
import { toDate32, toUtcDateTime } from '../../../pipelines/normalize/utc-time.js';

describe('UTC dates and timestamps', () => {
  it('applies offsets, so every timestamp is stored in UTC', () => {
    expect(toUtcDateTime('2024-03-10T08:15:00+02:00')).toBe('2024-03-10 06:15:00.000');
    expect(toUtcDateTime('2024-03-10T23:30:00-05:00')).toBe('2024-03-11 04:30:00.000');
    expect(toUtcDateTime('2024-03-10T08:15:00.123+0530')).toBe('2024-03-10 02:45:00.123');
    expect(toUtcDateTime('2024-03-10T08:15:00.000Z')).toBe('2024-03-10 08:15:00.000');
  });

  it('reads a time without offset as UTC and a date alone as midnight UTC', () => {
    expect(toUtcDateTime('2024-03-10T08:15')).toBe('2024-03-10 08:15:00.000');
    expect(toUtcDateTime('2024-03-10')).toBe('2024-03-10 00:00:00.000');
  });

  it('refuses impossible and out-of-range values instead of letting ClickHouse clamp them', () => {
    expect(toUtcDateTime('2024-02-30T00:00:00Z')).toBeUndefined();
    expect(toUtcDateTime('2024-13-01')).toBeUndefined();
    expect(toUtcDateTime('1899-12-31T23:59:59Z')).toBeUndefined();
    expect(toUtcDateTime('2300-01-01T00:00:00Z')).toBeUndefined();
    expect(toUtcDateTime('yesterday')).toBeUndefined();
    expect(toDate32('1950-06-01')).toBe('1950-06-01');
    expect(toDate32('2024-02-29')).toBe('2024-02-29');
    expect(toDate32('2023-02-29')).toBeUndefined();
  });
});
