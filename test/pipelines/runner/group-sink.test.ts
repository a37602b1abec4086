/**
 * The group sink on real chDB (every migration applied): concurrent chunks share one insert per
 * table, and a failed group write is retried as the SAME group under the SAME deduplication token,
 * so rows a failed attempt did land are dropped by ClickHouse instead of stored twice. Counts use
 * count() without FINAL: a second copy shows before any merge.
 *
 * Faults come from a store wrapper: an insert refused before it reaches chDB (an outage), or one
 * that lands and then throws (the answer lost on the way back).
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore, InsertOptions, QueryParams } from '../../../infra/clickhouse/analytics-store.js';
import { FgcError, isFgcError } from '../../../infra/errors.js';
import type { BusMessage, EventBus, PublishReceipt } from '../../../infra/event-bus/event-bus.js';
import type { DeadLetter } from '../../../pipelines/dead-letters/dead-letter.js';
import { DeadLetterStore } from '../../../pipelines/dead-letters/dead-letter-store.js';
import { GroupSink, HELD_GROUP_TTL_MS, type ChunkWrite } from '../../../pipelines/runner/group-sink.js';
import { createPipelineMetrics } from '../../../pipelines/runner/pipeline-metrics.js';
import { openModelStore, type ModelStore } from '../normalize/model-store.js';

interface Fault {
  readonly table: string;
  /** `before`: refused, nothing stored (outage); `after`: stored, then the call fails anyway. */
  readonly mode: 'before' | 'after';
  /** Which inserts: by token (group tokens start with `g:`) or by the rows they carry. */
  readonly matches: (token: string, rows: readonly object[]) => boolean;
  /** How many more inserts it hits (Infinity: until removed). */
  times: number;
  readonly error: () => Error;
}

const outage = (): Error => new FgcError('FGC_STORE_UNAVAILABLE', 'connect ECONNREFUSED (test outage)');
const refusal = (): Error => new FgcError('FGC_STORE_QUERY_FAILED', 'Code: 53. Type mismatch (test refusal)');

/** The real store, with faults injected into chosen inserts and a log of every insert sent. */
class FaultyStore implements AnalyticsStore {
  readonly faults: Fault[] = [];
  readonly inserts: { table: string; token: string; rows: number }[] = [];
  constructor(private readonly real: AnalyticsStore) {}
  get kind(): AnalyticsStore['kind'] {
    return this.real.kind;
  }
  get database(): string {
    return this.real.database;
  }
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]> {
    return this.real.query<T>(sql, params);
  }
  command(sql: string, params?: QueryParams): Promise<void> {
    return this.real.command(sql, params);
  }
  async insert(table: string, rows: readonly object[], options?: InsertOptions): Promise<void> {
    const token = options?.deduplicationToken ?? '';
    this.inserts.push({ table, token, rows: rows.length });
    const fault = this.faults.find((f) => f.table === table && f.times > 0 && f.matches(token, rows));
    if (fault !== undefined) fault.times -= 1;
    if (fault?.mode === 'before') throw fault.error();
    await this.real.insert(table, rows, options);
    if (fault?.mode === 'after') throw fault.error();
  }
  ping(): Promise<void> {
    return this.real.ping();
  }
  async close(): Promise<void> {
    // the real store belongs to the test file
  }
}

let model: ModelStore;
let tenantSeq = 0;

beforeAll(async () => {
  model = await openModelStore('group_sink_test');
}, 60_000);
afterAll(() => model.close());

