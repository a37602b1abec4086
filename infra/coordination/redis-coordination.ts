/**
 * The Coordination port on Redis through ioredis (services mode). Every key carries `keyPrefix`;
 * leases use two keys under it, `lease:<name>` (value `<token>:<holder>`, with a PX deadline) and
 * `lease-fence:<name>` (the fencing counter, which never expires so tokens never repeat) — data
 * keys should stay out of those two spaces.
 *
 * Anything that must read and then write (counter windows, leases) is one Lua script, so it is
 * atomic on the server however many processes race. Scripts run by EVALSHA and fall back to EVAL
 * when the server does not know them yet (first use, restart, SCRIPT FLUSH, failover).
 *
 * Failure policy — fail fast, never replay: no offline queue and no re-sending after a dropped
 * connection. A queued or replayed INCR, lease acquisition or ZREM could run after its caller gave
 * up, or run twice; instead the caller gets FGC_COORD_UNAVAILABLE (retriable) at once and its own
 * retry policy decides. ioredis keeps reconnecting in the background; 'error' events go to the log
 * (the first of an outage at warn, repeats at debug, recovery at info), never to a crash.
 * Replies that are Redis saying "no" to the command itself (WRONGTYPE, not an integer, NOPERM) are
 * bugs or misconfiguration: FGC_COORD_COMMAND_FAILED (not retriable).
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { FgcError } from '../errors.js';
import type { Logger } from '../logger.js';
import { checkIncrement, checkLimit, checkScore, checkTtl } from './coordination-arguments.js';
import type { Coordination, Lease, ScheduledEntry } from './coordination.js';

/** Start-up gives Redis this long to accept and answer; past it the process stops with a clear error. */
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/**
 * Every command here is O(1), O(log n) or a tiny script; a reply slower than 2 s means the server or
 * the network is in trouble, and callers (a rate limit on a request path, a lease renewal racing its
 * deadline) need to hear that sooner than TCP keep-alive would tell them.
 */
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
/** Health checks answer quickly or not at all. */
const DEFAULT_PING_TIMEOUT_MS = 1_000;
/** `close()` waits this long for QUIT's reply before dropping the socket. */
const QUIT_TIMEOUT_MS = 1_000;

/** Server replies meaning "busy or briefly unable", which a retry can cure. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|OOM)\b/;

export interface RedisCoordinationOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` */
  readonly url: string;
  /** Prefix of every key written, e.g. `fgc:`. */
  readonly keyPrefix: string;
  readonly logger: Logger;
  /** How long start-up waits for Redis to answer; 5000 ms by default. */
  readonly connectTimeoutMs?: number;
  /** Deadline of one command; 2000 ms by default. */
  readonly commandTimeoutMs?: number;
  /** Deadline of `ping()`; 1000 ms by default. */
  readonly pingTimeoutMs?: number;
}

interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

