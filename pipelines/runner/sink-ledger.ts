/**
 * The sink's ledger: per topic-partition, the highest raw offset whose chunk is completely stored.
 * It lives in `batch_progress` (migration 005): a chunk's progress rows are its LAST write, in one
 * insert, and carry the chunk's offsets — so a row proves that the chunk's model rows and dead
 * letters are in ClickHouse.
 *
 * Why the runner needs it on top of insert deduplication tokens: the bus redelivers from its
 * committed offset after a crash, and (a) that offset may trail what was stored by more than one
 * batch (the embedded group persists commits coalesced; Kafka commits asynchronously), (b) the
 * redelivered batch may be cut at other offsets (more messages arrived meanwhile), so tokens
 * derived from offset ranges would differ and summed progress would count twice. Skipping every
 * message at or below the high-water mark makes a redelivery exact whatever its boundaries; the
 * tokens still make a retried chunk with the same boundaries (the common case: a retriable error)
 * a no-op.
 *
 * The mark is read from ClickHouse when a partition's batch does not follow on from what this
 * process stored last (start, rebalance, redelivery), and kept in memory otherwise.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';

export const BATCH_PROGRESS_TABLE = 'batch_progress';

interface MarkRow {
  readonly rows: string | number;
  readonly high: string | number;
}

export class SinkLedger {
  /** Next offset this process expects per `topic:partition`, and the stored high-water mark (-1 = none). */
  readonly #known = new Map<string, { next: bigint; high: bigint }>();

  constructor(private readonly store: AnalyticsStore) {}

  /**
   * The highest stored offset of the partition (-1n when nothing is stored), given the first
   * offset of the batch at hand: answered from memory when the batch follows on from the last
   * chunk this process stored, from ClickHouse otherwise.
   */
  async highWater(topic: string, partition: number, firstOffset: bigint): Promise<bigint> {
    const key = `${topic}:${partition}`;
    const known = this.#known.get(key);
    if (known !== undefined && known.next === firstOffset) return known.high;
    const rows = await this.store.query<MarkRow>(
      `SELECT count() AS rows, max(last_offset) AS high FROM ${BATCH_PROGRESS_TABLE} WHERE source_topic = {topic:String} AND partition = {partition:UInt32}`,
      { topic, partition },
    );
    const row = rows[0];
    const high = row === undefined || Number(row.rows) === 0 ? -1n : BigInt(row.high);
    this.#known.set(key, { next: high + 1n > firstOffset ? high + 1n : firstOffset, high });
    return high;
  }

  /** Records that the chunk ending at `lastOffset` is stored; the next batch is expected right after it. */
  stored(topic: string, partition: number, lastOffset: bigint): void {
    this.#known.set(`${topic}:${partition}`, { next: lastOffset + 1n, high: lastOffset });
  }

  /** Forgets a partition (its batch failed: the next delivery re-reads the mark). */
  forget(topic: string, partition: number): void {
    this.#known.delete(`${topic}:${partition}`);
  }
}
