/**
 * `forgecast bench <name>` / `npm run bench -- <name>`: runs one benchmark and prints one JSON
 * object per result line on stdout (logs go to stderr). Every benchmark measures its baseline in
 * the same run, so figures compare like with like on whatever machine runs them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../config.js';
import { FgcError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { createEmbeddedEventBus } from '../../event-bus/embedded-event-bus.js';
import { createKafkaEventBus } from '../../event-bus/kafkajs-event-bus.js';
import { runBusBench } from './bus-bench.js';

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

const BENCHES: Readonly<Record<string, (config: Config, logger: Logger) => Promise<void>>> = {
  bus: benchBus,
};

export async function runBenchCommand(args: readonly string[], config: Config, logger: Logger): Promise<number> {
  const name = args[0];
  const bench = name === undefined ? undefined : BENCHES[name];
  if (bench === undefined) {
    throw new FgcError('FGC_CLI_USAGE', `usage: forgecast bench <${Object.keys(BENCHES).join('|')}> (the ingest, forecast, api and alerts benchmarks arrive with their features)`);
  }
  await bench(config, logger);
  return 0;
}
