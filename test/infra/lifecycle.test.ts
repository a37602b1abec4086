import { describe, expect, it } from 'vitest';
import { Lifecycle } from '../../infra/lifecycle.js';
import { silentLogger } from '../../infra/logger.js';
import { FgcError } from '../../infra/errors.js';

describe('Lifecycle', () => {
  it('releases resources last-in-first-out, once', async () => {
    const order: string[] = [];
    const lifecycle = new Lifecycle(silentLogger(), 1_000);
    for (const name of ['store', 'bus', 'server']) lifecycle.register(name, name, (n) => void order.push(n));
    await Promise.all([lifecycle.release(), lifecycle.release()]);
    expect(order).toEqual(['server', 'bus', 'store']);
    expect(lifecycle.isShuttingDown).toBe(true);
    expect(() => lifecycle.register('late', 1, () => undefined)).toThrow(/shutdown has begun/);
  });

  it('goes on releasing after a failing release', async () => {
    const order: string[] = [];
    const lifecycle = new Lifecycle(silentLogger(), 1_000);
    lifecycle.register('first', 'first', (n) => void order.push(n));
    lifecycle.register('broken', 'broken', () => {
      throw new Error('boom');
    });
    await lifecycle.release();
    expect(order).toEqual(['first']);
  });

  it('gives up at the deadline with FGC_LIFECYCLE_SHUTDOWN_TIMEOUT', async () => {
    const lifecycle = new Lifecycle(silentLogger(), 50);
    lifecycle.register('stuck', null, () => new Promise<void>(() => undefined));
    await expect(lifecycle.release()).rejects.toSatisfy((e) => e instanceof FgcError && e.code === 'FGC_LIFECYCLE_SHUTDOWN_TIMEOUT');
  });

  it('disposes AsyncDisposable resources', async () => {
    let disposed = false;
    const lifecycle = new Lifecycle(silentLogger(), 1_000);
    lifecycle.use('thing', { [Symbol.asyncDispose]: async () => void (disposed = true) });
    await lifecycle[Symbol.asyncDispose]();
    expect(disposed).toBe(true);
  });
});
