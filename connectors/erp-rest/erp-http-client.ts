/**
 * GETs JSON pages from an ERP API, with the failure policy in one place:
 *
 * | outcome                                  | policy                                              |
 * | ---------------------------------------- | --------------------------------------------------- |
 * | 2xx                                      | body read up to the size limit, JSON-decoded        |
 * | 5xx, 408, 429, timeout, network error    | retried: exponential backoff with full jitter;      |
 * |                                          | Retry-After (429/503) is waited at least            |
 * | retries exhausted, Retry-After too long  | FGC_ERP_UNAVAILABLE (retriable: the next poll)      |
 * | other 4xx, 3xx (redirects not followed)  | FGC_ERP_REQUEST_REJECTED, not retried               |
 * | body over the limit / not JSON           | FGC_ERP_RESPONSE_TOO_LARGE / FGC_ERP_INVALID_PAGE   |
 *
 * Redirects are refused rather than followed so the credential header never travels to a host
 * the configuration did not name. URLs in messages carry no credentials (they live in headers).
 */
import { FgcError } from '../../infra/errors.js';
import type { Logger } from '../../infra/logger.js';
import type { ErpSourceConfig, RetryConfig } from './erp-source-config.js';

export interface ErpHttpOptions {
  readonly source: ErpSourceConfig;
  /** The credential header's value, read from the environment by the caller; never logged. */
  readonly authValue: string | undefined;
  readonly logger: Logger;
  readonly fetch: typeof fetch;
  /** Resolves after `ms`, rejects when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** In [0, 1); the jitter's source (tests pin it). */
  readonly random: () => number;
  readonly now: () => number;
}

export interface ErpResponse {
  readonly body: unknown;
  readonly headers: Headers;
}

/** How much of an error response is quoted in the message: enough to read the server's reason. */
const ERROR_BODY_EXCERPT = 300;
/** Error bodies are read this far and no further: an HTML error page can be large. */
const ERROR_BODY_READ_BYTES = 4096;

/** A failure worth another attempt, with the server's Retry-After when it sent one. */
class TransientFailure extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

