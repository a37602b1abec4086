/**
 * ACCEPTANCE: accepted means exactly once in query results, across `kill -9`. The whole platform
 * (ingest API + pipeline runner, see fixtures/pipeline-crash-child.ts) runs in a child process; the
 * parent posts records of every record type over HTTP, SIGKILLs the child three times at random
 * moments while records flow (both the ingest and the pipelines are busy), restarts it on the same
 * data directory, re-posts every batch whose response was lost, and finally checks in ClickHouse
 * (FINAL) that per record type the count and the exact sum of quantities / amounts equal the
 * input — nothing lost, nothing doubled — and that every batch's progress adds up.
 *
 * One suite, two run modes: pipeline-crash.test.ts (everything embedded) and
 * pipeline-crash.services.test.ts (the stream on Kafka, storage on chDB); the mode's file passes
 * the child's service settings. FORGECAST_CRASH_SEED replays a run's kill moments.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAnalyticsStore } from '../../infra/clickhouse/clickhouse-analytics-store.js';
import { silentLogger } from '../../infra/logger.js';
import { mulberry32 } from '../../infra/seeded-random.js';
import { RAW_TOPICS, RECORD_TYPES, type RecordType } from '../../schemas/topics.js';
import { cliEnv } from '../helpers/platform-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const CHILD = fileURLToPath(new URL('./fixtures/pipeline-crash-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SEED = Number(process.env.FORGECAST_CRASH_SEED ?? Date.now() % 100_000);
/** 1,000 records per batch: the size ERP exports tend to come in. */
const BATCH = 1_000;
const CLIENTS = 4;
const KILLS = 3;
const ADMIN = 'crash-test-admin-key-0123456789';

export interface PipelineCrashSuiteOptions {
  /** Names the run mode in the test title. */
  readonly mode: string;
  /** Records posted in all (the acceptance figure is 100,000). */
  readonly records: number;
  /** What `GET /health` of the child must report as its mode: proves the settings reached it. */
  readonly expectMode: 'embedded' | 'services';
  /** Service settings of the child, on top of an environment stripped of them (embedded otherwise). */
  readonly childEnv?: Readonly<Record<string, string>>;
  /** How long the pipelines may take to drain after the last restart. */
  readonly drainTimeoutMs: number;
  /** The test's timeout. */
  readonly timeoutMs: number;
  /** Checks of the mode's own, after the common ones (e.g. that the broker kept every message). */
  readonly afterChecks?: () => Promise<void>;
}

/** The measured column of each record type's table, and the input field it comes from. */
const MEASURE: Readonly<Record<RecordType, { column: string; field: string }>> = {
  items: { column: 'standard_cost', field: 'standard_cost' },
  sales_orders: { column: 'qty', field: 'qty' },
  purchase_orders: { column: 'qty', field: 'qty' },
  inventory: { column: 'on_hand', field: 'on_hand' },
  inventory_movements: { column: 'qty', field: 'qty' },
  gl_entries: { column: 'amount', field: 'amount' },
  inspections: { column: 'inspected_qty', field: 'inspected_qty' },
  work_orders: { column: 'qty_planned', field: 'qty_planned' },
};


