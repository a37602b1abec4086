/**
 * The pipeline routes with app.inject on the real embedded stack (no runner in this process):
 * scopes, tenant isolation, filters and keyset pagination of GET /api/v1/dead-letters; the replay
 * filter's validation, re-publication with the same key and the replay header, and idempotency;
 * GET /api/v1/pipelines answering 503 without a runner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toClickHouseDateTime } from '../../../infra/clickhouse/datetime.js';
import type { ConsumedMessage } from '../../../infra/event-bus/event-bus.js';
import { silentLogger } from '../../../infra/logger.js';
import { deadLetterRow, REPLAY_HEADER, type DeadLetter } from '../../../pipelines/dead-letters/dead-letter.js';
import { DeadLetterReplayer } from '../../../pipelines/dead-letters/dead-letter-replay.js';
import { DeadLetterStore } from '../../../pipelines/dead-letters/dead-letter-store.js';
import { pipelineRoutes } from '../../../pipelines/http/pipeline-routes.js';
import { uniqueName } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { bearer, createIngestHarness, type IngestHarness } from '../../connectors/ingest/ingest-harness.js';

let h: IngestHarness;
let letters: DeadLetterStore;
let acmeRead: string;
let acmeWrite: string;
let globex: string;
const topic = uniqueName('forgecast.test.raw');

function letter(tenant: string, offset: number, stage: DeadLetter['stage'], batchId: string): DeadLetter {
  const source: ConsumedMessage = { topic, partition: 0, offset: String(offset), key: `${tenant}|erp|K-${offset}`, value: Buffer.from(`payload-${offset}`), headers: {}, timestamp: 0 };
  return { tenantId: tenant, batchId, sourceId: 'erp', recordType: 'sales_orders', recordIndex: offset, stage, errorCode: stage === 'rule' ? 'RULE_X' : 'UNKNOWN_UOM', field: 'uom', message: `bad ${offset}`, source };
}

beforeAll(async () => {
  h = await createIngestHarness({
    extraRoutes: async (app, { bus, store }) => {
      letters = new DeadLetterStore(store);
      await app.register(pipelineRoutes, { deadLetters: letters, replayer: new DeadLetterReplayer(bus, letters, silentLogger()) });
    },
  });
  acmeRead = (await h.keys.create({ tenant: 'acme', scopes: ['read'] })).key;
  acmeWrite = (await h.keys.create({ tenant: 'acme', scopes: ['read', 'write'] })).key;
  globex = (await h.keys.create({ tenant: 'globex', scopes: ['read', 'write'] })).key;
  await h.bus.ensureTopics([{ topic, partitions: 1 }]);
  const at = toClickHouseDateTime(Date.now());
  const rows = [
    ...Array.from({ length: 5 }, (_, i) => letter('acme', i, 'normalize', 'batch-a')),
    letter('acme', 5, 'rule', 'batch-b'),
    letter('globex', 6, 'normalize', 'batch-a'),
  ].map((l) => deadLetterRow(l, at, letters.nextVersion()));
  await letters.insert(rows, uniqueName('token'));
});
afterAll(() => h.close());

interface Page {
  dead_letters: { dlq_id: string; stage: string; status: string; record_index: number }[];
  next_cursor: string | null;
}

describe('GET /api/v1/dead-letters', () => {
  it('lists the tenant’s dead letters only, filtered and paginated', async () => {
    const all = await h.app.inject({ url: '/api/v1/dead-letters', headers: bearer(acmeRead) });
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json<Page>().dead_letters).toHaveLength(6);
    const other = await h.app.inject({ url: '/api/v1/dead-letters', headers: bearer(globex) });
    expect(other.json<Page>().dead_letters.map((l) => l.dlq_id)).toEqual([`${topic}:0:6`]);
    const rule = await h.app.inject({ url: '/api/v1/dead-letters?stage=rule', headers: bearer(acmeRead) });
    expect(rule.json<Page>().dead_letters.map((l) => l.record_index)).toEqual([5]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url = `/api/v1/dead-letters?batch_id=batch-a&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`;
      const page: Page = (await h.app.inject({ url, headers: bearer(acmeRead) })).json<Page>();
      seen.push(...page.dead_letters.map((l) => l.dlq_id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(Array.from({ length: 5 }, (_, i) => `${topic}:0:${i}`));
  });

  it('refuses bad queries, missing keys and keys without the read scope', async () => {
    expect((await h.app.inject({ url: '/api/v1/dead-letters?stage=nope', headers: bearer(acmeRead) })).statusCode).toBe(400);
    expect((await h.app.inject({ url: '/api/v1/dead-letters?cursor=bm9wZQ', headers: bearer(acmeRead) })).statusCode).toBe(400);
    expect((await h.app.inject({ url: '/api/v1/dead-letters' })).statusCode).toBe(401);
    const ingestOnly = (await h.keys.create({ tenant: 'acme', scopes: ['ingest'] })).key;
    expect((await h.app.inject({ url: '/api/v1/dead-letters', headers: bearer(ingestOnly) })).statusCode).toBe(403);
  });
});

describe('POST /api/v1/dead-letters/replay', () => {
  it('validates the filter and needs the write scope', async () => {
    const replay = (payload: unknown, key = acmeWrite): Promise<{ statusCode: number; body: string }> => h.app.inject({ method: 'POST', url: '/api/v1/dead-letters/replay', headers: bearer(key), payload: payload as Record<string, unknown> });
    expect((await replay({}, acmeWrite)).statusCode).toBe(422);
    expect((await replay({ stage: 'sideways' })).statusCode).toBe(400);
    expect((await replay({ dlq_ids: [] })).statusCode).toBe(400);
    expect((await replay({ batch_id: 'batch-a' }, acmeRead)).statusCode).toBe(403);
  });

  it('re-publishes the raw bytes under the same key with the replay header, marks them replayed, and skips them the second time', async () => {
    const first = await h.app.inject({ method: 'POST', url: '/api/v1/dead-letters/replay', headers: bearer(acmeWrite), payload: { batch_id: 'batch-a', dlq_ids: [`${topic}:0:1`, `${topic}:0:2`, `${topic}:0:6`] } });
    expect(first.statusCode, first.body).toBe(200);
    // dlq 6 belongs to globex: invisible to acme, so skipped.
    expect(first.json()).toMatchObject({ replayed: 2, dlq_ids: [`${topic}:0:1`, `${topic}:0:2`], skipped: [`${topic}:0:6`], more: false });

    const seen: ConsumedMessage[] = [];
    const subscription = await h.bus.subscribe({ groupId: uniqueName('replay-read'), topics: [topic], handler: async (b) => void seen.push(...b.messages) });
    await waitFor('the replayed messages', () => seen.length >= 2);
    await subscription.close();
    expect(seen.map((m) => [m.key, m.value.toString(), m.headers[REPLAY_HEADER]])).toEqual([
      ['acme|erp|K-1', 'payload-1', `${topic}:0:1`],
      ['acme|erp|K-2', 'payload-2', `${topic}:0:2`],
    ]);

    const again = await h.app.inject({ method: 'POST', url: '/api/v1/dead-letters/replay', headers: bearer(acmeWrite), payload: { batch_id: 'batch-a', dlq_ids: [`${topic}:0:1`] } });
    expect(again.json()).toMatchObject({ replayed: 0, skipped: [`${topic}:0:1`] });
    const replayed = await h.app.inject({ url: '/api/v1/dead-letters?status=replayed', headers: bearer(acmeRead) });
    expect(replayed.json<Page>().dead_letters.map((l) => l.dlq_id)).toEqual([`${topic}:0:1`, `${topic}:0:2`]);
    expect((await h.bus.lag(uniqueName('count'), [topic]))[0]!.end).toBe('2');
  });
});

describe('GET /api/v1/pipelines', () => {
  it('answers 503 FGC_PIPELINE_NOT_RUNNING where no runner runs', async () => {
    const response = await h.app.inject({ url: '/api/v1/pipelines', headers: bearer(acmeRead) });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error: { code: 'FGC_PIPELINE_NOT_RUNNING' } });
  });
});
