/**
 * Runs the real `forgecast` CLI in a child process, as a user would, with an environment stripped
 * of service settings (so it runs embedded) plus what the test sets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../infra/cli/forgecast.js', import.meta.url));
const SERVICE_SETTINGS = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'CLICKHOUSE_URL', 'REDIS_URL', 'SMTP_URL', 'SLACK_BOT_TOKEN', 'PORT', 'FORGECAST_DATA_DIR', 'FORGECAST_ADMIN_KEY', 'FORGECAST_ROLES'];

export function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SERVICE_SETTINGS) delete env[name];
  return { ...env, ...extra };
}

export interface RunningCli {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Starts `forgecast <args>` and resolves once it logged that it listens. */
export async function startCli(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<RunningCli> {
  const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      for (const line of out.split('\n')) {
        if (!line.includes('"listening"')) continue;
        try {
          const parsed = JSON.parse(line) as { url?: string };
          if (parsed.url !== undefined) {
            clearTimeout(timer);
            resolve(parsed.url);
          }
        } catch {
          // a partial line; the rest arrives with the next chunk
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`forgecast exited with ${code} before listening:\n${out}`));
    });
  });
  return { child, url, output: () => out, exited };
}

/** Runs `forgecast <args>` to completion. */
export function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
