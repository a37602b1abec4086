/**
 * `forgecast bench <name>` / `npm run bench -- <name>`: runs one benchmark and prints one JSON
 * object per result line on stdout (logs go to stderr). Every benchmark measures its baseline in
 * the same run, so figures compare like with like on whatever machine runs them.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../config.js';
import { FgcError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { createEmbeddedEventBus } from '../../event-bus/embedded-event-bus.js';
import { createKafkaEventBus } from '../../event-bus/kafkajs-event-bus.js';
import { runBusBench } from './bus-bench.js';
import { runForecastBench, runForecastSpeedBench } from './forecast-bench.js';
import { benchIngestHttp } from './ingest-http-bench.js';
import { benchIngest } from './ingest-bench.js';

const BUS_MESSAGES = 200_000;
const BUS_MESSAGE_BYTES = 100;

async function benchBus(config: Config, logger: Logger): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'forgecast-bench-bus-'));
  try {
    const embedded = await createEmbeddedEventBus({ dir, partitions: config.bus.partitions, fsync: config.bus.fsync, logger });
    try {
      const result = await runBusBench(embedded, { messages: BUS_MESSAGES, messageBytes: BUS_MESSAGE_BYTES, mode: 'embedded' });
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } finally {
      await embedded.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (config.kafka !== undefined) {
    const kafka = await createKafkaEventBus({ config: config.kafka, logger, defaultPartitions: config.bus.partitions });
    try {
      const result = await runBusBench(kafka, { messages: BUS_MESSAGES, messageBytes: BUS_MESSAGE_BYTES, mode: 'kafka' });
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } finally {
      await kafka.close();
    }
  }
}

/** The accuracy data sets live beside the repository (../shared/bench/forecast), never inside it. */
const SHARED_FORECAST_DIR = path.resolve(process.cwd(), '../shared/bench/forecast');
const printLine = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

async function benchForecast(args: readonly string[]): Promise<void> {
  const smoke = args.includes('--smoke');
  if (args.includes('--speed-only')) return runForecastSpeedBench({ smoke, print: printLine });
  if (!existsSync(SHARED_FORECAST_DIR)) {
    throw new FgcError('FGC_CLI_USAGE', `forecast accuracy data not found at ${SHARED_FORECAST_DIR}; run from the repository root with shared/ beside it, or pass --speed-only`);
  }
  return runForecastBench({ sharedDir: SHARED_FORECAST_DIR, smoke, print: printLine });
}

const BENCHES: Readonly<Record<string, (config: Config, logger: Logger, args: readonly string[]) => Promise<void>>> = {
  bus: benchBus,
  forecast: (_config, _logger, args) => benchForecast(args),
  'ingest-http': (config, logger) => benchIngestHttp(config, logger),
  // Loaded on demand: its SMTP receiver is the development dependency smtp-server.
  alerts: async (config, logger, args) => (await import('./alerts-bench.js')).benchAlerts(config, logger, args),
  // benchIngest prints its own line.
  ingest: async (config, logger) => {
    await benchIngest(config, logger);
  },
};

export async function runBenchCommand(args: readonly string[], config: Config, logger: Logger): Promise<number> {
  const name = args[0];
  const bench = name === undefined ? undefined : BENCHES[name];
  if (bench === undefined) {
    throw new FgcError('FGC_CLI_USAGE', `usage: forgecast bench <${Object.keys(BENCHES).join('|')}> (the api benchmark arrives with its feature)`);
  }
  await bench(config, logger, args.slice(1));
  return 0;
}
