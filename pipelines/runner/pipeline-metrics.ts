/**
 * Prometheus metrics of the pipeline runner, registered on the registry the entry point passes in
 * (the one /metrics serves). Per topic-partition: consumer lag (polled from the bus), batch sizes,
 * records by outcome, dead letters by stage and code, failed handler attempts; per table: insert
 * latency. A second runner on the same registry (tests) reuses the metrics instead of failing.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface PipelineMetrics {
  readonly lag: Gauge<'topic' | 'partition'>;
  readonly batchRecords: Histogram<'topic' | 'partition'>;
  readonly records: Counter<'topic' | 'outcome'>;
  readonly deadLetters: Counter<'topic' | 'stage' | 'code'>;
  readonly handlerErrors: Counter<'topic' | 'partition' | 'code'>;
  readonly insertSeconds: Histogram<'table'>;
  readonly batchSeconds: Histogram<'topic'>;
}

function reuse<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function createPipelineMetrics(registry: Registry): PipelineMetrics {
  const registers = [registry];
  return {
    lag: reuse(registry, 'forgecast_pipeline_consumer_lag', () => new Gauge({ name: 'forgecast_pipeline_consumer_lag', help: 'Messages not yet committed by the pipelines group, per topic-partition', labelNames: ['topic', 'partition'] as const, registers })),
    batchRecords: reuse(registry, 'forgecast_pipeline_batch_records', () =>
      new Histogram({
        name: 'forgecast_pipeline_batch_records',
        help: 'Messages per handled batch, per topic-partition',
        labelNames: ['topic', 'partition'] as const,
        // From a trickle (1) to full batches at the default maxBatchSize (5,000) and beyond.
        buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
        registers,
      }),
    ),
    records: reuse(registry, 'forgecast_pipeline_records_total', () => new Counter({ name: 'forgecast_pipeline_records_total', help: 'Raw records handled, by outcome (normalized, dead_lettered, skipped_stored)', labelNames: ['topic', 'outcome'] as const, registers })),
    deadLetters: reuse(registry, 'forgecast_pipeline_dead_letters_total', () => new Counter({ name: 'forgecast_pipeline_dead_letters_total', help: 'Records dead-lettered, by stage and error code', labelNames: ['topic', 'stage', 'code'] as const, registers })),
    handlerErrors: reuse(registry, 'forgecast_pipeline_handler_errors_total', () => new Counter({ name: 'forgecast_pipeline_handler_errors_total', help: 'Failed batch attempts (redelivered after backoff), per topic-partition and code', labelNames: ['topic', 'partition', 'code'] as const, registers })),
    insertSeconds: reuse(registry, 'forgecast_pipeline_insert_seconds', () =>
      new Histogram({
        name: 'forgecast_pipeline_insert_seconds',
        help: 'ClickHouse insert latency of pipeline chunks, per table',
        labelNames: ['table'] as const,
        // A small insert into chDB takes ~1 ms; a 5,000-row insert into a server tens of ms; outages seconds.
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
        registers,
      }),
    ),
    batchSeconds: reuse(registry, 'forgecast_pipeline_batch_seconds', () =>
      new Histogram({
        name: 'forgecast_pipeline_batch_seconds',
        help: 'Time to handle one batch end to end (decode, normalize, every insert), per topic',
        labelNames: ['topic'] as const,
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      }),
    ),
  };
}
