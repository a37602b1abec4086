/** A fake clock and timer for the scheduler: time moves only when a test advances it. */
import type { SchedulerClock } from '../../../forecasting/jobs/scheduler.js';

export class FakeClock implements SchedulerClock {
  #now: number;
  #timers: { at: number; callback: () => void; id: number }[] = [];
  #next = 0;

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    this.#next += 1;
    this.#timers.push({ at: this.#now + ms, callback, id: this.#next });
    return this.#next;
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  pending(): number {
    return this.#timers.length;
  }

  /** Moves time to `to`, firing due timers in order and letting promises settle after each. */
  async advanceTo(to: number): Promise<void> {
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= to).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      due.callback();
      await settle();
    }
    this.#now = Math.max(this.#now, to);
    await settle();
  }
}

/** Lets queued promise callbacks run (several turns: runs chain a few awaits). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
