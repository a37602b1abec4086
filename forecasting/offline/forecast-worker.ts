/** Worker-thread entry: forecasts each batch it is sent and posts the results back. */
import { parentPort } from 'node:worker_threads';
import type { WorkerRequest, WorkerResponse } from './forecast-task.js';
import { runTask } from './run-task.js';

const port = parentPort;
if (port === null) throw new Error('forecast-worker must run in a worker thread');
port.on('message', (request: WorkerRequest) => {
  const response: WorkerResponse = { batch: request.batch, results: request.tasks.map(runTask) };
  port.postMessage(response);
});
