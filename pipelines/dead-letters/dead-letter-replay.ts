/**
 * Re-driving dead letters: the raw bytes of each selected OPEN dead letter are published again to
 * their source topic under the same key, with header `forgecast-replay-of: <dlq_id>`, and the dead
 * letter gets a new version with status `replayed`. The runner then treats the message as any
 * other (a second failure becomes a NEW dead letter, with its own dlq_id and `replay_of`).
 *
 * Idempotency: a replayed dead letter is no longer open, so a second replay with the same filter
 * skips it; the records themselves are keyed by business key in the model's ReplacingMergeTree
 * tables, so even a re-publish (a crash between publish and mark) stores them once in query
 * results. Order: publish first, then mark — a crash in between re-publishes on the next replay
 * rather than losing the record.
 */
import type { EventBus } from '../../infra/event-bus/event-bus.js';
import { FgcError } from '../../infra/errors.js';
import type { Logger } from '../../infra/logger.js';
import { REPLAY_HEADER } from './dead-letter.js';
import type { DeadLetterFilter, DeadLetterStore, StoredDeadLetter } from './dead-letter-store.js';

/** Most dead letters one replay call re-drives: bounded memory and request time; `more` says when to call again. */
export const MAX_REPLAY = 10_000;

export interface ReplayResult {
  /** dlq_ids re-published by this call. */
  readonly replayed: readonly string[];
  /** Of the dlq_ids asked for by id, those that were not open (already replayed or resolved) or unknown. */
  readonly skipped: readonly string[];
  /** True when more open dead letters match the filter than one call re-drives. */
  readonly more: boolean;
}

export class DeadLetterReplayer {
  constructor(
    private readonly bus: EventBus,
    private readonly letters: DeadLetterStore,
    private readonly logger: Logger,
  ) {}

  async replay(tenant: string, filter: Omit<DeadLetterFilter, 'status'>): Promise<ReplayResult> {
    const hasCriterion = Object.values(filter).some((value) => value !== undefined);
    if (!hasCriterion) {
      throw new FgcError('FGC_PIPELINE_REPLAY_INVALID', 'give at least one of batch_id, stage, error_code, record_type, dlq_ids: replaying every dead letter at once is refused', {
        details: [{ field: 'body', message: 'empty filter' }],
      });
    }
    const open = await this.letters.select(tenant, { ...filter, status: 'open' }, MAX_REPLAY + 1);
    const batch = open.slice(0, MAX_REPLAY);
    const byTopic = new Map<string, StoredDeadLetter[]>();
    for (const row of batch) {
      const list = byTopic.get(row.source_topic) ?? [];
      list.push(row);
      byTopic.set(row.source_topic, list);
    }
    for (const [topic, rows] of byTopic) {
      await this.bus.publish(
        topic,
        rows.map((row) => ({ key: row.key, value: Buffer.from(row.payload, 'base64'), headers: { [REPLAY_HEADER]: row.dlq_id } })),
      );
    }
    if (batch.length > 0) await this.letters.markReplayed(batch);
    const replayed = batch.map((row) => row.dlq_id);
    const done = new Set(replayed);
    const skipped = (filter.dlqIds ?? []).filter((id) => !done.has(id));
    this.logger.info({ tenant, replayed: replayed.length, skipped: skipped.length, more: open.length > MAX_REPLAY }, 'dead letters replayed');
    return { replayed, skipped, more: open.length > MAX_REPLAY };
  }
}
