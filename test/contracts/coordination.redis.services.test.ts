/**
 * The coordination contract against a real Redis (REDIS_URL), plus what only the Redis adapter
 * has: key prefixing, start-up that fails clearly, and behaviour while the connection is down.
 * Every key lives under this file's own prefix (one sub-prefix per test) and is deleted afterwards;
 * the last check proves nothing was left behind. Fails — never skips — without a reachable Redis.
 */
import net from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisCoordination } from '../../infra/coordination/redis-coordination.js';
import { FgcError } from '../../infra/errors.js';
import { createLogger, silentLogger } from '../../infra/logger.js';
import { requireService } from '../helpers/services.js';
import { uniqueName } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { describeCoordinationContract } from './coordination.contract.js';

const REDIS_URL = requireService('REDIS_URL', 'start redis-server, e.g. redis-server --daemonize yes');
const FILE_PREFIX = `${uniqueName('fgc-test-coordination')}:`;

/** A plain client for looking behind the adapter and cleaning up; no reconnect loop. */
const admin = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, protocol: 2 });
admin.on('error', () => {
  // Reported by the failing command instead.
});

/** SCAN's MATCH is a glob; make the prefix literal. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

async function keysUnder(prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 500);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

async function deleteKeysUnder(prefix: string): Promise<void> {
  const keys = await keysUnder(prefix);
  if (keys.length > 0) await admin.del(...keys);
}

// Checked while the file loads: without a reachable Redis the file fails with one clear error
// (a failing beforeAll would instead list every test as skipped).
const probe = await createRedisCoordination({ url: REDIS_URL, keyPrefix: FILE_PREFIX, logger: silentLogger() });
await probe.close();
await admin.connect();

afterAll(async () => {
  try {
    expect(await keysUnder(FILE_PREFIX)).toEqual([]);
  } finally {
    await deleteKeysUnder(FILE_PREFIX);
    await admin.quit();
  }
});

describeCoordinationContract('Redis', async () => {
  const keyPrefix = `${FILE_PREFIX}${uniqueName('t')}:`;
  const coordination = await createRedisCoordination({ url: REDIS_URL, keyPrefix, logger: silentLogger() });
  return {
    coordination,
    cleanup: async () => {
      await coordination.close();
      await deleteKeysUnder(keyPrefix);
    },
  };
});

/** A logger whose lines land in an array, to check what the adapter reports. */
function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

/** A TCP hop in front of Redis that a test can take down, bring back, or make go silent. */
class TcpProxy {
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;
  #stalled = false;

  private constructor(
    private readonly target: { host: string; port: number },
    public port: number,
  ) {}

  static async start(targetUrl: string): Promise<TcpProxy> {
    const url = new URL(targetUrl);
    const proxy = new TcpProxy({ host: url.hostname, port: Number(url.port || 6379) }, 0);
    await proxy.up();
    return proxy;
  }

