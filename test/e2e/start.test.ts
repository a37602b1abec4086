import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type RunningCli } from '../helpers/platform-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef';

describe('forgecast start (the real process, no services configured)', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let platform: RunningCli;
  const env = (): Record<string, string> => ({ PORT: '0', FORGECAST_DATA_DIR: dir.path, FORGECAST_ADMIN_KEY: ADMIN_KEY, FORGECAST_LOG_LEVEL: 'info' });

  beforeAll(async () => {
    dir = await tempDir();
    platform = await startCli(['start'], env());
  }, 60_000);
  afterAll(async () => {
    platform.child.kill('SIGKILL');
    await dir.remove();
  });

  it('answers /health with mode embedded and every role', async () => {
    const response = await fetch(`${platform.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', mode: 'embedded', roles: ['api', 'pipelines', 'forecasting', 'alerting'] });
  });

  it('is ready, with every embedded dependency answering', async () => {
    const response = await fetch(`${platform.url}/ready`);
    const body = (await response.json()) as { checks: Record<string, { status: string }> };
    expect(response.status).toBe(200);
    expect(Object.keys(body.checks).sort()).toEqual(['coordination', 'schemas', 'storage', 'stream']);
  });

  it('serves /metrics as Prometheus text and /docs as the OpenAPI UI', async () => {
    const metrics = await fetch(`${platform.url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toMatch(/^# HELP /m);
    const docs = await fetch(`${platform.url}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });

  it('logs the adapter chosen per system', () => {
    const line = platform.output().split('\n').find((l) => l.includes('adapters chosen per system'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ systems: { stream: 'embedded', schemas: 'embedded', storage: 'embedded', coordination: 'embedded' } });
  });

  it('refuses a second process on the same data directory', async () => {
    const second = await runCli(['migrate'], env());
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('FGC_RUNTIME_DATA_DIR_LOCKED');
  });

  it('shuts down on SIGTERM with exit code 0 and releases the data directory; keys created offline work after restart', async () => {
    platform.child.kill('SIGTERM');
    expect(await platform.exited).toBe(0);
    expect(existsSync(path.join(dir.path, '.forgecast.lock'))).toBe(false);

    const created = await runCli(['keys', 'create', '--tenant', 'acme', '--scopes', 'read', '--name', 'planner'], env());
    expect(created.code, created.stderr).toBe(0);
    const { key, tenant, scopes } = JSON.parse(created.stdout) as { key: string; tenant: string; scopes: string[] };
    expect(tenant).toBe('acme');
    expect(scopes).toEqual(['read']);

    platform = await startCli(['start'], env());
    const forbidden = await fetch(`${platform.url}/api/v1/keys`, { headers: { authorization: `Bearer ${key}` } });
    expect(forbidden.status).toBe(403);
    const wrong = await fetch(`${platform.url}/api/v1/keys`, { headers: { authorization: `Bearer ${key.slice(0, -1)}x` } });
    expect(wrong.status).toBe(401);
  }, 60_000);

  it('rejects bad usage with exit code 2 and a message', async () => {
    const result = await runCli(['keys', 'create'], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('FGC_CLI_USAGE');
  });
});
