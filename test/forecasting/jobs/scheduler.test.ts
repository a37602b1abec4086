import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryCoordination } from '../../../infra/coordination/memory-coordination.js';
import { silentLogger } from '../../../infra/logger.js';
import { DEFAULT_JOBS } from '../../../forecasting/jobs/cron-table.js';
import type { RunRecord } from '../../../forecasting/jobs/job-runs.js';
import { ForecastScheduler } from '../../../forecasting/jobs/scheduler.js';
import { FakeClock, settle } from './fake-clock.js';
import { platform, replica } from './job-fixture.js';
import { memoryRunStore } from './memory-run-store.js';

const at = (iso: string): number => Date.parse(iso);

function recordingRunner() {
  const calls: { job: string; slot: string; trigger: string }[] = [];
  return {
    calls,
    runScheduled: async (job: string, slot: number, trigger: 'schedule' | 'catch-up'): Promise<RunRecord | undefined> => {
      calls.push({ job, slot: new Date(slot).toISOString(), trigger });
      return undefined;
    },
  };
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe('forecast scheduler on a fake clock', () => {
  it('starts each job at its cron slots and nothing in between', async () => {
    const clock = new FakeClock(at('2024-07-01T01:58:30Z'));
    const runner = recordingRunner();
    const scheduler = new ForecastScheduler({ jobs: DEFAULT_JOBS, runner, runs: memoryRunStore(), clock, logger: silentLogger() });
    stops.push(() => scheduler.stop());
    await scheduler.start();
    expect(scheduler.state).toBe('running');
    expect(runner.calls).toEqual([]); // first start ever: nothing to catch up
    await clock.advanceTo(at('2024-07-01T01:59:59Z'));
    expect(runner.calls).toEqual([]);
    await clock.advanceTo(at('2024-07-01T02:00:30Z'));
    expect(runner.calls).toEqual([{ job: 'nightly', slot: '2024-07-01T02:00:00.000Z', trigger: 'schedule' }]);
    await clock.advanceTo(at('2024-07-01T04:00:00Z'));
    expect(runner.calls.slice(1)).toEqual([
      { job: 'hourly', slot: '2024-07-01T02:05:00.000Z', trigger: 'schedule' },
      { job: 'hourly', slot: '2024-07-01T03:05:00.000Z', trigger: 'schedule' },
    ]);
    await scheduler.stop();
    expect(scheduler.state).toBe('stopped');
    expect(clock.pending()).toBe(0);
    await clock.advanceTo(at('2024-07-02T04:00:00Z'));
    expect(runner.calls).toHaveLength(3);
  });

  it('catches up after downtime with at most one run per job, for the latest missed slot', async () => {
    const runs = memoryRunStore();
    const old = (job: string, slot: string): RunRecord => ({
      run_id: `${job}-old`, job, tenant_id: '', trigger: 'schedule', status: 'success', scheduled_for: slot, started_at: slot, finished_at: slot,
      entities_total: 0, entities_done: 0, entities_failed: 0, error: '', holder: 'x', fencing_token: 1, version: 3,
    });
    await runs.save(old('nightly', '2024-06-28T02:00:00.000Z'));
    await runs.save(old('hourly', '2024-07-01T08:05:00.000Z'));
    const clock = new FakeClock(at('2024-07-01T10:30:00Z'));
    const runner = recordingRunner();
    const scheduler = new ForecastScheduler({ jobs: DEFAULT_JOBS, runner, runs, clock, logger: silentLogger() });
    stops.push(() => scheduler.stop());
    await scheduler.start();
    await settle();
    expect(runner.calls).toEqual([
      { job: 'nightly', slot: '2024-07-01T02:00:00.000Z', trigger: 'catch-up' },
      { job: 'hourly', slot: '2024-07-01T10:05:00.000Z', trigger: 'catch-up' },
    ]);
    await clock.advanceTo(at('2024-07-01T11:06:00Z'));
    expect(runner.calls.slice(2)).toEqual([{ job: 'hourly', slot: '2024-07-01T11:05:00.000Z', trigger: 'schedule' }]);
  });
});

describe('two schedulers over one coordination store', () => {
  it('never run the same job at once, and run each slot once', async () => {
    const p = platform();
    const coordination = createMemoryCoordination();
    const clock = new FakeClock(at('2024-07-01T01:59:30Z'));
    const a = replica(p, coordination, 'replica-a', { clock });
    const b = replica(p, coordination, 'replica-b', { clock });
    stops.push(async () => {
      p.gate.open();
      await a.scheduler.stop();
      await b.scheduler.stop();
      await coordination.close();
    });
    await a.scheduler.start();
    await b.scheduler.start();

    p.gate.close(); // hold the nightly run in the middle
    await clock.advanceTo(at('2024-07-01T02:00:30Z'));
    expect(p.runs.latest().map((r) => [r.job, r.status])).toEqual([['nightly', 'running']]);
    const holder = p.runs.latest()[0]!.holder;
    const [other] = [a, b].filter((_, i) => ['replica-a', 'replica-b'][i] !== holder);
    // A manual start on either replica is refused while the run goes on.
    await expect(other!.runner.trigger('nightly', 'default')).rejects.toMatchObject({ code: 'FGC_FORECAST_JOB_BUSY', status: 409 });
    await expect(a.runner.trigger('nightly', 'default')).rejects.toMatchObject({ code: 'FGC_FORECAST_JOB_BUSY' });

    p.gate.open();
    await Promise.all([...a.runner.running(), ...b.runner.running()]);
    // The replica that lost the race asks again for the same slot (a late tick): the slot is taken.
    expect(await other!.runner.runScheduled('nightly', at('2024-07-01T02:00:00Z'), 'schedule')).toBeUndefined();

    await clock.advanceTo(at('2024-07-02T02:00:30Z'));
    await Promise.all([...a.runner.running(), ...b.runner.running(), ...a.scheduler.inFlight(), ...b.scheduler.inFlight()]);
    const nightly = p.runs.latest().filter((r) => r.job === 'nightly');
    expect(nightly.map((r) => [r.scheduled_for, r.status])).toEqual([
      ['2024-07-02T02:00:00.000Z', 'success'],
      ['2024-07-01T02:00:00.000Z', 'success'],
    ]);
    expect(p.runs.overlaps).toEqual([]);
    // Fencing tokens grow with every acquisition of the job's lease.
    expect(nightly[0]!.fencing_token).toBeGreaterThan(nightly[1]!.fencing_token);
  });
});
