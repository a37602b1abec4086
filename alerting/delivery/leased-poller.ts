/**
 * Runs a task every `everyMs` on one replica at a time: each tick acquires (or renews) the
 * coordination lease `name` and runs the task only while holding it. A replica that dies stops
 * renewing, its lease lapses after `ttlMs`, and another replica's next tick takes over.
 *
 *   idle ──tick──► acquire/renew ──held──► task ──► wait everyMs ──► tick
 *                                 ──not held (someone else has it)──► wait everyMs ──► tick
 *   any ──stop()──► the running tick finishes, the lease is released
 *
 * Ticks never overlap (the next is scheduled when one ends), and errors of a tick are logged and
 * the next tick tries again: a coordination outage pauses the task, it never kills the poller.
 */
import type { Coordination, Lease } from '../../infra/coordination/coordination.js';
import type { Logger } from '../../infra/logger.js';

export interface LeasedPollerOptions {
  readonly coordination: Coordination;
  readonly name: string;
  readonly holder: string;
  readonly ttlMs: number;
  readonly everyMs: number;
  readonly task: () => Promise<unknown>;
  readonly logger: Logger;
}

export interface LeasedPoller {
  /** Whether this replica held the lease at its last tick. */
  readonly leading: boolean;
  stop(): Promise<void>;
}

export function startLeasedPoller(options: LeasedPollerOptions): LeasedPoller {
  const { coordination, name, holder, ttlMs, logger } = options;
  let lease: Lease | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let failures = 0;

  const tick = async (): Promise<void> => {
    try {
      if (lease === null) {
        lease = await coordination.acquireLease(name, holder, ttlMs);
        if (lease !== null) logger.info({ lease: name, token: lease.token }, 'took the lease; polling here');
      } else {
        lease = await coordination.renewLease(lease, ttlMs);
        if (lease === null) logger.warn({ lease: name }, 'lost the lease; another replica polls now');
      }
      if (lease !== null && !stopped) await options.task();
      failures = 0;
    } catch (error) {
      failures++;
      // The first failure and every tenth: an outage is visible without a line per tick.
      if (failures === 1 || failures % 10 === 0) logger.warn({ err: error, lease: name, failures }, 'poller tick failed; the next tick tries again');
    }
  };

  const schedule = (ms: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = tick().finally(() => schedule(options.everyMs));
    }, ms);
    // The poller never keeps a process alive on its own; the server or the runtime does.
    timer.unref();
  };
  schedule(0);

  return {
    get leading() {
      return lease !== null;
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await current;
      const held = lease;
      lease = null;
      if (held !== null) await coordination.releaseLease(held).catch((error: unknown) => logger.debug({ err: error, lease: name }, 'releasing the lease failed; it lapses on its own'));
    },
  };
}
