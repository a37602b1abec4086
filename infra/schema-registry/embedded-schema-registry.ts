/**
 * The embedded schema registry: the SchemaRegistry port without a server, persisted as one JSON
 * file in the data directory and behaving like Confluent Schema Registry in everything the
 * platform relies on:
 * - ids are global and stable, starting at 1; the same schema under another subject gets the same
 *   id (Confluent does this too); versions count from 1 per subject;
 * - registering a schema the subject already holds returns its id without a new version
 *   ("same" = equal `canonicalSchema`, so whitespace and key order do not matter);
 * - a new version must be BACKWARD compatible with the subject's latest one.
 *
 * State machine of a registration: registrations run one at a time (a promise chain) so two
 * concurrent callers never both take the next id or version. Each builds the next state as a new
 * object, writes it to a temporary file, fsyncs it, renames it over the registry file, fsyncs the
 * directory, and only then publishes it in memory — a crash at any point leaves either the old or the new file, and a
 * failed write leaves memory unchanged. Reads use the published in-memory state and never wait.
 *
 * One process owns a data directory at a time: two processes writing the same file would each
 * overwrite the other's registrations.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../durable-files.js';
import { FgcError, isFgcError } from '../errors.js';
import type { Logger } from '../logger.js';
import { backwardIncompatibility, canonicalSchema, parseAvroSchema, type AvroType } from './avro-schema.js';
import type { RegisteredSchema, SchemaRegistry } from './schema-registry.js';

export interface EmbeddedSchemaRegistryOptions {
  /** Directory holding `schema-registry.json`; created when missing. */
  readonly dir: string;
  readonly logger: Logger;
}

/** File name inside `dir`. */
export const REGISTRY_FILE = 'schema-registry.json';

/** Bumped when the file layout changes incompatibly; an unknown format is refused, not guessed at. */
const FILE_FORMAT = 1;

/** What the file holds. Schema texts are stored as first registered, so `getById` returns them verbatim. */
interface RegistryFile {
  readonly format: typeof FILE_FORMAT;
  /** Schema text by id (object keys are decimal ids). */
  readonly schemas: Readonly<Record<string, string>>;
  /** Per subject, the id of each version in order: index 0 is version 1. */
  readonly subjects: Readonly<Record<string, readonly number[]>>;
}

/** One stored schema with what is derived from it once, at load or registration. */
interface StoredSchema {
  readonly text: string;
  readonly type: AvroType;
  readonly canonical: string;
}

interface State {
  readonly schemas: ReadonlyMap<number, StoredSchema>;
  readonly idByCanonical: ReadonlyMap<string, number>;
  readonly subjects: ReadonlyMap<string, readonly number[]>;
  readonly nextId: number;
}

export async function createEmbeddedSchemaRegistry(options: EmbeddedSchemaRegistryOptions): Promise<SchemaRegistry> {
  const logger = options.logger.child({ component: 'schema-registry', adapter: 'embedded' });
  await mkdir(options.dir, { recursive: true });
  const file = path.join(options.dir, REGISTRY_FILE);
  const state = await loadState(file);
  logger.info({ file, schemas: state.schemas.size, subjects: state.subjects.size }, 'embedded schema registry opened');
  return new EmbeddedSchemaRegistry(file, state, logger);
}

class EmbeddedSchemaRegistry implements SchemaRegistry {
  readonly kind = 'embedded' as const;
  #state: State;
  /** Tail of the registration chain; each registration waits for the one before it. */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(
    private readonly file: string,
    state: State,
    private readonly logger: Logger,
  ) {
    this.#state = state;
  }

  async register(subject: string, schema: string): Promise<number> {
    this.#assertOpen();
    // Parse before queueing: an invalid schema needs no turn in the chain.
    const type = parseAvroSchema(schema);
    const run = this.#queue.then(() => this.#register(subject, schema, type));
    this.#queue = run.catch(() => undefined);
    return await run;
  }

  getById(id: number): Promise<string> {
    return settle(() => {
      this.#assertOpen();
      const stored = this.#state.schemas.get(id);
      if (stored === undefined) throw new FgcError('FGC_SCHEMA_NOT_FOUND', `No schema has id ${id}`, { details: [{ id }] });
      return stored.text;
    });
  }

  getLatest(subject: string): Promise<RegisteredSchema> {
    return settle(() => {
      this.#assertOpen();
      const versions = this.#state.subjects.get(subject) ?? [];
      const id = versions.at(-1);
      const stored = id === undefined ? undefined : this.#state.schemas.get(id);
      if (id === undefined || stored === undefined) {
        throw new FgcError('FGC_SCHEMA_NOT_FOUND', `Subject "${subject}" has no schema`, { details: [{ subject }] });
      }
      return { subject, id, version: versions.length, schema: stored.text };
    });
  }

  isCompatible(subject: string, schema: string): Promise<boolean> {
    return settle(() => {
      this.#assertOpen();
      // Like Confluent's compatibility endpoint: checked against the latest version only.
      return this.#incompatibility(subject, parseAvroSchema(schema)) === undefined;
    });
  }

