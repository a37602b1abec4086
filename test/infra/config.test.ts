import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS, describeModes, loadConfig } from '../../infra/config.js';
import { FgcError } from '../../infra/errors.js';

describe('loadConfig', () => {
  it('gives every setting its documented default with an empty environment', () => {
    const config = loadConfig({}, '/srv');
    expect(config.port).toBe(8080);
    expect(config.dataDir).toBe('/srv/data');
    expect(config.roles).toEqual(['api', 'pipelines', 'forecasting', 'alerting']);
    expect(config.kafka).toBeUndefined();
    expect(config.clickhouse.url).toBeUndefined();
    expect(config.webhooks.allowPrivateNetworks).toBe(false);
    expect(Object.values(describeModes(config))).toEqual(['embedded', 'embedded', 'embedded', 'embedded', 'embedded', 'embedded']);
  });

  it('is frozen all the way down', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(Object.isFrozen(config.roles)).toBe(true);
  });

  it('reads services settings and picks services mode per system', () => {
    const config = loadConfig({ KAFKA_BROKERS: 'a:9092, b:9093', KAFKA_IDEMPOTENT: 'false', REDIS_URL: 'redis://localhost:6379', FORGECAST_ROLES: 'api,alerting' });
    expect(config.kafka?.brokers).toEqual(['a:9092', 'b:9093']);
    expect(config.kafka?.idempotent).toBe(false);
    expect(config.roles).toEqual(['api', 'alerting']);
    const modes = describeModes(config);
    expect(modes.stream).toBe('services');
    expect(modes.coordination).toBe('services');
    expect(modes.storage).toBe('embedded');
  });

  it('stops with one error naming every invalid setting', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'eighty', FORGECAST_ROLES: 'api,cooking', KAFKA_BROKERS: 'no-port', REDIS_URL: 'http://x', FORGECAST_ADMIN_KEY: 'short', FORGECAST_BUS_FSYNC: 'maybe' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FgcError);
    const error = caught as FgcError;
    expect(error.code).toBe('FGC_CONFIG_INVALID');
    for (const name of ['PORT', 'FORGECAST_ROLES', 'KAFKA_BROKERS', 'REDIS_URL', 'FORGECAST_ADMIN_KEY', 'FORGECAST_BUS_FSYNC']) {
      expect(error.message).toContain(name);
    }
    expect(error.details).toHaveLength(6);
  });

  it('is documented: the README configuration table lists every setting with its default', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const setting of SETTINGS) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${setting.name}\``));
      expect(row, `README row for ${setting.name}`).toBeDefined();
      if (setting.default !== undefined && setting.default !== '') expect(row).toContain(setting.default);
    }
  });
});