function lua(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * KEYS[1] counter; ARGV[1] increment; ARGV[2] window in ms.
 * EXISTS before INCRBY tells whether this call creates the counter; only then does the window
 * start, so later increments never push the expiry out (a fixed window, as rate limits need).
 * Checking "result == increment" instead would misfire when a counter returns to zero.
 */
const INCR_IN_WINDOW = lua(`
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value
`);

/**
 * KEYS[1] lease, KEYS[2] fencing counter; ARGV[1] holder, ARGV[2] ttl in ms. Returns the token, or
 * nil when another holder has it. A lapsed lease is simply absent (PX did its work). The holder
 * that still holds it gets a fresh token, which makes its previous one stale. The token goes first
 * in the value because it contains no ':', so splitting at the first ':' is unambiguous whatever
 * the holder is called. `%d` keeps large tokens out of Lua's scientific notation.
 */
const ACQUIRE_LEASE = lua(`
local current = redis.call('GET', KEYS[1])
if current then
  local separator = string.find(current, ':', 1, true)
  if string.sub(current, separator + 1) ~= ARGV[1] then
    return false
  end
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], string.format('%d', token) .. ':' .. ARGV[1], 'PX', ARGV[2])
return token
`);

/** KEYS[1] lease; ARGV[1] expected `<token>:<holder>`, ARGV[2] ttl in ms. 1 when extended, 0 when lost. */
const RENEW_LEASE = lua(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`);

/** KEYS[1] lease; ARGV[1] expected `<token>:<holder>`. Compare-and-delete: never drops a successor's lease. */
const RELEASE_LEASE = lua(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`);

function leaseValue(lease: Pick<Lease, 'token' | 'holder'>): string {
  return `${lease.token}:${lease.holder}`;
}

function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ReplyError';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Maps anything a command threw to the registry: outages are retriable, refusals are not. */
function toCoordinationError(error: unknown, what: string): FgcError {
  if (error instanceof FgcError) return error;
  if (isReplyError(error) && !TRANSIENT_REPLY.test(error.message)) {
    return new FgcError('FGC_COORD_COMMAND_FAILED', `${what}: Redis refused the command: ${error.message}`, { cause: error });
  }
  return new FgcError('FGC_COORD_UNAVAILABLE', `${what}: ${messageOf(error)}`, { cause: error });
}

/** The URL without credentials, for messages and logs. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

/** Resolves or rejects like `promise`, or rejects with `message` after `ms`. */
async function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function asInteger(reply: unknown, what: string): number {
  if (typeof reply !== 'number') throw new FgcError('FGC_COORD_COMMAND_FAILED', `${what}: unexpected reply ${JSON.stringify(reply)}`);
  return reply;
}

/** Redis writes infinite scores as `inf` / `-inf`, which `Number()` does not read. */
function parseScore(text: string): number {
  if (text === 'inf' || text === '+inf') return Number.POSITIVE_INFINITY;
  if (text === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

function formatScore(score: number): string {
  if (score === Number.POSITIVE_INFINITY) return '+inf';
  if (score === Number.NEGATIVE_INFINITY) return '-inf';
  return String(score);
}

class RedisCoordination implements Coordination {
  readonly kind = 'redis' as const;
  #closing: Promise<void> | undefined;

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly pingTimeoutMs: number,
  ) {}

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.#command('setIfAbsent', async () => {
      checkTtl(ttlMs, 'setIfAbsent');
      return (await this.client.set(this.#key(key), value, 'PX', ttlMs, 'NX')) === 'OK';
    });
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    return this.#command('set', async () => {
      if (ttlMs === undefined) {
        await this.client.set(this.#key(key), value);
        return;
      }
      checkTtl(ttlMs, 'set');
      await this.client.set(this.#key(key), value, 'PX', ttlMs);
    });
  }

  get(key: string): Promise<string | null> {
    return this.#command('get', () => this.client.get(this.#key(key)));
  }

  del(key: string): Promise<boolean> {
    return this.#command('del', async () => (await this.client.del(this.#key(key))) === 1);
  }

  incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    return this.#command('incr', async () => {
      checkIncrement(by);
      if (ttlMs === undefined) return this.client.incrby(this.#key(key), by);
      checkTtl(ttlMs, 'incr');
      return asInteger(await this.#script(INCR_IN_WINDOW, [this.#key(key)], [by, ttlMs]), 'incr');
    });
  }

  acquireLease(name: string, holder: string, ttlMs: number): Promise<Lease | null> {
    return this.#command('acquireLease', async () => {
      checkTtl(ttlMs, 'acquireLease');
      // Measured before the request leaves: the holder's idea of the deadline is never later than
      // the server's, whatever the round trip took.
      const start = Date.now();
      const reply = await this.#script(ACQUIRE_LEASE, [this.#leaseKey(name), this.#fenceKey(name)], [holder, ttlMs]);
      if (reply === null) return null;
      return { name, holder, token: asInteger(reply, 'acquireLease'), expiresAt: start + ttlMs };
    });
  }

  renewLease(lease: Lease, ttlMs: number): Promise<Lease | null> {
    return this.#command('renewLease', async () => {
      checkTtl(ttlMs, 'renewLease');
      const start = Date.now();
      const reply = await this.#script(RENEW_LEASE, [this.#leaseKey(lease.name)], [leaseValue(lease), ttlMs]);
      if (asInteger(reply, 'renewLease') !== 1) return null;
      return { name: lease.name, holder: lease.holder, token: lease.token, expiresAt: start + ttlMs };
    });
  }

  releaseLease(lease: Lease): Promise<boolean> {
    return this.#command('releaseLease', async () => {
      const reply = await this.#script(RELEASE_LEASE, [this.#leaseKey(lease.name)], [leaseValue(lease)]);
      return asInteger(reply, 'releaseLease') === 1;
    });
  }

  zadd(key: string, score: number, member: string): Promise<void> {
    return this.#command('zadd', async () => {
      checkScore(score, 'zadd');
      await this.client.zadd(this.#key(key), formatScore(score), member);
    });
  }

  zrangeByScore(key: string, maxScore: number, limit: number): Promise<ScheduledEntry[]> {
    return this.#command('zrangeByScore', async () => {
      checkScore(maxScore, 'zrangeByScore');
      checkLimit(limit);
      if (limit === 0) return [];
      // RESP2 (see the client options) gives one flat shape: member, score, member, score, …
      const flat = await this.client.zrangebyscore(this.#key(key), '-inf', formatScore(maxScore), 'WITHSCORES', 'LIMIT', 0, limit);
      const entries: ScheduledEntry[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        entries.push({ member: flat[i]!, score: parseScore(flat[i + 1]!) });
      }
      return entries;
    });
  }

  zrem(key: string, member: string): Promise<boolean> {
    return this.#command('zrem', async () => (await this.client.zrem(this.#key(key), member)) === 1);
  }

  ping(): Promise<void> {
    return this.#command('ping', async () => {
      await withDeadline(this.client.ping(), this.pingTimeoutMs, `Redis did not answer PING within ${this.pingTimeoutMs} ms`);
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#quit();
    return this.#closing;
  }

  async #quit(): Promise<void> {
    if (this.client.status === 'ready') {
      try {
        // QUIT lets replies still in flight arrive before the connection ends.
        await withDeadline(this.client.quit(), QUIT_TIMEOUT_MS, 'QUIT timed out');
        return;
      } catch {
        // Unreachable or slow server: drop the socket instead.
      }
    }
    this.client.disconnect();
  }

  /** Runs one operation: refuses once closed; maps failures to the registry, but a bad argument stays a RangeError. */
  async #command<T>(what: string, operation: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) throw new FgcError('FGC_COORD_UNAVAILABLE', `${what}: the coordination store is closed`, { retriable: false });
    try {
      return await operation();
    } catch (error) {
      if (error instanceof RangeError) throw error;
      throw toCoordinationError(error, what);
    }
  }

  async #script(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(isReplyError(error) && error.message.startsWith('NOSCRIPT'))) throw error;
      // EVAL also caches the script, so the next call's EVALSHA finds it.
      return this.client.eval(script.source, keys.length, ...keys, ...args);
    }
  }

  #key(key: string): string {
    return `${this.prefix}${key}`;
  }

  #leaseKey(name: string): string {
    return `${this.prefix}lease:${name}`;
  }

  #fenceKey(name: string): string {
    return `${this.prefix}lease-fence:${name}`;
  }
}

