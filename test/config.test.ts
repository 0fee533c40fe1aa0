import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

/** Runs loadConfig on `env` and returns the ConfigError it must throw. */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('defaults to a local server on port 4000 with the seed and open reads', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: undefined,
      port: 4000,
      host: 'localhost',
      seedOnEmpty: true,
      requireReadKey: false,
      poolSize: 10,
      logLevel: 'info',
      graphiql: true,
      production: false,
      statementTimeoutMs: 30_000,
      idleInTransactionTimeoutMs: 5_000,
      corsOrigins: undefined,
      trustProxy: false,
      introspection: true,
      fieldSuggestions: true,
      graphqlJit: true,
      logFormat: 'pretty',
      metrics: true,
      metricsRequireKey: false,
      eventRetentionMs: 30 * 24 * 3_600_000,
      eventRetentionCount: 1_000_000,
    });
    // Resolved once, so a later chdir cannot move the database.
    expect(path.isAbsolute(config.dataDir)).toBe(true);
    expect(config.dataDir).toBe(path.resolve('.data'));
  });

  it('runs one process unless in production, where it runs one per core', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ NODE_ENV: 'test' }).workers).toBe(1);
    expect(loadConfig({ NODE_ENV: 'production' }).workers).toBe(os.availableParallelism());
    expect(loadConfig({ NODE_ENV: 'production', WORKERS: '1' }).workers).toBe(1);
    expect(loadConfig({ WORKERS: '' }).workers).toBe(1);
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://app:secret@db.internal:5433/faultline',
      FAULTLINE_DATA_DIR: 'some/where',
      PORT: '0',
      HOST: '0.0.0.0',
      SEED_ON_EMPTY: 'no',
      REQUIRE_READ_KEY: 'TRUE',
      DATABASE_POOL_SIZE: '25',
      LOG_LEVEL: 'WARN',
      GRAPHIQL: 'off',
      WORKERS: '3',
      NODE_ENV: 'production',
      DATABASE_PASSWORD: 'p@ss:w/rd?#',
      DATABASE_STATEMENT_TIMEOUT_MS: '15000',
      DATABASE_IDLE_TRANSACTION_TIMEOUT_MS: '2000',
      SHUTDOWN_GRACE_MS: '7000',
      CORS_ORIGINS: 'https://dashboard.example.org, http://localhost:5173',
      TRUST_PROXY: 'yes',
      RATE_LIMIT_CLIENT: '100',
      RATE_LIMIT_KEY: '0',
      RATE_LIMIT_AUTH_FAILURES: '5',
      MAX_BODY_BYTES: '65536',
      MAX_CONNECTIONS_PER_CLIENT: '4',
      MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
      GRAPHQL_INTROSPECTION: 'true',
      GRAPHQL_FIELD_SUGGESTIONS: 'false',
      GRAPHQL_JIT: 'no',
      LOG_FORMAT: 'pretty',
      METRICS: 'no',
      METRICS_REQUIRE_KEY: 'yes',
      EVENT_RETENTION: '12h',
      EVENT_RETENTION_COUNT: '50000',
      RESPONSE_CACHE: 'no',
      RESPONSE_CACHE_TTL_MS: '5000',
    });
    expect(config).toEqual({
      databaseUrl: 'postgresql://app:secret@db.internal:5433/faultline',
      dataDir: path.resolve('some/where'),
      port: 0,
      host: '0.0.0.0',
      seedOnEmpty: false,
      requireReadKey: true,
      poolSize: 25,
      logLevel: 'warn',
      graphiql: false,
      workers: 3,
      production: true,
      databasePassword: 'p@ss:w/rd?#',
      statementTimeoutMs: 15_000,
      idleInTransactionTimeoutMs: 2_000,
      shutdownGraceMs: 7_000,
      corsOrigins: ['https://dashboard.example.org', 'http://localhost:5173'],
      trustProxy: true,
      rateLimitClient: 100,
      rateLimitKey: 0,
      rateLimitAuthFailures: 5,
      maxBodyBytes: 65_536,
      maxConnectionsPerClient: 4,
      maxSubscriptionsPerConnection: 3,
      introspection: true,
      fieldSuggestions: false,
      graphqlJit: false,
      logFormat: 'pretty',
      metrics: false,
      metricsRequireKey: true,
      eventRetentionMs: 12 * 3_600_000,
      eventRetentionCount: 50_000,
      responseCache: false,
      responseCacheTtlMs: 5_000,
    });
  });

  it('turns introspection and field suggestions off and logs JSON by default in production', () => {
    expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({ introspection: false, fieldSuggestions: false, logFormat: 'json' });
    expect(loadConfig({ NODE_ENV: 'production' }).responseCache).toBe(true);
    expect(loadConfig({}).responseCache).toBe(false);
  });

  it.each([
    ['90m', 90 * 60_000],
    ['7d', 7 * 24 * 3_600_000],
    ['1m', 60_000],
  ])('reads EVENT_RETENTION=%s as a duration', (value, ms) => {
    expect(loadConfig({ EVENT_RETENTION: value }).eventRetentionMs).toBe(ms);
  });

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '-1' }],
    ['SEED_ON_EMPTY', { SEED_ON_EMPTY: 'maybe' }],
    ['REQUIRE_READ_KEY', { REQUIRE_READ_KEY: 'sometimes' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://root@localhost:3306/faultline' }],
    ['DATABASE_POOL_SIZE', { DATABASE_POOL_SIZE: '0' }],
    ['WORKERS', { WORKERS: '0' }],
    ['WORKERS', { WORKERS: 'auto' }],
    ['DATABASE_POOL_SIZE', { DATABASE_POOL_SIZE: '1.5' }],
    ['HOST', { HOST: 'local host' }],
    ['EVENT_RETENTION', { EVENT_RETENTION: '30' }],
    ['EVENT_RETENTION', { EVENT_RETENTION: '0m' }],
    ['EVENT_RETENTION', { EVENT_RETENTION: '2 weeks' }],
    ['EVENT_RETENTION_COUNT', { EVENT_RETENTION_COUNT: '10' }],
    // A value with a line break must not turn the error into two lines (or forge a log line).
    ['PORT', { PORT: '80\nfaultline: all good' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'info\r\nx' }],
    ['SEED_ON_EMPTY', { SEED_ON_EMPTY: 'yes\nno' }],
    ['HOST', { HOST: 'localhost\n' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: '*' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'https://app.example.org/path' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'null' }],
    ['LOG_FORMAT', { LOG_FORMAT: 'xml' }],
    ['DATABASE_STATEMENT_TIMEOUT_MS', { DATABASE_STATEMENT_TIMEOUT_MS: '5s' }],
    ['MAX_BODY_BYTES', { MAX_BODY_BYTES: '10' }],
  ])('refuses a bad %s with one line naming it (%j)', (variable, env) => {
    const error = configError(env);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toMatch(new RegExp(`^${variable}\\b`));
    expect(error.message).not.toMatch(/[\r\n]/);
  });

  it.each([
    'mysql://faultline:hunter2-Secret@db.example.com:3306/faultline',
    'postgres://faultline:hunter2-Secret@db.example.com:99999/faultline',
    'postgres://faultline:hunter2-Secret@db example.com/faultline',
    'http://faultline:hunter2-Secret@db.example.com/faultline',
  ])('never repeats the password of a bad DATABASE_URL (%s)', (url) => {
    const error = configError({ DATABASE_URL: url });
    expect(error.message).toMatch(/^DATABASE_URL\b/);
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('Secret');
    expect(error.message).not.toMatch(/[\r\n]/);
  });
});
