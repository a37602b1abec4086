/**
 * The simulator as a connector: publishes the generated manufacturer through the same `Ingestor`
 * as every real source.
 *
 * - `runHistory()` generates the history (pure, cached) and sends it as batches, one at a time,
 *   in the order `planBatches` gives (items first, then chronologically). Sending it again sends
 *   the same batch references, which the ingestor answers as replays.
 * - `startLive()` continues the simulation from "today": simulated day k is emitted once the clock
 *   reaches start + k·msPerDay (day 0 at once); when sending is slower than the clock the loop
 *   catches up without waiting.
 * - `close()` stops both: no new batch starts, the one in flight completes, pending retries are
 *   abandoned, and it resolves when the loops have ended.
 * Failures: an error the registry marks retriable (or an unknown one — infrastructure until shown
 * otherwise) is retried with exponential backoff; anything else, or retries exhausted, is logged
 * with the batch reference and the stream goes on.
 */
import { FgcError, isRetriable } from '../../infra/errors.js';
import type { Logger } from '../../infra/logger.js';
import type { Ingestor } from '../ingest/ingestor.js';
import { DEFAULT_BATCH_RECORDS, planBatches, referencePrefix, type PlannedBatch } from './batching.js';
import { generateHistory, nextLiveDay, type GeneratedHistory } from './generator.js';
import type { GroundTruth } from './ground-truth.js';
import { SIM_RECORD_TYPES, type SimRecordType } from './records.js';
import { validateConfig } from './world.js';

export interface SimulatorOptions {
  readonly ingestor: Ingestor;
  readonly tenant: string;
  readonly seed: number;
  readonly items: number;
  readonly sites: number;
  readonly historyDays: number;
  /** First history day (ISO date); "today", the first live day, is startDate + historyDays. */
  readonly startDate: string;
  /** Live mode: one simulated day every `msPerDay` milliseconds. */
  readonly live?: { readonly msPerDay: number };
  readonly logger: Logger;
  /** Milliseconds now; Date.now by default. */
  readonly clock?: () => number;
  /** Records per batch (1,000 by default). */
  readonly batchRecords?: number;
  /** Retries of retriable failures: attempts in all (5), first backoff (250 ms), longest backoff (8 s). */
  readonly retry?: { readonly attempts?: number; readonly baseDelayMs?: number; readonly maxDelayMs?: number };
}

export interface SimulatorStats {
  readonly batches: number;
  readonly records: Readonly<Record<SimRecordType, number>>;
  readonly accepted: number;
  readonly rejected: number;
  readonly replayedBatches: number;
  readonly failedBatches: number;
  readonly historyFrom: string;
  readonly historyTo: string;
  readonly generationMs: number;
  readonly durationMs: number;
}

/** Long-running: register it with the lifecycle (`lifecycle.use('simulator', simulator)`). */
export interface Simulator extends AsyncDisposable {
  /** Generates (once) and sends the history; resolves with what was sent. */
  runHistory(): Promise<SimulatorStats>;
  /** Starts emitting live days from "today" (needs the `live` option); idempotent. */
  startLive(): void;
  /** Stops history and live sending; the batch in flight completes. */
  close(): Promise<void>;
  /** The planted situations and pattern labels, as of the end of history. */
  groundTruth(): GroundTruth;
}

/** Backoff defaults: five attempts span about 4 s of waiting (250, 500, 1000, 2000 ms). */
const DEFAULT_ATTEMPTS = 5;
const DEFAULT_BASE_DELAY_MS = 250;
const DEFAULT_MAX_DELAY_MS = 8_000;

interface Tally {
  batches: number;
  records: Record<SimRecordType, number>;
  accepted: number;
  rejected: number;
  replayedBatches: number;
  failedBatches: number;
}

function emptyTally(): Tally {
  const records = Object.fromEntries(SIM_RECORD_TYPES.map((type) => [type, 0])) as Record<SimRecordType, number>;
  return { batches: 0, records, accepted: 0, rejected: 0, replayedBatches: 0, failedBatches: 0 };
}

