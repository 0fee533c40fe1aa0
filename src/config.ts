import os from 'node:os';
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
  /** Server processes sharing the port (node:cluster); 1 runs no cluster at all. */
  workers: number;
  /** NODE_ENV=production: changes the defaults of introspection, field suggestions and the log format. */
  production: boolean;
  /** Password for DATABASE_URL's user when it is not in the URL (any characters, no encoding). */
  databasePassword: string | undefined;
  /** PostgreSQL cancels a statement of the service running longer than this (ms; 0: no limit). */
  statementTimeoutMs: number;
  /** PostgreSQL ends a session of the service idle inside a transaction this long (ms; 0: no limit). */
  idleInTransactionTimeoutMs: number;
  /** On SIGTERM, how long requests in flight may take to finish before their connections are closed (ms). */
  shutdownGraceMs: number;
  /** Origins allowed to call the API from a browser with credentials; undefined: any origin, no credentials. */
  corsOrigins: string[] | undefined;
  /** Take the client's address from the last X-Forwarded-For hop (behind one trusted proxy). */
  trustProxy: boolean;
  /** Requests a minute one client address may make without a key (0: no limit). */
  rateLimitClient: number;
  /** Requests a minute one API key may make (0: no limit). */
  rateLimitKey: number;
  /** Requests with a wrong or revoked key one client address may make a minute before being refused. */
  rateLimitAuthFailures: number;
  /** Largest request body, and WebSocket message, accepted (bytes). */
  maxBodyBytes: number;
  /** Open WebSocket connections and SSE streams one client address may hold. */
  maxConnectionsPerClient: number;
  /** Subscriptions one WebSocket connection may hold at once. */
  maxSubscriptionsPerConnection: number;
  /** Answer introspection queries (GraphiQL and code generators need it). */
  introspection: boolean;
  /** Suggest field names in validation errors ("Did you mean ...?"), which reveals the schema. */
  fieldSuggestions: boolean;
  /** Execute queries compiled by graphql-jit (src/graphql/compiled-execution.ts); false: graphql-js throughout. */
  graphqlJit: boolean;
  /** One JSON object per log line, or readable lines for a terminal. */
  logFormat: LogFormat;
  /** Serve Prometheus metrics on /metrics. */
  metrics: boolean;
  /**
   * /metrics answers only requests bearing an admin key (401 without one, 403 for a lesser key). Off by
   * default: a Prometheus on a private network scrapes without one.
   */
  metricsRequireKey: boolean;
  /**
   * Cache the responses to anonymous queries, invalidated by the events and catalog changes every instance
   * hears (src/http/response-cache.ts). On by default in production only.
   */
  responseCache: boolean;
  /** The longest a cached response is served, whatever invalidation missed (ms). */
  responseCacheTtlMs: number;
  /** Events older than this are pruned from the log (ms); a cursor older than that is expired. */
  eventRetentionMs: number;
  /** Beyond about this many of the newest events, older ones are pruned. */
  eventRetentionCount: number;
}

export type LogFormat = 'json' | 'pretty';

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
  'WORKERS',
  'NODE_ENV',
  'DATABASE_PASSWORD',
  'DATABASE_STATEMENT_TIMEOUT_MS',
  'DATABASE_IDLE_TRANSACTION_TIMEOUT_MS',
  'SHUTDOWN_GRACE_MS',
  'CORS_ORIGINS',
  'TRUST_PROXY',
  'RATE_LIMIT_CLIENT',
  'RATE_LIMIT_KEY',
  'RATE_LIMIT_AUTH_FAILURES',
  'MAX_BODY_BYTES',
  'MAX_CONNECTIONS_PER_CLIENT',
  'MAX_SUBSCRIPTIONS_PER_CONNECTION',
  'GRAPHQL_INTROSPECTION',
  'GRAPHQL_FIELD_SUGGESTIONS',
  'GRAPHQL_JIT',
  'LOG_FORMAT',
  'METRICS',
  'METRICS_REQUIRE_KEY',
  'EVENT_RETENTION',
  'EVENT_RETENTION_COUNT',
  'RESPONSE_CACHE',
  'RESPONSE_CACHE_TTL_MS',
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

