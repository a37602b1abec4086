/**
 * Reading one canonical field's raw value out of a source record through a profile's
 * FieldSource: a plain field, a composite of several fields, a translated code, a sign taken from
 * another field. The value is still raw (validation parses it by the field's type); only the
 * profile's structural rules are applied here.
 */
import type { FieldSource } from './mapping-profile.js';

/**
 * A composite field with some parts missing: validation reports it as the canonical field's error.
 * A class, so no value from a JSON record (an object with a `problem` key) can pass for one.
 */
export class SourceProblem {
  constructor(readonly problem: string) {}
}

/** An own property of a JSON object; never something from the prototype chain (`constructor`…). */
export function ownValue(record: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function joinParts(record: Readonly<Record<string, unknown>>, source: FieldSource): unknown {
  const parts = source.from.map((name) => ownValue(record, name));
  const missing = source.from.filter((_, i) => isEmpty(parts[i]));
  if (missing.length === parts.length) return undefined;
  if (missing.length > 0) return new SourceProblem(`is made of ${source.from.join(' + ')}, but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`);
  const texts: string[] = [];
  for (const [i, part] of parts.entries()) {
    if (typeof part === 'string') texts.push(part.trim());
    else if (typeof part === 'number' && Number.isFinite(part)) texts.push(String(part));
    else return new SourceProblem(`is made of ${source.from.join(' + ')}, but ${source.from[i]!} is not text or a number`);
  }
  return texts.join(source.separator);
}

/** The number with its sign flipped, as the source wrote it (`"12,5"` → `"-12,5"`, `"7-"` → `"7"`). */
function negate(value: unknown): unknown {
  if (typeof value === 'number') return value === 0 ? 0 : -value;
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text.startsWith('-')) return text.slice(1);
  if (text.endsWith('-')) return text.slice(0, -1);
  return `-${text.startsWith('+') ? text.slice(1) : text}`;
}

/** The raw value of one canonical field, or a SourceProblem for a partly missing composite. */
export function readSource(record: Readonly<Record<string, unknown>>, source: FieldSource): unknown {
  if (source.from.length === 1 && source.values === undefined && source.negateWhen === undefined) return ownValue(record, source.from[0]!);
  let value = source.from.length === 1 ? ownValue(record, source.from[0]!) : joinParts(record, source);
  if (source.values !== undefined && (typeof value === 'string' || typeof value === 'number')) {
    const key = typeof value === 'string' ? value.trim() : String(value);
    value = source.values.get(key) ?? value;
  }
  if (source.negateWhen !== undefined && !isEmpty(value)) {
    const flag = ownValue(record, source.negateWhen.field);
    const flagText = typeof flag === 'string' ? flag.trim() : typeof flag === 'number' ? String(flag) : undefined;
    if (flagText !== undefined && source.negateWhen.equals.has(flagText)) value = negate(value);
  }
  return value;
}

