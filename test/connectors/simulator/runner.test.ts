import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IngestRequest, IngestResult, Ingestor } from '../../../connectors/ingest/ingestor.js';
import { RECORD_TYPES } from '../../../connectors/ingest/ingestor.js';
import { createSimulator, type SimulatorOptions } from '../../../connectors/simulator/runner.js';
import { FgcError, isFgcError } from '../../../infra/errors.js';
import { silentLogger } from '../../../infra/logger.js';
import { SMALL_CONFIG, historyOf } from './fixtures.js';

/** Records every call; answers a repeated (source, reference) with the original result, like the real ingestor. */
class RecordingIngestor implements Ingestor {
  readonly calls: IngestRequest[] = [];
  readonly conflicts: string[] = [];
  readonly #seen = new Map<string, { content: string; result: IngestResult }>();
  /** Throws this for a call when it returns an error. */
  fail: ((request: IngestRequest, call: number) => Error | undefined) | undefined;
  /** Holds a call until the returned promise resolves. */
  gate: ((request: IngestRequest) => Promise<void>) | undefined;

  async ingest(request: IngestRequest): Promise<IngestResult> {
    this.calls.push(request);
    await this.gate?.(request);
    const error = this.fail?.(request, this.calls.length);
    if (error !== undefined) throw error;
    const key = `${request.tenant}|${request.source_id}|${request.batch_reference}`;
    const content = JSON.stringify(request.data);
    const previous = this.#seen.get(key);
    if (previous !== undefined) {
      if (previous.content !== content) this.conflicts.push(key);
      return { ...previous.result, replayed: true };
    }
    const received = Object.values(request.data).reduce<number>((n, records) => n + (records as unknown[]).length, 0);
    const result: IngestResult = { batch_id: `b${this.#seen.size}`, batch_reference: request.batch_reference, status: 'accepted', received, accepted: received, rejected: 0, errors: [], replayed: false };
    this.#seen.set(key, { content, result });
    return result;
  }

  get references(): string[] {
    return this.calls.map((c) => c.batch_reference);
  }
}

const sizeOf = (request: IngestRequest): number => Object.values(request.data).reduce<number>((n, records) => n + (records as unknown[]).length, 0);