/** The URL a client uses for the GraphQL endpoint of a server listening on `host` and `port`. */
export function graphqlUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}/graphql`;
}

/** CORS_ORIGINS: a comma-separated list of origins such as https://dashboard.example.org. */
function corsOrigins(env: Env): string[] | undefined {
  const raw = env.CORS_ORIGINS?.trim();
  if (!raw) return undefined;
  return raw.split(',').map((entry) => {
    const origin = entry.trim();
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      // reported below
    }
    // An origin is scheme, host and port, nothing else; "*" would mean credentials for everyone.
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
      throw new ConfigError(`CORS_ORIGINS must list origins like https://app.example.org separated by commas, got ${shown(origin)}`);
    }
    return origin;
  });
}

/** Parses the environment; throws ConfigError with one clear line on the first bad value. */
export function loadConfig(env: Env = process.env): Config {
  const logLevel = (env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of debug, info, warn, error, silent, got ${shown(env.LOG_LEVEL)}`);
  }
  const logFormat = env.LOG_FORMAT?.trim().toLowerCase();
  if (logFormat && logFormat !== 'json' && logFormat !== 'pretty') {
    throw new ConfigError(`LOG_FORMAT must be json or pretty, got ${shown(env.LOG_FORMAT)}`);
  }
  const production = env.NODE_ENV === 'production';
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
    // One process per core in production, where throughput matters; one in development and tests, where a
    // single process is simpler to debug and several would only compete for the cores with the tests.
    workers: integer(env, 'WORKERS', env.NODE_ENV === 'production' ? os.availableParallelism() : 1, 1, 256),
    production,
    databasePassword: env.DATABASE_PASSWORD || undefined,
    statementTimeoutMs: integer(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 30_000, 0, 86_400_000),
    idleInTransactionTimeoutMs: integer(env, 'DATABASE_IDLE_TRANSACTION_TIMEOUT_MS', 5_000, 0, 86_400_000),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    corsOrigins: corsOrigins(env),
    trustProxy: boolean(env, 'TRUST_PROXY', false),
    rateLimitClient: integer(env, 'RATE_LIMIT_CLIENT', 600, 0, 1_000_000),
    rateLimitKey: integer(env, 'RATE_LIMIT_KEY', 6_000, 0, 1_000_000),
    rateLimitAuthFailures: integer(env, 'RATE_LIMIT_AUTH_FAILURES', 30, 1, 1_000_000),
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 1_048_576, 1_024, 104_857_600),
    maxConnectionsPerClient: integer(env, 'MAX_CONNECTIONS_PER_CLIENT', 32, 1, 100_000),
    maxSubscriptionsPerConnection: integer(env, 'MAX_SUBSCRIPTIONS_PER_CONNECTION', 50, 1, 10_000),
    introspection: boolean(env, 'GRAPHQL_INTROSPECTION', !production),
    fieldSuggestions: boolean(env, 'GRAPHQL_FIELD_SUGGESTIONS', !production),
    graphqlJit: boolean(env, 'GRAPHQL_JIT', true),
    logFormat: (logFormat as LogFormat | undefined) ?? (production ? 'json' : 'pretty'),
    metrics: boolean(env, 'METRICS', true),
    metricsRequireKey: boolean(env, 'METRICS_REQUIRE_KEY', false),
    // Off in development: there a read right after a write on another tab should never surprise anyone.
    responseCache: boolean(env, 'RESPONSE_CACHE', production),
    responseCacheTtlMs: integer(env, 'RESPONSE_CACHE_TTL_MS', 60_000, 1, 86_400_000),
    eventRetentionMs: duration(env, 'EVENT_RETENTION', 30 * 86_400_000),
    eventRetentionCount: integer(env, 'EVENT_RETENTION_COUNT', 1_000_000, 1_000, 1_000_000_000),
  };
}
