/**
 * The Ingestor every connector hands its batches to. One batch, step by step:
 *
 *   envelope check (400) → record-count limit (413) → batch_id
 *   → lease on the batch id (concurrent identical requests wait; 409 "in progress" if it stays held)
 *   → look up an earlier outcome in ClickHouse, and meanwhile hash the content, validate every
 *     record (partial acceptance) and Avro-encode the valid ones
 *   → earlier outcome? same hash: the original result, replayed, nothing published; other hash:
 *     409 conflict (unless nothing was accepted then: a fully rejected batch may be resent fixed)
 *   → publish per topic, awaited until the bus acknowledged → record the batch → result.
 *
 * Why this order is safe after a crash: the batch is recorded only after its records are
 * acknowledged, so a recorded batch was published; a crash in between leaves no record and the
 * retry publishes again under the same batch_id and record indexes, which pipelines deduplicate.
 * The lease only saves duplicate work; correctness never depends on it (it may lapse).
 */
import { randomUUID } from 'node:crypto';
import type { Coordination, Lease } from '../../infra/coordination/coordination.js';
import { FgcError } from '../../infra/errors.js';
import type { BusMessage, EventBus } from '../../infra/event-bus/event-bus.js';
import type { Logger } from '../../infra/logger.js';
import type { AvroSerde, PreparedSchema } from '../../infra/schema-registry/avro-serde.js';
import { RAW_TOPICS, RAW_TOPIC_NAMES, RECORD_TYPES, rawSchemaText, type RecordType } from '../../schemas/topics.js';
import type { MappingProfiles } from '../mapping/profile-loader.js';
import { batchIdFor, contentHash } from './batch-identity.js';
import { validateEnvelope, type Envelope } from './envelope.js';
import { MAX_STORED_ERRORS, resultStatus, type IngestBatches } from './ingest-batches.js';
import type { IngestRequest, IngestResult, Ingestor, RecordError } from './ingestor.js';
import { validateRecord, type CanonicalRecord } from './validate-record.js';

/** Records per batch unless configured: SPEC's "record-count limit"; a 10,000-record batch is a few MB of JSON. */
export const DEFAULT_MAX_RECORDS = 10_000;
/** How long a request waits for a concurrent identical one before answering 409 "in progress": a normal batch finishes well within it. */
const DEFAULT_LOCK_WAIT_MS = 2_000;
/** Lease life: far above a batch's normal time, so it only lapses when its holder died. */
const DEFAULT_LOCK_TTL_MS = 60_000;
/** Poll interval while waiting for the lease. */
const LOCK_POLL_MS = 25;

export interface BatchIngestorOptions {
  readonly bus: EventBus;
  readonly serde: AvroSerde;
  readonly batches: IngestBatches;
  readonly coordination: Coordination;
  readonly profiles: MappingProfiles;
  readonly logger: Logger;
  /** Largest number of records in one batch (413 beyond); default 10,000. */
  readonly maxRecords?: number;
  readonly lockWaitMs?: number;
  readonly lockTtlMs?: number;
  readonly now?: () => number;
}

interface EncodedBatch {
  readonly messages: ReadonlyMap<RecordType, BusMessage[]>;
  readonly errors: RecordError[];
  readonly errorsTotal: number;
  readonly received: Record<string, number>;
  readonly accepted: Record<string, number>;
  readonly rejected: Record<string, number>;
  readonly acceptedTotal: number;
  readonly rejectedTotal: number;
}

/**
 * Builds the ingestor: creates the raw topics where the bus may, and registers every raw schema
 * once (start-up fails loudly when the registry refuses one: an incompatible schema must not
 * reach production silently).
 */
export async function createBatchIngestor(options: BatchIngestorOptions): Promise<BatchIngestor> {
  await options.bus.ensureTopics(RAW_TOPIC_NAMES.map((topic) => ({ topic })));
  const prepared = new Map<RecordType, PreparedSchema>();
  for (const type of RECORD_TYPES) prepared.set(type, await options.serde.prepare(RAW_TOPICS[type].subject, rawSchemaText(type)));
  return new BatchIngestor(options, prepared);
}

export class BatchIngestor implements Ingestor {
  readonly maxRecords: number;
  readonly #options: BatchIngestorOptions;
  readonly #prepared: ReadonlyMap<RecordType, PreparedSchema>;
  readonly #log: Logger;
  /** Lease holders are per request: a holder re-acquiring its own lease succeeds, which must not let two requests in. */
  readonly #holderPrefix = `ingestor-${randomUUID()}`;
  #requests = 0;
  readonly #now: () => number;

