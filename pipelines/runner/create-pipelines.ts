/**
 * What the pipelines role wires (infra/cli does the wiring; this only builds): the runner over the
 * real normalizers and reference data, the dead-letter store and replayer, and the route plugin
 * registration for the api role's server. `routes` works without the runner too (an api-only
 * process lists and replays dead letters; GET /api/v1/pipelines then answers 503).
 */
import type { FastifyInstance } from 'fastify';
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import type { EventBus } from '../../infra/event-bus/event-bus.js';
import type { Logger } from '../../infra/logger.js';
import { DeadLetterReplayer } from '../dead-letters/dead-letter-replay.js';
import { DeadLetterStore } from '../dead-letters/dead-letter-store.js';
import { pipelineRoutes } from '../http/pipeline-routes.js';
import { NORMALIZERS } from '../normalize/normalizers.js';
import { ReferenceData } from '../reference/reference-data.js';
import { createPipelineRunner, type PipelineRunner, type PipelineRunnerOptions } from './pipeline-runner.js';

export interface PipelinesOptions extends Omit<PipelineRunnerOptions, 'normalizers' | 'referenceData'> {
  readonly normalizers?: PipelineRunnerOptions['normalizers'];
  readonly referenceData?: PipelineRunnerOptions['referenceData'];
}

export interface Pipelines {
  readonly runner: PipelineRunner;
  readonly deadLetters: DeadLetterStore;
  readonly replayer: DeadLetterReplayer;
}

/** Builds the runner (not started: call `runner.start()` and register it with the lifecycle). */
export function createPipelines(options: PipelinesOptions): Pipelines {
  const runner = createPipelineRunner({
    ...options,
    normalizers: options.normalizers ?? NORMALIZERS,
    referenceData: options.referenceData ?? new ReferenceData(options.store),
  });
  const deadLetters = new DeadLetterStore(options.store);
  return { runner, deadLetters, replayer: new DeadLetterReplayer(options.bus, deadLetters, options.logger.child({ component: 'dead-letters' })) };
}

/** Registers the pipeline routes on `app`; pass the runner when this process runs one. */
export async function registerPipelineRoutes(
  app: FastifyInstance,
  deps: { readonly bus: EventBus; readonly store: AnalyticsStore; readonly logger: Logger; readonly runner?: PipelineRunner },
): Promise<void> {
  const deadLetters = new DeadLetterStore(deps.store);
  const replayer = new DeadLetterReplayer(deps.bus, deadLetters, deps.logger.child({ component: 'dead-letters' }));
  await app.register(pipelineRoutes, { deadLetters, replayer, runner: deps.runner });
}
