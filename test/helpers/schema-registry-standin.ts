/**
 * A stand-in for Confluent Schema Registry: an in-process HTTP server speaking the documented
 * subset of its REST API (docs.confluent.io, "Schema Registry API Reference") that
 * @confluentinc/schemaregistry's client calls for the SchemaRegistry port. No Schema Registry
 * server is installable on the development machines (no Docker; none is packaged — see
 * ARCHITECTURE.md), so the REST adapter's tests run against this instead. Avro only, one context,
 * global compatibility BACKWARD.
 *
 *   POST /subjects/{s}/versions                       register → {id}; 409 incompatible; 422/42201 invalid
 *   POST /subjects/{s}                                look up → {subject,id,version,schema}; 404 40401/40403
 *   GET  /subjects                                    ["s", …]
 *   GET  /subjects/{s}/versions                       [1, 2, …]; 404 40401
 *   GET  /subjects/{s}/versions/{latest|n}            {subject,id,version,schema}; 404 40401/40402
 *   GET  /schemas/ids/{id}[?subject=&format=]         {schema}; 404 40403
 *   POST /compatibility/subjects/{s}/versions/{latest|n}   {is_compatible}; 404 40401/40402; 422 42201
 *   GET  /config                                      {compatibilityLevel: "BACKWARD"}
 *
 * Like the real server: the same schema (whitespace and key order aside) under another subject
 * gets the same id; re-registering a schema a subject holds returns its id with no compat check.
 * For tests it can require basic auth, fail the next requests with a status, and log requests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { backwardIncompatibility, canonicalSchema, parseAvroSchema, type AvroType } from '../../infra/schema-registry/avro-schema.js';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export interface StandinOptions {
  /** `user:password` the server requires as HTTP basic auth; none when omitted. */
  readonly basicAuth?: string;
}

export interface SchemaRegistryStandin {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** `METHOD /path?query` of every request received, in order. */
  readonly requests: readonly string[];
  /** Answers the next `count` requests with `status` and a registry-style error body. */
  failNext(count: number, status: number): void;
  close(): Promise<void>;
}

