/**
 * The sink, shared by every partition's handler: group commit of concurrent chunks.
 *
 *   idle ──submit(chunk)──► flushing [chunks so far] ──flush done──► flushing [chunks that queued
 *   meanwhile] … ──queue empty──► idle
 *
 * A flush writes, for all its chunks at once: one insert per model table ──► one insert of dead
 * letters + their publication to forgecast.dlq ──► ONE insert of every chunk's batch_progress rows
 * (the ledger rows, sink-ledger.ts: last, atomic). Each chunk's promise settles with its flush; a
 * failed flush rejects all of its chunks (each handler throws, the bus redelivers each).
 *
 * Why: every insert into ClickHouse costs a near-constant few milliseconds (a part per table, and
 * chDB runs one statement at a time), while raw topics have 4 partitions × 8 record types, each
 * handing its own small chunk. Measured in the ingest bench: ~120 records per chunk and ~4 inserts
 * per chunk made inserts the bottleneck; grouping whatever chunks arrive while a flush runs cuts the
 * insert count by the number of busy partitions and keeps a trickle's latency at one flush.
 *
 * Deduplication tokens: a flush of ONE chunk uses `<topic>:<partition>:<first>-<last>:<table>`; a
 * flush of several uses a hash of its sorted chunk ranges. ClickHouse drops an insert whose token
 * it has seen, whatever rows it carries — so a retry must send the same rows under the same token.
 *
 * Held groups: a failed flush may have landed part of its writes (one table's insert failed while
 * the others went in, or an insert went in and only its answer was lost). Its chunks come back one
 * by one, each after its partition's own backoff and usually among other chunks; regrouped, they
 * would go out under a new token and what had landed would be stored a second time (FINAL hid it,
 * count() did not). So a flush that failed on infrastructure is held, keyed by its members' ranges:
 *
 *   flush fails ──► held [failed] ──a member comes back──► replay: the SAME writes under the SAME
 *       token, in a flush of their own ──ok──► held [stored] ──each member that comes back later
 *       resolves at once (its rows and progress are in)
 *                                        ──fails──► held [failed] (the next member back replays)
 *   held ──HELD_GROUP_TTL_MS without a member back──► forgotten (a late member flushes as new)
 *
 * Exceptions, each named: a member whose partition comes back cut at other offsets (a rebalance
 * fetched more) leaves its failed group, as its new chunk writes those records itself; a chunk that
 * overlaps a member of a group being replayed or already stored is refused with the retriable
 * FGC_PIPELINE_SINK_OVERLAP, so its handler re-reads the ledger, which then skips what the group
 * stored. A flush ClickHouse REFUSED (sink-rejected: a missing column, a bad row) is not held —
 * replaying it would fail the same way and hold its good chunks with the bad one — so its chunks
 * regroup, and rows that landed beside the refused insert may be stored twice before merging
 * (FINAL exact; progress collapses per chunk range).
 */
