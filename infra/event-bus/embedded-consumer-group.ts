/**
 * A consumer group of the embedded bus: its members in this process, who owns which partition,
 * and its committed offsets.
 *
 * Assignment. On every join and leave the group rebalances with Kafka's round-robin strategy:
 * all subscribed topic-partitions in sorted order are dealt to the members in join order, each
 * going to the next member subscribed to its topic.
 *
 * Hand-over. A partition has at most one consumer at a time. `claim()` chains owners: a new owner's
 * `ready` settles only when the previous owner has released the partition — after finishing its
 * in-flight batch and committing it — so a rebalance never delivers a batch twice in parallel nor
 * skips one.
 *
 * Offsets. `commit()` updates the in-memory position at once (a new owner in this process reads
 * it from there) and persists a snapshot of the group to `<dir>/groups/<group>.json` by atomic
 * replace. Writes are coalesced: while one is in flight, later commits only mark the group dirty
 * and the next write carries them all. The file can therefore trail memory by one write, never
 * lead it; after a crash the group resumes from the file and redelivers at most that difference —
 * at-least-once, never a skipped message. `flush()` (on close and hand-over) waits for the file.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TopicPartition } from './event-bus.js';
import type { Logger } from '../logger.js';
import { FgcError } from '../errors.js';
import { writeFileAtomic } from '../durable-files.js';

/** A member as the group sees it; implemented by a subscription. */
export interface GroupMember {
  readonly memberId: string;
  readonly topics: readonly string[];
  /** Receives the member's partitions after every rebalance. */
  assign(partitions: readonly TopicPartition[]): void;
}

export interface PartitionClaim {
  /** Settles when the previous owner has released the partition. */
  readonly ready: Promise<void>;
  readonly release: () => void;
}

const FILE_VERSION = 1;
// Long group ids would exceed file-name limits (255 bytes); beyond this they are shortened and hashed.
const MAX_FILE_STEM = 120;

/** A file name for a group id: readable when short, unique always. */
export function groupFileName(groupId: string): string {
  const encoded = encodeURIComponent(groupId).replace(/\./g, '%2E');
  if (encoded.length <= MAX_FILE_STEM) return `${encoded}.json`;
  const digest = createHash('sha256').update(groupId).digest('hex').slice(0, 16);
  return `${encoded.slice(0, MAX_FILE_STEM - 17)}~${digest}.json`;
}

const key = (topic: string, partition: number): string => `${partition}@${topic}`;

export class ConsumerGroup {
  readonly #offsets = new Map<string, Map<number, number>>();
  readonly #members: GroupMember[] = [];
  readonly #claims = new Map<string, Promise<void>>();
  #dirty = false;
  #writing: Promise<void> | undefined;
  #writeError: unknown;

  private constructor(
    readonly groupId: string,
    private readonly file: string,
    private readonly fsync: boolean,
    private readonly logger: Logger,
  ) {}

  /** The group with the offsets persisted under `groupsDir` (none yet: empty). */
  static async load(groupsDir: string, groupId: string, fsync: boolean, logger: Logger): Promise<ConsumerGroup> {
    if (typeof groupId !== 'string' || groupId === '') throw new FgcError('FGC_BUS_INVALID_REQUEST', 'groupId must be a non-empty string');
    await mkdir(groupsDir, { recursive: true });
    const group = new ConsumerGroup(groupId, path.join(groupsDir, groupFileName(groupId)), fsync, logger);
    let text: string | undefined;
    try {
      text = await readFile(group.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== undefined) group.#restore(text);
    return group;
  }

  #restore(text: string): void {
    let stored: { offsets?: Record<string, Record<string, string>> };
    try {
      stored = JSON.parse(text) as typeof stored;
    } catch (cause) {
      throw new FgcError('FGC_BUS_CORRUPT_LOG', `${this.file} is not valid JSON`, { cause });
    }
    for (const [topic, partitions] of Object.entries(stored.offsets ?? {})) {
      const map = new Map<number, number>();
      for (const [partition, offset] of Object.entries(partitions)) {
        const value = Number(offset);
        if (!Number.isSafeInteger(value) || value < 0) throw new FgcError('FGC_BUS_CORRUPT_LOG', `${this.file}: invalid offset for ${topic}[${partition}]`);
        map.set(Number(partition), value);
      }
      this.#offsets.set(topic, map);
    }
  }

