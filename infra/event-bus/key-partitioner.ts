/**
 * Key → partition for the embedded log, computed exactly as Kafka's Java default partitioner does
 * for keyed records: `toPositive(murmur2(utf8(key))) % partitions`. Using Kafka's function (rather
 * than any hash) keeps a key on the same partition number in embedded and Kafka mode when the
 * partition counts match, so data and ordering behave the same when a deployment moves between
 * them; kafkajs's `JavaCompatiblePartitioner` computes the same numbers.
 *
 * Records without a key go round-robin, one partition after the other per topic (the classic
 * Kafka behaviour before the sticky partitioner; spreading evenly is what matters here).
 */

const SEED = 0x9747b28c;
// Mixing constant of MurmurHash2 (Austin Appleby), as in org.apache.kafka.common.utils.Utils.
const M = 0x5bd1e995;

/** Kafka's `Utils.murmur2` over the first `length` bytes of `data`, as a signed 32-bit int. */
export function murmur2(data: Uint8Array, length: number = data.length): number {
  let h = SEED ^ length;
  const whole = length & ~3;
  let i = 0;
  for (; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= data[i + 2]! << 16;
  if (rest >= 2) h ^= data[i + 1]! << 8;
  if (rest >= 1) {
    h ^= data[i]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

// Keys are encoded into one reusable buffer instead of a `Buffer.from` per message: partitioning
// runs once per published message, so this keeps the produce path free of garbage.
let scratch = Buffer.allocUnsafe(256);

/** The partition of a keyed record among `partitions`. */
export function partitionForKey(key: string, partitions: number): number {
  // UTF-8 needs at most 3 bytes per UTF-16 code unit, so this bound never truncates the key.
  const bound = key.length * 3;
  if (bound > scratch.length) scratch = Buffer.allocUnsafe(bound);
  const length = scratch.write(key, 0, 'utf8');
  return (murmur2(scratch, length) & 0x7fffffff) % partitions;
}

/** A topic's partitioner: murmur2 for keys, round-robin for `null` keys. */
export function createKeyPartitioner(partitions: number): (key: string | null) => number {
  let next = 0;
  return (key) => {
    if (key !== null) return partitionForKey(key, partitions);
    const partition = next;
    next = (next + 1) % partitions;
    return partition;
  };
}
