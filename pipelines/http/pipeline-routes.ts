/**
 * The pipelines' HTTP surface as one encapsulated fastify plugin: list dead letters, re-drive them,
 * and the runner's per-partition status. Every dead-letter query is scoped to the caller's tenant.
 * The status route answers 503 FGC_PIPELINE_NOT_RUNNING when this process runs no runner (the
 * pipelines role runs elsewhere).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { FgcError } from '../../infra/errors.js';
import type { DeadLetterStage, DeadLetterStatus } from '../dead-letters/dead-letter.js';
import type { DeadLetterReplayer } from '../dead-letters/dead-letter-replay.js';
import type { DeadLetterStore } from '../dead-letters/dead-letter-store.js';
import type { RunnerStatus } from '../runner/pipeline-runner.js';
import { deadLetterPageSchema, deadLetterQuerySchema, pipelineStatusSchema, replayBodySchema, replayResultSchema } from './pipeline-schemas.js';

export interface PipelineRoutesOptions {
  readonly deadLetters: DeadLetterStore;
  readonly replayer: DeadLetterReplayer;
  /** The runner of this process, when it runs one. */
  readonly runner?: { status(): RunnerStatus };
}

interface ReplayBody {
  batch_id?: string;
  stage?: DeadLetterStage;
  error_code?: string;
  record_type?: string;
  dlq_ids?: string[];
}

function tenantOf(request: FastifyRequest): string {
  if (request.principal === undefined) throw new FgcError('FGC_AUTH_MISSING_KEY');
  return request.principal.tenant;
}

export const pipelineRoutes: FastifyPluginAsync<PipelineRoutesOptions> = async (app, { deadLetters, replayer, runner }) => {
  app.get<{ Querystring: { batch_id?: string; stage?: DeadLetterStage; status?: DeadLetterStatus; limit?: number; cursor?: string } }>(
    '/api/v1/dead-letters',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['pipelines'],
        summary: 'Records that failed after acceptance, with stage, code, field and message',
        querystring: deadLetterQuerySchema,
        response: { 200: deadLetterPageSchema },
      },
    },
    async (request) => {
      const { batch_id: batchId, stage, status, limit, cursor } = request.query;
      return deadLetters.list(tenantOf(request), { batchId, stage, status, limit, cursor });
    },
  );

  app.post<{ Body: ReplayBody }>(
    '/api/v1/dead-letters/replay',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['pipelines'],
        summary: 'Re-drive open dead letters matching a filter through the pipeline',
        description: 'Re-publishes the raw records to their source topic (same key, header forgecast-replay-of) and marks them replayed. Replaying again skips them; a record that fails again becomes a new dead letter.',
        body: replayBodySchema,
        response: { 200: replayResultSchema },
      },
    },
    async (request) => {
      const body = request.body;
      const result = await replayer.replay(tenantOf(request), {
        batchId: body.batch_id,
        stage: body.stage,
        errorCode: body.error_code,
        recordType: body.record_type,
        dlqIds: body.dlq_ids,
      });
      return { replayed: result.replayed.length, dlq_ids: result.replayed, skipped: result.skipped, more: result.more };
    },
  );

  app.get(
    '/api/v1/pipelines',
    {
      config: { scope: 'read' },
      schema: { tags: ['pipelines'], summary: 'The pipeline runner of this process: per topic-partition status, lag and last error', response: { 200: pipelineStatusSchema } },
    },
    async () => {
      if (runner === undefined) throw new FgcError('FGC_PIPELINE_NOT_RUNNING', 'no pipeline runner in this process: the pipelines role runs in another process');
      return runner.status();
    },
  );
};
