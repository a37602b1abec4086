/**
 * The pipeline runner's acceptance suite, run on the embedded stack (pipeline-runner.test.ts) and
 * on Kafka + Redis with chDB (pipeline-runner.services.test.ts), with the real normalizers and
 * reference data: the seed batch reaches the model and its batch `success`;
 * redelivery — the same batch again after a failure between its writes, and everything again under
 * other batch boundaries — stores nothing twice; 1 % malformed records land in dead letters with
 * their reasons while the rest is stored, and a replay after the fix stores them once (twice → still
 * once); undecodable bytes are dead-lettered at stage decode; a ClickHouse outage — as long as
 * the acceptance says, 30 s, passed in by both suite files — holds the partitions (retrying,
 * lag unchanged) without a single dead letter, and the runner catches up with nothing lost or
 * doubled (not even before merges).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchView } from '../../../connectors/ingest/ingest-batches.js';
import type { IngestResult } from '../../../connectors/ingest/ingestor.js';
import { uomConversionRow } from '../../../pipelines/reference/reference-rows.js';
import { DLQ_TOPIC, RAW_TOPICS } from '../../../schemas/topics.js';
import { uniqueName } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { ADMIN_KEY, bearer } from '../../connectors/ingest/ingest-harness.js';
import type { PipelineHarness } from './pipeline-harness.js';


export interface PipelineRunnerSuiteOptions {
  /**
   * How long the injected ClickHouse outage lasts. The acceptance figure is 30 s; only this test
   * waits it out, the rest of the suite stays fast.
   */
  readonly outageMs: number;
  /**
   * Bounds every wait for the pipeline to catch up (default 10 s): short on the embedded log,
   * longer on Kafka, where a consumer group's fetch loop and rebalances add seconds under load.
   */
  readonly waitMs?: number;
}

/** How often the outage test checks that nothing moved while ClickHouse is down. */
const OUTAGE_PROBE_MS = 2_500;

