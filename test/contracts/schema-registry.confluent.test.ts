/**
 * The SchemaRegistry contract against the Confluent REST adapter talking to the in-process
 * stand-in (test/helpers/schema-registry-standin.ts) — runs in `npm test`, needing only Node.
 * Then what only the REST adapter has: HTTP statuses mapped to error codes, basic auth, the id
 * cache and a never-stale `getLatest`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../infra/logger.js';
import { createConfluentSchemaRegistry, type ConfluentSchemaRegistryOptions } from '../../infra/schema-registry/confluent-schema-registry.js';
import type { SchemaRegistry } from '../../infra/schema-registry/schema-registry.js';
import { startSchemaRegistryStandin, type SchemaRegistryStandin } from '../helpers/schema-registry-standin.js';
import { describeSchemaRegistryContract, PART_V1, PART_V2 } from './schema-registry.contract.js';

describeSchemaRegistryContract('confluent (REST, against the stand-in)', async () => {
  const standin = await startSchemaRegistryStandin();
  const open = (): Promise<SchemaRegistry> => createConfluentSchemaRegistry({ url: standin.url, basicAuth: undefined, logger: silentLogger() });
  let current = await open();
  return {
    registry: current,
    // A new client with empty caches: whatever it answers comes from the server.
    restart: async () => {
      await current.close();
      current = await open();
      return current;
    },
    cleanup: () => standin.close(),
  };
});

describe('confluent schema registry adapter', () => {
  let standin: SchemaRegistryStandin;
  const opened: SchemaRegistry[] = [];
  const open = async (options: Partial<ConfluentSchemaRegistryOptions> = {}): Promise<SchemaRegistry> => {
    const registry = await createConfluentSchemaRegistry({ url: standin.url, basicAuth: undefined, logger: silentLogger(), ...options });
    opened.push(registry);
    return registry;
  };

  beforeEach(async () => {
    standin = await startSchemaRegistryStandin({ basicAuth: 'forgecast:s3cret' });
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((r) => r.close()));
    await standin.close();
  });

  it('sends basic auth; wrong credentials are FGC_SCHEMA_UNAVAILABLE, not retriable, pointing at the setting', async () => {
    const good = await open({ basicAuth: 'forgecast:s3cret' });
    await expect(good.register('parts-value', PART_V1)).resolves.toBe(1);
    const bad = await open({ basicAuth: 'forgecast:wrong' });
    const error: unknown = await bad.getLatest('parts-value').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FGC_SCHEMA_UNAVAILABLE', retriable: false });
    expect((error as Error).message).toContain('SCHEMA_REGISTRY_AUTH');
    await expect(bad.ping()).rejects.toMatchObject({ code: 'FGC_SCHEMA_UNAVAILABLE' });
  });

  it('retries a 503 and succeeds when the registry recovers', async () => {
    const registry = await open({ basicAuth: 'forgecast:s3cret', maxRetries: 2 });
    standin.failNext(2, 503);
    await expect(registry.register('parts-value', PART_V1)).resolves.toBe(1);
  });

  it('maps 5xx that outlast the retries to FGC_SCHEMA_UNAVAILABLE, retriable', async () => {
    const registry = await open({ basicAuth: 'forgecast:s3cret', maxRetries: 1 });
    standin.failNext(10, 500);
    await expect(registry.register('parts-value', PART_V1)).rejects.toMatchObject({ code: 'FGC_SCHEMA_UNAVAILABLE', retriable: true });
    await expect(registry.ping()).rejects.toMatchObject({ code: 'FGC_SCHEMA_UNAVAILABLE', retriable: true });
  });

  it('maps a registry that is down to FGC_SCHEMA_UNAVAILABLE, retriable, and ping fails fast', async () => {
    const registry = await open({ maxRetries: 0 });
    await standin.close();
    const started = Date.now();
    await expect(registry.ping()).rejects.toMatchObject({ code: 'FGC_SCHEMA_UNAVAILABLE', retriable: true });
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(registry.getById(1)).rejects.toMatchObject({ code: 'FGC_SCHEMA_UNAVAILABLE', retriable: true });
    standin = await startSchemaRegistryStandin(); // for afterEach
  });

  it('does not mistake a 404 from something that is not a registry for a missing schema', async () => {
    const registry = await open({ basicAuth: 'forgecast:s3cret', url: `${standin.url}/not-the-registry` });
    await expect(registry.getById(1)).rejects.toMatchObject({ code: 'FGC_SCHEMA_UNAVAILABLE', retriable: false });
  });

  it('caches schemas by id: a second look-up asks nothing', async () => {
    const registry = await open({ basicAuth: 'forgecast:s3cret' });
    const id = await registry.register('parts-value', PART_V1);
    const lookups = (): number => standin.requests.filter((r) => r.startsWith(`GET /schemas/ids/${id}`)).length;
    expect(await registry.getById(id)).toBe(PART_V1);
    expect(await registry.getById(id)).toBe(PART_V1);
    expect(lookups()).toBe(1);
  });

  it('does not cache a failed id look-up', async () => {
    const registry = await open({ basicAuth: 'forgecast:s3cret' });
    await expect(registry.getById(1)).rejects.toMatchObject({ code: 'FGC_SCHEMA_NOT_FOUND' });
    await registry.register('parts-value', PART_V1);
    expect(await registry.getById(1)).toBe(PART_V1);
  });

  it('serves the latest version registered by another client', async () => {
    const mine = await open({ basicAuth: 'forgecast:s3cret' });
    const theirs = await open({ basicAuth: 'forgecast:s3cret' });
    await mine.register('parts-value', PART_V1);
    expect((await mine.getLatest('parts-value')).version).toBe(1);
    await theirs.register('parts-value', PART_V2);
    expect((await mine.getLatest('parts-value')).version).toBe(2);
  });
});