/**
 * Connects to Redis and resolves once it answers; rejects with FGC_COORD_UNAVAILABLE (naming the
 * server and the reason) when it does not within `connectTimeoutMs`, leaving nothing running.
 */
export async function createRedisCoordination(options: RedisCoordinationOptions): Promise<Coordination> {
  const log = options.logger.child({ component: 'coordination' });
  const where = describeUrl(options.url);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;

  const client = new Redis(options.url, {
    // Connect explicitly below, so start-up can wait for the first connection and fail clearly.
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    // Fail fast, never replay (see the header): reject commands while disconnected, and reject
    // rather than re-send those in flight when the connection drops.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // RESP2: one reply shape on every Redis version and Redis-compatible server; nothing here needs RESP3.
    protocol: 2,
    connectionName: 'forgecast-coordination',
  });

  // ioredis emits 'error' on every failed reconnect attempt; an outage is one warning, not a flood.
  // Before start-up succeeds the error is only kept: the start-up failure below reports it.
  let started = false;
  let lastError: unknown;
  let outage = false;
  client.on('error', (error: unknown) => {
    lastError = error;
    if (!started) return;
    if (outage) {
      log.debug({ err: error }, 'Redis still unreachable');
    } else {
      outage = true;
      log.warn({ err: error, url: where }, 'Redis connection error; reconnecting in the background');
    }
  });
  // A server that closes the connection cleanly (restart, idle kill) emits no 'error', only this.
  client.on('reconnecting', () => {
    if (!started || outage) return;
    outage = true;
    log.warn({ url: where }, 'Redis connection lost; reconnecting in the background');
  });
  client.on('ready', () => {
    if (outage) log.info({ url: where }, 'Redis connection restored');
    outage = false;
  });

  try {
    await withDeadline(client.connect(), connectTimeoutMs, `no answer within ${connectTimeoutMs} ms`);
  } catch (error) {
    client.disconnect(); // stops the reconnect loop, so a failed start-up leaves no timers behind
    // connect() itself only says "Connection is closed."; the 'error' event carries the reason.
    const reason = messageOf(lastError ?? error);
    throw new FgcError('FGC_COORD_UNAVAILABLE', `cannot reach Redis at ${where}: ${reason} (is redis-server running? REDIS_URL selects it)`, {
      cause: lastError ?? error,
    });
  }
  started = true;
  log.info({ url: where, keyPrefix: options.keyPrefix }, 'coordination: Redis');
  return new RedisCoordination(client, options.keyPrefix, options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS);
}