export function createSimulator(options: SimulatorOptions): Simulator {
  const logger = options.logger.child({ component: 'simulator' });
  const clock = options.clock ?? Date.now;
  const config = { seed: options.seed, items: options.items, sites: options.sites, historyDays: options.historyDays, startDate: options.startDate };
  validateConfig(config);
  const prefix = referencePrefix(config);
  const limit = options.batchRecords ?? DEFAULT_BATCH_RECORDS;
  const attempts = options.retry?.attempts ?? DEFAULT_ATTEMPTS;
  const baseDelay = options.retry?.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const maxDelay = options.retry?.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  if (options.live !== undefined && !(options.live.msPerDay > 0)) throw new FgcError('FGC_CONFIG_INVALID', 'live.msPerDay must be positive');
  if (!(limit >= 1)) throw new FgcError('FGC_CONFIG_INVALID', 'batchRecords must be at least 1');

  let history: GeneratedHistory | undefined;
  let generationMs = 0;
  let closed = false;
  const running = new Set<Promise<unknown>>();
  const wakers = new Set<() => void>();
  let liveStarted = false;

  const generated = (): GeneratedHistory => {
    if (history === undefined) {
      const started = clock();
      history = generateHistory(config);
      generationMs = clock() - started;
      logger.info({ generationMs, days: history.days.length, today: history.groundTruth.today }, 'simulated history generated');
    }
    return history;
  };

  /** Waits `ms`, or less when close() is called. */
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakers.add(wake);
    });

  const track = <T>(promise: Promise<T>): Promise<T> => {
    running.add(promise);
    void promise.finally(() => running.delete(promise)).catch(() => undefined);
    return promise;
  };

  const send = async (batch: PlannedBatch, tally: Tally): Promise<void> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await options.ingestor.ingest({
          tenant: options.tenant,
          source_type: batch.sourceType,
          source_id: batch.sourceId,
          batch_reference: batch.batchReference,
          data: { [batch.recordType]: batch.records },
        });
        tally.batches += 1;
        tally.records[batch.recordType] += batch.records.length;
        tally.accepted += result.accepted;
        tally.rejected += result.rejected;
        if (result.replayed) tally.replayedBatches += 1;
        if (result.rejected > 0) {
          logger.warn({ batchReference: batch.batchReference, rejected: result.rejected, errors: result.errors.slice(0, 5) }, 'ingestor rejected simulated records');
        }
        return;
      } catch (error) {
        const retriable = isRetriable(error);
        if (!retriable || attempt >= attempts || closed) {
          tally.failedBatches += 1;
          logger.error({ err: error, batchReference: batch.batchReference, attempt, retriable }, closed ? 'batch abandoned at shutdown' : 'batch not ingested; going on');
          return;
        }
        const delay = Math.min(maxDelay, baseDelay * 2 ** (attempt - 1));
        logger.warn({ err: error, batchReference: batch.batchReference, attempt, delayMs: delay }, 'ingest failed; retrying');
        await pause(delay);
        if (closed) {
          tally.failedBatches += 1;
          logger.error({ batchReference: batch.batchReference, attempt }, 'batch abandoned at shutdown');
          return;
        }
      }
    }
  };

  const close = async (): Promise<void> => {
    closed = true;
    for (const wake of [...wakers]) wake();
    await Promise.allSettled([...running]);
  };

  const runHistory = async (): Promise<SimulatorStats> => {
    if (closed) throw new Error('the simulator is closed');
    const started = clock();
    const generatedHistory = generated();
    const batches = planBatches(prefix, generatedHistory.world.startEpoch, generatedHistory.days, generatedHistory.items, limit);
    const tally = emptyTally();
    for (const batch of batches) {
      if (closed) break;
      await send(batch, tally);
    }
    const stats: SimulatorStats = {
      ...tally,
      historyFrom: generatedHistory.groundTruth.historyFrom,
      historyTo: generatedHistory.groundTruth.historyTo,
      generationMs,
      durationMs: clock() - started,
    };
    logger.info({ ...stats, planned: batches.length }, closed ? 'simulated history stopped at shutdown' : 'simulated history sent');
    return stats;
  };

  const live = async (msPerDay: number): Promise<void> => {
    const { simulation } = generated();
    const startedAt = clock();
    for (let emitted = 0; !closed; ) {
      const wait = startedAt + emitted * msPerDay - clock();
      if (wait > 0) {
        await pause(wait);
        continue;
      }
      const day = nextLiveDay(simulation);
      const tally = emptyTally();
      for (const batch of planBatches(prefix, simulation.world.startEpoch, [day], [], limit)) {
        if (closed) break;
        await send(batch, tally);
      }
      emitted += 1;
      logger.info({ date: day.date, batches: tally.batches, records: tally.records, failedBatches: tally.failedBatches }, 'live day emitted');
    }
  };

  return {
    runHistory: () => track(runHistory()),
    startLive(): void {
      if (options.live === undefined) throw new FgcError('FGC_CONFIG_INVALID', 'live mode needs the live option (msPerDay)');
      if (closed) throw new Error('the simulator is closed');
      if (liveStarted) return;
      liveStarted = true;
      const { msPerDay } = options.live;
      void track(live(msPerDay)).catch((error: unknown) => logger.error({ err: error }, 'live simulation stopped'));
    },
    close,
    groundTruth: () => generated().groundTruth,
    [Symbol.asyncDispose]: close,
  };
}