  /** The target URL (credentials, db) with this proxy as host. */
  urlFor(targetUrl: string): string {
    const url = new URL(targetUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /** Listens (again, on the same port once it has one): connections pass through. */
  async up(): Promise<void> {
    this.#stalled = false;
    const server = net.createServer((client) => this.#forward(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  /** Stops listening and cuts every connection: to the client, Redis is down (ECONNREFUSED). */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Keeps connections open but forwards nothing more: Redis stops answering. */
  stall(): void {
    this.#stalled = true;
  }

  #forward(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (data: Buffer) => {
      if (!this.#stalled) upstream.write(data);
    });
    upstream.on('data', (data: Buffer) => {
      if (!this.#stalled) client.write(data);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}

/** A port nothing listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Redis coordination specifics', () => {
  it('writes every key under the prefix; the fencing counter never expires', async () => {
    const keyPrefix = `${FILE_PREFIX}${uniqueName('layout')}:`;
    const store = await createRedisCoordination({ url: REDIS_URL, keyPrefix, logger: silentLogger() });
    try {
      await store.set('k', 'v');
      await store.incr('n', 2, 60_000);
      await store.zadd('z', 1, 'm');
      await store.acquireLease('job', 'worker:with:colons', 60_000);
      expect((await keysUnder(keyPrefix)).sort()).toEqual(
        [`${keyPrefix}k`, `${keyPrefix}lease-fence:job`, `${keyPrefix}lease:job`, `${keyPrefix}n`, `${keyPrefix}z`].sort(),
      );
      expect(await admin.get(`${keyPrefix}lease:job`)).toBe('1:worker:with:colons');
      expect(await admin.pttl(`${keyPrefix}lease:job`)).toBeGreaterThan(50_000);
      expect(await admin.pttl(`${keyPrefix}lease-fence:job`)).toBe(-1);
      expect(await admin.pttl(`${keyPrefix}n`)).toBeGreaterThan(50_000);
    } finally {
      await store.close();
      await deleteKeysUnder(keyPrefix);
    }
  });

  it('dates a lease from before the request, so the holder never thinks it has longer than Redis gives it', async () => {
    const keyPrefix = `${FILE_PREFIX}${uniqueName('deadline')}:`;
    const store = await createRedisCoordination({ url: REDIS_URL, keyPrefix, logger: silentLogger() });
    try {
      const before = Date.now();
      const lease = (await store.acquireLease('job', 'w', 5_000))!;
      const after = Date.now();
      expect(lease.expiresAt).toBeGreaterThanOrEqual(before + 5_000);
      expect(lease.expiresAt).toBeLessThanOrEqual(after + 5_000);
    } finally {
      await store.close();
      await deleteKeysUnder(keyPrefix);
    }
  });

  it('runs its scripts again after Redis forgot them (SCRIPT FLUSH, restart, failover)', async () => {
    const keyPrefix = `${FILE_PREFIX}${uniqueName('noscript')}:`;
    const store = await createRedisCoordination({ url: REDIS_URL, keyPrefix, logger: silentLogger() });
    try {
      const first = (await store.acquireLease('job', 'w', 60_000))!;
      await admin.script('FLUSH');
      const second = (await store.acquireLease('job', 'w', 60_000))!;
      expect(second.token).toBe(first.token + 1);
    } finally {
      await store.close();
      await deleteKeysUnder(keyPrefix);
    }
  });

  it('fails start-up at once, naming the server and the reason, when nothing listens', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error: unknown = await createRedisCoordination({ url: `redis://:secret@127.0.0.1:${port}`, keyPrefix: FILE_PREFIX, logger: silentLogger() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FgcError);
    expect(error).toMatchObject({ code: 'FGC_COORD_UNAVAILABLE', retriable: true });
    const { message } = error as FgcError;
    expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).toContain('ECONNREFUSED');
    expect(message).not.toContain('secret');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('fails start-up within the deadline when the server accepts but never answers', async () => {
    const silent = net.createServer(() => {
      // Accept and say nothing.
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const started = Date.now();
      await expect(
        createRedisCoordination({ url: `redis://127.0.0.1:${port}`, keyPrefix: FILE_PREFIX, logger: silentLogger(), connectTimeoutMs: 300 }),
      ).rejects.toMatchObject({ code: 'FGC_COORD_UNAVAILABLE', message: expect.stringContaining(`127.0.0.1:${port}`) as unknown });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      silent.close();
    }
  });

  it('fails fast while Redis is down, logs the outage once, and recovers when it is back', async () => {
    const proxy = await TcpProxy.start(REDIS_URL);
    const keyPrefix = `${FILE_PREFIX}${uniqueName('outage')}:`;
    const { logger, lines } = capturingLogger();
    const store = await createRedisCoordination({ url: proxy.urlFor(REDIS_URL), keyPrefix, logger });
    try {
      await store.set('k', 'v');
      await proxy.down();
      await waitFor('the outage warning', () => lines.some((line) => line.level === 40), 5_000);
      const started = Date.now();
      for (const call of [() => store.get('k'), () => store.incr('n'), () => store.acquireLease('job', 'w', 1_000), () => store.ping()]) {
        await expect(call()).rejects.toMatchObject({ code: 'FGC_COORD_UNAVAILABLE', retriable: true });
      }
      // No offline queue: a queued call would wait out the 2 s command timeout (four of them, 8 s).
      expect(Date.now() - started).toBeLessThan(1_500);
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // several failed reconnects
      expect(lines.filter((line) => line.level === 40)).toHaveLength(1);

      await proxy.up();
      await waitFor('the reconnect', () => store.get('k').catch(() => null), 15_000);
      expect(await store.get('k')).toBe('v');
      expect(lines.some((line) => line.level === 30 && line.msg.includes('restored'))).toBe(true);
      // Nothing issued during the outage was replayed after it.
      expect(await store.get('n')).toBeNull();
      expect(await store.acquireLease('job', 'other', 1_000)).not.toBeNull();
    } finally {
      await store.close();
      await proxy.down();
      await deleteKeysUnder(keyPrefix);
    }
  });

  it('times out ping and commands when Redis stops answering, and still closes promptly', async () => {
    const proxy = await TcpProxy.start(REDIS_URL);
    const keyPrefix = `${FILE_PREFIX}${uniqueName('stall')}:`;
    const store = await createRedisCoordination({
      url: proxy.urlFor(REDIS_URL),
      keyPrefix,
      logger: silentLogger(),
      commandTimeoutMs: 4_000,
      pingTimeoutMs: 200,
    });
    try {
      await store.ping();
      proxy.stall();
      // The timeouts are far apart so that which one fired shows under any CI load: the ping's
      // own 200 ms, not the 4 s command timeout; then a command's 4 s, well inside the test's 60 s.
      let started = Date.now();
      await expect(store.ping()).rejects.toMatchObject({ code: 'FGC_COORD_UNAVAILABLE', retriable: true });
      expect(Date.now() - started).toBeLessThan(3_000);
      started = Date.now();
      await expect(store.get('k')).rejects.toMatchObject({ code: 'FGC_COORD_UNAVAILABLE', retriable: true });
      const commandMs = Date.now() - started;
      expect(commandMs).toBeGreaterThanOrEqual(3_900);
      expect(commandMs).toBeLessThan(20_000);
      started = Date.now();
      await store.close();
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      await store.close();
      await proxy.down();
      await deleteKeysUnder(keyPrefix);
    }
  });
});
