/**
 * One handler batch of one raw topic-partition becomes one "chunk":
 *
 *   skip what the ledger says is stored ──► decode each message ──► prepare reference data for the
 *   chunk's tenants ──► normalize each record ──► hand rows, dead letters and progress to the group
 *   sink (group-sink.ts: model rows, then dead letters, then batch_progress — the ledger row — last)
 *   ──► resolve: the bus commits the offsets only now.
 *
 * Any throw before the end leaves the chunk uncommitted: the bus redelivers it (after a backoff
 * for retriable errors, holding the partition) and the ledger is re-read. Per record, data errors
 * become dead letters and infrastructure errors throw — both decided by the PoisonPolicy, never by
 * ad-hoc catches.
 *
 * Exactly once in query results: a redelivery skips messages the ledger proves stored
 * (sink-ledger.ts); a retried chunk re-sends its inserts with the same deduplication tokens, which
 * ClickHouse drops (group-sink.ts has the token rule and its limits); model rows are keyed by
 * business key in ReplacingMergeTree tables and dead letters by dlq_id, so FINAL shows each once.
 */
import { FgcError, isFgcError } from '../../infra/errors.js';
import type { ConsumedMessage, MessageBatch } from '../../infra/event-bus/event-bus.js';
import type { Logger } from '../../infra/logger.js';
import type { AvroSerde } from '../../infra/schema-registry/avro-serde.js';
import { RAW_TOPICS, RECORD_TYPES, rawSchemaText, type RecordType } from '../../schemas/topics.js';
import { REPLAY_HEADER, tenantFromKey, type DeadLetter } from '../dead-letters/dead-letter.js';
import { collapseDimensionRows } from '../normalize/collapse-dimension-rows.js';
import type { NormalizeContext, NormalizeOutcome, NormalizedRows, Normalizers, RawRecord } from '../normalize/normalizer.js';
import type { PipelineMetrics } from './pipeline-metrics.js';
import { classifyDecodeError, classifySinkError, stageOfFailure, type FailureKind, type PoisonPolicy } from './poison-policy.js';
import type { ChunkProgress, GroupSink } from './group-sink.js';
import type { SinkLedger } from './sink-ledger.js';

/** Reference data the normalizers read; `prepare` loads what the chunk's tenants need before normalizing (may throw retriable errors). */
export interface ReferenceData extends NormalizeContext {
  prepare(tenants: readonly string[]): Promise<void>;
  /** Told of the rows just stored (items teach base units before the reference TTL runs out). */
  observe?(rows: NormalizedRows): void;
}

export interface ChunkProcessorOptions {
  readonly serde: AvroSerde;
  readonly normalizers: Normalizers;
  readonly referenceData: ReferenceData;
  readonly sink: GroupSink;
  readonly ledger: SinkLedger;
  readonly policy: PoisonPolicy;
  readonly metrics: PipelineMetrics;
  readonly logger: Logger;
  readonly now: () => number;
}


interface Decoded {
  readonly message: ConsumedMessage;
  readonly raw: RawRecord;
}

