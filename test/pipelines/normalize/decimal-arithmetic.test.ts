import { describe, expect, it } from 'vitest';
import { canonicalDecimal, decimalSign, divideDecimalExact, multiplyDecimal } from '../../../pipelines/normalize/decimal-arithmetic.js';

describe('exact decimal arithmetic', () => {
  it('multiplies exactly where floats do not', () => {
    expect(0.1 * 3).not.toBe(0.3);
    expect(multiplyDecimal('0.1', '3')).toBe('0.3');
    expect(multiplyDecimal('1.1', '1.1')).toBe('1.21');
    expect(multiplyDecimal('-2.5', '4')).toBe('-10');
    expect(multiplyDecimal('-0.5', '0')).toBe('0');
  });

  it('keeps all 38 digits of large values', () => {
    expect(multiplyDecimal('12345678901234567890.123456789012345678', '1')).toBe('12345678901234567890.123456789012345678');
    expect(multiplyDecimal('1234567890123456789.5', '10')).toBe('12345678901234567895');
    expect(multiplyDecimal('99999999999999999999', '0.000000000000000001')).toBe('99.999999999999999999');
  });

  it('refuses results beyond Decimal(38, 18) instead of rounding', () => {
    expect(multiplyDecimal('99999999999999999999', '10')).toBeUndefined();
    expect(multiplyDecimal('0.000000000000000001', '0.1')).toBeUndefined();
    expect(multiplyDecimal('abc', '1')).toBeUndefined();
    expect(multiplyDecimal('1e3', '1')).toBeUndefined();
  });

  it('divides only when the quotient terminates', () => {
    expect(divideDecimalExact('1000', '1')).toBe('1000');
    expect(divideDecimalExact('1', '1000')).toBe('0.001');
    expect(divideDecimalExact('12', '8')).toBe('1.5');
    expect(divideDecimalExact('1', '12')).toBeUndefined();
    expect(divideDecimalExact('1', '0')).toBeUndefined();
  });

  it('canonicalizes text and tells the sign', () => {
    expect(canonicalDecimal('012.500')).toBe('12.5');
    expect(canonicalDecimal('-0.0')).toBe('0');
    expect(canonicalDecimal('+7')).toBe('7');
    expect(canonicalDecimal('1.2.3')).toBeUndefined();
    expect(decimalSign('-0.001')).toBe(-1);
    expect(decimalSign('0.000')).toBe(0);
    expect(decimalSign('5')).toBe(1);
  });
});