function options(ingestor: Ingestor, extra: Partial<SimulatorOptions> = {}): SimulatorOptions {
  return { ingestor, tenant: 't1', ...SMALL_CONFIG, logger: silentLogger(), retry: { baseDelayMs: 1, maxDelayMs: 2 }, ...extra };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('simulator runner: history', () => {
  it('sends every record once, in batches of at most 1,000 records of one type, with the source of its system', async () => {
    const ingestor = new RecordingIngestor();
    const simulator = createSimulator(options(ingestor));
    const stats = await simulator.runHistory();
    await simulator.close();
    const history = historyOf(SMALL_CONFIG);

    expect(ingestor.calls.length).toBe(stats.batches);
    expect(stats.failedBatches).toBe(0);
    const sent = new Map<string, number>();
    for (const call of ingestor.calls) {
      expect(sizeOf(call)).toBeLessThanOrEqual(1000);
      expect(sizeOf(call)).toBeGreaterThan(0);
      expect(call.tenant).toBe('t1');
      const types = Object.keys(call.data);
      expect(types).toHaveLength(1);
      const type = types[0]!;
      sent.set(type, (sent.get(type) ?? 0) + sizeOf(call));
      const source = { items: 'erp/sim_erp', sales_orders: 'erp/sim_erp', purchase_orders: 'erp/sim_erp', work_orders: 'erp/sim_erp', inventory: 'inventory/sim_wms', inventory_movements: 'inventory/sim_wms', inspections: 'quality/sim_qms', gl_entries: 'accounting/sim_fin' }[type];
      expect(`${call.source_type}/${call.source_id}`).toBe(source);
      expect(call.batch_reference).toMatch(new RegExp(`^sim:${SMALL_CONFIG.seed}\\.[0-9a-f]{8}:${type}:\\d{8}-\\d{8}:\\d+$`));
    }
    expect([...sent.keys()].sort()).toEqual([...RECORD_TYPES].sort());
    for (const type of RECORD_TYPES) {
      const expected = type === 'items' ? history.items.length : history.days.reduce((n, day) => n + day.records[type].length, 0);
      expect(sent.get(type), type).toBe(expected);
      expect(stats.records[type], type).toBe(expected);
    }
    expect(new Set(ingestor.references).size).toBe(ingestor.calls.length);
    // Master data goes first.
    expect(Object.keys(ingestor.calls[0]!.data)).toEqual(['items']);
  });

  it('re-sends identical batch references when history runs again, in this or a new simulator', async () => {
    const ingestor = new RecordingIngestor();
    const first = createSimulator(options(ingestor));
    const stats1 = await first.runHistory();
    const refs1 = ingestor.references;
    const stats2 = await first.runHistory();
    await first.close();
    const second = createSimulator(options(ingestor));
    const stats3 = await second.runHistory();
    await second.close();
    const n = refs1.length;
    expect(ingestor.references.slice(n, 2 * n)).toEqual(refs1);
    expect(ingestor.references.slice(2 * n)).toEqual(refs1);
    expect(ingestor.conflicts).toEqual([]);
    expect(stats1.replayedBatches).toBe(0);
    expect(stats2.replayedBatches).toBe(n);
    expect(stats3.replayedBatches).toBe(n);
  });

  it('splits a day bigger than the batch limit into numbered parts and still sends each record once', async () => {
    const ingestor = new RecordingIngestor();
    const simulator = createSimulator(options(ingestor, { batchRecords: 7 }));
    await simulator.runHistory();
    await simulator.close();
    expect(Math.max(...ingestor.calls.map(sizeOf))).toBeLessThanOrEqual(7);
    expect(ingestor.references.some((ref) => ref.endsWith(':1'))).toBe(true);
    expect(new Set(ingestor.references).size).toBe(ingestor.calls.length);
    const ids = ingestor.calls.flatMap((call) => (call.data.gl_entries as { entry_id: string }[] | undefined)?.map((e) => e.entry_id) ?? []);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(historyOf(SMALL_CONFIG).days.reduce((n, day) => n + day.records.gl_entries.length, 0));
  });

  it('retries retriable failures with backoff, logs and skips the others, and goes on', async () => {
    const ingestor = new RecordingIngestor();
    let unavailable = 2;
    ingestor.fail = (request) => {
      if (request.batch_reference.includes(':items:') && unavailable > 0) {
        unavailable -= 1;
        return new FgcError('FGC_BUS_UNAVAILABLE');
      }
      if (request.batch_reference.includes(':work_orders:')) return new FgcError('FGC_HTTP_INVALID_REQUEST', 'bad envelope');
      return undefined;
    };
    const simulator = createSimulator(options(ingestor));
    const stats = await simulator.runHistory();
    await simulator.close();
    const itemsCalls = ingestor.calls.filter((c) => c.batch_reference.includes(':items:'));
    expect(itemsCalls).toHaveLength(3);
    expect(new Set(itemsCalls.map((c) => c.batch_reference)).size).toBe(1);
    const workOrderRefs = ingestor.references.filter((ref) => ref.includes(':work_orders:'));
    expect(workOrderRefs.length).toBeGreaterThan(0);
    expect(new Set(workOrderRefs).size).toBe(workOrderRefs.length); // never retried
    expect(stats.failedBatches).toBe(workOrderRefs.length);
    expect(stats.records.items).toBe(SMALL_CONFIG.items);
    expect(stats.records.gl_entries).toBeGreaterThan(0);
  });

  it('gives up after the configured attempts on a failure that stays retriable', async () => {
    const ingestor = new RecordingIngestor();
    ingestor.fail = (request) => (request.batch_reference.includes(':items:') ? new FgcError('FGC_BUS_PUBLISH_FAILED') : undefined);
    const simulator = createSimulator(options(ingestor, { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 } }));
    const stats = await simulator.runHistory();
    await simulator.close();
    expect(ingestor.calls.filter((c) => c.batch_reference.includes(':items:'))).toHaveLength(3);
    expect(stats.failedBatches).toBe(1);
    expect(stats.batches).toBe(ingestor.calls.length - 3);
  });

  it('returns the ground truth without sending anything', async () => {
    const ingestor = new RecordingIngestor();
    const simulator = createSimulator(options(ingestor));
    expect(simulator.groundTruth()).toEqual(historyOf(SMALL_CONFIG).groundTruth);
    await simulator.close();
    expect(ingestor.calls).toHaveLength(0);
  });
});

