import type { LogFormat, LogLevel } from './config.js';

/** A minimal leveled logger writing one line per message to stderr. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

// Secrets must never reach a log line: connection strings lose their password, bearer keys their body.
function redact(text: string): string {
  return text
    .replace(/(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/g, '$1***@')
    .replace(/(bearer\s+)[A-Za-z0-9_.-]+/gi, '$1***')
    .replace(/\bfl_[A-Za-z0-9_-]{8,}/g, 'fl_***');
}

/**
 * Creates a logger that drops messages below `level`. `json` writes one object per line (time, level, msg and
 * the fields) for log collectors; `pretty` a readable line for a terminal.
 */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
  format: LogFormat = 'pretty',
): Logger {
  const emit = (at: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[at] < ORDER[level]) return;
    if (format === 'json') {
      write(redact(JSON.stringify({ time: new Date().toISOString(), level: at, msg: message, ...fields })));
      return;
    }
    const extra = fields && Object.keys(fields).length > 0 ? ' ' + JSON.stringify(fields) : '';
    write(redact(`${new Date().toISOString()} ${at.padEnd(5)} ${message}${extra}`));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
