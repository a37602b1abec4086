/**
 * Exact decimal arithmetic on the decimal text raw records carry (`"1234.5"`, `"-0.1"`). Unit
 * conversion multiplies quantities by factors, and a JS number would turn 0.1 × 3 into
 * 0.30000000000000004; here a value is an unscaled BigInt and a scale, so every result is exact —
 * or refused when it does not fit the model's Decimal(38, 18), never rounded.
 */

/** Digits after the point in Decimal(38, 18). */
export const MAX_SCALE = 18;
/** Digits before the point in Decimal(38, 18) (38 − 18). */
export const MAX_INTEGER_DIGITS = 20;

const DECIMAL_TEXT = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** value = unscaled / 10^scale. */
interface Decimal {
  readonly unscaled: bigint;
  readonly scale: number;
}

/** Reads decimal text; undefined when it is not plain decimal notation. */
function parse(text: string): Decimal | undefined {
  const match = DECIMAL_TEXT.exec(text.trim());
  if (match === null) return undefined;
  const fraction = match[3] ?? '';
  const magnitude = BigInt(`${match[2] ?? '0'}${fraction}`);
  return { unscaled: match[1] === '-' ? -magnitude : magnitude, scale: fraction.length };
}

/** Canonical text (no trailing fraction zeros, no `-0`), or undefined beyond Decimal(38, 18). */
function format(value: Decimal): string | undefined {
  let { unscaled, scale } = value;
  while (scale > 0 && unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale -= 1;
  }
  if (scale > MAX_SCALE) return undefined;
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const integer = digits.slice(0, digits.length - scale);
  if (integer.length > MAX_INTEGER_DIGITS) return undefined;
  const text = scale === 0 ? integer : `${integer}.${digits.slice(digits.length - scale)}`;
  return negative && unscaled !== 0n ? `-${text}` : text;
}

/** Whether `text` is decimal text this module reads. */
export function isDecimalText(text: string): boolean {
  return parse(text) !== undefined;
}

/** The canonical form of decimal text (`"012.50"` → `"12.5"`), or undefined when unreadable or out of range. */
export function canonicalDecimal(text: string): string | undefined {
  const value = parse(text);
  return value === undefined ? undefined : format(value);
}

/** a × b exactly; undefined when either is unreadable or the product does not fit Decimal(38, 18). */
export function multiplyDecimal(a: string, b: string): string | undefined {
  const x = parse(a);
  const y = parse(b);
  if (x === undefined || y === undefined) return undefined;
  return format({ unscaled: x.unscaled * y.unscaled, scale: x.scale + y.scale });
}

/**
 * a ÷ b when the quotient terminates within 18 decimal places (1000 ÷ 8 = 125, 1 ÷ 1000 = 0.001);
 * undefined for 1 ÷ 3, division by zero, unreadable text or a result beyond Decimal(38, 18).
 */
export function divideDecimalExact(a: string, b: string): string | undefined {
  const x = parse(a);
  const y = parse(b);
  if (x === undefined || y === undefined || y.unscaled === 0n) return undefined;
  // x/y = (x.u · 10^(y.s + 18)) / (y.u · 10^x.s) · 10^-18
  const numerator = x.unscaled * 10n ** BigInt(y.scale + MAX_SCALE);
  const denominator = y.unscaled * 10n ** BigInt(x.scale);
  if (numerator % denominator !== 0n) return undefined;
  return format({ unscaled: numerator / denominator, scale: MAX_SCALE });
}

/** Sign of decimal text: -1, 0 or 1; undefined when unreadable. */
export function decimalSign(text: string): -1 | 0 | 1 | undefined {
  const value = parse(text);
  if (value === undefined) return undefined;
  return value.unscaled === 0n ? 0 : value.unscaled < 0n ? -1 : 1;
}