export function describePipelineRunnerSuite(name: string, makeHarness: () => Promise<PipelineHarness>, options: PipelineRunnerSuiteOptions): void {
  const { outageMs, waitMs = 10_000 } = options;
  const wait = <T>(what: string, probe: () => Promise<T | false | null | undefined> | T | false | null | undefined, ms?: number): Promise<T> => waitFor(what, probe, ms ?? waitMs);

  let h: PipelineHarness;
  beforeAll(async () => {
    h = await makeHarness();
    await h.startRunner();
  }, 60_000);
  afterAll(() => h.close());

  async function post(body: Record<string, unknown>, key = ADMIN_KEY): Promise<IngestResult> {
    const response = await h.ingest.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: bearer(key), payload: body });
    expect([200, 202], response.body).toContain(response.statusCode);
    return response.json<IngestResult>();
  }

  async function batch(batchId: string, key = ADMIN_KEY): Promise<BatchView> {
    const response = await h.ingest.app.inject({ url: `/api/v1/batch/${batchId}`, headers: bearer(key) });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<BatchView>();
  }

  async function count(sql: string, params: Record<string, unknown> = {}): Promise<number> {
    const rows = await h.ingest.store.query<{ n: string }>(sql, params);
    return Number(rows[0]?.n ?? 0);
  }

  function salesOrders(prefix: string, n: number, badEvery = 0): Record<string, unknown>[] {
    return Array.from({ length: n }, (_, i) => ({
      order_id: `${prefix}-${i}`,
      line: 1,
      sku: 'SKU-1',
      site: 'W1',
      qty: String(i + 1),
      order_date: '2024-03-05',
      ...(badEvery > 0 && i % badEvery === 0 ? { uom: 'BOX' } : {}),
    }));
  }

  describe(`pipeline runner: ${name}`, () => {
    it('normalizes the seed batch into items and the batch reaches success with normalized = 1', async () => {
      const result = await post({ source_type: 'erp', source_id: 'erp_001', batch_reference: 'batch_20240101_001', data: { items: [{ sku: 'ITEM-001', name: 'Component A', qty: 100 }] } });
      const done = await wait('the seed batch to succeed', async () => {
        const view = await batch(result.batch_id);
        return view.status === 'success' ? view : undefined;
      });
      expect(done.counts).toMatchObject({ received: 1, accepted: 1, rejected: 0, normalized: 1, failed: 0 });
      const items = await h.ingest.store.query<{ sku: string; name: string }>("SELECT sku, name FROM items FINAL WHERE tenant_id = 'default' AND sku = 'ITEM-001'");
      expect(items).toEqual([{ sku: 'ITEM-001', name: 'Component A' }]);
      await wait('the completion event', () => count("SELECT count() AS n FROM ingest_batch_events WHERE batch_id = {id:String} AND status = 'success' AND startsWith(note, 'pipelines:')", { id: result.batch_id }));
      await h.runner!.refresh();
      expect(await count("SELECT count() AS n FROM ingest_batch_events WHERE batch_id = {id:String} AND status = 'success'", { id: result.batch_id })).toBe(1);
    });

    it('stores nothing twice when a batch is redelivered after failing between its writes', async () => {
      // The progress insert (the chunk's last write) fails once: the model rows are in, the chunk is
      // not committed, the bus redelivers the same batch and every insert is sent again.
      h.store.failNextInsertInto.set('batch_progress', 1);
      const source = uniqueName('redeliver');
      const result = await post({ source_type: 'sales', source_id: source, batch_reference: 'r1', data: { sales_orders: salesOrders('SO', 50) } });
      await wait('the batch to succeed', async () => (await batch(result.batch_id)).status === 'success');
      expect(h.store.failNextInsertInto.get('batch_progress')).toBe(0);
      // count() without FINAL: a second copy would show even before any merge.
      expect(await count('SELECT count() AS n FROM demand_lines WHERE source_id = {s:String}', { s: source })).toBe(50);
      expect((await batch(result.batch_id)).counts).toMatchObject({ accepted: 50, normalized: 50, failed: 0 });
      expect(await count('SELECT count() AS n FROM batch_progress WHERE batch_id = {id:String}', { id: result.batch_id })).toBeGreaterThan(0);
    });

    it('skips what is stored when a whole topic is redelivered under other batch boundaries (a lost commit)', async () => {
      await h.drained();
      const before = await count('SELECT sum(normalized) AS n FROM batch_progress');
      const rowsBefore = await count('SELECT count() AS n FROM demand_lines');
      // A second group starts from offset 0 with tiny batches: every message again, cut differently.
      const second = await h.startRunner({ groupId: uniqueName('lost-commit'), maxBatchSize: 7 });
      await h.drained();
      await second.close();
      expect(await count('SELECT sum(normalized) AS n FROM batch_progress')).toBe(before);
      expect(await count('SELECT count() AS n FROM demand_lines')).toBe(rowsBefore);
      const skipped = (await h.metrics.getSingleMetric('forgecast_pipeline_records_total')!.get()).values.filter((v) => v.labels.outcome === 'skipped_stored');
      expect(skipped.reduce((sum, v) => sum + v.value, 0)).toBeGreaterThanOrEqual(51);
      h.runner = await h.startRunner({ groupId: uniqueName('pipelines-again') });
      await h.drained();
    });

    it('dead-letters 1 % malformed records with reasons, stores the rest, and a replay after the fix stores them once', async () => {
      const source = uniqueName('uom');
      const result = await post({ source_type: 'sales', source_id: source, batch_reference: 'b1', data: { sales_orders: salesOrders('M', 300, 100) } });
      expect(result.accepted).toBe(300);
      const partial = await wait('the batch to end partial', async () => {
        const view = await batch(result.batch_id);
        return view.status === 'partial' ? view : undefined;
      });
      expect(partial.counts).toMatchObject({ accepted: 300, normalized: 297, failed: 3 });
      expect(await count('SELECT count() AS n FROM demand_lines FINAL WHERE source_id = {s:String}', { s: source })).toBe(297);

      const listed = await h.ingest.app.inject({ url: `/api/v1/dead-letters?batch_id=${result.batch_id}`, headers: bearer(ADMIN_KEY) });
      expect(listed.statusCode, listed.body).toBe(200);
      const letters = listed.json<{ dead_letters: { record_index: number; stage: string; error_code: string; field: string; message: string; status: string }[] }>().dead_letters;
      expect(letters.map((l) => l.record_index).sort((a, b) => a - b)).toEqual([0, 100, 200]);
      for (const letter of letters) expect(letter).toMatchObject({ stage: 'normalize', error_code: 'UNKNOWN_UOM', field: 'uom', status: 'open', message: expect.stringContaining('BOX') as unknown });
      const dlq = await h.ingest.bus.lag(uniqueName('dlq'), [DLQ_TOPIC]);
      expect(dlq.reduce((sum, p) => sum + Number(p.end), 0)).toBeGreaterThanOrEqual(3);

      // The fix: SKU-1 arrives with its base unit and a conversion BOX → PC is configured; then replay (twice).
      const item = await post({ source_type: 'erp', source_id: source, batch_reference: 'item', data: { items: [{ sku: 'SKU-1', name: 'Bolt', uom: 'PC' }] } });
      await wait('the item', async () => (await batch(item.batch_id)).status === 'success');
      await h.ingest.store.insert('uom_conversions', [uomConversionRow({ tenant: 'default', sku: 'SKU-1', fromUom: 'BOX', factor: '12', atMs: Date.now() })]);
      await h.reference.refresh('default');
      const replay = async (): Promise<{ replayed: number; skipped: string[] }> => {
        const response = await h.ingest.app.inject({ method: 'POST', url: '/api/v1/dead-letters/replay', headers: bearer(ADMIN_KEY), payload: { batch_id: result.batch_id } });
        expect(response.statusCode, response.body).toBe(200);
        return response.json();
      };
      expect((await replay()).replayed).toBe(3);
      const success = await wait('the batch to succeed after the replay', async () => {
        const view = await batch(result.batch_id);
        return view.status === 'success' ? view : undefined;
      });
      expect(success.counts).toMatchObject({ accepted: 300, normalized: 300, failed: 0 });
      expect((await replay()).replayed).toBe(0);
      await h.drained();
      expect(await count('SELECT count() AS n FROM demand_lines FINAL WHERE source_id = {s:String}', { s: source })).toBe(300);
      expect(await count("SELECT toString(sum(qty)) AS n FROM demand_lines FINAL WHERE source_id = {s:String} AND order_id = 'M-100'", { s: source })).toBe(101 * 12);
      const after = await h.ingest.app.inject({ url: `/api/v1/dead-letters?batch_id=${result.batch_id}&status=replayed`, headers: bearer(ADMIN_KEY) });
      expect(after.json<{ dead_letters: unknown[] }>().dead_letters).toHaveLength(3);
    });

    it('dead-letters undecodable bytes at stage decode under the tenant of the key', async () => {
      const topic = RAW_TOPICS.items.topic;
      const [receipt] = await h.ingest.bus.publish(topic, [{ key: 'default|erp_x|BROKEN', value: Buffer.from([0, 0, 0, 0, 99, 1, 2]) }]);
      const dlqId = `${topic}:${receipt!.partition}:${receipt!.offset}`;
      const found = await wait('the decode dead letter', async () => {
        const response = await h.ingest.app.inject({ url: '/api/v1/dead-letters?stage=decode', headers: bearer(ADMIN_KEY) });
        return response.json<{ dead_letters: { dlq_id: string; error_code: string; record_index: number | null }[] }>().dead_letters.find((l) => l.dlq_id === dlqId);
      });
      expect(found).toMatchObject({ error_code: 'FGC_SERDE_DECODE_FAILED', record_index: null });
    });

    it(`holds the partitions during a ${outageMs / 1000} s ClickHouse outage without dead letters, then catches up exactly`, async () => {
      await h.drained();
      // FINAL: dead_letters is a ReplacingMergeTree, and a background merge of the replay test's
      // versions would shrink a plain count mid-test; the distinct letters are what must not grow.
      const lettersBefore = await count('SELECT count() AS n FROM dead_letters FINAL');
      // ClickHouse goes away in the middle of the first write: its model rows land, its progress
      // (the ledger row) does not, so every retry repeats inserts that are already stored.
      h.store.downFromInsertInto = 'batch_progress';
      const source = uniqueName('outage');
      const result = await post({ source_type: 'sales', source_id: source, batch_reference: 'o1', data: { sales_orders: salesOrders('O', 400) } });
      const expectedQtySum = (400 * 401) / 2; // quantities 1..400
      await wait('ClickHouse to go down mid-write', () => h.store.down);
      const downAt = Date.now();
      const retrying = await wait('a partition to report retrying with FGC_STORE_UNAVAILABLE', () =>
        h.runner!.status().partitions.find((p) => p.status === 'retrying' && p.last_error?.code === 'FGC_STORE_UNAVAILABLE'),
      );
      expect(retrying.topic).toBe(RAW_TOPICS.sales_orders.topic);
      const pipelines = await h.ingest.app.inject({ url: '/api/v1/pipelines', headers: bearer(ADMIN_KEY) });
      expect(pipelines.json<{ partitions: { status: string }[] }>().partitions.some((p) => p.status === 'retrying')).toBe(true);
      // Through the whole outage (the dead-letter table is read past the outage switch): nothing
      // committed, nothing dead-lettered, and the runner keeps trying.
      const callsBefore = h.store.calls;
      let probes = 0;
      for (let left = outageMs - (Date.now() - downAt); left > 0; left = outageMs - (Date.now() - downAt)) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(OUTAGE_PROBE_MS, left)));
        const lag = await h.ingest.bus.lag(h.runner!.status().group_id, [RAW_TOPICS.sales_orders.topic]);
        expect(lag.reduce((sum, p) => sum + p.lag, 0)).toBe(400);
        expect(await count('SELECT count() AS n FROM dead_letters FINAL')).toBe(lettersBefore);
        probes += 1;
      }
      expect(Date.now() - downAt).toBeGreaterThanOrEqual(outageMs);
      expect(probes).toBeGreaterThan(0);
      expect(h.store.calls).toBeGreaterThan(callsBefore); // attempts went on during the outage
      expect(h.runner!.status().partitions.some((p) => p.status === 'retrying')).toBe(true);
      h.store.down = false;
      await h.drained();
      await wait('the batch to succeed', async () => (await batch(result.batch_id)).status === 'success');
      expect(await count('SELECT count() AS n FROM demand_lines FINAL WHERE source_id = {s:String}', { s: source })).toBe(400);
      expect(await count('SELECT toString(sum(qty)) AS n FROM demand_lines FINAL WHERE source_id = {s:String}', { s: source })).toBe(expectedQtySum);
      // Without FINAL too: a retried group write keeps its composition and token (group-sink.ts),
      // so the rows the first attempt stored are not stored again, even before merges.
      expect(await count('SELECT count() AS n FROM demand_lines WHERE source_id = {s:String}', { s: source })).toBe(400);
      expect(await count('SELECT count() AS n FROM dead_letters FINAL')).toBe(lettersBefore);
      expect(h.runner!.status().partitions.every((p) => p.status === 'running')).toBe(true);
    }, outageMs + 2 * waitMs + 40_000); // + waiting for `retrying` and the batch, and drained()'s 30 s
  });
}