  ping(): Promise<void> {
    return settle(() => this.#assertOpen());
  }

  async close(): Promise<void> {
    this.#closed = true;
    // A registration already under way finishes its write, so the file never lags a returned id.
    await this.#queue;
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError();
  }

  async #register(subject: string, text: string, type: AvroType): Promise<number> {
    const state = this.#state;
    const canonical = canonicalSchema(text);
    const versions = state.subjects.get(subject) ?? [];
    const existing = versions.find((id) => state.schemas.get(id)?.canonical === canonical);
    if (existing !== undefined) return existing;

    const reason = this.#incompatibility(subject, type);
    if (reason !== undefined) {
      throw new FgcError(
        'FGC_SCHEMA_INCOMPATIBLE',
        `Schema for subject "${subject}" is not BACKWARD compatible with version ${versions.length}: ${reason}`,
        { details: [{ subject, latestVersion: versions.length, reason }] },
      );
    }

    const reusedId = state.idByCanonical.get(canonical);
    const id = reusedId ?? state.nextId;
    const schemas = new Map(state.schemas);
    const idByCanonical = new Map(state.idByCanonical);
    if (reusedId === undefined) {
      schemas.set(id, { text, type, canonical });
      idByCanonical.set(canonical, id);
    }
    const subjects = new Map(state.subjects);
    subjects.set(subject, [...versions, id]);
    const next: State = { schemas, idByCanonical, subjects, nextId: reusedId === undefined ? id + 1 : state.nextId };

    // fsync: an id handed out and already written into messages must not revert after a power loss.
    await writeFileAtomic(this.file, serialize(next), true);
    this.#state = next;
    this.logger.info({ subject, id, version: versions.length + 1 }, 'schema registered');
    return id;
  }

  #incompatibility(subject: string, reader: AvroType): string | undefined {
    const latestId = this.#state.subjects.get(subject)?.at(-1);
    const writer = latestId === undefined ? undefined : this.#state.schemas.get(latestId);
    return writer === undefined ? undefined : backwardIncompatibility(reader, writer.type);
  }
}

/** Runs `fn` now and reports its result or its throw as a promise, the way callers of a port expect. */
function settle<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => resolve(fn()));
}

function closedError(): FgcError {
  return new FgcError('FGC_SCHEMA_UNAVAILABLE', 'The embedded schema registry is closed', { retriable: false });
}

function serialize(state: State): string {
  const file: RegistryFile = {
    format: FILE_FORMAT,
    schemas: Object.fromEntries([...state.schemas].map(([id, stored]) => [String(id), stored.text])),
    subjects: Object.fromEntries(state.subjects),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}


async function loadState(file: string): Promise<State> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { schemas: new Map(), idByCanonical: new Map(), subjects: new Map(), nextId: 1 };
    }
    throw new FgcError('FGC_SCHEMA_UNAVAILABLE', `Cannot read ${file}: ${(error as Error).message}`, { cause: error, retriable: false });
  }
  try {
    return fromFile(JSON.parse(text));
  } catch (error) {
    // Refusing to start beats silently starting empty: ids already on the wire would be reissued.
    const why = isFgcError(error) || error instanceof SyntaxError ? error.message : String(error);
    throw new FgcError('FGC_SCHEMA_UNAVAILABLE', `The embedded schema registry file ${file} is corrupt: ${why}`, {
      cause: error,
      retriable: false,
    });
  }
}

/** Rebuilds the state from the parsed file, checking every entry: the file may have been hand-edited. */
function fromFile(parsed: unknown): State {
  const file = parsed as Partial<RegistryFile> | null;
  if (typeof file !== 'object' || file === null || file.format !== FILE_FORMAT) throw new Error(`unknown format (expected ${FILE_FORMAT})`);
  const schemas = new Map<number, StoredSchema>();
  const idByCanonical = new Map<string, number>();
  let maxId = 0;
  for (const [key, text] of Object.entries(file.schemas ?? {})) {
    const id = Number(key);
    if (!Number.isSafeInteger(id) || id < 1 || typeof text !== 'string') throw new Error(`bad schema entry "${key}"`);
    const type = parseAvroSchema(text);
    const canonical = canonicalSchema(text);
    schemas.set(id, { text, type, canonical });
    idByCanonical.set(canonical, id);
    maxId = Math.max(maxId, id);
  }
  const subjects = new Map<string, readonly number[]>();
  for (const [subject, ids] of Object.entries(file.subjects ?? {})) {
    const versions: unknown = ids;
    if (!Array.isArray(versions) || !versions.every((id): id is number => typeof id === 'number' && schemas.has(id))) {
      throw new Error(`subject "${subject}" refers to an unknown id`);
    }
    subjects.set(subject, versions);
  }
  return { schemas, idByCanonical, subjects, nextId: maxId + 1 };
}
