/**
 * `npm run test:services`: the SchemaRegistry contract against the REST adapter and the registry
 * at SCHEMA_REGISTRY_URL (SCHEMA_REGISTRY_AUTH when it needs auth), e.g. `docker compose up
 * schema-registry`. No real Schema Registry is installable on the development machines (no Docker,
 * and no Schema Registry server is packaged for them — see ARCHITECTURE.md), so when SCHEMA_REGISTRY_URL is unset this runs against the in-process stand-in
 * instead of failing — the one services suite that does, because its server cannot be provided.
 * The suite uses unique subjects and assumes no id values, so a shared registry is fine.
 */
import { silentLogger } from '../../infra/logger.js';
import { createConfluentSchemaRegistry } from '../../infra/schema-registry/confluent-schema-registry.js';
import type { SchemaRegistry } from '../../infra/schema-registry/schema-registry.js';
import { startSchemaRegistryStandin } from '../helpers/schema-registry-standin.js';
import { describeSchemaRegistryContract } from './schema-registry.contract.js';

const url = process.env.SCHEMA_REGISTRY_URL?.trim() || undefined;
const basicAuth = process.env.SCHEMA_REGISTRY_AUTH?.trim() || undefined;

describeSchemaRegistryContract(url === undefined ? 'confluent (REST, stand-in: SCHEMA_REGISTRY_URL unset)' : `confluent (REST, ${url})`, async () => {
  const standin = url === undefined ? await startSchemaRegistryStandin() : undefined;
  const target = { url: url ?? standin!.url, basicAuth: url === undefined ? undefined : basicAuth };
  const open = (): Promise<SchemaRegistry> => createConfluentSchemaRegistry({ ...target, logger: silentLogger() });
  let current = await open();
  return {
    registry: current,
    // A new client with empty caches: whatever it answers comes from the server.
    restart: async () => {
      await current.close();
      current = await open();
      return current;
    },
    cleanup: () => standin?.close() ?? Promise.resolve(),
  };
});
