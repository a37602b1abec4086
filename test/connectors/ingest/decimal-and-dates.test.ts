/**
 * Exact decimals and ISO dates: what is accepted, how it is normalized, and that everything else
 * is refused with a reason — never rounded, never guessed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareDecimals, parseDecimal } from '../../../connectors/ingest/decimal-text.js';
import { parseDate, parseTimestamp } from '../../../connectors/ingest/iso-date.js';

const ok = (value: string | { problem: string }): string => {
  if (typeof value !== 'string') throw new Error(`expected a value, got problem: ${value.problem}`);
  return value;
};
const problemOf = (value: string | { problem: string }): string => {
  if (typeof value === 'string') throw new Error(`expected a problem, got ${value}`);
  return value.problem;
};

describe('parseDecimal', () => {
  it('normalizes numeric strings exactly', () => {
    const cases: [string, string][] = [
      ['100', '100'],
      ['12.50', '12.5'],
      [' 007 ', '7'],
      ['-0', '0'],
      ['+3.25', '3.25'],
      ['.5', '0.5'],
      ['5.', '5'],
      ['1e3', '1000'],
      ['1.5E-3', '0.0015'],
      ['-0.000', '0'],
      ['12345678901234567890.123456789012345678', '12345678901234567890.123456789012345678'],
      ['0.1', '0.1'],
      ['-99999999999999999999', '-99999999999999999999'],
    ];
    for (const [input, expected] of cases) expect(ok(parseDecimal(input, 'point')), input).toBe(expected);
  });

  it('takes JSON numbers as their exact shortest text and refuses unsafe whole numbers', () => {
    expect(ok(parseDecimal(100, 'point'))).toBe('100');
    expect(ok(parseDecimal(12.5, 'point'))).toBe('12.5');
    expect(ok(parseDecimal(-0, 'point'))).toBe('0');
    expect(ok(parseDecimal(1e-7, 'point'))).toBe('0.0000001');
    expect(ok(parseDecimal(0.1 + 0.2, 'point'))).toBe('0.30000000000000004');
    expect(ok(parseDecimal(Number.MAX_SAFE_INTEGER, 'point'))).toBe('9007199254740991');
    expect(problemOf(parseDecimal(1e21, 'point'))).toMatch(/2\^53.*send it as a string/);
    expect(problemOf(parseDecimal(2 ** 53, 'point'))).toMatch(/string/);
  });

  it('refuses what is not a number, and values beyond Decimal(38, 18), with a reason', () => {
    for (const bad of ['abc', '', '   ', 'NaN', 'Infinity', '-Infinity', '0x1A', '1_000', '1,5', '1.2.3', '--1', '+-1', '1e', 'e5', '.', '-', '12abc', '１２']) {
      expect(problemOf(parseDecimal(bad, 'point')), JSON.stringify(bad)).toBeTruthy();
    }
    for (const bad of [null, true, {}, [], Number.NaN, Number.POSITIVE_INFINITY]) expect(problemOf(parseDecimal(bad, 'point'))).toBeTruthy();
    expect(problemOf(parseDecimal('1e21', 'point'))).toMatch(/too large/);
    expect(problemOf(parseDecimal('123456789012345678901', 'point'))).toMatch(/too large/);
    expect(problemOf(parseDecimal('0.1234567890123456789', 'point'))).toMatch(/decimal places/);
    expect(problemOf(parseDecimal('1e999999', 'point'))).toMatch(/out of range/);
    expect(ok(parseDecimal('0e999999', 'point'))).toBe('0');
    expect(problemOf(parseDecimal('1'.repeat(300), 'point'))).toMatch(/longer than/);
  });

  it('reads decimal commas with thousands dots and SAP trailing minus in comma style', () => {
    const cases: [string, string][] = [
      ['1.234,5', '1234.5'],
      ['1234,5', '1234.5'],
      ['1.234.567,125', '1234567.125'],
      ['12,50-', '-12.5'],
      ['-12,5', '-12.5'],
      [',5', '0.5'],
      ['1.000', '1000'],
      ['0', '0'],
    ];
    for (const [input, expected] of cases) expect(ok(parseDecimal(input, 'comma')), input).toBe(expected);
    for (const bad of ['1.23,4', '1,2,3', '-1,5-', '1234.5', '1e3', 'abc']) expect(problemOf(parseDecimal(bad, 'comma')), bad).toBeTruthy();
    expect(ok(parseDecimal(12.5, 'comma'))).toBe('12.5');
  });

  it('round-trips every safe integer and every 2-decimal amount exactly (property)', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => ok(parseDecimal(String(n), 'point')) === String(n) && ok(parseDecimal(n, 'point')) === String(n)),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n) + 1n, max: 10n ** 20n - 1n }), fc.integer({ min: 0, max: 99 }), (whole, cents) => {
        const text = `${whole}.${String(cents).padStart(2, '0')}`;
        const expected = cents === 0 ? String(whole) : `${whole}.${String(cents).padStart(2, '0').replace(/0$/, '')}`;
        return ok(parseDecimal(text, 'point')) === (expected === '-0' ? '0' : expected.replace(/^-0$/, '0'));
      }),
    );
  });

  it('compares normalized decimals exactly', () => {
    expect(compareDecimals('10', '9.99')).toBeGreaterThan(0);
    expect(compareDecimals('9.5', '9.50001')).toBeLessThan(0);
    expect(compareDecimals('-1', '0')).toBeLessThan(0);
    expect(compareDecimals('-2', '-10')).toBeGreaterThan(0);
    expect(compareDecimals('12345678901234567890.000000000000000001', '12345678901234567890')).toBeGreaterThan(0);
    expect(compareDecimals('3.1', '3.1')).toBe(0);
    fc.assert(fc.property(fc.integer(), fc.integer(), (a, b) => Math.sign(compareDecimals(String(a), String(b))) === Math.sign(a - b)));
  });
});

describe('parseDate / parseTimestamp', () => {
  it('accepts real calendar dates and normalizes', () => {
    expect(ok(parseDate('2024-02-29', 'iso'))).toBe('2024-02-29');
    expect(ok(parseDate(' 2024-01-05 ', 'iso'))).toBe('2024-01-05');
    expect(ok(parseDate('2024-01-05T23:30:00+02:00', 'iso'))).toBe('2024-01-05');
    expect(ok(parseTimestamp('2024-01-05', 'iso'))).toBe('2024-01-05T00:00:00.000Z');
    expect(ok(parseTimestamp('2024-01-05T23:30:00+02:00', 'iso'))).toBe('2024-01-05T21:30:00.000Z');
    expect(ok(parseTimestamp('2024-01-05T01:30:00-0230', 'iso'))).toBe('2024-01-05T04:00:00.000Z');
    expect(ok(parseTimestamp('2024-12-31 23:59:59.123456', 'iso'))).toBe('2024-12-31T23:59:59.123Z');
    expect(ok(parseTimestamp('2024-03-01T00:00Z', 'iso'))).toBe('2024-03-01T00:00:00.000Z');
    expect(ok(parseTimestamp('0001-01-01', 'iso'))).toBe('0001-01-01T00:00:00.000Z');
    expect(ok(parseTimestamp('0050-06-15T12:00:00Z', 'iso'))).toBe('0050-06-15T12:00:00.000Z');
  });

  it('refuses impossible dates and other formats with a reason', () => {
    for (const bad of ['2024-13-45', '2024-02-30', '2023-02-29', '2024-00-10', '2024-04-31', '2024-01-05T24:00:00Z', '2024-01-05T12:60:00Z', '2024-01-05T12:00:61Z', '2024-01-05T12:00:00+19:00', '05.01.2024', '2024/01/05', '20240105', '2024-1-5', 'yesterday', '', '0000-01-01']) {
      expect(problemOf(parseDate(bad, 'iso')), bad).toBeTruthy();
      expect(problemOf(parseTimestamp(bad, 'iso')), bad).toBeTruthy();
    }
    expect(problemOf(parseDate('2024-13-45', 'iso'))).toMatch(/month 13/);
    expect(problemOf(parseDate('2024-02-30', 'iso'))).toMatch(/day 30.*29 days/);
    expect(problemOf(parseDate(20240105, 'iso'))).toMatch(/number/);
    expect(problemOf(parseTimestamp('9999-12-31T23:00:00-02:00', 'iso'))).toMatch(/out of range/);
  });

  it('reads YYYYMMDD (string or number) when the profile says so', () => {
    expect(ok(parseDate('20240105', 'yyyymmdd'))).toBe('2024-01-05');
    expect(ok(parseDate(20240105, 'yyyymmdd'))).toBe('2024-01-05');
    expect(ok(parseTimestamp('20240229', 'yyyymmdd'))).toBe('2024-02-29T00:00:00.000Z');
    expect(ok(parseDate('2024-01-05', 'yyyymmdd'))).toBe('2024-01-05');
    expect(problemOf(parseDate('20241345', 'yyyymmdd'))).toMatch(/month 13/);
    expect(problemOf(parseDate('2024015', 'yyyymmdd'))).toMatch(/YYYYMMDD/);
  });

  it('round-trips every valid UTC timestamp (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (date) => ok(parseTimestamp(date.toISOString(), 'iso')) === date.toISOString()),
    );
  });
});
