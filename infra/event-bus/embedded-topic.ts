/**
 * A topic of the embedded log: the directory `<dir>/topics/<topic>/` holding `topic.json`
 * (`{"version":1,"partitions":N}`) and one sub-directory per partition (`0/`, `1/`, …).
 *
 * The partition count is fixed when the topic is created and read back from `topic.json` ever
 * after — as in Kafka, changing FORGECAST_BUS_PARTITIONS later must not move existing keys to other
 * partitions (that would break per-key order). `topic.json` is written last and atomically, so a
 * creation interrupted by a crash leaves no meta file and is simply redone.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { FgcError } from '../errors.js';
import { PartitionLog } from './embedded-log-partition.js';
import { createKeyPartitioner } from './key-partitioner.js';
import { writeFileAtomic } from '../durable-files.js';

const META_FILE = 'topic.json';
const META_VERSION = 1;
/** Kafka's rule for topic names (legal characters, at most 249), which also keeps them safe as directory names. */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export interface EmbeddedTopic {
  readonly name: string;
  readonly partitions: readonly PartitionLog[];
  /** The partition of a message with this key (murmur2, or round-robin for `null`). */
  readonly partitionFor: (key: string | null) => number;
}

export interface OpenTopicOptions {
  /** `<dir>/topics` of the bus. */
  readonly root: string;
  /** Partition count when the topic must be created; `undefined` = do not create. */
  readonly createWith: number | undefined;
  readonly fsync: boolean;
  readonly segmentBytes: number;
  readonly logger: Logger;
}

export function assertTopicName(name: string): void {
  if (typeof name !== 'string' || !TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new FgcError('FGC_BUS_INVALID_REQUEST', `invalid topic name ${JSON.stringify(name)}: use 1-249 of [A-Za-z0-9._-], not "." or ".."`);
  }
}

async function readPartitionCount(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (cause) {
    throw new FgcError('FGC_BUS_CORRUPT_LOG', `${file} is not valid JSON`, { cause });
  }
  const partitions = (meta as { partitions?: unknown } | null)?.partitions;
  if (typeof partitions !== 'number' || !Number.isInteger(partitions) || partitions < 1) {
    throw new FgcError('FGC_BUS_CORRUPT_LOG', `${file} holds no valid partition count`);
  }
  return partitions;
}

/** Opens a topic, creating it with `createWith` partitions when absent; `undefined` when absent and not to be created. */
export async function openTopic(name: string, options: OpenTopicOptions): Promise<EmbeddedTopic | undefined> {
  assertTopicName(name);
  const dir = path.join(options.root, name);
  const metaFile = path.join(dir, META_FILE);
  let count = await readPartitionCount(metaFile);
  if (count === undefined) {
    if (options.createWith === undefined) return undefined;
    count = options.createWith;
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(metaFile, `${JSON.stringify({ version: META_VERSION, partitions: count })}\n`, true);
    options.logger.debug({ topic: name, partitions: count }, 'embedded log: topic created');
  } else if (options.createWith !== undefined && options.createWith !== count) {
    options.logger.debug({ topic: name, partitions: count, requested: options.createWith }, 'embedded log: topic exists, keeps its partition count');
  }
  const partitions: PartitionLog[] = [];
  try {
    for (let partition = 0; partition < count; partition++) {
      partitions.push(await PartitionLog.open({
        dir: path.join(dir, String(partition)),
        topic: name,
        partition,
        fsync: options.fsync,
        segmentBytes: options.segmentBytes,
        logger: options.logger,
      }));
    }
  } catch (error) {
    await Promise.allSettled(partitions.map((p) => p.close()));
    throw error;
  }
  return { name, partitions, partitionFor: createKeyPartitioner(count) };
}
