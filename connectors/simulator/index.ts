/**
 * The simulator's public surface: the runner entry points wire (`createSimulator`), the pure
 * generator tests and benchmarks use, and the ground truth the alerting work checks itself against.
 */
export { createSimulator, type Simulator, type SimulatorOptions, type SimulatorStats } from './runner.js';
export { generateHistory, nextLiveDay, type DayRecords, type GeneratedHistory } from './generator.js';
export { planBatches, referencePrefix, SOURCES, DEFAULT_BATCH_RECORDS, type PlannedBatch } from './batching.js';
export type { GroundTruth, ItemSiteTruth, StockoutTruth, QualityDriftTruth, LateSupplierTruth } from './ground-truth.js';
export type { SimulationConfig } from './world.js';
export { MIN_HISTORY_DAYS, historyStartFor } from './world.js';
export { MIN_ITEMS } from './catalog.js';
export type { RecordsByType, SimRecordType } from './records.js';
