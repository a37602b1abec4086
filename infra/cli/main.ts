/**
 * `forgecast <command>`: parses the command line, loads the config once, and runs one command.
 * Returns the exit code; long-running commands (start, demo) keep the process alive until a
 * signal releases the platform.
 */
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { FgcError, isFgcError } from '../errors.js';
import { Lifecycle, installSignalHandlers } from '../lifecycle.js';
import { createLogger, type Logger } from '../logger.js';
import { ApiKeys, DEFAULT_TENANT } from '../auth/api-keys.js';
import { createRuntime, openStore } from '../runtime.js';
import { migrate } from '../clickhouse/migrations.js';
import { startPlatform } from './start-platform.js';
import { commandDemo } from './demo.js';
import { runBenchCommand } from './bench/run-bench.js';
import { runForecastFile } from '../../forecasting/offline/forecast-file.js';
import { runIngestFile } from '../../connectors/file-drop/ingest-file-command.js';
import { createIngestion } from './ingestion.js';

const USAGE = `Usage: forgecast <command> [options]

Commands:
  start                         run the platform (roles from FORGECAST_ROLES; embedded unless service URLs are set)
  demo                          run the platform with the simulated manufacturer and a generated admin key
  migrate                       apply pending ClickHouse migrations and exit
  keys create --scopes a,b [--tenant t] [--name n]
                                create an API key (printed once); scopes: ingest, read, write, admin
  ingest-file <file> [--tenant t] [--source-type erp] [--source-id x] [--record-type items] [--mapping sap]
                                ingest one CSV / JSON Lines file (embedded mode: while the platform is stopped)
  forecast-file --input train.csv --output out.csv --horizon H --season M [--levels 80,95] [--model auto]
                                forecast every series of a CSV (series_id,ds,y) offline, on all cores
  bench <name>                  run a benchmark (bus, ingest-http, ingest, forecast [--smoke] [--speed-only], alerts [--alerts N] [--users N] [--group-wait-ms N]); one JSON object per result line
  help                          show this text

Configuration comes from the environment; see the README.`;

async function commandStart(config: Config, logger: Logger): Promise<number> {
  const platform = await startPlatform(config, logger);
  installSignalHandlers(platform.runtime.lifecycle, logger);
  if (config.adminKey === undefined && platform.url !== undefined) {
    logger.warn('FORGECAST_ADMIN_KEY is not set: create a key with `npx forgecast keys create --scopes admin` (while the platform is stopped in embedded mode) or set the variable');
  }
  return 0;
}

async function commandMigrate(config: Config, logger: Logger): Promise<number> {
  const lifecycle = new Lifecycle(logger, config.shutdownTimeoutMs);
  try {
    const store = await openStore(config, logger, lifecycle);
    const result = await migrate(store, logger);
    process.stdout.write(`${JSON.stringify({ applied: result.applied, already_applied: result.alreadyApplied })}\n`);
    return 0;
  } finally {
    await lifecycle.release();
  }
}

async function commandIngestFile(args: readonly string[], config: Config, logger: Logger): Promise<number> {
  // --tenant is ours; every other flag belongs to the file command.
  const rest = [...args];
  const at = rest.indexOf('--tenant');
  const tenant = at >= 0 ? (rest.splice(at, 2)[1] ?? '') : DEFAULT_TENANT;
  const runtime = await createRuntime(config, logger);
  try {
    const { ingestor } = await createIngestion(runtime);
    return await runIngestFile(rest, { ingestor, tenant, out: process.stdout, err: process.stderr });
  } finally {
    await runtime.release();
  }
}

async function commandKeys(args: string[], config: Config, logger: Logger): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { tenant: { type: 'string', default: DEFAULT_TENANT }, scopes: { type: 'string' }, name: { type: 'string', default: '' } },
  });
  if (positionals[0] !== 'create' || values.scopes === undefined) {
    throw new FgcError('FGC_CLI_USAGE', 'usage: forgecast keys create --scopes ingest,read [--tenant t] [--name n]');
  }
  const lifecycle = new Lifecycle(logger, config.shutdownTimeoutMs);
  try {
    const store = await openStore(config, logger, lifecycle);
    const keys = new ApiKeys(store, undefined);
    const scopes = values.scopes.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const { key, record } = await keys.create({ tenant: values.tenant, scopes, name: values.name });
    process.stdout.write(`${JSON.stringify({ key, tenant: record.tenant, key_id: record.keyId, scopes: record.scopes, name: record.name })}\n`);
    return 0;
  } finally {
    await lifecycle.release();
  }
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  let logger: Logger | undefined;
  try {
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === 'demo') return await commandDemo(env, undefined);
    // Offline: needs no configuration, storage or stream.
    if (command === 'forecast-file') return await runForecastFile(rest);
    const config = loadConfig(env);
    // Short commands keep stdout for their result; logs go to stderr at warn.
    const quiet = command !== 'start';
    logger = createLogger({ level: quiet && env.FORGECAST_LOG_LEVEL === undefined ? 'warn' : config.logLevel, ...(quiet ? { destination: process.stderr } : {}) });
    switch (command) {
      case 'start':
        return await commandStart(config, logger);
      case 'migrate':
        return await commandMigrate(config, logger);
      case 'keys':
        return await commandKeys(rest, config, logger);
      case 'ingest-file':
        return await commandIngestFile(rest, config, logger);
      case 'bench':
        return await runBenchCommand(rest, config, logger);
      default:
        throw new FgcError('FGC_CLI_USAGE', `unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    }
  } catch (error) {
    const message = isFgcError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`forgecast ${command ?? ''}: ${message}\n`);
    return isFgcError(error) && error.code === 'FGC_CLI_USAGE' ? 2 : 1;
  }
}
