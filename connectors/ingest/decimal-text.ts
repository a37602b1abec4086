/**
 * Exact decimals as text. Quantities, prices and amounts travel as normalized decimal strings
 * (`"12.50"` → `"12.5"`, `"-0"` → `"0"`, `"1e3"` → `"1000"`) so nothing is rounded between the
 * source and ClickHouse. Numbers may arrive as JSON numbers or numeric strings; a mapping profile
 * may declare decimal commas (`1.234,5`, SAP's trailing minus `12,5-`).
 *
 * Limits, so every accepted value fits ClickHouse's Decimal(38, 18): at most 20 digits before the
 * point and 18 after it. Beyond that the value is refused with a message, never rounded.
 *
 * JSON numbers arrive already parsed into doubles: a whole number beyond ±(2^53 − 1) may have been
 * changed by the parse, so it is refused (send such values as strings); any other number is taken
 * as its shortest round-trip text, which is the literal a JSON writer produced.
 */

/** Why a value is not a decimal: a phrase that completes "… must be a number: <problem>". */
export interface DecimalProblem {
  readonly problem: string;
}

/** `point`: `1234.5`, exponents allowed. `comma`: `1.234,5` with `.` grouping thousands, trailing minus allowed. */
export type DecimalStyle = 'point' | 'comma';

/** Digits before the point: Decimal(38, 18) leaves 20. */
export const MAX_INTEGER_DIGITS = 20;
/** Digits after the point: the scale of Decimal(38, 18). */
export const MAX_FRACTION_DIGITS = 18;
/** Exponents beyond this cannot produce an accepted value (except zero); refusing early bounds the work. */
const MAX_EXPONENT = 60;
/** Longest numeric string examined: far beyond any accepted value, small enough to bound the regex. */
const MAX_INPUT_CHARS = 200;

const POINT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?$/;
/** Text that is already normalized and within limits (the common case): returned as is, without the general path. */
const NORMALIZED = /^-?(?:0|[1-9]\d{0,19})(?:\.\d{0,17}[1-9])?$/;
const COMMA = /^([+-]?)(\d{1,3}(?:\.\d{3})+|\d*)(?:,(\d*))?(-?)$/;

function problem(text: string): DecimalProblem {
  return { problem: text };
}

/** Normalizes sign, digits and exponent into the canonical text, or says why it cannot. */
function normalize(negative: boolean, intDigits: string, fracDigits: string, exponent: number): string | DecimalProblem {
  const digits = intDigits + fracDigits;
  let point = intDigits.length + exponent;
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 48) start += 1;
  if (start === digits.length) return '0';
  let end = digits.length;
  while (end > start && digits.charCodeAt(end - 1) === 48) end -= 1;
  if (Math.abs(exponent) > MAX_EXPONENT) return problem(`exponent ${exponent} is out of range`);
  point -= start;
  const significant = digits.slice(start, end);
  const integerDigits = Math.max(point, 0);
  const fractionDigits = Math.max(significant.length - point, 0);
  if (integerDigits > MAX_INTEGER_DIGITS) return problem(`too large (at most ${MAX_INTEGER_DIGITS} digits before the decimal point)`);
  if (fractionDigits > MAX_FRACTION_DIGITS) return problem(`too many decimal places (at most ${MAX_FRACTION_DIGITS}; values are never rounded)`);
  let text: string;
  if (point <= 0) text = `0.${'0'.repeat(-point)}${significant}`;
  else if (point >= significant.length) text = significant + '0'.repeat(point - significant.length);
  else text = `${significant.slice(0, point)}.${significant.slice(point)}`;
  return negative ? `-${text}` : text;
}

function parseText(raw: string, style: DecimalStyle): string | DecimalProblem {
  const text = raw.trim();
  if (text === '') return problem('empty');
  if (text.length > MAX_INPUT_CHARS) return problem(`longer than ${MAX_INPUT_CHARS} characters`);
  if (style === 'point') {
    const match = POINT.exec(text);
    if (match === null || (match[2] === '' && (match[3] ?? '') === '')) return problem(`"${preview(text)}" is not a decimal number`);
    return normalize(match[1] === '-', match[2]!, match[3] ?? '', match[4] === undefined ? 0 : Number(match[4]));
  }
  const match = COMMA.exec(text);
  if (match === null || (match[2] === '' && (match[3] ?? '') === '')) return problem(`"${preview(text)}" is not a decimal number with a decimal comma (e.g. 1.234,5)`);
  if (match[1] !== '' && match[4] === '-') return problem(`"${preview(text)}" has two signs`);
  return normalize(match[1] === '-' || match[4] === '-', match[2]!.replaceAll('.', ''), match[3] ?? '', 0);
}

/** The first characters of a bad value, so an error names it without echoing a huge string. */
export function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * A JSON number or numeric string as normalized decimal text, or the problem. Booleans, null,
 * objects and arrays are not numbers.
 */
export function parseDecimal(value: unknown, style: DecimalStyle): string | DecimalProblem {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return problem(`${String(value)} is not a finite number`);
    if (Number.isInteger(value)) {
      if (!Number.isSafeInteger(value)) return problem('a whole number beyond ±(2^53 − 1) cannot be carried exactly as a JSON number; send it as a string');
      return value === 0 ? '0' : String(value);
    }
    return parseText(String(value), 'point');
  }
  if (typeof value === 'string') return style === 'point' && value !== '-0' && NORMALIZED.test(value) ? value : parseText(value, style);
  return problem(`got ${kindOf(value)}`);
}

/** Whether a normalized decimal text is negative. */
export function isNegative(decimal: string): boolean {
  return decimal.charCodeAt(0) === 45;
}

/** Compares two normalized decimal texts exactly: negative, zero or positive like `a − b`. */
export function compareDecimals(a: string, b: string): number {
  const negA = isNegative(a);
  const negB = isNegative(b);
  if (negA !== negB) return negA ? -1 : 1;
  const magnitude = compareMagnitudes(negA ? a.slice(1) : a, negB ? b.slice(1) : b);
  return negA ? -magnitude : magnitude;
}

function compareMagnitudes(a: string, b: string): number {
  const [intA = '', fracA = ''] = a.split('.');
  const [intB = '', fracB = ''] = b.split('.');
  if (intA.length !== intB.length) return intA.length - intB.length;
  if (intA !== intB) return intA < intB ? -1 : 1;
  const width = Math.max(fracA.length, fracB.length);
  const padA = fracA.padEnd(width, '0');
  const padB = fracB.padEnd(width, '0');
  return padA === padB ? 0 : padA < padB ? -1 : 1;
}

/** What kind of JSON value something is, for messages (never its content). */
export function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'boolean') return `${String(value)} (a boolean)`;
  return `a ${typeof value}`;
}
