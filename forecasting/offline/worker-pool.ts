/**
 * A pool of worker threads forecasting batches of series, so forecast-file and the bench use
 * every core. Batches go to whichever worker is free (series differ a lot in cost, so static
 * splitting would leave a core idle). Workers load the TypeScript sources through tsx when the
 * pool itself runs from source (`.ts`), or the compiled `.js` otherwise. `workers: 0` runs in
 * process — for tests and for tiny inputs where starting threads costs more than it saves.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
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

/** Forecasts every task; results come back in task order. */
export async function forecastAll(tasks: readonly ForecastTask[], options: PoolOptions = {}): Promise<ForecastResult[]> {
  const count = Math.min(options.workers ?? os.availableParallelism(), Math.ceil(tasks.length / BATCH_SIZE));
  if (count <= 0) return tasks.map(runTask);
  const batches: ForecastTask[][] = [];
  for (let i = 0; i < tasks.length; i += BATCH_SIZE) batches.push(tasks.slice(i, i + BATCH_SIZE));
  const results = new Array<ForecastResult[] | undefined>(batches.length);
  const workers = Array.from({ length: count }, startWorker);
  let next = 0;
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = (): void => {
              if (next >= batches.length) {
                resolve();
                return;
              }
              const batch = next;
              next += 1;
              const request: WorkerRequest = { batch, tasks: batches[batch] ?? [] };
              worker.postMessage(request);
            };
            worker.on('message', (response: WorkerResponse) => {
              results[response.batch] = [...response.results];
              send();
            });
            worker.once('error', reject);
            worker.once('exit', (code) => {
              if (next < batches.length || code !== 0) reject(new Error(`forecast worker exited with code ${code}`));
            });
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results.flatMap((r) => r ?? []);
}