const TYPE_OF_TOPIC = new Map<string, RecordType>(RECORD_TYPES.map((t) => [RAW_TOPICS[t].topic, t]));

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export class ChunkProcessor {
  constructor(private readonly o: ChunkProcessorOptions) {}

  /** Handles one batch; resolves only when everything it produced is stored. */
  async handle(batch: MessageBatch): Promise<void> {
    try {
      await this.#handle(batch);
    } catch (error) {
      // The chunk may be partly stored (even its progress, if the insert failed only on the way
      // back): the redelivery must re-read the ledger rather than trust memory.
      this.o.ledger.forget(batch.topic, batch.partition);
      throw error;
    }
  }

  /** Throws a sink error as the policy says (used by the group sink for every failed write). */
  readonly onWriteError = (error: unknown, table: string, what: string): never => this.#throwSinkError(error, table, what);

  async #handle(batch: MessageBatch): Promise<void> {
    const { ledger, metrics } = this.o;
    const first = batch.messages[0];
    if (first === undefined) return;
    const recordType = TYPE_OF_TOPIC.get(batch.topic);
    if (recordType === undefined) throw new FgcError('FGC_BUS_INVALID_REQUEST', `the pipeline runner got a batch of ${batch.topic}, which is not a raw topic`);
    const high = await ledger.highWater(batch.topic, batch.partition, BigInt(first.offset));
    const messages = batch.messages.filter((m) => BigInt(m.offset) > high);
    if (messages.length < batch.messages.length) metrics.records.inc({ topic: batch.topic, outcome: 'skipped_stored' }, batch.messages.length - messages.length);
    if (messages.length === 0) return;

    const started = performance.now();
    const letters: DeadLetter[] = [];
    const decoded = await this.#decode(recordType, messages, letters);
    const rowsByTable = new Map<string, Readonly<Record<string, unknown>>[]>();
    const progress = new Map<string, ChunkProgress>();
    const count = (tenant: string, batchId: string, message: ConsumedMessage, outcome: 'normalized' | 'failed'): void => {
      const key = `${tenant}\u0000${batchId}`;
      let p = progress.get(key);
      if (p === undefined) {
        p = { tenant_id: tenant, batch_id: batchId, record_type: recordType, normalized: 0, failed: 0, recovered: 0 };
        progress.set(key, p);
      }
      p[outcome] += 1;
      if (message.headers[REPLAY_HEADER] !== undefined) p.recovered += 1;
    };
    for (const letter of letters) count(letter.tenantId, letter.batchId, letter.source, 'failed');

    await this.o.referenceData.prepare([...new Set(decoded.map((d) => text(d.raw.tenant_id)))]);
    const normalizer = this.o.normalizers[recordType];
    for (const { message, raw } of decoded) {
      const tenant = text(raw.tenant_id);
      const batchId = text(raw.batch_id);
      let outcome: NormalizeOutcome;
      let kind: FailureKind = 'normalize-failure';
      try {
        outcome = normalizer(raw, this.o.referenceData);
      } catch (error) {
        // Not the record's fault by the normalizers' contract (reference data not loaded, a bug):
        // retriable platform errors retry; anything else goes by the policy (default: hold and retry).
        if (isFgcError(error) && error.retriable) throw error;
        kind = 'normalizer-threw';
        const reason = error instanceof Error ? error.message : String(error);
        this.o.logger.error({ err: error, topic: message.topic, partition: message.partition, offset: message.offset }, 'a normalizer threw');
        if (this.o.policy[kind].action !== 'dead-letter') {
          throw new FgcError('FGC_PIPELINE_NORMALIZER_THREW', `the ${recordType} normalizer threw on ${message.topic}[${message.partition}]@${message.offset}: ${reason}`, { cause: error, retriable: this.o.policy[kind].action === 'retry' });
        }
        outcome = { ok: false, failure: { code: 'FGC_PIPELINE_NORMALIZER_THREW', field: null, message: `the ${recordType} normalizer threw: ${reason}` } };
      }
      if (outcome.ok) {
        for (const [table, rows] of Object.entries(outcome.rows)) {
          const list = rowsByTable.get(table);
          if (list === undefined) rowsByTable.set(table, [...rows]);
          else for (const row of rows) list.push(row);
        }
        count(tenant, batchId, message, 'normalized');
        continue;
      }
      const stage = this.#deadLetterStage(kind, outcome.failure.code);
      letters.push({
        tenantId: tenant,
        batchId,
        sourceId: text(raw.source_id),
        recordType,
        recordIndex: typeof raw.record_index === 'number' ? raw.record_index : -1,
        stage,
        errorCode: outcome.failure.code,
        field: outcome.failure.field,
        message: outcome.failure.message,
        source: message,
      });
      count(tenant, batchId, message, 'failed');
    }

    collapseDimensionRows(rowsByTable);
    const last = messages[messages.length - 1]!;
    await this.o.sink.submit({
      topic: batch.topic,
      partition: batch.partition,
      firstOffset: messages[0]!.offset,
      lastOffset: last.offset,
      records: messages.length,
      rowsByTable,
      letters,
      progress: [...progress.values()],
    });
    ledger.stored(batch.topic, batch.partition, BigInt(last.offset));
    this.o.referenceData.observe?.(Object.fromEntries(rowsByTable));

    metrics.batchRecords.observe({ topic: batch.topic, partition: String(batch.partition) }, messages.length);
    metrics.records.inc({ topic: batch.topic, outcome: 'normalized' }, messages.length - letters.length);
    if (letters.length > 0) metrics.records.inc({ topic: batch.topic, outcome: 'dead_lettered' }, letters.length);
    for (const letter of letters) metrics.deadLetters.inc({ topic: batch.topic, stage: letter.stage, code: letter.errorCode });
    metrics.batchSeconds.observe({ topic: batch.topic }, (performance.now() - started) / 1000);
  }

  /** Decodes with the record type's reader schema; undecodable messages become dead letters (policy permitting). */
  async #decode(recordType: RecordType, messages: readonly ConsumedMessage[], letters: DeadLetter[]): Promise<Decoded[]> {
    const readerSchema = rawSchemaText(recordType);
    const out: Decoded[] = [];
    for (const message of messages) {
      try {
        const { value } = await this.o.serde.decode(message.value, readerSchema);
        out.push({ message, raw: value as RawRecord });
      } catch (error) {
        const kind = classifyDecodeError(error);
        this.#throwUnlessDeadLetter(kind, error);
        letters.push({
          tenantId: tenantFromKey(message.key),
          batchId: '',
          sourceId: '',
          recordType,
          recordIndex: -1,
          stage: this.#deadLetterStage(kind, ''),
          errorCode: isFgcError(error) ? error.code : 'FGC_SERDE_DECODE_FAILED',
          field: null,
          message: error instanceof Error ? error.message : String(error),
          source: message,
        });
      }
    }
    return out;
  }

  #deadLetterStage(kind: FailureKind, code: string): DeadLetter['stage'] {
    const action = this.#throwUnlessDeadLetter(kind, undefined);
    return kind === 'normalize-failure' ? stageOfFailure(code, action.stage) : action.stage;
  }

  /** The policy's dead-letter action for `kind`; throws (retriable or not, as the policy says) for every other action. */
  #throwUnlessDeadLetter(kind: FailureKind, error: unknown): { stage: DeadLetter['stage'] } {
    const action = this.o.policy[kind];
    if (action.action === 'dead-letter') return action;
    if (error !== undefined && kind === 'infrastructure' && action.action === 'retry') throw error as Error;
    const reason = error instanceof Error ? error.message : `a ${kind} failure`;
    throw new FgcError(isFgcError(error) ? error.code : 'FGC_PIPELINE_SINK_REJECTED', `${kind}: ${reason} (policy: ${action.action})`, { cause: error, retriable: action.action === 'retry' });
  }

  #throwSinkError(error: unknown, table: string, range: string): never {
    const kind = classifySinkError(error);
    const action = this.o.policy[kind];
    if (kind === 'infrastructure' && action.action === 'retry') throw error as Error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new FgcError('FGC_PIPELINE_SINK_REJECTED', `writing ${table} for ${range} failed: ${reason}`, { cause: error, retriable: action.action === 'retry' });
  }
}