/** The URL as it may appear in logs and errors: no user info. */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search}`;
}

/** Retry-After as delta-seconds or an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait before attempt `attempt + 1`: exponential, capped, with full jitter (a uniform draw
 * below the cap, as in the AWS architecture blog's comparison), which spreads the retries of many
 * pollers hitting one recovering ERP instead of synchronizing them.
 */
export function backoffMs(attempt: number, retry: RetryConfig, random: () => number): number {
  return Math.round(random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
}

/** Reads at most `limit` bytes of the body (then cancels it); `truncated` when there was more. */
async function readLimited(response: Response, limit: number): Promise<{ text: string; truncated: boolean }> {
  if (response.body === null) return { text: '', truncated: false };
  // undici types the body as ReadableStream<any>; fetch bodies are byte streams.
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      chunks.push(value);
      return { text: Buffer.concat(chunks).toString('utf8', 0, limit), truncated: true };
    }
    chunks.push(value);
  }
}

export class ErpHttpClient {
  readonly #log: Logger;

  constructor(private readonly options: ErpHttpOptions) {
    this.#log = options.logger;
  }

  /** GETs `url` as JSON under the policy above; `signal` aborts it at once (shutdown, lease lost). */
  async getJson(url: URL, entity: string, signal: AbortSignal): Promise<ErpResponse> {
    const { retry } = this.options.source;
    for (let attempt = 1; ; attempt++) {
      signal.throwIfAborted();
      try {
        return await this.#attempt(url, entity, signal);
      } catch (error) {
        if (!(error instanceof TransientFailure)) throw error;
        const where = `${entity}: GET ${displayUrl(url)}`;
        if (error.retryAfterMs !== undefined && error.retryAfterMs > retry.maxRetryAfterMs) {
          throw new FgcError('FGC_ERP_UNAVAILABLE', `${where}: ${error.message}; the server asks to wait ${error.retryAfterMs} ms, more than ${retry.maxRetryAfterMs} ms — the next poll tries again`, {
            cause: error,
            details: [{ entity, status: error.status, retryAfterMs: error.retryAfterMs }],
          });
        }
        if (attempt >= retry.maxAttempts) {
          throw new FgcError('FGC_ERP_UNAVAILABLE', `${where}: ${error.message} (gave up after ${attempt} attempts)`, { cause: error, details: [{ entity, status: error.status, attempts: attempt }] });
        }
        const backoff = backoffMs(attempt, retry, this.options.random);
        const delayMs = Math.max(backoff, error.retryAfterMs ?? 0);
        this.#log.warn({ entity, url: displayUrl(url), attempt, delayMs, status: error.status, reason: error.message }, 'ERP request failed; retrying');
        await this.options.sleep(delayMs, signal);
      }
    }
  }

  async #attempt(url: URL, entity: string, signal: AbortSignal): Promise<ErpResponse> {
    const { source, authValue } = this.options;
    const timeout = AbortSignal.timeout(source.requestTimeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (source.auth !== undefined && authValue !== undefined) headers[source.auth.header] = authValue;
    const failed = (error: unknown): never => {
      signal.throwIfAborted();
      if (timeout.aborted) throw new TransientFailure(`timed out after ${source.requestTimeoutMs} ms`, undefined, undefined);
      throw new TransientFailure(`network error: ${(error as Error).message}`, undefined, undefined);
    };
    let response: Response;
    try {
      response = await this.options.fetch(url, { headers, signal: combined, redirect: 'manual' });
    } catch (error) {
      return failed(error);
    }
    const { status } = response;
    if (status >= 200 && status < 300) {
      let text: string;
      try {
        text = await this.#readBody(response, entity, url);
      } catch (error) {
        if (error instanceof FgcError) throw error;
        return failed(error);
      }
      try {
        return { body: JSON.parse(text), headers: response.headers };
      } catch (error) {
        const message = (error as Error).message;
        throw new FgcError('FGC_ERP_INVALID_PAGE', `${entity}: page from GET ${displayUrl(url)} is not valid JSON: ${message}`, {
          cause: error,
          details: [{ entity, url: displayUrl(url), problem: message, excerpt: text.slice(0, ERROR_BODY_EXCERPT) }],
        });
      }
    }
    const excerpt = await this.#excerpt(response);
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(response.headers.get('retry-after'), this.options.now()) : undefined;
      throw new TransientFailure(`HTTP ${status}${excerpt === '' ? '' : `: ${excerpt}`}`, retryAfterMs, status);
    }
    const reason = status >= 300 && status < 400 ? `redirect to ${response.headers.get('location') ?? '?'} not followed; point base_url at the final location` : excerpt;
    throw new FgcError('FGC_ERP_REQUEST_REJECTED', `${entity}: GET ${displayUrl(url)} → HTTP ${status}${reason === '' ? '' : `: ${reason}`}`, {
      details: [{ entity, url: displayUrl(url), status, excerpt }],
    });
  }

  /** Reads the body, refusing to hold more than the source's limit in memory. */
  async #readBody(response: Response, entity: string, url: URL): Promise<string> {
    const limit = this.options.source.maxResponseBytes;
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    const read = declared > limit ? undefined : await readLimited(response, limit);
    if (read === undefined || read.truncated) {
      if (read === undefined) await response.body?.cancel();
      throw new FgcError('FGC_ERP_RESPONSE_TOO_LARGE', `${entity}: GET ${displayUrl(url)} returned more than ${limit} bytes`, {
        details: [{ entity, url: displayUrl(url), limit }],
      });
    }
    return read.text;
  }

  /** The start of an error response's body, for the message; never fails. */
  async #excerpt(response: Response): Promise<string> {
    try {
      const { text } = await readLimited(response, ERROR_BODY_READ_BYTES);
      return text.slice(0, ERROR_BODY_EXCERPT).replace(/\s+/g, ' ').trim();
    } catch {
      return '';
    }
  }
}
