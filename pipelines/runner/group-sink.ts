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
 * Deduplication tokens: a flush of ONE chunk uses `<topic>:<partition>:<first>-<last>:<table>`, so a
 * retried lone chunk (the usual retry) is dropped by ClickHouse; a flush of several uses a hash of
 * its sorted chunk ranges. A retry that regroups chunks differently re-sends rows under another
 * token: model rows are keyed by business key (ReplacingMergeTree, FINAL), dead letters by dlq_id,
 * and progress — the only summed table — is guarded by the ledger, which the handler re-reads after
 * any failure.
 */
import { createHash } from 'node:crypto';
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { toClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import type { EventBus } from '../../infra/event-bus/event-bus.js';
import { DLQ_TOPIC } from '../../schemas/topics.js';
import { deadLetterHeaders, deadLetterRow, type DeadLetter } from '../dead-letters/dead-letter.js';
import type { DeadLetterStore } from '../dead-letters/dead-letter-store.js';
import type { PipelineMetrics } from './pipeline-metrics.js';
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

interface Pending {
  readonly write: ChunkWrite;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class GroupSink {
  #queue: Pending[] = [];
  #flushing = false;

  constructor(private readonly o: GroupSinkOptions) {}

  /** Resolves once the chunk's rows, dead letters and progress are all in ClickHouse. */
  submit(write: ChunkWrite): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ write, resolve, reject });
      if (!this.#flushing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#flushing = true;
    while (this.#queue.length > 0) {
      let records = 0;
      let take = 0;
      while (take < this.#queue.length && (take === 0 || records + this.#queue[take]!.write.records <= MAX_FLUSH_RECORDS)) {
        records += this.#queue[take]!.write.records;
        take += 1;
      }
      const group = this.#queue.splice(0, take);
      try {
        await this.#flush(group.map((p) => p.write));
        for (const p of group) p.resolve();
      } catch (error) {
        for (const p of group) p.reject(error);
      }
    }
    this.#flushing = false;
  }

  async #flush(writes: readonly ChunkWrite[]): Promise<void> {
    const { store, metrics } = this.o;
    const ranges = writes.map((w) => `${w.topic}:${w.partition}:${w.firstOffset}-${w.lastOffset}`);
    const what = ranges.length === 1 ? ranges[0]! : `g:${createHash('sha256').update([...ranges].sort().join('\n')).digest('hex').slice(0, 32)}`;
    const timed = async (table: string, write: () => Promise<void>): Promise<void> => {
      const end = metrics.insertSeconds.startTimer({ table });
      try {
        await write();
      } catch (error) {
        this.o.onWriteError(error, table, ranges.length === 1 ? what : `${ranges.length} chunks (${ranges.slice(0, 3).join(', ')}…)`);
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
    await Promise.all([...byTable].map(([table, rows]) => timed(table, () => store.insert(table, rows, { deduplicationToken: `${what}:${table}` }))));

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