interface Stored {
  readonly text: string;
  readonly type: AvroType;
  readonly canonical: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startSchemaRegistryStandin(options: StandinOptions = {}): Promise<SchemaRegistryStandin> {
  const schemas: Stored[] = []; // index = id - 1
  const subjects = new Map<string, number[]>();
  const requests: string[] = [];
  let failures: { count: number; status: number } = { count: 0, status: 500 };
  const expectedAuth = options.basicAuth === undefined ? undefined : `Basic ${Buffer.from(options.basicAuth).toString('base64')}`;

  const schemaById = (id: number): Stored => {
    const stored = schemas[id - 1];
    if (stored === undefined) throw new HttpError(404, 40403, 'Schema not found');
    return stored;
  };
  const versionsOf = (subject: string): number[] => {
    const versions = subjects.get(subject);
    if (versions === undefined || versions.length === 0) throw new HttpError(404, 40401, `Subject '${subject}' not found.`);
    return versions;
  };
  const version = (subject: string, which: string): { id: number; version: number } => {
    const versions = versionsOf(subject);
    const n = which === 'latest' ? versions.length : Number(which);
    const id = Number.isInteger(n) ? versions[n - 1] : undefined;
    if (id === undefined) throw new HttpError(404, 40402, `Version ${which} not found.`);
    return { id, version: n };
  };
  const parse = (body: unknown): Stored => {
    const { schema, schemaType } = (body ?? {}) as { schema?: unknown; schemaType?: unknown };
    if (schemaType !== undefined && schemaType !== null && schemaType !== 'AVRO') {
      throw new HttpError(422, 42201, `Invalid schema type ${JSON.stringify(schemaType)}: this stand-in speaks Avro only`);
    }
    if (typeof schema !== 'string') throw new HttpError(422, 42201, 'Invalid schema: no schema text');
    try {
      const type = parseAvroSchema(schema);
      return { text: schema, type, canonical: canonicalSchema(schema) };
    } catch (error) {
      throw new HttpError(422, 42201, `Invalid schema ${schema}: ${(error as Error).message}`);
    }
  };
  const incompatibility = (candidate: Stored, against: number | undefined): string | undefined =>
    against === undefined ? undefined : backwardIncompatibility(candidate.type, schemaById(against).type);
  const metadata = (subject: string, at: { id: number; version: number }): object => ({
    subject,
    id: at.id,
    version: at.version,
    schema: schemaById(at.id).text,
  });

  const route = (method: string, parts: string[], body: unknown): unknown => {
    const [head, second, third, fourth, fifth] = parts;
    if (method === 'GET' && head === 'config' && parts.length === 1) return { compatibilityLevel: 'BACKWARD' };
    if (method === 'GET' && head === 'subjects' && parts.length === 1) return [...subjects].filter(([, v]) => v.length > 0).map(([s]) => s);
    if (method === 'GET' && head === 'schemas' && second === 'ids' && third !== undefined && parts.length === 3) {
      return { schema: schemaById(Number(third)).text };
    }
    if (head === 'subjects' && second !== undefined) {
      if (method === 'POST' && parts.length === 3 && third === 'versions') return { id: register(second, parse(body)) };
      if (method === 'POST' && parts.length === 2) {
        const candidate = parse(body);
        const versions = versionsOf(second);
        const index = versions.findIndex((id) => schemaById(id).canonical === candidate.canonical);
        if (index < 0) throw new HttpError(404, 40403, 'Schema not found');
        return metadata(second, { id: versions[index]!, version: index + 1 });
      }
      if (method === 'GET' && parts.length === 3 && third === 'versions') return versionsOf(second).map((_, i) => i + 1);
      if (method === 'GET' && parts.length === 4 && third === 'versions' && fourth !== undefined) return metadata(second, version(second, fourth));
    }
    if (method === 'POST' && head === 'compatibility' && second === 'subjects' && third !== undefined && fourth === 'versions' && fifth !== undefined && parts.length === 5) {
      const candidate = parse(body);
      return { is_compatible: incompatibility(candidate, version(third, fifth).id) === undefined };
    }
    throw new HttpError(404, 404, 'HTTP 404 Not Found');
  };

  const register = (subject: string, candidate: Stored): number => {
    const versions = subjects.get(subject) ?? [];
    const existing = versions.find((id) => schemaById(id).canonical === candidate.canonical);
    if (existing !== undefined) return existing;
    const reason = incompatibility(candidate, versions.at(-1));
    if (reason !== undefined) {
      throw new HttpError(409, 409, `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${reason}]`);
    }
    let id = schemas.findIndex((s) => s.canonical === candidate.canonical) + 1;
    if (id === 0) {
      schemas.push(candidate);
      id = schemas.length;
    }
    subjects.set(subject, [...versions, id]);
    return id;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://standin');
    requests.push(`${req.method ?? '?'} ${url.pathname}${url.search}`);
    const send = (status: number, payload: unknown): void => {
      res.writeHead(status, { 'content-type': CONTENT_TYPE });
      res.end(JSON.stringify(payload));
    };
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (failures.count > 0) {
        failures = { ...failures, count: failures.count - 1 };
        throw new HttpError(failures.status, failures.status * 100 + 1, `Injected failure ${failures.status}`);
      }
      if (expectedAuth !== undefined && req.headers.authorization !== expectedAuth) throw new HttpError(401, 401, 'Unauthorized');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw === '' ? undefined : JSON.parse(raw);
      } catch {
        throw new HttpError(400, 400, 'Unrecognized request body');
      }
      const parts = url.pathname.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
      send(200, route(req.method ?? 'GET', parts, body));
    } catch (error) {
      if (error instanceof HttpError) send(error.status, { error_code: error.errorCode, message: error.message });
      else send(500, { error_code: 50001, message: `Error in the backend data store: ${String(error)}` });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(count, status) {
      failures = { count, status };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of the client would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}
