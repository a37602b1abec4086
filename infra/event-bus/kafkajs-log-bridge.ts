/**
 * Bridges kafkajs' own logging into the injected pino logger, so broker reconnects, rebalances and
 * retries appear in the platform log with the component that caused them, at the level they were
 * raised, instead of going to kafkajs' default console writer.
 */
import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from '../logger.js';

/** The kafkajs level that lets through exactly what the pino logger would print. */
export function kafkaLogLevelFor(logger: Logger): logLevel {
  switch (logger.level) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'warn':
      return logLevel.WARN;
    case 'error':
    case 'fatal':
      return logLevel.ERROR;
    default:
      // 'silent' and custom levels: kafkajs then skips building entries at all.
      return logLevel.NOTHING;
  }
}

type PinoMethod = 'error' | 'warn' | 'info' | 'debug';

function pinoMethod(entry: LogEntry): PinoMethod {
  switch (entry.level) {
    case logLevel.ERROR:
      // kafkajs' connection layer logs every error response of the broker at error level, even
      // those its callers handle (a heartbeat answered "rebalancing" on every rebalance). The
      // layer that gives up logs its own error, so these are warnings.
      return entry.namespace === 'Connection' && String(entry.log.message).startsWith('Response ') ? 'warn' : 'error';
    case logLevel.WARN:
      return 'warn';
    case logLevel.INFO:
      return 'info';
    default:
      return 'debug';
  }
}

/**
 * A kafkajs `logCreator` writing through `logger`. kafkajs' own `timestamp` and `logger` fields are
 * dropped (pino stamps its own time); an Error under `error` moves to `err` so pino's error
 * serializer keeps its message and stack rather than printing `{}`.
 */
export function createKafkaLogCreator(logger: Logger): logCreator {
  return () => (entry: LogEntry) => {
    const { timestamp: _timestamp, logger: _source, message, error, ...extra } = entry.log as Record<string, unknown>;
    const fields: Record<string, unknown> = { kafkajs: entry.namespace, ...extra };
    if (error instanceof Error) fields.err = error;
    else if (error !== undefined) fields.error = error;
    logger[pinoMethod(entry)](fields, typeof message === 'string' ? message : String(message));
  };
}
