import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { FgcError } from '../../infra/errors.js';
import { isKafkaRetriable, toBusError } from '../../infra/event-bus/kafkajs-errors.js';

// kafkajs' real error classes: the adapter recognises them by name, so check against the originals.
// (Named ESM imports would not see them; kafkajs spreads them into module.exports.)
const { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSNonRetriableError, KafkaJSRequestTimeoutError } = kafkajs;

const refused = (): Error => new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1', { broker: '127.0.0.1:1' });
/** What kafkajs' retrier rejects with when it gives up on an error it deems not worth retrying. */
const givenUp = (e: Error): Error => {
  const NonRetriable = KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: Error }) => Error;
  return new NonRetriable(e, { cause: e });
};
const protocol = (retriable: boolean): Error => new KafkaJSProtocolError({ message: 'broker says no', type: 'SOME_ERROR', code: 1, retriable } as unknown as Error);

describe('kafkajs error mapping', () => {
  it('decides retriability on the root cause, as kafkajs does when it restarts a consumer', () => {
    expect(isKafkaRetriable(refused())).toBe(true);
    expect(isKafkaRetriable(new KafkaJSRequestTimeoutError('Request Produce timed out', { broker: 'b', clientId: 'c', correlationId: 1, createdAt: 0, sentAt: 0, pendingDuration: 0 }))).toBe(true);
    // Retries ran out on a refused connection: the wrapper is "non-retriable", the cause is not.
    expect(isKafkaRetriable(new KafkaJSNumberOfRetriesExceeded(refused(), { retryCount: 5, retryTime: 100 }))).toBe(true);
    expect(isKafkaRetriable(new KafkaJSNumberOfRetriesExceeded(protocol(true), { retryCount: 5, retryTime: 100 }))).toBe(true);
    expect(isKafkaRetriable(new KafkaJSNumberOfRetriesExceeded(protocol(false), { retryCount: 5, retryTime: 100 }))).toBe(false);
    expect(isKafkaRetriable(new KafkaJSNonRetriableError('Invalid topic'))).toBe(false);
    // A refused connection stays retriable even when kafkajs wraps it as non-retriable.
    expect(isKafkaRetriable(givenUp(refused()))).toBe(true);
    expect(isKafkaRetriable(givenUp(protocol(false)))).toBe(false);
    // Not from kafkajs: counted retriable, as ../errors.ts counts unknown errors.
    expect(isKafkaRetriable(new Error('socket hang up'))).toBe(true);
  });

  it('wraps as the given code with the cause attached and a message naming both ends of the chain', () => {
    const cause = new KafkaJSNumberOfRetriesExceeded(refused(), { retryCount: 5, retryTime: 100 });
    const error = toBusError('FGC_BUS_PUBLISH_FAILED', 'Publishing 3 message(s) to Kafka failed', cause);
    expect(error).toBeInstanceOf(FgcError);
    expect(error).toMatchObject({ code: 'FGC_BUS_PUBLISH_FAILED', retriable: true, cause });
    expect(error.message).toBe('Publishing 3 message(s) to Kafka failed: KafkaJSNumberOfRetriesExceeded: Connection error: connect ECONNREFUSED 127.0.0.1:1');
    const refusedForGood = toBusError('FGC_BUS_UNAVAILABLE', 'Ensuring topics failed', new KafkaJSNumberOfRetriesExceeded(protocol(false), { retryCount: 1, retryTime: 1 }));
    expect(refusedForGood).toMatchObject({ code: 'FGC_BUS_UNAVAILABLE', retriable: false });
  });

  it('passes FgcErrors through untouched', () => {
    const original = new FgcError('FGC_BUS_CLOSED', 'closed');
    expect(toBusError('FGC_BUS_UNAVAILABLE', 'whatever', original)).toBe(original);
  });
});
