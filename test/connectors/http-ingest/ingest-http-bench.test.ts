/**
 * The ingest-http benchmark runs end to end on a small load: real HTTP against the listening app,
 * every record accepted, the ceiling measured in the same run, one result line printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIngestHttpBench, type IngestHttpBenchResult } from '../../../infra/cli/bench/ingest-http-bench.js';
import { RECORD_TYPES } from '../../../schemas/topics.js';
import { ADMIN_KEY, createIngestHarness, type IngestHarness } from '../ingest/ingest-harness.js';

let h: IngestHarness;
beforeAll(async () => {
  h = await createIngestHarness();
});
afterAll(() => h.close());

describe('ingest-http bench', () => {
  it('accepts every record over HTTP and prints one comparable result line', async () => {
    const before = await h.countAll([...RECORD_TYPES]);
    const lines: object[] = [];
    const result = await runIngestHttpBench({ mode: 'embedded', records: 2_000, batchSize: 250, clients: 3, app: h.app, bus: h.bus, serde: h.serde, ingestKey: ADMIN_KEY, print: (line) => lines.push(line) });
    expect(lines).toEqual([result]);
    expect(result).toMatchObject<Partial<IngestHttpBenchResult>>({ bench: 'ingest-http', mode: 'embedded', records: 2_000, batch_size: 250, clients: 3 });
    expect(result.records_per_s).toBeGreaterThan(0);
    expect(result.ceiling_per_s).toBeGreaterThan(0);
    expect(result.ratio).toBeCloseTo(result.records_per_s / result.ceiling_per_s, 1);
    // Warm-up and measured batches went through the ingest path onto the raw topics.
    expect((await h.countAll([...RECORD_TYPES])) - before).toBe(2_000 + 5 * 250);
  });
});