/** Record n of its type; quantities carry two decimals so the sums test exactness. */
function record(type: RecordType, n: number): Record<string, unknown> {
  const v = `${(n % 997) + 1}.25`;
  const sku = `SKU-${n % 500}`;
  const day = `2024-0${(n % 9) + 1}-1${n % 10}`;
  switch (type) {
    case 'items':
      return { sku: `ITEM-${n}`, name: `Item ${n}`, uom: 'PC', standard_cost: v };
    case 'sales_orders':
      return { order_id: `SO-${n}`, line: 1, sku, site: 'W1', qty: v, order_date: day };
    case 'purchase_orders':
      return { po_id: `PO-${n}`, line: 1, sku, site: 'W1', supplier_id: 'V-1', qty: v, order_date: day };
    case 'inventory':
      return { sku: `INV-${n}`, site: 'W1', on_hand: v, as_of: `${day}T08:00:00Z` };
    case 'inventory_movements':
      return { movement_id: `MV-${n}`, sku, site: 'W1', qty: `-${v}`, movement_type: 'issue', ts: `${day}T08:00:00Z` };
    case 'gl_entries':
      return { entry_id: `GL-${n}`, account: '400000', amount: v, currency: 'EUR', posted_at: `${day}T08:00:00Z` };
    case 'inspections':
      return { inspection_id: `QI-${n}`, sku, site: 'W1', inspected_qty: v, defect_qty: '1', inspected_at: `${day}T08:00:00Z` };
    case 'work_orders':
      return { wo_id: `WO-${n}`, sku, site: 'W1', qty_planned: v, status: 'released' };
  }
}

/** Exact decimal text → hundredths. */
function hundredths(text: string): bigint {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole) * 100n + BigInt((fraction + '00').slice(0, 2));
  return negative ? -value : value;
}

interface Child {
  readonly process: ChildProcess;
  readonly url: string;
  readonly exited: Promise<void>;
  stderr: () => string;
}

