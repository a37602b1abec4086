/**
 * Liveness, readiness and metrics — the routes that need no key. `/health` answers as long as
 * the process serves HTTP; `/ready` asks every configured dependency and answers 200 only when
 * all of them do, naming each; `/metrics` is Prometheus text.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

export interface HealthInfo {
  readonly version: string;
  readonly mode: 'embedded' | 'services';
  readonly roles: readonly string[];
  /** Per system (stream, schemas, storage, …): embedded or services. */
  readonly systems: Readonly<Record<string, 'embedded' | 'services'>>;
}

export interface ReadinessCheck {
  readonly name: string;
  readonly check: () => Promise<void>;
}

/** A readiness probe must answer quickly: a dependency slower than this counts as down. */
const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck): Promise<{ status: 'ok' | 'down'; error?: string; ms: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'ok', ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { status: 'down', error: error instanceof Error ? error.message : String(error), ms: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginAsync<{ health: HealthInfo; readiness: readonly ReadinessCheck[]; metrics: Registry }> = async (app, { health, readiness, metrics }) => {
  const healthSchema = {
    tags: ['health'],
    summary: 'Liveness: the process serves HTTP',
    security: [],
    response: {
      200: {
        type: 'object',
        properties: {
          status: { type: 'string' },
          version: { type: 'string' },
          mode: { type: 'string', enum: ['embedded', 'services'] },
          roles: { type: 'array', items: { type: 'string' } },
          systems: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
  };
  const body = { status: 'ok', ...health };
  app.get('/health', { schema: healthSchema, config: { public: true, rateLimit: false } }, async () => body);
  app.get('/api/v1/health', { schema: healthSchema, config: { public: true, rateLimit: false } }, async () => body);

  app.get('/ready', { schema: { tags: ['health'], summary: 'Readiness: every configured dependency answers', security: [] }, config: { public: true, rateLimit: false } }, async (_request, reply) => {
    const results = await Promise.all(readiness.map(async (c) => [c.name, await runCheck(c)] as const));
    const ready = results.every(([, r]) => r.status === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) });
  });

  app.get('/metrics', { schema: { tags: ['health'], summary: 'Prometheus metrics', security: [], hide: false }, config: { public: true, rateLimit: false } }, async (_request, reply) => {
    return reply.header('content-type', metrics.contentType).send(await metrics.metrics());
  });
};
