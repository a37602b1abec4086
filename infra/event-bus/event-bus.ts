/**
 * The event-bus port: the only stream surface domain code sees. Two adapters implement it —
 * Kafka through kafkajs (`kafkajs-event-bus.ts`) and an embedded durable log in the data directory
 * (`embedded-event-bus.ts`) — and both pass the one contract suite in test/contracts/.
 *
 * Semantics both adapters guarantee:
 * - `publish` resolves only once every message is durably acknowledged (Kafka: acks=all; embedded:
 *   written to the log file, so it survives `kill -9` of the process).
 * - Messages with the same key land on the same partition, and a partition is consumed in order.
 * - Consumers in one group share the topic's partitions; offsets are committed only after the
 *   handler resolved for the batch (at-least-once). A crash before the commit redelivers.
 * - A handler error that is retriable (see `isRetriable` in ../errors.ts) redelivers the same batch
 *   after a backoff, holding that partition; other partitions go on. A non-retriable error stops
 *   the subscription: `done` rejects with FGC_BUS_HANDLER_FAILED carrying the cause.
 */

/** A message to publish. */
export interface BusMessage {
  /** Business key: decides the partition and so the order. `null` spreads messages round-robin. */
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Where a published message was stored. Offsets are decimal strings, as Kafka's are. */
export interface PublishReceipt {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** A message as a consumer receives it. */
export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch when the message was appended. */
  readonly timestamp: number;
}

/** A run of consecutive messages from one partition, handed to the handler at once. */
export interface MessageBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly ConsumedMessage[];
}

export type BatchHandler = (batch: MessageBatch) => Promise<void>;

export interface SubscribeOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handler: BatchHandler;
  /** Largest batch handed to the handler (default 1,000). */
  readonly maxBatchSize?: number;
  /** Backoff of redelivery after a retriable handler error (defaults 100 ms doubling to 10 s). */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Told of every failed handler attempt, for logs and metrics; must not throw. */
  readonly onHandlerError?: (error: unknown, batch: MessageBatch, attempt: number) => void;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface Subscription extends AsyncDisposable {
  /** Stops fetching new batches (backpressure); the in-flight batch still completes. */
  pause(): void;
  resume(): void;
  /** Partitions currently assigned to this member of the group. */
  assignments(): readonly TopicPartition[];
  /** Settles when the subscription ends: resolves after `close()`, rejects on a fatal handler error. */
  readonly done: Promise<void>;
  /** Stops fetching, lets the in-flight batch finish and commit, then leaves the group. */
  close(): Promise<void>;
}

export interface TopicSpec {
  readonly topic: string;
  /** Partition count when the topic is created; the adapter's default otherwise. */
  readonly partitions?: number;
}

/** Committed position and end of one partition, for lag metrics. */
export interface PartitionLag extends TopicPartition {
  /** Next offset the group will read ('0' when nothing committed). */
  readonly committed: string;
  /** Offset the next published message will get. */
  readonly end: string;
  readonly lag: number;
}

export interface EventBus {
  readonly kind: 'embedded' | 'kafka';
  /** Creates the topics that do not exist yet (where the adapter is allowed to). */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Appends the messages; resolves when all are durably acknowledged, in input order. */
  publish(topic: string, messages: readonly BusMessage[]): Promise<PublishReceipt[]>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Committed offsets against the end of every partition of the topics, for one group. */
  lag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]>;
  /** Resolves when the bus answers; rejects with FGC_BUS_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  /** Closes subscriptions (each finishing its in-flight batch) and the producer. */
  close(): Promise<void>;
}