async function startChild(dataDir: string, extraEnv: Readonly<Record<string, string>>): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: REPO,
    env: cliEnv({ ...extraEnv, FORGECAST_DATA_DIR: dataDir, FORGECAST_ADMIN_KEY: ADMIN, FORGECAST_LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not listen in time:\n${stderr}`)), 60_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{"listening"')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { listening: string }).listening);
    });
    void exited.then(() => reject(new Error(`child exited before listening:\n${stderr}`)));
  });
  return { process: child, url, exited, stderr: () => stderr };
}

export function describePipelineCrashSuite(options: PipelineCrashSuiteOptions): void {
  const TOTAL = options.records;

  describe(`pipelines under kill -9: ${options.mode}`, () => {
    let dir: { path: string; remove: () => Promise<void> };
    let child: Child | undefined;
    beforeEach(async () => {
      dir = await tempDir('forgecast-pipeline-crash-');
    });
    afterEach(async () => {
      child?.process.kill('SIGKILL');
      await child?.exited;
      await dir.remove();
    });

    it(`stores exactly the accepted records of ${TOTAL} after ${KILLS} SIGKILLs (seed ${SEED})`, async () => {
      const random = mulberry32(SEED);
      const dataDir = path.join(dir.path, 'data');
      const batches = Math.ceil(TOTAL / BATCH);
      const body = (b: number): string => {
        const data: Partial<Record<RecordType, Record<string, unknown>[]>> = {};
        for (let n = b * BATCH; n < Math.min(TOTAL, (b + 1) * BATCH); n++) {
          const type = RECORD_TYPES[n % RECORD_TYPES.length]!;
          (data[type] ??= []).push(record(type, n));
        }
        return JSON.stringify({ source_type: 'erp', source_id: 'crash', batch_reference: `b-${b}`, data });
      };
      const answered = new Map<number, { status: number; accepted: number; batch_id: string }>();
      const queue = Array.from({ length: batches }, (_, b) => b);
      let lost = 0;

      const post = async (url: string, b: number): Promise<{ status: number; accepted: number; batch_id: string } | undefined> => {
        try {
          const response = await fetch(`${url}/api/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: body(b) });
          const json = (await response.json()) as { accepted: number; batch_id: string };
          if (response.status !== 200 && response.status !== 202) throw new Error(`batch ${b}: ${response.status} ${JSON.stringify(json)}`);
          return { status: response.status, accepted: json.accepted, batch_id: json.batch_id };
        } catch (error) {
          if (error instanceof TypeError) return undefined; // connection refused or reset: the response was lost
          throw error;
        }
      };

      for (let round = 0; round <= KILLS; round++) {
        child = await startChild(dataDir, options.childEnv ?? {});
        if (round === 0) {
          const health = await fetch(`${child.url}/health`);
          expect(((await health.json()) as { mode: string }).mode).toBe(options.expectMode);
        }
        const current = child;
        let killed = false;
        // A random moment while records flow: the ingest is posting and the pipelines consuming.
        const timer = round < KILLS ? setTimeout(() => ((killed = true), current.process.kill('SIGKILL')), 300 + random() * 2_000) : undefined;
        await Promise.all(
          Array.from({ length: CLIENTS }, async () => {
            while (!killed && queue.length > 0) {
              const b = queue.shift()!;
              const result = await post(current.url, b);
              if (result === undefined) {
                lost += 1;
                queue.push(b);
              } else answered.set(b, result);
            }
          }),
        );
        if (round < KILLS) {
          // Posting may finish before the kill: the pipelines are still busy then, so it still lands mid-stream.
          await new Promise<void>((resolve) => {
            if (killed) resolve();
            else current.process.once('close', () => resolve());
          });
          clearTimeout(timer);
          await current.exited;
        }
      }
      expect(answered.size).toBe(batches);

      // Replays answer 200 with the original result.
      for (const b of [0, Math.floor(batches / 2), batches - 1]) {
        const again = await post(child!.url, b);
        expect(again).toMatchObject({ status: 200, accepted: answered.get(b)!.accepted, batch_id: answered.get(b)!.batch_id });
      }

      await waitFor(
        'the pipelines to drain',
        async () => {
          const response = await fetch(`${child!.url}/api/v1/pipelines`, { headers: { authorization: `Bearer ${ADMIN}` } });
          const status = (await response.json()) as { partitions: { lag: number | null }[] };
          return status.partitions.length >= RECORD_TYPES.length * 4 && status.partitions.every((p) => p.lag === 0);
        },
        options.drainTimeoutMs,
        250,
      );
      child!.process.kill('SIGTERM');
      await child!.exited;
      child = undefined;

      const store = await createAnalyticsStore({ url: undefined, user: 'default', password: '', database: 'forgecast', dataDir, logger: silentLogger() });
      try {
        for (const type of RECORD_TYPES) {
          const { column, field } = MEASURE[type];
          let count = 0;
          let sum = 0n;
          for (let n = RECORD_TYPES.indexOf(type); n < TOTAL; n += RECORD_TYPES.length) {
            count += 1;
            sum += hundredths(String(record(type, n)[field]));
          }
          const [row] = await store.query<{ n: string; s: string }>(
            `SELECT count() AS n, toString(sum(${column})) AS s FROM ${RAW_TOPICS[type].table} FINAL WHERE tenant_id = 'default' AND source_id = 'crash'`,
          );
          expect({ type, count: Number(row!.n), sum: hundredths(row!.s) }).toEqual({ type, count, sum });
        }
        const accepted = [...answered.values()].reduce((s, r) => s + r.accepted, 0);
        expect(accepted).toBe(TOTAL);
        // Every batch's progress adds up (a batch republished after a lost response may count its records twice, never less).
        const short = await store.query(
          "SELECT b.batch_id AS batch_id, b.accepted AS accepted, p.n AS normalized FROM (SELECT batch_id, accepted FROM ingest_batches FINAL WHERE source_id = 'crash') AS b " +
            'LEFT JOIN (SELECT batch_id, sum(normalized) AS n FROM batch_progress GROUP BY batch_id) AS p ON b.batch_id = p.batch_id WHERE p.n < b.accepted',
        );
        expect(short).toEqual([]);
        const letters = await store.query<{ n: string }>('SELECT count() AS n FROM dead_letters');
        expect(Number(letters[0]!.n)).toBe(0);
      } finally {
        await store.close();
      }
      await options.afterChecks?.();
      process.stderr.write(`pipeline crash test (${options.mode}): ${TOTAL} records, ${KILLS} kills, ${lost} lost responses re-posted, seed ${SEED}\n`);
    }, options.timeoutMs);
  });
}
