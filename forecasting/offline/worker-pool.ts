/**
 * A pool of worker threads forecasting batches of series, so forecast-file, the bench and the
 * forecast service's fits use every core. Two ways in:
 * - `ForecastWorkerPool`: long-lived (the forecasting role keeps one for its lifetime). Batches
 *   queue and go to whichever worker is free (series differ a lot in cost, so static splitting
 *   would leave a core idle); workers start on first use, not at construction, so a process that
 *   never forecasts starts none. A worker that dies (crash, out of memory) fails the batch it
 *   held with FGC_FORECAST_WORKER_FAILED and is replaced on the next dispatch. Idle workers are
 *   unref'd, so an idle pool never keeps the process alive; `close()` fails queued and in-flight
 *   batches with FGC_FORECAST_EXECUTOR_CLOSED and terminates every worker.
 * - `forecastAll`: one-shot, a pool sized to the input, closed when every batch is back.
 * Workers load the TypeScript sources through tsx when the pool itself runs from source (`.ts`),
 * or the compiled `.js` otherwise. `workers: 0` runs in process — for tests and for tiny inputs
 * where starting threads costs more than it saves.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { FgcError } from '../../infra/errors.js';
import type { ForecastResult, ForecastTask, WorkerRequest, WorkerResponse } from './forecast-task.js';
import { runTask } from './run-task.js';

/** Series per message: large enough to amortise messaging, small enough to balance the load. */
const BATCH_SIZE = 32;

export interface PoolOptions {
  /** Worker threads; default all cores (os.availableParallelism()). 0 = in process. */
  readonly workers?: number;
}

/**
 * Starts one worker. From source, a tiny bootstrap registers tsx's loader inside the worker
 * before importing the TypeScript entry: on Node 20 `execArgv: ['--import', 'tsx']` does not
 * register loader hooks in worker threads (checked: "Unknown file extension .ts").
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./forecast-worker.js', import.meta.url));
  const entry = new URL('./forecast-worker.ts', import.meta.url).href;
  const bootstrap = `const api = await import('tsx/esm/api'); api.register(); await import(${JSON.stringify(entry)});`;
  return new Worker(bootstrap, { eval: true });
}

interface Pending {
  readonly batch: number;
  readonly tasks: readonly ForecastTask[];
  readonly resolve: (results: ForecastResult[]) => void;
  readonly reject: (error: Error) => void;
}

function closedError(): FgcError {
  return new FgcError('FGC_FORECAST_EXECUTOR_CLOSED', 'the forecast worker pool is closed');
}

export interface WorkerPoolOptions {
  /** Starts one worker speaking the WorkerRequest / WorkerResponse protocol; the forecast worker by default (tests pass failing ones). */
  readonly startWorker?: () => Worker;
}

/** A long-lived pool of `size` forecast worker threads (started on demand). */
export class ForecastWorkerPool {
  readonly size: number;
  readonly #startWorker: () => Worker;
  readonly #workers = new Set<Worker>();
  readonly #idle: Worker[] = [];
  readonly #inFlight = new Map<Worker, Pending>();
  readonly #queue: Pending[] = [];
  #nextBatch = 0;
  #closed = false;

  constructor(size: number, options: WorkerPoolOptions = {}) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a worker pool needs at least one worker, got ${size}`);
    this.size = size;
    this.#startWorker = options.startWorker ?? startWorker;
  }

  /** Workers currently alive (started and not exited): for tests and diagnostics. */
  get alive(): number {
    return this.#workers.size;
  }

  /** Forecasts one batch on the next free worker; results in task order. */
  run(tasks: readonly ForecastTask[]): Promise<ForecastResult[]> {
    if (this.#closed) return Promise.reject(closedError());
    if (tasks.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#queue.push({ batch: this.#nextBatch++, tasks, resolve, reject });
      this.#dispatch();
    });
  }

  /** Fails what is queued or in flight, and terminates every worker. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#queue.splice(0)) pending.reject(closedError());
    await Promise.all([...this.#workers].map((w) => w.terminate()));
  }

  #dispatch(): void {
    while (!this.#closed && this.#queue.length > 0) {
      const worker = this.#idle.pop() ?? (this.#workers.size < this.size ? this.#start() : undefined);
      if (worker === undefined) return;
      const pending = this.#queue.shift()!;
      const request: WorkerRequest = { batch: pending.batch, tasks: pending.tasks };
      try {
        // Throws at once when the tasks cannot be cloned (a function or symbol smuggled into y).
        worker.postMessage(request);
      } catch (error) {
        worker.unref();
        this.#idle.push(worker);
        pending.reject(new FgcError('FGC_FORECAST_INVALID_INPUT', `forecast tasks cannot be sent to a worker: ${(error as Error).message}`, { cause: error }));
        continue;
      }
      this.#inFlight.set(worker, pending);
      worker.ref();
    }
  }

  #start(): Worker {
    const worker = this.#startWorker();
    this.#workers.add(worker);
    worker.on('message', (response: WorkerResponse) => {
      const pending = this.#inFlight.get(worker);
      this.#inFlight.delete(worker);
      worker.unref();
      this.#idle.push(worker);
      if (pending !== undefined && pending.batch === response.batch) pending.resolve([...response.results]);
      else pending?.reject(new FgcError('FGC_FORECAST_WORKER_FAILED', `forecast worker answered batch ${response.batch} instead of ${pending.batch}`));
      this.#dispatch();
    });
    worker.on('error', (error) => this.#lost(worker, error));
    worker.on('exit', (code) => this.#lost(worker, new Error(`exited with code ${code}`)));
    return worker;
  }

  /** A worker errored or exited: fail its batch, forget it; the next dispatch starts a replacement. */
  #lost(worker: Worker, cause: Error): void {
    if (!this.#workers.delete(worker)) return;
    const idle = this.#idle.indexOf(worker);
    if (idle >= 0) this.#idle.splice(idle, 1);
    const pending = this.#inFlight.get(worker);
    this.#inFlight.delete(worker);
    pending?.reject(this.#closed ? closedError() : new FgcError('FGC_FORECAST_WORKER_FAILED', `forecast worker failed: ${cause.message}`, { cause }));
    this.#dispatch();
  }
}

/** Forecasts every task; results come back in task order. */
export async function forecastAll(tasks: readonly ForecastTask[], options: PoolOptions = {}): Promise<ForecastResult[]> {
  const count = Math.min(options.workers ?? os.availableParallelism(), Math.ceil(tasks.length / BATCH_SIZE));
  if (count <= 0) return tasks.map(runTask);
  const pool = new ForecastWorkerPool(count);
  try {
    const batches: ForecastTask[][] = [];
    for (let i = 0; i < tasks.length; i += BATCH_SIZE) batches.push(tasks.slice(i, i + BATCH_SIZE));
    return (await Promise.all(batches.map((batch) => pool.run(batch)))).flat();
  } finally {
    await pool.close();
  }
}