import { createHash } from 'node:crypto';
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { toClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import { FgcError } from '../../infra/errors.js';
import type { EventBus } from '../../infra/event-bus/event-bus.js';
import { DLQ_TOPIC } from '../../schemas/topics.js';
import { deadLetterHeaders, deadLetterRow, type DeadLetter } from '../dead-letters/dead-letter.js';
import type { DeadLetterStore } from '../dead-letters/dead-letter-store.js';
import type { PipelineMetrics } from './pipeline-metrics.js';
import { classifySinkError } from './poison-policy.js';
import { BATCH_PROGRESS_TABLE } from './sink-ledger.js';

/** Progress of one ingest batch's records of one type within a chunk. */
export interface ChunkProgress {
  tenant_id: string;
  batch_id: string;
  record_type: string;
  normalized: number;
  failed: number;
  recovered: number;
}

/** Everything one chunk (one handler batch) writes. */
export interface ChunkWrite {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: string;
  readonly lastOffset: string;
  readonly records: number;
  readonly rowsByTable: ReadonlyMap<string, readonly Readonly<Record<string, unknown>>[]>;
  readonly letters: readonly DeadLetter[];
  readonly progress: readonly ChunkProgress[];
}

export interface GroupSinkOptions {
  readonly store: AnalyticsStore;
  readonly bus: EventBus;
  readonly deadLetters: DeadLetterStore;
  readonly metrics: PipelineMetrics;
  readonly now: () => number;
  /** Wraps a write's error into the one the handler throws (the poison policy's decision). */
  readonly onWriteError: (error: unknown, table: string, what: string) => never;
}

/**
 * Most raw records in one flush: 8 full partitions' worth at the default batch size. Bounds a
 * flush's memory (~20 MB of rows) and the latency of the chunks queued behind it.
 */
const MAX_FLUSH_RECORDS = 40_000;

/**
 * How long a held group waits for its members after its last attempt. Far above the longest
 * redelivery backoff (the bus caps it at 10 s by default), so every member still retrying comes
 * back in time; short enough that groups whose members never return (moved by a rebalance, or
 * skipped by the ledger because the failed flush's progress had landed) free their rows soon.
 */
export const HELD_GROUP_TTL_MS = 5 * 60_000;

interface Pending {
  readonly write: ChunkWrite;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** A failed flush kept for its replay: the same writes under the same token (see the header). */
interface HeldGroup {
  readonly token: string;
  /** Names the group in errors. */
  readonly label: string;
  /** The writes of the first attempt, less members that came back cut at other offsets. */
  writes: readonly ChunkWrite[];
  state: 'failed' | 'replaying' | 'stored';
  expiresAt: number;
}

type Attempt = { readonly ok: true } | { readonly ok: false; readonly error: unknown; readonly hold: boolean };

/** A member's place in its partition; the held map keeps this, not the member's rows. */
interface Span {
  readonly topic: string;
  readonly partition: number;
  readonly first: bigint;
  readonly last: bigint;
}

const rangeOf = (w: ChunkWrite): string => `${w.topic}:${w.partition}:${w.firstOffset}-${w.lastOffset}`;
const spanOf = (w: ChunkWrite): Span => ({ topic: w.topic, partition: w.partition, first: BigInt(w.firstOffset), last: BigInt(w.lastOffset) });
const overlaps = (a: Span, b: Span): boolean => a.topic === b.topic && a.partition === b.partition && a.first <= b.last && b.first <= a.last;

/** The flush's token (see the header) and how errors name it. */
function tokenOf(writes: readonly ChunkWrite[]): { token: string; label: string } {
  const ranges = writes.map(rangeOf);
  if (ranges.length === 1) return { token: ranges[0]!, label: ranges[0]! };
  const token = `g:${createHash('sha256').update([...ranges].sort().join('\n')).digest('hex').slice(0, 32)}`;
  return { token, label: `${ranges.length} chunks (${ranges.slice(0, 3).join(', ')}…)` };
}

export class GroupSink {
  #queue: Pending[] = [];
  #flushing = false;
  /** Held groups, by the range of each member that has not come back since (see the header). */
  readonly #held = new Map<string, { readonly group: HeldGroup; readonly span: Span }>();

  constructor(private readonly o: GroupSinkOptions) {}

  /** Resolves once the chunk's rows, dead letters and progress are all in ClickHouse. */
  submit(write: ChunkWrite): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const refusal = this.#admit(write);
      if (refusal !== undefined) {
        reject(refusal);
        return;
      }
      this.#queue.push({ write, resolve, reject });
      if (!this.#flushing) void this.#drain();
    });
  }

  /** Forgets expired held groups and settles how `write` relates to the held ones; an error refuses it. */
  #admit(write: ChunkWrite): FgcError | undefined {
    const now = this.o.now();
    const range = rangeOf(write);
    const span = spanOf(write);
    for (const [member, { group, span: held }] of this.#held) {
      if (group.state !== 'replaying' && group.expiresAt <= now) {
        this.#held.delete(member);
        continue;
      }
      if (member === range || !overlaps(span, held)) continue;
      if (group.state === 'failed') {
        // Cut at other offsets: the new chunk writes these records, the replay must not write them again.
        group.writes = group.writes.filter((w) => rangeOf(w) !== member);
        this.#held.delete(member);
        continue;
      }
      return new FgcError('FGC_PIPELINE_SINK_OVERLAP', `chunk ${range} overlaps ${member}, which a retried group write ${group.state === 'stored' ? 'stored' : 'is storing'}; redelivered to re-read the ledger`, {
        details: [{ chunk: range, held: member }],
      });
    }
    return undefined;
  }

  async #drain(): Promise<void> {
    this.#flushing = true;
    while (this.#queue.length > 0) {
      const held = this.#held.get(rangeOf(this.#queue[0]!.write));
      if (held === undefined) await this.#flushNew();
      else await this.#replay(held.group);
    }
    this.#flushing = false;
  }

  /** One flush of queued chunks that belong to no held group, oldest first, up to MAX_FLUSH_RECORDS. */
  async #flushNew(): Promise<void> {
    const taken: Pending[] = [];
    const rest: Pending[] = [];
    let records = 0;
    let full = false;
    for (const p of this.#queue) {
      const fresh = !this.#held.has(rangeOf(p.write));
      if (fresh && !full && (taken.length === 0 || records + p.write.records <= MAX_FLUSH_RECORDS)) {
        taken.push(p);
        records += p.write.records;
      } else {
        full ||= fresh; // later chunks do not overtake one that did not fit
        rest.push(p);
      }
    }
    this.#queue = rest;
    const writes = taken.map((p) => p.write);
    const { token, label } = tokenOf(writes);
    const attempt = await this.#attempt(writes, token, label);
    if (!attempt.ok && attempt.hold) {
      const group: HeldGroup = { token, label, writes, state: 'failed', expiresAt: this.o.now() + HELD_GROUP_TTL_MS };
      for (const write of writes) this.#held.set(rangeOf(write), { group, span: spanOf(write) });
    }
    for (const p of taken) {
      if (attempt.ok) p.resolve();
      else p.reject(attempt.error);
    }
  }

  /** Settles the queued members of a held group: at once when it is stored, by a replay otherwise. */
  async #replay(group: HeldGroup): Promise<void> {
    const members = this.#queue.filter((p) => this.#held.get(rangeOf(p.write))?.group === group);
    this.#queue = this.#queue.filter((p) => !members.includes(p));
    let attempt: Attempt = { ok: true };
    if (group.state !== 'stored') {
      group.state = 'replaying';
      attempt = await this.#attempt(group.writes, group.token, group.label);
      group.state = attempt.ok ? 'stored' : 'failed';
      group.expiresAt = this.o.now() + HELD_GROUP_TTL_MS;
      if (attempt.ok) group.writes = []; // only the members' spans are needed from now on
      if (!attempt.ok && !attempt.hold) {
        // Refused on replay: let go, its members regroup (see the header).
        for (const [member, held] of this.#held) if (held.group === group) this.#held.delete(member);
      }
    }
    for (const p of members) {
      if (attempt.ok) {
        this.#held.delete(rangeOf(p.write));
        p.resolve();
      } else p.reject(attempt.error);
    }
  }

  /** Runs one flush; a failure says whether the flush may be held (infrastructure) or not (refused). */
  async #attempt(writes: readonly ChunkWrite[], token: string, label: string): Promise<Attempt> {
    let refused = false;
    try {
      await this.#flush(writes, token, label, () => (refused = true));
      return { ok: true };
    } catch (error) {
      return { ok: false, error, hold: !refused };
    }
  }

  async #flush(writes: readonly ChunkWrite[], what: string, label: string, onRefused: () => void): Promise<void> {
    const { store, metrics } = this.o;
    const timed = async (table: string, write: () => Promise<void>): Promise<void> => {
      const end = metrics.insertSeconds.startTimer({ table });
      try {
        await write();
      } catch (error) {
        if (classifySinkError(error) !== 'infrastructure') onRefused();
        this.o.onWriteError(error, table, label);
      } finally {
        end();
      }
    };

    const byTable = new Map<string, Readonly<Record<string, unknown>>[]>();
    for (const w of writes) {
      for (const [table, rows] of w.rowsByTable) {
        const list = byTable.get(table);
        if (list === undefined) byTable.set(table, [...rows]);
        else for (const row of rows) list.push(row);
      }
    }
    // Settled, not raced: when one insert fails the others finish first, so a replay never runs
    // beside an insert of the attempt it repeats.
    const results = await Promise.allSettled([...byTable].map(([table, rows]) => timed(table, () => store.insert(table, rows, { deduplicationToken: `${what}:${table}` }))));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;

    const letters = writes.flatMap((w) => w.letters);
    if (letters.length > 0) {
      const createdAt = toClickHouseDateTime(this.o.now());
      await timed('dead_letters', () => this.o.deadLetters.insert(letters.map((l) => deadLetterRow(l, createdAt, this.o.deadLetters.nextVersion())), `${what}:dead_letters`));
      // At least once on the topic (a retried chunk publishes again); consumers dedupe on forgecast-dlq-id.
      await timed(DLQ_TOPIC, async () => void (await this.o.bus.publish(DLQ_TOPIC, letters.map((l) => ({ key: l.source.key, value: l.source.value, headers: deadLetterHeaders(l) })))));
    }

    const at = toClickHouseDateTime(this.o.now());
    const progress = writes.flatMap((w) => w.progress.map((p) => ({ ...p, source_topic: w.topic, partition: w.partition, first_offset: w.firstOffset, last_offset: w.lastOffset, at })));
    await timed(BATCH_PROGRESS_TABLE, () => store.insert(BATCH_PROGRESS_TABLE, progress, { deduplicationToken: `${what}:${BATCH_PROGRESS_TABLE}` }));
  }
}
