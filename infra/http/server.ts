/**
 * The HTTP shell: one fastify instance with everything every route shares — request ids, the
 * error body, API-key authentication with tenant and scopes, rate limiting, body limits, metrics,
 * OpenAPI at /docs, health and readiness. Domains add their routes as encapsulated plugins via
 * `routes`. `buildServer` never listens, so tests drive it with `app.inject()`.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Registry } from 'prom-client';
import './fastify-types.js';
import { FgcError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Coordination } from '../coordination/coordination.js';
import { hasScope, type ApiKeys } from '../auth/api-keys.js';
import { errorBody, handleError } from './error-handler.js';
import { createHttpMetrics } from './metrics.js';
import { rateLimitStoreClass } from './rate-limit-store.js';
import { healthRoutes, type HealthInfo, type ReadinessCheck } from './health-routes.js';
import { keyRoutes } from './key-routes.js';

export interface ServerOptions {
  readonly logger: Logger;
  readonly bodyLimitBytes: number;
  readonly rateLimitPerMinute: number;
  readonly health: HealthInfo;
  readonly readiness: readonly ReadinessCheck[];
  readonly apiKeys: ApiKeys;
  readonly coordination: Coordination;
  readonly metrics: Registry;
  /** Registers the domain route plugins. */
  readonly routes?: (app: FastifyInstance) => Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The key from `Authorization: Bearer <key>` or `X-API-Key`. */
function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match !== null) return match[1];
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.trim() !== '' ? apiKey.trim() : undefined;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  // Typed as fastify's logger interface so the instance is the plain FastifyInstance domains expect.
  const loggerInstance: FastifyBaseLogger = options.logger.child({ component: 'http' });
  const app = Fastify({
    loggerInstance,
    bodyLimit: options.bodyLimitBytes,
    // One line per request (onResponse below) instead of fastify's two.
    disableRequestLogging: true,
    requestIdLogLabel: 'request_id',
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { allErrors: true } },
  });

  app.decorateRequest('principal', undefined);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody(new FgcError('FGC_HTTP_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`), request.id)),
  );

  // No route under /api/ may be open by accident: each says who may call it.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/') && route.config?.scope === undefined && route.config?.public !== true) {
      throw new Error(`route ${route.method.toString()} ${route.url} declares neither config.scope nor config.public`);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    const scope = request.routeOptions.config.scope;
    if (scope === undefined) return;
    const key = presentedKey(request.headers);
    if (key === undefined) throw new FgcError('FGC_AUTH_MISSING_KEY', 'send the key as "Authorization: Bearer <key>" or "X-API-Key: <key>"');
    const principal = await options.apiKeys.authenticate(key);
    if (principal === null) throw new FgcError('FGC_AUTH_INVALID_KEY');
    if (!hasScope(principal, scope)) throw new FgcError('FGC_AUTH_FORBIDDEN', `this route needs the "${scope}" scope`);
    request.principal = principal;
  });

  const httpMetrics = createHttpMetrics(options.metrics);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    httpMetrics.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    request.log.info({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime), tenant: request.principal?.tenant }, 'request');
  });

  await app.register(rateLimit, {
    global: true,
    max: options.rateLimitPerMinute,
    timeWindow: 60_000,
    store: rateLimitStoreClass(options.coordination),
    keyGenerator: (request) => (request.principal === undefined ? `ip:${request.ip}` : `key:${request.principal.keyId}`),
    allowList: (request) => request.routeOptions.config.public === true,
    errorResponseBuilder: (_request, context) => new FgcError('FGC_HTTP_RATE_LIMITED', `rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Forgecast API', version: options.health.version, description: 'Streaming data platform for manufacturers: ingest, unified model, forecasts, alerts.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes, { health: options.health, readiness: options.readiness, metrics: options.metrics });
  await app.register(keyRoutes, { apiKeys: options.apiKeys });
  if (options.routes !== undefined) await options.routes(app);
  return app;
}
