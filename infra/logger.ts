/**
 * The platform logger: one pino root created by the entry point, handed down and narrowed with
 * `child({ component })` so every line says which part wrote it. Nothing creates its own logger.
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import type { LogLevel } from './config.js';

export type Logger = PinoLogger;

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go; stdout when omitted. Tests pass a memory stream. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'forgecast' },
      // Secrets never reach the log, whichever component logs a request or a config.
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.password', '*.adminKey', '*.botToken'],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}

/** A logger that drops everything, for tests and tools that want silence. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
