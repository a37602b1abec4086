/**
 * A small ERP REST API on 127.0.0.1 for the poller's tests. `GET /api/<collection>` lists records
 * with `updated_at >= updated_since`, sorted by (updated_at, id), paged either by `offset`/`limit`
 * or by the `next` link it returns (body and Link header). The next link carries a plain offset
 * (`page=N`, also given bare as `next_page`), like many real ERPs — exactly the kind of paging that shifts when records change
 * mid-walk. Tests mutate `collection(...)` between and during requests through `hook`, which sees
 * every request first and may answer it itself (errors, delays, bad bodies).
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ErpRecord {
  readonly id: string;
  readonly updated_at: string;
  readonly [field: string]: unknown;
}

export interface ErpRequest {
  readonly collection: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** 1 for the first request to this collection, 2 for the next… */
  readonly index: number;
}

/** Runs before every request; returning true means it answered (the server then does nothing). */
export type ErpHook = (request: ErpRequest, response: ServerResponse) => boolean | void | Promise<boolean | void>;

export interface FakeErp {
  /** `http://127.0.0.1:<port>/api/` */
  readonly baseUrl: string;
  readonly requests: ErpRequest[];
  hook: ErpHook | undefined;
  collection(name: string): Map<string, ErpRecord>;
  put(name: string, record: ErpRecord): void;
  requestsTo(name: string): ErpRequest[];
  close(): Promise<void>;
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function byPosition(a: ErpRecord, b: ErpRecord): number {
  return Date.parse(a.updated_at) - Date.parse(b.updated_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export async function startFakeErp(options: { token?: string } = {}): Promise<FakeErp> {
  const collections = new Map<string, Map<string, ErpRecord>>();
  const requests: ErpRequest[] = [];
  const counts = new Map<string, number>();
  const collection = (name: string): Map<string, ErpRecord> => {
    let c = collections.get(name);
    if (c === undefined) collections.set(name, (c = new Map<string, ErpRecord>()));
    return c;
  };

  const state: { hook: ErpHook | undefined } = { hook: undefined };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = /^\/api\/([a-z_]+)$/.exec(url.pathname);
      if (req.method !== 'GET' || match === null) return sendJson(res, 404, { error: 'not found' });
      const name = match[1]!;
      const index = (counts.get(name) ?? 0) + 1;
      counts.set(name, index);
      const request: ErpRequest = { collection: name, query: url.searchParams, headers: req.headers, index };
      requests.push(request);
      if (state.hook !== undefined && (await state.hook(request, res)) === true) return;
      if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) return sendJson(res, 401, { error: 'invalid token' });

      const since = url.searchParams.get('updated_since');
      const all = [...collection(name).values()].filter((r) => since === null || Date.parse(r.updated_at) >= Date.parse(since)).sort(byPosition);
      const offset = Number(url.searchParams.get('page') ?? url.searchParams.get('offset') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const data = all.slice(offset, offset + limit);
      let next: string | null = null;
      if (offset + limit < all.length) {
        const params = new URLSearchParams(url.searchParams);
        params.delete('offset');
        params.set('page', String(offset + limit));
        next = `/api/${name}?${params.toString()}`;
      }
      // `next`: a link; `next_page`: the same position as a bare token (for `cursor_param` paging).
      const body = { data, next, next_page: next === null ? null : String(offset + limit) };
      sendJson(res, 200, body, next === null ? {} : { link: `<${next}>; rel="next"` });
    })().catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/api/`,
    requests,
    get hook() {
      return state.hook;
    },
    set hook(hook: ErpHook | undefined) {
      state.hook = hook;
    },
    collection,
    put: (name, record) => collection(name).set(record.id, record),
    requestsTo: (name) => requests.filter((r) => r.collection === name),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
