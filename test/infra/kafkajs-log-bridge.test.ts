import { Writable } from 'node:stream';
import { logLevel, type LogEntry } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createKafkaLogCreator, kafkaLogLevelFor } from '../../infra/event-bus/kafkajs-log-bridge.js';
import { createLogger } from '../../infra/logger.js';
import type { LogLevel } from '../../infra/config.js';

function capture(level: LogLevel = 'debug'): { write: (entry: LogEntry) => void; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level, destination }).child({ component: 'event-bus' });
  return { write: createKafkaLogCreator(logger)(kafkaLogLevelFor(logger)), lines };
}

function entry(level: logLevel, namespace: string, message: string, extra: Record<string, unknown> = {}): LogEntry {
  return { level, namespace, label: logLevel[level], log: { timestamp: '2020-01-01T00:00:00.000Z', logger: 'kafkajs', message, ...extra } };
}

describe('kafkajs log bridge', () => {
  it('lets kafkajs build exactly the entries the pino logger would print', () => {
    const expected: Record<LogLevel, logLevel> = {
      trace: logLevel.DEBUG,
      debug: logLevel.DEBUG,
      info: logLevel.INFO,
      warn: logLevel.WARN,
      error: logLevel.ERROR,
      fatal: logLevel.ERROR,
      silent: logLevel.NOTHING,
    };
    for (const [level, kafkaLevel] of Object.entries(expected)) {
      expect(kafkaLogLevelFor(createLogger({ level: level as LogLevel })), level).toBe(kafkaLevel);
    }
  });

  it('writes each kafkajs level at the matching pino level, with the namespace and extra fields', () => {
    const { write, lines } = capture();
    write(entry(logLevel.ERROR, 'Consumer', 'Crash: KafkaJSNumberOfRetriesExceeded', { groupId: 'g', retryCount: 5 }));
    write(entry(logLevel.WARN, 'Runner', 'The group is rebalancing, re-joining'));
    write(entry(logLevel.INFO, 'ConsumerGroup', 'Consumer has joined the group'));
    write(entry(logLevel.DEBUG, 'Connection', 'Request Produce(key: 0, version: 7)', { broker: '127.0.0.1:9092' }));
    expect(lines.map((l) => [l.level, l.kafkajs, l.msg])).toEqual([
      [50, 'Consumer', 'Crash: KafkaJSNumberOfRetriesExceeded'],
      [40, 'Runner', 'The group is rebalancing, re-joining'],
      [30, 'ConsumerGroup', 'Consumer has joined the group'],
      [20, 'Connection', 'Request Produce(key: 0, version: 7)'],
    ]);
    expect(lines[0]).toMatchObject({ component: 'event-bus', groupId: 'g', retryCount: 5 });
    expect(lines[3]).toMatchObject({ broker: '127.0.0.1:9092' });
    // pino stamps its own time; kafkajs' copies would only disagree with it.
    for (const line of lines) {
      expect(line).not.toHaveProperty('timestamp');
      expect(line).not.toHaveProperty('logger');
    }
  });

  it('writes error responses the connection layer logs (and its callers handle) as warnings', () => {
    const { write, lines } = capture();
    write(entry(logLevel.ERROR, 'Connection', 'Response Heartbeat(key: 12, version: 3)', { error: 'The group is rebalancing, so a rejoin is needed' }));
    write(entry(logLevel.ERROR, 'Connection', 'Connection error: connect ECONNREFUSED 127.0.0.1:1'));
    expect(lines.map((l) => l.level)).toEqual([40, 50]);
    expect(lines[0]).toMatchObject({ error: 'The group is rebalancing, so a rejoin is needed' });
  });

  it('hands an Error to pino as err, so its message and stack survive serialization', () => {
    const { write, lines } = capture();
    write(entry(logLevel.ERROR, 'Consumer', 'Crash', { error: new Error('boom') }));
    expect(lines[0]).not.toHaveProperty('error');
    expect(lines[0]?.err).toMatchObject({ type: 'Error', message: 'boom', stack: expect.stringContaining('boom') as unknown });
  });

  it('drops what the logger level filters out', () => {
    const { write, lines } = capture('warn');
    write(entry(logLevel.INFO, 'Consumer', 'Starting'));
    write(entry(logLevel.WARN, 'Consumer', 'warned'));
    expect(lines.map((l) => l.msg)).toEqual(['warned']);
  });
});
