/**
 * The SchemaRegistry contract against the embedded registry (temp data directory, with restart),
 * plus what only the embedded adapter has: its file, written atomically and refused when corrupt.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../infra/logger.js';
import { createEmbeddedSchemaRegistry, REGISTRY_FILE } from '../../infra/schema-registry/embedded-schema-registry.js';
import type { SchemaRegistry } from '../../infra/schema-registry/schema-registry.js';
import { tempDir } from '../helpers/temp-dir.js';
import { describeSchemaRegistryContract, PART_V1, PART_V2 } from './schema-registry.contract.js';

describeSchemaRegistryContract('embedded', async () => {
  const dir = await tempDir('forgecast-schema-registry-');
  const open = (): Promise<SchemaRegistry> => createEmbeddedSchemaRegistry({ dir: dir.path, logger: silentLogger() });
  let current = await open();
  return {
    registry: current,
    restart: async () => {
      await current.close();
      current = await open();
      return current;
    },
    cleanup: () => dir.remove(),
  };
});

describe('embedded schema registry: its file', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const open = (): Promise<SchemaRegistry> => createEmbeddedSchemaRegistry({ dir: dir.path, logger: silentLogger() });

  beforeEach(async () => {
    dir = await tempDir('forgecast-schema-registry-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('keeps one JSON file holding every schema and subject, with no temporary file left behind', async () => {
    const registry = await open();
    const v1 = await registry.register('parts-value', PART_V1);
    const v2 = await registry.register('parts-value', PART_V2);
    await registry.close();
    expect(await readdir(dir.path)).toEqual([REGISTRY_FILE]);
    const file = JSON.parse(await readFile(path.join(dir.path, REGISTRY_FILE), 'utf8')) as unknown;
    expect(file).toEqual({ format: 1, schemas: { [v1]: PART_V1, [v2]: PART_V2 }, subjects: { 'parts-value': [v1, v2] } });
  });

  it('starts empty without a file and creates the directory', async () => {
    const registry = await createEmbeddedSchemaRegistry({ dir: path.join(dir.path, 'nested', 'data'), logger: silentLogger() });
    await expect(registry.getLatest('parts-value')).rejects.toMatchObject({ code: 'FGC_SCHEMA_NOT_FOUND' });
    expect(await registry.register('parts-value', PART_V1)).toBe(1);
    await registry.close();
  });

  it.each([
    ['not JSON', '{"format": 1, "schemas": '],
    ['an unknown format', JSON.stringify({ format: 99, schemas: {}, subjects: {} })],
    ['a subject pointing at a missing id', JSON.stringify({ format: 1, schemas: {}, subjects: { 'parts-value': [7] } })],
    ['a schema that is not Avro', JSON.stringify({ format: 1, schemas: { 1: '{"type":"nope"}' }, subjects: {} })],
  ])('refuses to start on a file with %s rather than reissuing ids', async (_what, content) => {
    await writeFile(path.join(dir.path, REGISTRY_FILE), content);
    const error: unknown = await open().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FGC_SCHEMA_UNAVAILABLE', retriable: false });
    expect((error as Error).message).toContain(REGISTRY_FILE);
  });

  it('rejects calls after close, and close waits for a registration under way', async () => {
    const registry = await open();
    const pending = registry.register('parts-value', PART_V1);
    await registry.close();
    expect(await pending).toBe(1);
    await expect(registry.register('parts-value', PART_V2)).rejects.toMatchObject({ code: 'FGC_SCHEMA_UNAVAILABLE' });
    await expect(registry.getById(1)).rejects.toMatchObject({ code: 'FGC_SCHEMA_UNAVAILABLE' });
    await expect(registry.ping()).rejects.toMatchObject({ code: 'FGC_SCHEMA_UNAVAILABLE' });
    const reopened = await open();
    expect(await reopened.getById(1)).toBe(PART_V1);
    await reopened.close();
  });
});
