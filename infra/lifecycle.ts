/**
 * Resource lifecycle. Every acquired resource registers how to release it; `release()` runs the
 * releases last-in-first-out (what was opened last depends on what was opened before it), each
 * within the shared deadline, and logs rather than stops on a failing release so the rest still
 * close. `installSignalHandlers` wires SIGTERM/SIGINT to it exactly once.
 */
import { FgcError } from './errors.js';
import type { Logger } from './logger.js';

type Release = () => Promise<void> | void;

export class Lifecycle implements AsyncDisposable {
  readonly #releases: { name: string; release: Release }[] = [];
  #releasing: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly deadlineMs: number,
  ) {}

  /** Registers `release` to run at shutdown; returns the resource for chaining. */
  register<T>(name: string, resource: T, release: (resource: T) => Promise<void> | void): T {
    if (this.#releasing !== undefined) throw new Error(`cannot register ${name}: shutdown has begun`);
    this.#releases.push({ name, release: () => release(resource) });
    return resource;
  }

  /** Registers an `AsyncDisposable` resource. */
  use<T extends AsyncDisposable>(name: string, resource: T): T {
    return this.register(name, resource, async (r) => {
      await r[Symbol.asyncDispose]();
    });
  }

  get isShuttingDown(): boolean {
    return this.#releasing !== undefined;
  }

  /** Releases everything LIFO; idempotent. Rejects with FGC_LIFECYCLE_SHUTDOWN_TIMEOUT past the deadline. */
  release(): Promise<void> {
    this.#releasing ??= this.#releaseAll();
    return this.#releasing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  async #releaseAll(): Promise<void> {
    const deadline = Date.now() + this.deadlineMs;
    while (this.#releases.length > 0) {
      const { name, release } = this.#releases.pop()!;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new FgcError('FGC_LIFECYCLE_SHUTDOWN_TIMEOUT', `shutdown deadline passed before releasing ${name}`);
      }
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(release),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new FgcError('FGC_LIFECYCLE_SHUTDOWN_TIMEOUT', `${name} did not release in time`)), left);
          }),
        ]);
        this.logger.debug({ resource: name }, 'released');
      } catch (error) {
        this.logger.error({ err: error, resource: name }, 'release failed');
        if (error instanceof FgcError && error.code === 'FGC_LIFECYCLE_SHUTDOWN_TIMEOUT') throw error;
      } finally {
        clearTimeout(timer);
      }
    }
  }
}

/** Releases the lifecycle on the first SIGTERM/SIGINT and exits; a second signal exits at once. */
export function installSignalHandlers(lifecycle: Lifecycle, logger: Logger): void {
  let received = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received) {
      logger.warn({ signal }, 'second signal: exiting immediately');
      process.exit(1);
    }
    received = true;
    logger.info({ signal }, 'shutting down');
    lifecycle.release().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown incomplete');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
