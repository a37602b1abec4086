/**
 * Whether text is well-formed Unicode. JSON lets a string carry a lone UTF-16 surrogate
 * (`"\ud800"`); UTF-8 cannot encode one, so Avro, Kafka and ClickHouse would silently replace it
 * with U+FFFD. Such text is refused instead, so what is stored is exactly what was sent.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** ES2024's String.prototype.isWellFormed, native since Node 20 (the project's TypeScript lib is ES2023). */
const nativeIsWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

export function isWellFormedText(text: string): boolean {
  // Runs on every text field of every record: the native check is a plain scan, the regex the fallback.
  return nativeIsWellFormed === undefined ? !LONE_SURROGATE.test(text) : nativeIsWellFormed.call(text);
}
