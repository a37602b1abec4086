/**
 * Roles a process can run (`FORGECAST_ROLES`). The entry points are the only place that wires
 * domain code to the runtime; each role registers its long-running parts with the lifecycle.
 * The api role serves HTTP; the pipelines, forecasting and alerting roles gain their workers with
 * their issues and, until then, only announce that they have none.
 */
import type { FastifyInstance } from 'fastify';
import type { Role } from '../config.js';
import type { Runtime } from '../runtime.js';

export interface RoleContext {
  readonly runtime: Runtime;
  /** Lets a role add HTTP routes to the api role's server (run in the same process). */
  readonly addRoutes: (register: (app: FastifyInstance) => Promise<void>) => void;
}

type RoleStarter = (context: RoleContext) => Promise<void>;

const noWorkersYet =
  (role: Role): RoleStarter =>
  async ({ runtime }) => {
    runtime.logger.child({ component: role }).info({ role }, 'role started; it has no workers in this version');
  };

/** Background roles, started before the HTTP server listens. */
export const BACKGROUND_ROLES: Readonly<Record<Exclude<Role, 'api'>, RoleStarter>> = {
  pipelines: noWorkersYet('pipelines'),
  forecasting: noWorkersYet('forecasting'),
  alerting: noWorkersYet('alerting'),
};
