/**
 * Group commit: calls that arrive while a flush is running wait for the next flush and share it.
 * A ClickHouse insert or lookup costs milliseconds whether it carries one row or a hundred, so
 * concurrent batches sharing one round trip multiplies ingest throughput under load, while a lone
 * call still goes out at once (no timer, no added latency when idle).
 *
 * States: idle (nothing queued, nothing running) → running (one flush in flight, new calls queue)
 * → running the queued calls as the next flush as soon as the previous one settles → idle.
 * Every caller's promise settles with its own result, or with the flush's error: a failed flush
 * fails exactly the calls it carried.
 */

interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommit<T, R> {
  #queue: Waiting<T, R>[] = [];
  #running = false;

  /**
   * `flush` receives the items in arrival order and returns one result per item, in that order.
   * `maxItems` bounds one flush (the rest waits for the next), so one round trip stays bounded.
   */
  constructor(
    private readonly flush: (items: readonly T[]) => Promise<readonly R[]>,
    private readonly maxItems: number,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    while (this.#queue.length > 0) {
      const group = this.#queue.splice(0, this.maxItems);
      try {
        const results = await this.flush(group.map((w) => w.item));
        for (const [i, waiting] of group.entries()) waiting.resolve(results[i] as R);
      } catch (error) {
        for (const waiting of group) waiting.reject(error);
      }
    }
    this.#running = false;
  }
}