  /** Next offset the group reads in the partition; `undefined` when it never committed there. */
  committed(topic: string, partition: number): number | undefined {
    return this.#offsets.get(topic)?.get(partition);
  }

  /** Records that everything before `nextOffset` was handled; persisted asynchronously (see module comment). */
  commit(topic: string, partition: number, nextOffset: number): void {
    let map = this.#offsets.get(topic);
    if (map === undefined) this.#offsets.set(topic, (map = new Map<number, number>()));
    map.set(partition, nextOffset);
    this.#dirty = true;
    this.#writing ??= this.#writeLoop();
  }

  async #writeLoop(): Promise<void> {
    try {
      while (this.#dirty) {
        this.#dirty = false;
        await writeFileAtomic(this.file, this.#snapshot(), this.fsync);
        this.#writeError = undefined;
      }
    } catch (error) {
      // Kept dirty: the next commit or flush writes again. Consumption goes on meanwhile; only the
      // redelivery window after a crash grows.
      this.#dirty = true;
      this.#writeError = error;
      this.logger.error({ err: error, groupId: this.groupId }, 'embedded bus: could not persist committed offsets');
    } finally {
      this.#writing = undefined;
    }
  }

  #snapshot(): string {
    const offsets: Record<string, Record<string, string>> = {};
    for (const [topic, map] of this.#offsets) {
      offsets[topic] = Object.fromEntries([...map].map(([partition, offset]) => [String(partition), String(offset)]));
    }
    return `${JSON.stringify({ version: FILE_VERSION, groupId: this.groupId, offsets })}\n`;
  }

  /** Waits until every commit so far is in the file; rejects with FGC_BUS_UNAVAILABLE when it cannot be written. */
  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
    if (!this.#dirty) return;
    this.#writing = this.#writeLoop();
    await this.#writing;
    if (this.#dirty) throw new FgcError('FGC_BUS_UNAVAILABLE', `could not persist the offsets of group ${this.groupId}`, { cause: this.#writeError });
  }

  /** Takes the partition for a new owner; see "Hand-over" in the module comment. */
  claim(topic: string, partition: number): PartitionClaim {
    const k = key(topic, partition);
    const ready = this.#claims.get(k) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    this.#claims.set(k, ready.then(() => held));
    return { ready, release };
  }

  join(member: GroupMember, partitionsOf: (topic: string) => number): void {
    this.#members.push(member);
    this.#rebalance(partitionsOf, `${member.memberId} joined`);
  }

  leave(member: GroupMember, partitionsOf: (topic: string) => number): void {
    const index = this.#members.indexOf(member);
    if (index < 0) return;
    this.#members.splice(index, 1);
    this.#rebalance(partitionsOf, `${member.memberId} left`);
  }

  get memberCount(): number {
    return this.#members.length;
  }

  #rebalance(partitionsOf: (topic: string) => number, reason: string): void {
    const topics = [...new Set(this.#members.flatMap((m) => m.topics))].sort();
    const assignment = new Map<GroupMember, TopicPartition[]>(this.#members.map((m) => [m, []]));
    let turn = 0;
    for (const topic of topics) {
      const count = partitionsOf(topic);
      for (let partition = 0; partition < count; partition++) {
        // Deal to the next member in join order that subscribes to this topic.
        for (let tries = 0; tries < this.#members.length; tries++) {
          const member = this.#members[turn++ % this.#members.length]!;
          if (member.topics.includes(topic)) {
            assignment.get(member)!.push({ topic, partition });
            break;
          }
        }
      }
    }
    this.logger.debug(
      { groupId: this.groupId, reason, assignment: [...assignment].map(([m, tps]) => ({ member: m.memberId, partitions: tps.map((tp) => `${tp.topic}[${tp.partition}]`) })) },
      'embedded bus: group rebalanced',
    );
    for (const [member, partitions] of assignment) member.assign(partitions);
  }
}
