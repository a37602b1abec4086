/**
 * Translates kafkajs failures into the error registry. kafkajs marks every error it raises with a
 * `retriable` flag and wraps the original in `cause` when its own retries run out
 * (KafkaJSNumberOfRetriesExceeded is itself "non-retriable" while its cause, say a refused
 * connection, is not). The root cause decides, as kafkajs' own consumer-restart logic does.
 *
 * The error classes are not imported: kafkajs spreads them into `module.exports`, which Node's
 * ESM named-export detection does not see, so they are recognised by `name` instead.
 */
import { FgcError, isFgcError } from '../errors.js';

/** kafkajs errors that mean "the cluster did not answer", whatever their retriable flag says. */
const UNREACHABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSTimeout',
]);

interface ErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly retriable?: unknown;
  readonly cause?: unknown;
}

function asErrorLike(value: unknown): ErrorLike | undefined {
  return value !== null && typeof value === 'object' ? value : undefined;
}

/** The innermost cause, bounded so a cyclic `cause` chain cannot loop. */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 10; depth++) {
    const next = asErrorLike(current)?.cause;
    if (next === undefined || next === null) break;
    current = next;
  }
  return current;
}

function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 10 && current !== undefined && current !== null; depth++) {
    const like = asErrorLike(current);
    if (like === undefined) break;
    out.push(like);
    current = like.cause;
  }
  return out;
}

/** Whether the failure is the cluster being unreachable (as opposed to refusing the request). */
export function isUnreachable(error: unknown): boolean {
  return chain(error).some((e) => typeof e.name === 'string' && UNREACHABLE.has(e.name));
}

/**
 * Whether retrying can help. kafkajs errors carry the answer on their root cause; anything else
 * counts as retriable, like `isRetriable` in ../errors.ts: an infrastructure hiccup must never be
 * mistaken for a permanent refusal.
 */
export function isKafkaRetriable(error: unknown): boolean {
  if (isUnreachable(error)) return true;
  const root = asErrorLike(rootCause(error));
  return typeof root?.retriable === 'boolean' ? root.retriable : true;
}

function describe(error: unknown): string {
  const like = asErrorLike(error);
  const name = typeof like?.name === 'string' ? like.name : 'Error';
  const message = typeof like?.message === 'string' ? like.message : String(error);
  const root = asErrorLike(rootCause(error));
  const rootText = root !== like && typeof root?.message === 'string' && root.message !== message ? ` (caused by: ${root.message})` : '';
  return `${name}: ${message}${rootText}`;
}

/**
 * Wraps a kafkajs failure as `code`, keeping it as the cause. FgcErrors pass through untouched so
 * a code chosen deeper down is not overwritten.
 */
export function toBusError(code: 'FGC_BUS_PUBLISH_FAILED' | 'FGC_BUS_UNAVAILABLE', what: string, error: unknown): FgcError {
  if (isFgcError(error)) return error;
  return new FgcError(code, `${what}: ${describe(error)}`, { cause: error, retriable: isKafkaRetriable(error) });
}