/** One sink over a fresh tenant (tests share the chDB store), a clock the test moves, and helpers. */
function setup() {
  const tenant = `t${++tenantSeq}`;
  // Tokens derive from topic and offsets, and ClickHouse remembers them per table: a topic per test keeps tests apart.
  const topic = `test.raw.${tenant}`;
  const store = new FaultyStore(model.store);
  const published: BusMessage[] = [];
  const bus = {
    publish: (_topic: string, messages: readonly BusMessage[]): Promise<PublishReceipt[]> => {
      published.push(...messages);
      return Promise.resolve([]);
    },
  } as unknown as EventBus;
  const clock = { now: 1_700_000_000_000 };
  const sink = new GroupSink({
    store,
    bus,
    deadLetters: new DeadLetterStore(store),
    metrics: createPipelineMetrics(new Registry()),
    now: () => clock.now,
    // As the chunk processor's default policy does: infrastructure errors as they are, refusals wrapped (held and retried).
    onWriteError: (error, table, what) => {
      if (isFgcError(error) && error.retriable) throw error;
      throw new FgcError('FGC_PIPELINE_SINK_REJECTED', `writing ${table} for ${what} failed`, { cause: error, retriable: true });
    },
  });

  /** `n` item records at offsets first.. of a partition: an items row and a sites row each, progress for batch `batch`. */
  const chunk = (partition: number, first: number, n: number, options: { batch?: string; letters?: number; marker?: string } = {}): ChunkWrite => {
    const offsets = Array.from({ length: n }, (_, i) => first + i);
    const name = options.marker ?? 'ok';
    const letters: DeadLetter[] = Array.from({ length: options.letters ?? 0 }, (_, i) => ({
      tenantId: tenant,
      batchId: options.batch ?? 'b1',
      sourceId: 'erp',
      recordType: 'items',
      recordIndex: i,
      stage: 'normalize',
      errorCode: 'UNKNOWN_UOM',
      field: 'uom',
      message: 'unknown unit BOX',
      source: { topic, partition, offset: String(first + n + i), key: `${tenant}|erp|L-${i}`, value: Buffer.from('x'), headers: {}, timestamp: 0 },
    }));
    return {
      topic,
      partition,
      firstOffset: String(first),
      lastOffset: String(first + n + letters.length - 1),
      records: n + letters.length,
      rowsByTable: new Map<string, Record<string, unknown>[]>([
        ['items', offsets.map((o) => ({ tenant_id: tenant, sku: `P${partition}-${o}`, name, version: 1 }))],
        ['sites', offsets.map((o) => ({ tenant_id: tenant, site: `P${partition}-${o}`, version: 1 }))],
      ]),
      letters,
      progress: [{ tenant_id: tenant, batch_id: options.batch ?? 'b1', record_type: 'items', normalized: n, failed: letters.length, recovered: 0 }],
    };
  };

  const count = async (table: string): Promise<number> => {
    const rows = await model.store.query<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE tenant_id = {t:String}`, { t: tenant });
    return Number(rows[0]!.n);
  };
  const progress = async (): Promise<{ rows: number; normalized: number }> => {
    const rows = await model.store.query<{ rows: string; normalized: string }>('SELECT count() AS rows, sum(normalized) AS normalized FROM batch_progress WHERE tenant_id = {t:String}', { t: tenant });
    return { rows: Number(rows[0]!.rows), normalized: Number(rows[0]!.normalized) };
  };
  /** Submits chunks in one tick: the first flushes alone, the rest queue behind it and share the next flush. */
  const submitTogether = (...writes: ChunkWrite[]): Promise<PromiseSettledResult<void>[]> => Promise.allSettled(writes.map((w) => sink.submit(w)));
  const failGroupInsert = (table: string, mode: Fault['mode'], times = 1, error = outage): void => {
    store.faults.push({ table, mode, times, error, matches: (token) => token.startsWith('g:') });
  };

  return { tenant, topic, store, sink, clock, published, chunk, count, progress, submitTogether, failGroupInsert };
}

const rejected = (results: PromiseSettledResult<void>[]): string[] =>
  results.map((r) => (r.status === 'fulfilled' ? 'ok' : isFgcError(r.reason) ? r.reason.code : String(r.reason)));

describe('group sink', () => {
  it('stores concurrent chunks with one insert per table', async () => {
    const t = setup();
    const results = await t.submitTogether(t.chunk(0, 0, 3), t.chunk(1, 0, 4), t.chunk(2, 0, 5));
    expect(rejected(results)).toEqual(['ok', 'ok', 'ok']);
    // The first chunk flushes alone; the two that queued meanwhile share one insert per table.
    expect(t.store.inserts.filter((i) => i.table === 'items').map((i) => i.rows)).toEqual([3, 9]);
    expect(await t.count('items')).toBe(12);
    expect(await t.progress()).toEqual({ rows: 3, normalized: 12 });
  });

  it('retries a group whose write partly landed under the same token: nothing stored twice', async () => {
    const t = setup();
    // items lands, sites is refused: the group's chunks fail and come back one by one.
    t.failGroupInsert('sites', 'before');
    const first = await t.submitTogether(t.chunk(0, 0, 10), t.chunk(1, 0, 20), t.chunk(2, 0, 30));
    expect(rejected(first)).toEqual(['ok', 'FGC_STORE_UNAVAILABLE', 'FGC_STORE_UNAVAILABLE']);
    expect(await t.count('items')).toBe(60);
    expect(await t.count('sites')).toBe(10);

    // The bus redelivers partition 2 first, alone; then partition 1 beside a new chunk of partition 0.
    await t.sink.submit(t.chunk(2, 0, 30));
    const sent = t.store.inserts.length;
    const second = await t.submitTogether(t.chunk(0, 10, 5), t.chunk(1, 0, 20));
    expect(rejected(second)).toEqual(['ok', 'ok']);
    expect(t.store.inserts.slice(sent).map((i) => `${i.table}:${i.rows}`)).toEqual(['items:5', 'sites:5', 'batch_progress:1']); // only the new chunk: the replay stored partition 1
    expect(await t.count('items')).toBe(65);
    expect(await t.count('sites')).toBe(65);
    expect(await t.progress()).toEqual({ rows: 4, normalized: 65 });
  });

  it('retries a group whose failed inserts did land (the answer lost): dropped, not doubled', async () => {
    const t = setup();
    // First attempt: items lands but answers with an error. First replay: dead letters do the same.
    t.failGroupInsert('items', 'after');
    t.failGroupInsert('dead_letters', 'after');
    const withLetters = t.chunk(1, 0, 7, { letters: 2 });
    const first = await t.submitTogether(t.chunk(0, 0, 1), withLetters, t.chunk(3, 0, 9));
    expect(rejected(first)).toEqual(['ok', 'FGC_STORE_UNAVAILABLE', 'FGC_STORE_UNAVAILABLE']);
    expect(await t.count('items')).toBe(17);
    // Back in the other order, each alone.
    expect(rejected(await t.submitTogether(t.chunk(3, 0, 9)))).toEqual(['FGC_STORE_UNAVAILABLE']);
    expect(await t.count('dead_letters')).toBe(2);
    expect(rejected(await t.submitTogether(t.chunk(1, 0, 7, { letters: 2 })))).toEqual(['ok']);
    expect(rejected(await t.submitTogether(t.chunk(3, 0, 9)))).toEqual(['ok']);
    expect(await t.count('items')).toBe(17);
    expect(await t.count('sites')).toBe(17);
    expect(await t.count('dead_letters')).toBe(2);
    expect(await t.progress()).toEqual({ rows: 3, normalized: 17 });
    expect(t.published).toHaveLength(2); // published once the dead-letter insert answered
  });

  it('keeps retrying the same group through a long outage, then stores it once', async () => {
    const t = setup();
    t.store.faults.push({ table: 'items', mode: 'before', times: Infinity, error: outage, matches: () => true });
    const a = t.chunk(0, 0, 4);
    const b = t.chunk(1, 0, 6);
    expect(rejected(await t.submitTogether(t.chunk(2, 0, 1), a, b))).toEqual(['FGC_STORE_UNAVAILABLE', 'FGC_STORE_UNAVAILABLE', 'FGC_STORE_UNAVAILABLE']);
    for (let attempt = 0; attempt < 5; attempt++) {
      t.clock.now += 10_000;
      expect(rejected(await t.submitTogether(b, a))).toEqual(['FGC_STORE_UNAVAILABLE', 'FGC_STORE_UNAVAILABLE']);
    }
    const groupTokens = new Set(t.store.inserts.filter((i) => i.table === 'items' && i.rows === 10).map((i) => i.token));
    expect(groupTokens.size).toBe(1);
    t.store.faults.length = 0;
    expect(rejected(await t.submitTogether(a, t.chunk(2, 0, 1), b))).toEqual(['ok', 'ok', 'ok']);
    expect(await t.count('items')).toBe(11);
    expect(await t.count('sites')).toBe(11); // sites landed on the first attempt already
    expect(await t.progress()).toEqual({ rows: 3, normalized: 11 });
  });

  it('does not hold a group ClickHouse refused: its good chunks go on without the bad one', async () => {
    const t = setup();
    t.store.faults.push({ table: 'items', mode: 'before', times: Infinity, error: refusal, matches: (_token, rows) => rows.some((r) => (r as { name?: string }).name === 'bad') });
    const good = t.chunk(1, 0, 5);
    const bad = t.chunk(2, 0, 5, { marker: 'bad' });
    expect(rejected(await t.submitTogether(t.chunk(0, 0, 1), good, bad))).toEqual(['ok', 'FGC_PIPELINE_SINK_REJECTED', 'FGC_PIPELINE_SINK_REJECTED']);
    expect(rejected(await t.submitTogether(good))).toEqual(['ok']);
    expect(rejected(await t.submitTogether(bad))).toEqual(['FGC_PIPELINE_SINK_REJECTED']);
    expect(await t.progress()).toEqual({ rows: 2, normalized: 6 });
  });

  it('drops a member whose partition comes back under other boundaries from the group before its replay', async () => {
    const t = setup();
    t.store.faults.push({ table: 'items', mode: 'before', times: 1, error: outage, matches: (token) => token.startsWith('g:') });
    expect(rejected(await t.submitTogether(t.chunk(0, 0, 1), t.chunk(1, 0, 10), t.chunk(2, 0, 10)))).toEqual(['ok', 'FGC_STORE_UNAVAILABLE', 'FGC_STORE_UNAVAILABLE']);
    // Partition 1 comes back cut differently (a rebalance: more messages fetched): it writes offsets 0..14 itself.
    expect(rejected(await t.submitTogether(t.chunk(1, 0, 15)))).toEqual(['ok']);
    expect(rejected(await t.submitTogether(t.chunk(2, 0, 10)))).toEqual(['ok']);
    expect(await t.count('items')).toBe(26);
    expect(await t.progress()).toEqual({ rows: 3, normalized: 26 });
  });

  it('refuses a chunk overlapping a member its group already stored; the member itself resolves without writing', async () => {
    const t = setup();
    t.failGroupInsert('sites', 'before');
    expect(rejected(await t.submitTogether(t.chunk(0, 0, 1), t.chunk(1, 0, 10), t.chunk(2, 0, 10)))).toEqual(['ok', 'FGC_STORE_UNAVAILABLE', 'FGC_STORE_UNAVAILABLE']);
    expect(rejected(await t.submitTogether(t.chunk(2, 0, 10)))).toEqual(['ok']); // the replay stores partition 1 too
    const sent = t.store.inserts.length;
    expect(rejected(await t.submitTogether(t.chunk(1, 5, 10)))).toEqual(['FGC_PIPELINE_SINK_OVERLAP']);
    expect(rejected(await t.submitTogether(t.chunk(1, 0, 10)))).toEqual(['ok']);
    expect(t.store.inserts.length).toBe(sent);
    expect(await t.count('items')).toBe(21);
    expect(await t.progress()).toEqual({ rows: 3, normalized: 21 });
  });

  it('forgets a held group after HELD_GROUP_TTL_MS: a late member is written as a new chunk', async () => {
    const t = setup();
    t.store.faults.push({ table: 'items', mode: 'before', times: 1, error: outage, matches: (token) => token.startsWith('g:') });
    expect(rejected(await t.submitTogether(t.chunk(0, 0, 1), t.chunk(1, 0, 3), t.chunk(2, 0, 3)))).toEqual(['ok', 'FGC_STORE_UNAVAILABLE', 'FGC_STORE_UNAVAILABLE']);
    t.clock.now += HELD_GROUP_TTL_MS + 1;
    expect(rejected(await t.submitTogether(t.chunk(2, 0, 3)))).toEqual(['ok']);
    expect(t.store.inserts.at(-1)).toMatchObject({ table: 'batch_progress', token: `${t.topic}:2:0-2:batch_progress` });
    expect(await t.count('items')).toBe(4);
  });

  it('refuses nothing and holds nothing for chunks of unusual shape (empty rows, unicode ids, huge offsets)', async () => {
    const t = setup();
    const huge = '18446744073709551000';
    const write: ChunkWrite = { ...t.chunk(5, 0, 1), firstOffset: huge, lastOffset: huge, rowsByTable: new Map([['items', [{ tenant_id: t.tenant, sku: 'Ärger-✓', name: '工場', version: 1 }]]]) };
    const empty: ChunkWrite = { ...t.chunk(6, 0, 1), rowsByTable: new Map(), progress: [] };
    expect(rejected(await t.submitTogether(write, empty))).toEqual(['ok', 'ok']);
    const items = await model.store.query<{ sku: string; name: string }>('SELECT sku, name FROM items WHERE tenant_id = {t:String}', { t: t.tenant });
    expect(items).toEqual([{ sku: 'Ärger-✓', name: '工場' }]);
  });
});
