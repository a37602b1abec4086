/**
 * Seeded randomness for the simulator. Every random decision draws from a stream keyed by what it
 * is about — `rngFor(seed, STREAM.DEMAND, item, site, day)` — instead of one shared sequence, so a
 * value is a pure function of its key: the demand of an item×site on a day is the same whether it
 * is computed during history, in live mode, or in the planted-situation search, and adding a record
 * type never shifts the draws of another. Math.random is never used.
 *
 * Generator: mulberry32 (32-bit state, passes gjrand/PractRand up to the sizes we draw; one stream
 * here draws at most a few dozen values). Keys are folded with the MurmurHash3 mixing steps.
 */

/** Stream identifiers: one per kind of random decision (values only need to be distinct). */
export const STREAM = {
  CATALOG: 1,
  DEMAND: 2,
  DEMAND_PARAMS: 3,
  PROMO: 4,
  OUTLIER: 5,
  PURCHASE: 6,
  PRODUCTION: 7,
  STOCK_EVENTS: 8,
  TRANSFER: 9,
  ORDERS: 10,
  INSPECTION: 11,
  PLANT: 12,
  POLICY: 13,
} as const;

function mixKey(h: number, key: number): number {
  let k = Math.imul(key | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let x = h ^ k;
  x = (x << 13) | (x >>> 19);
  return (Math.imul(x, 5) + 0xe6546b64) | 0;
}

function finalize(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A 32-bit hash of a seed (any safe integer) and integer keys. */
export function hash32(seed: number, ...keys: readonly number[]): number {
  let h = mixKey(0x9747b28c, seed >>> 0);
  h = mixKey(h, Math.floor(seed / 0x1_0000_0000) >>> 0);
  for (const key of keys) h = mixKey(h, key);
  return finalize(h ^ (keys.length + 2));
}

/** A 32-bit hash of a string (FNV-1a), for fingerprints and string keys. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.#state ^ (this.#state >>> 15), 1 | this.#state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [lo, hi] (both included). */
  intBetween(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box–Muller; the second value is dropped so each draw uses a fixed count). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given mean of the log and its standard deviation. */
  logNormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** Poisson(λ): Knuth's product method for small λ, a rounded normal past it (error < 1 % there). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda < POISSON_NORMAL_FROM) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let product = this.next();
      while (product > limit) {
        k += 1;
        product *= this.next();
      }
      return k;
    }
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
  }

  /** Binomial(n, p): inversion for small n·p, a rounded, clamped normal otherwise. */
  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    if (p > 0.5) return n - this.binomial(n, 1 - p);
    if (n * p >= BINOMIAL_NORMAL_FROM) {
      const draw = Math.round(n * p + Math.sqrt(n * p * (1 - p)) * this.normal());
      return Math.min(n, Math.max(0, draw));
    }
    const q = 1 - p;
    const s = p / q;
    const a = (n + 1) * s;
    let r = Math.pow(q, n);
    let u = this.next();
    let x = 0;
    while (u > r && x < n) {
      u -= r;
      x += 1;
      r *= a / x - s;
    }
    return x;
  }

  pick<T>(values: readonly T[]): T {
    const value = values[this.int(values.length)];
    if (value === undefined) throw new RangeError('pick from an empty list');
    return value;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(values: readonly T[]): T[] {
    const out = [...values];
    for (let i = out.length - 1; i > 0; i -= 1) {
      const j = this.int(i + 1);
      const a = out[i] as T;
      out[i] = out[j] as T;
      out[j] = a;
    }
    return out;
  }
}

/** Past this λ the normal approximation replaces the product method (which costs λ draws). */
const POISSON_NORMAL_FROM = 30;
/** Past this mean the normal approximation of the binomial is within a unit of the exact draw. */
const BINOMIAL_NORMAL_FROM = 25;

/** The stream for one keyed decision. */
export function rngFor(seed: number, stream: number, ...keys: readonly number[]): Rng {
  return new Rng(hash32(seed, stream, ...keys));
}
