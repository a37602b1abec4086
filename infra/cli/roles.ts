/**
 * Roles a process can run (`FORGECAST_ROLES`). The entry points are the only place that wires
 * domain code to the runtime; each role registers its long-running parts with the lifecycle, so
 * shutdown stops them (finishing and committing their in-flight batch) before the adapters close.
 * The forecasting and alerting roles gain their workers with their issues and, until then, only
 * announce that they have none.
 */
import type { Registry } from 'prom-client';
import type { Role } from '../config.js';
import type { Runtime } from '../runtime.js';
import { createPipelines } from '../../pipelines/runner/create-pipelines.js';
import type { PipelineRunner } from '../../pipelines/runner/pipeline-runner.js';

export interface RoleContext {
  readonly runtime: Runtime;
  /** The registry /metrics serves; roles add their metrics to it. */
  readonly metrics: Registry;
}

/** What the background roles started, for the api role to expose. */
export interface StartedRoles {
  readonly pipelineRunner: PipelineRunner | undefined;
}

async function startPipelines({ runtime, metrics }: RoleContext): Promise<PipelineRunner> {
  const { runner } = createPipelines({ bus: runtime.bus, serde: runtime.serde, store: runtime.store, logger: runtime.logger, metrics });
  runtime.lifecycle.use('pipelines', runner);
  await runner.start();
  return runner;
}

function noWorkersYet(role: Role, runtime: Runtime): void {
  runtime.logger.child({ component: role }).info({ role }, 'role started; it has no workers in this version');
}

/** Starts the background roles this process runs (everything but the api role). */
export async function startBackgroundRoles(context: RoleContext): Promise<StartedRoles> {
  const { roles } = context.runtime.config;
  const pipelineRunner = roles.includes('pipelines') ? await startPipelines(context) : undefined;
  for (const role of ['forecasting', 'alerting'] as const) if (roles.includes(role)) noWorkersYet(role, context.runtime);
  return { pipelineRunner };
}