  constructor(options: BatchIngestorOptions, prepared: ReadonlyMap<RecordType, PreparedSchema>) {
    this.#options = options;
    this.#prepared = prepared;
    this.#log = options.logger.child({ component: 'ingestor' });
    this.#now = options.now ?? Date.now;
    this.maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
  }

  async ingest(request: IngestRequest): Promise<IngestResult> {
    const envelope = validateEnvelope(request, this.#options.profiles);
    if (envelope.total > this.maxRecords) {
      throw new FgcError('FGC_INGEST_TOO_MANY_RECORDS', `the batch holds ${envelope.total} records; at most ${this.maxRecords} are accepted per batch — split it`, {
        details: [{ field: 'data', message: `${envelope.total} records, limit ${this.maxRecords}` }],
      });
    }
    const batchId = batchIdFor(envelope.tenant, envelope.sourceId, envelope.batchReference);
    const lease = await this.#acquire(envelope, batchId);
    try {
      // The lookup runs in ClickHouse while this thread hashes, validates and encodes: the two
      // overlap instead of adding up. On a replay or conflict the encoding is wasted, which is rare.
      const lookup = this.#options.batches.findOutcome(envelope.tenant, batchId);
      lookup.catch(() => undefined); // awaited below; this only keeps a failure during encoding from going unhandled
      const hash = contentHash(envelope.sourceType, envelope.profile.name, request.data);
      const receivedAt = this.#now();
      const encoded = this.#encode(envelope, batchId, receivedAt);
      const previous = await lookup;
      if (previous !== null && (previous.contentHash === hash || previous.result.accepted > 0)) {
        if (previous.contentHash !== hash) {
          throw new FgcError('FGC_INGEST_CONFLICT', `batch_reference "${envelope.batchReference}" of source "${envelope.sourceId}" was already ingested with different content (batch ${batchId}); send changed data under a new batch_reference`, {
            details: [{ field: 'batch_reference', batch_id: batchId, message: 'already used with different content' }],
          });
        }
        this.#log.info({ tenant: envelope.tenant, batch_id: batchId, source_id: envelope.sourceId }, 'batch replayed: same content as before, nothing published');
        return previous.result;
      }
      return await this.#publishAndRecord(envelope, batchId, hash, receivedAt, encoded);
    } finally {
      await this.#options.coordination.releaseLease(lease).catch((error: unknown) => this.#log.warn({ err: error, batch_id: batchId }, 'could not release the batch lease; it lapses by itself'));
    }
  }

  /** Publishes the accepted records (awaiting the bus's acknowledgement), then records the batch. */
  async #publishAndRecord(envelope: Envelope, batchId: string, hash: string, receivedAt: number, encoded: EncodedBatch): Promise<IngestResult> {
    const started = performance.now();
    const publishing: Promise<unknown>[] = [];
    for (const [type, messages] of encoded.messages) if (messages.length > 0) publishing.push(this.#options.bus.publish(RAW_TOPICS[type].topic, messages));
    await Promise.all(publishing);
    const status = encoded.acceptedTotal > 0 ? 'pending' : 'failed';
    const note =
      encoded.acceptedTotal > 0
        ? `accepted ${encoded.acceptedTotal} of ${envelope.total} records${encoded.rejectedTotal > 0 ? `, rejected ${encoded.rejectedTotal}` : ''}`
        : `all ${envelope.total} records rejected`;
    await this.#options.batches.record({
      tenant: envelope.tenant,
      batchId,
      sourceType: envelope.sourceType,
      sourceId: envelope.sourceId,
      batchReference: envelope.batchReference,
      mapping: envelope.profile.name,
      contentHash: hash,
      status,
      statusNote: note,
      received: envelope.total,
      accepted: encoded.acceptedTotal,
      rejected: encoded.rejectedTotal,
      receivedByType: encoded.received,
      acceptedByType: encoded.accepted,
      rejectedByType: encoded.rejected,
      errors: encoded.errors,
      errorsTotal: encoded.errorsTotal,
      receivedAt,
    });
    this.#log.info(
      { tenant: envelope.tenant, batch_id: batchId, source_id: envelope.sourceId, received: envelope.total, accepted: encoded.acceptedTotal, rejected: encoded.rejectedTotal, ms: Math.round(performance.now() - started) },
      'batch ingested',
    );
    const result: IngestResult = {
      batch_id: batchId,
      batch_reference: envelope.batchReference,
      status: resultStatus(encoded.acceptedTotal, encoded.rejectedTotal),
      received: envelope.total,
      accepted: encoded.acceptedTotal,
      rejected: encoded.rejectedTotal,
      errors: encoded.errors,
      replayed: false,
    };
    return encoded.errorsTotal > encoded.errors.length ? { ...result, errors_total: encoded.errorsTotal } : result;
  }

  /** Validates every record and encodes the valid ones into bus messages, per record type. */
  #encode(envelope: Envelope, batchId: string, receivedAt: number): EncodedBatch {
    const messages = new Map<RecordType, BusMessage[]>();
    const errors: RecordError[] = [];
    let errorsTotal = 0;
    const received: Record<string, number> = {};
    const accepted: Record<string, number> = {};
    const rejected: Record<string, number> = {};
    let acceptedTotal = 0;
    const keyPrefix = `${envelope.tenant}|${envelope.sourceId}|`;
    const report = (recordErrors: readonly RecordError[]): void => {
      errorsTotal += recordErrors.length;
      for (const error of recordErrors) if (errors.length < MAX_STORED_ERRORS) errors.push(error);
    };

    for (const [type, list] of envelope.records) {
      const { schemaId, type: avroType } = this.#prepared.get(type)!;
      const keyFields = RAW_TOPICS[type].keyFields;
      const out: BusMessage[] = [];
      for (let index = 0; index < list.length; index += 1) {
        const outcome = validateRecord(type, list[index], envelope.profile, index);
        if (outcome.errors !== undefined) {
          report(outcome.errors);
          continue;
        }
        const value = withEnvelope(outcome.ok, envelope, batchId, index, receivedAt);
        let bytes: Buffer;
        try {
          bytes = this.#options.serde.encodeWith(schemaId, avroType, value);
        } catch (error) {
          // Validation should make this unreachable; if it ever is, the record is rejected, not the batch.
          this.#log.error({ err: error, batch_id: batchId, record_type: type, index }, 'a validated record did not encode');
          report([{ record_type: type, index, field: null, message: 'record could not be encoded for its topic (an internal error, reported to the operators)' }]);
          continue;
        }
        out.push({ key: keyPrefix + businessKey(outcome.ok, keyFields), value: bytes });
      }
      messages.set(type, out);
      received[type] = list.length;
      accepted[type] = out.length;
      rejected[type] = list.length - out.length;
      acceptedTotal += out.length;
    }
    return { messages, errors, errorsTotal, received, accepted, rejected, acceptedTotal, rejectedTotal: envelope.total - acceptedTotal };
  }

  /** Takes the batch's lease, waiting up to lockWaitMs for a concurrent request with the same batch. */
  async #acquire(envelope: Envelope, batchId: string): Promise<Lease> {
    const name = `ingest-batch:${batchId}`;
    const ttl = this.#options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
    const deadline = Date.now() + (this.#options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);
    this.#requests += 1;
    const holder = `${this.#holderPrefix}-${this.#requests}`;
    for (;;) {
      const lease = await this.#options.coordination.acquireLease(name, holder, ttl);
      if (lease !== null) return lease;
      if (Date.now() >= deadline) {
        throw new FgcError('FGC_INGEST_IN_PROGRESS', `batch_reference "${envelope.batchReference}" of source "${envelope.sourceId}" is being ingested by another request right now; retry in a moment`, {
          details: [{ field: 'batch_reference', batch_id: batchId, message: 'in progress' }],
        });
      }
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  }
}

/** The canonical record with the envelope fields of its topic's schema. */
function withEnvelope(record: CanonicalRecord, envelope: Envelope, batchId: string, index: number, receivedAt: number): CanonicalRecord {
  record.tenant_id = envelope.tenant;
  record.source_type = envelope.sourceType;
  record.source_id = envelope.sourceId;
  record.batch_id = batchId;
  record.record_index = index;
  record.received_at = receivedAt;
  return record;
}

/** The business key fields' values joined by `|` (an absent optional part is empty). */
function businessKey(record: CanonicalRecord, keyFields: readonly string[]): string {
  if (keyFields.length === 1) return keyPart(record[keyFields[0]!]);
  return keyFields.map((f) => keyPart(record[f])).join('|');
}

/** Key fields are text, integers or timestamps; null (an absent optional line) is empty. */
function keyPart(value: CanonicalRecord[string] | undefined): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}
