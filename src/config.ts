import path from 'node:path';

/** Everything the service reads from its environment, parsed and validated once at start-up. */
export interface Config {
  /** PostgreSQL URL; when absent an embedded PostgreSQL is started with its data under `dataDir`. */
  databaseUrl: string | undefined;
  /** Folder for the embedded database's files. */
  dataDir: string;
  port: number;
  host: string;
  /** Load the seed dataset when the database holds no incidents yet. */
  seedOnEmpty: boolean;
  /** When true, reads need at least a reader key as well. */
  requireReadKey: boolean;
  /** Connections in the query pool (the LISTEN connection is extra). */
  poolSize: number;
  logLevel: LogLevel;
  /** Serve GraphiQL on GET /graphql from a browser. */
  graphiql: boolean;
  /** Events older than this are pruned from the log (ms); a cursor older than that is expired. */
  eventRetentionMs: number;
  /** Beyond about this many of the newest events, older ones are pruned. */
  eventRetentionCount: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** A configuration problem, reported as one line naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Every variable the service reads; docker-compose.yml is checked against this list. */
export const CONFIG_VARIABLES = [
  'DATABASE_URL',
  'FAULTLINE_DATA_DIR',
  'PORT',
  'HOST',
  'SEED_ON_EMPTY',
  'REQUIRE_READ_KEY',
  'DATABASE_POOL_SIZE',
  'LOG_LEVEL',
  'GRAPHIQL',
  'EVENT_RETENTION',
  'EVENT_RETENTION_COUNT',
] as const;

type Env = Record<string, string | undefined>;

// Values are echoed JSON-quoted: a line break in one must not split the one-line error (or forge a log line).
const shown = (value: string | undefined) => JSON.stringify(value);

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got ${shown(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

const DURATION_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as "30d", "12h" or "90m", in ms; at least a minute, so a hub never loses an event it is still reading. */
function duration(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const match = /^(\d{1,6})\s*([mhd])$/.exec(raw);
  if (!match) throw new ConfigError(`${name} must be a number of minutes, hours or days such as "30d", "12h" or "90m", got ${shown(raw)}`);
  const value = Number(match[1]) * DURATION_UNITS[match[2]!]!;
  if (value < 60_000) throw new ConfigError(`${name} must be at least 1m, got ${shown(raw)}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got ${shown(env[name])}`);
}

function databaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Never echo the value: it may hold a password.
    throw new ConfigError('DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql://, got "${url.protocol}//"`);
  }
  return raw;
}

/** Parses the environment; throws ConfigError with one clear line on the first bad value. */
export function loadConfig(env: Env = process.env): Config {
  const logLevel = (env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of debug, info, warn, error, silent, got ${shown(env.LOG_LEVEL)}`);
  }
  const host = env.HOST ?? 'localhost';
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) throw new ConfigError(`HOST is not a host name or address, got ${shown(host)}`);
  return {
    databaseUrl: databaseUrl(env),
    dataDir: path.resolve(env.FAULTLINE_DATA_DIR || '.data'),
    port: integer(env, 'PORT', 4000, 0, 65535),
    host,
    seedOnEmpty: boolean(env, 'SEED_ON_EMPTY', true),
    requireReadKey: boolean(env, 'REQUIRE_READ_KEY', false),
    poolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 200),
    logLevel: logLevel as LogLevel,
    graphiql: boolean(env, 'GRAPHIQL', true),
    eventRetentionMs: duration(env, 'EVENT_RETENTION', 30 * 86_400_000),
    eventRetentionCount: integer(env, 'EVENT_RETENTION_COUNT', 1_000_000, 1_000, 1_000_000_000),
  };
}