describe('simulator runner: live mode', () => {
  const liveDates = (ingestor: RecordingIngestor): string[] =>
    [...new Set(ingestor.calls.flatMap((c) => ((c.data.inventory ?? []) as { as_of: string }[]).map((r) => r.as_of.slice(0, 10))))].sort();

  it('emits today at once and then one simulated day per msPerDay of the clock, and stops on close()', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const ingestor = new RecordingIngestor();
    const simulator = createSimulator(options(ingestor, { live: { msPerDay: 1000 }, clock: () => Date.now() }));
    const today = simulator.groundTruth().today;
    simulator.startLive();
    await vi.advanceTimersByTimeAsync(0);
    expect(liveDates(ingestor)).toEqual([today]);
    await vi.advanceTimersByTimeAsync(999);
    expect(liveDates(ingestor)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(liveDates(ingestor)).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2000);
    const dates = liveDates(ingestor);
    expect(dates).toHaveLength(4);
    expect(dates[0]).toBe(today);
    expect(dates[3]).toBe(new Date(Date.parse(`${today}T00:00:00Z`) + 3 * 86_400_000).toISOString().slice(0, 10));
    // Live days go through the same batching: one record type per batch, references by date.
    for (const call of ingestor.calls) expect(Object.keys(call.data)).toHaveLength(1);
    expect(ingestor.references.every((ref) => /:\d{8}-\d{8}:\d+$/.test(ref))).toBe(true);

    await simulator.close();
    const after = ingestor.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ingestor.calls.length).toBe(after);
    expect(liveDates(ingestor)).toHaveLength(4);
  });

  it('continues the history: the first live day starts from the last history close', async () => {
    const ingestor = new RecordingIngestor();
    const simulator = createSimulator(options(ingestor, { live: { msPerDay: 60_000 } }));
    await simulator.runHistory();
    const historyCalls = ingestor.calls.length;
    simulator.startLive();
    await vi.waitFor(() => expect(ingestor.calls.slice(historyCalls).some((c) => c.data.inventory !== undefined)).toBe(true));
    await simulator.close();
    const truth = simulator.groundTruth().stockout;
    const liveMoves = ingestor.calls.slice(historyCalls).flatMap((c) => (c.data.inventory_movements ?? []) as { sku: string; site: string; qty: number }[]);
    const liveSnapshot = ingestor.calls.slice(historyCalls).flatMap((c) => (c.data.inventory ?? []) as { sku: string; site: string; on_hand: number }[]).find((r) => r.sku === truth.sku && r.site === truth.site);
    const moved = liveMoves.filter((m) => m.sku === truth.sku && m.site === truth.site).reduce((s, m) => s + m.qty, 0);
    expect(liveSnapshot?.on_hand).toBe(truth.closingOnHand + moved);
    // History references and live references never collide.
    expect(new Set(ingestor.references).size).toBe(ingestor.calls.length);
  });

  it('lets the batch in flight complete on close() and starts no other', async () => {
    const ingestor = new RecordingIngestor();
    let release: () => void = () => undefined;
    ingestor.gate = () => new Promise<void>((resolve) => (release = resolve));
    const simulator = createSimulator(options(ingestor, { live: { msPerDay: 1 } }));
    simulator.startLive();
    await vi.waitFor(() => expect(ingestor.calls).toHaveLength(1));
    let closed = false;
    const closing = simulator.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(false);
    release();
    await closing;
    await new Promise((r) => setTimeout(r, 20));
    expect(ingestor.calls).toHaveLength(1);
  });

  it('is AsyncDisposable and rejects a bad configuration at creation', async () => {
    const ingestor = new RecordingIngestor();
    {
      await using simulator = createSimulator(options(ingestor, { live: { msPerDay: 1 } }));
      simulator.startLive();
      await vi.waitFor(() => expect(ingestor.calls.length).toBeGreaterThan(0));
    }
    const sent = ingestor.calls.length;
    await new Promise((r) => setTimeout(r, 20));
    expect(ingestor.calls.length).toBe(sent);
    expect(() => createSimulator(options(ingestor, { items: 2 }))).toThrow(/items must be/);
  });

  it('refuses live mode without the live option', async () => {
    const simulator = createSimulator(options(new RecordingIngestor()));
    let error: unknown;
    try {
      simulator.startLive();
    } catch (caught) {
      error = caught;
    }
    expect(isFgcError(error) && error.code === 'FGC_CONFIG_INVALID').toBe(true);
    await simulator.close();
  });
});
