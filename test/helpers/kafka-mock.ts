/**
 * Kafka test settings that suit the librdkafka mock cluster, and a private mock cluster for tests
 * that need one of their own (to stop it mid-test, or to start from an empty cluster).
 *
 * The private cluster It is kcat (Debian package `kcat`) consuming a topic nobody
 * writes to with `test.mock.num.brokers` set: librdkafka then serves the Kafka protocol on
 * loopback ports and prints them on stderr as
 *   "%5|…|MOCK|…: Mock cluster enabled: original bootstrap.servers and security.protocol ignored
 *    and replaced with 127.0.0.1:38597,127.0.0.1:33641,127.0.0.1:36435"
 * Suites that just need a broker use KAFKA_BROKERS instead (see .ci/start-kafka-mock.sh).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadConfig, type Config } from '../../infra/config.js';

/**
 * Consumer session timeout for tests: the smallest brokers accept by default
 * (group.min.session.timeout.ms). The mock holds every rebalance of a non-empty group for the
 * session timeout minus 1 s, so kafkajs' 30 s would make each member joining or leaving cost 29 s;
 * real brokers finish a rebalance once every member has rejoined.
 */
export const TEST_SESSION_TIMEOUT_MS = 6_000;

/**
 * The `kafka` settings read from the environment like in production, with fallbacks for the mock
 * (no idempotent producer, no admin topic creation): KAFKA_IDEMPOTENT and KAFKA_CREATE_TOPICS
 * default to false here; set them to true against a real cluster to cover those paths too.
 */
export function kafkaTestConfig(brokers: string, overrides: Partial<NonNullable<Config['kafka']>> = {}): NonNullable<Config['kafka']> {
  const env = process.env;
  const config = loadConfig({
    ...env,
    KAFKA_BROKERS: brokers,
    KAFKA_IDEMPOTENT: env.KAFKA_IDEMPOTENT ?? 'false',
    KAFKA_CREATE_TOPICS: env.KAFKA_CREATE_TOPICS ?? 'false',
  });
  return { ...config.kafka!, ...overrides };
}

export interface KafkaMock {
  /** Comma-separated bootstrap servers, as KAFKA_BROKERS takes them. */
  readonly brokers: string;
  /** Ends the cluster; every topic, offset and group it held is gone. */
  stop(): Promise<void>;
}

const SERVERS = /replaced with ([0-9A-Za-z.:,_-]+)/;

export async function startKafkaMock(options: { brokers?: number; timeoutMs?: number } = {}): Promise<KafkaMock> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const child = spawn('kcat', ['-b', 'localhost:9092', '-C', '-q', '-t', 'forgecast-mock-keepalive', '-X', `test.mock.num.brokers=${options.brokers ?? 3}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = once(child, 'exit');
  exited.catch(() => undefined);

  const brokers = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kcat printed no mock bootstrap servers within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start kcat (Debian package 'kcat') for a Kafka mock cluster: ${error.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kcat exited (${code}) before printing mock bootstrap servers: ${stderr}`));
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      // Keep draining after the match: a full pipe would block kcat's logging thread.
      if (stderr.length < 64 * 1024) stderr += chunk;
      const match = SERVERS.exec(stderr);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });

  return {
    brokers,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000); // kcat closes its consumer first
      child.kill('SIGTERM');
      await exited;
      clearTimeout(killer);
    },
  };
}
