import type { Client } from 'graphql-ws';
import { createSql, type Sql, type SqlOptions } from '../../src/db/connection.js';
import type { EventHub, RetentionOptions } from '../../src/events/hub.js';
import { createEventHub } from '../../src/live/index.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { KeyRevocations } from '../../src/auth/revocation.js';
import { KeyUsage } from '../../src/auth/usage.js';
import { schema } from '../../src/graphql/index.js';
import { ResponseCache } from '../../src/http/response-cache.js';
import { buildServer, listen, type FaultlineServer, type ServerConfig } from '../../src/server.js';
import { collect } from './clients.js';
import { dataOf } from './factories.js';

export interface TestServer {
  server: FaultlineServer;
  events: EventHub;
  sql: Sql;
  url: string;
  /** Log lines the server wrote. */
  logs: string[];
  /** Statements sent by this server's pool since the last reset. */
  statements: string[];
  usage: KeyUsage;
  stop(options?: { graceMs?: number }): Promise<void>;
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: Array<{ message: string; extensions?: Record<string, unknown>; path?: unknown[] }> };
}

/** Starts the real HTTP server on a free port against the given database URL. */
export async function startTestServer(
  databaseUrl: string,
  options: {
    requireReadKey?: boolean;
    logger?: Logger;
    maxQueuedEvents?: number;
    /**
     * Gives the event hub a pool of its own, so `statements` holds only what requests send: the hub reads
     * the log on its own timer (the safe horizon, then the events), and those reads landing inside a
     * measured request made its statement count depend on timing.
     */
    hubPool?: 'own';
    sql?: SqlOptions;
    /** Settings beyond the defaults a server built without them uses. */
    config?: Partial<ServerConfig>;
    retention?: RetentionOptions;
    /** Cache anonymous queries' results (src/http/response-cache.ts) for this long (ms); no cache when absent. */
    responseCacheTtlMs?: number;
    /** Every request through Yoga's whole HTTP pipeline (src/server.ts `fullYogaPipeline`). */
    fullYogaPipeline?: boolean;
    /** Executions of a query before it is compiled (src/server.ts `compileAfter`). */
    compileAfter?: number;
  } = {},
): Promise<TestServer> {
  const logs: string[] = [];
  const statements: string[] = [];
  const logger = options.logger ?? createLogger('debug', (line) => logs.push(line));
  const sql = createSql(databaseUrl, { max: 5, onQuery: (query) => statements.push(query), ...options.sql });
  const hubSql = options.hubPool === 'own' ? createSql(databaseUrl, { max: 2 }) : sql;
  const events = createEventHub({
    sql: hubSql,
    url: databaseUrl,
    logger,
    pollIntervalMs: 1_000,
    maxQueuedEvents: options.maxQueuedEvents,
    // Reconnects of the LISTEN connection in milliseconds, not seconds: tests kill it on purpose.
    listenBackoff: { initialMs: 10, maxMs: 200 },
    retention: options.retention,
  });
  await events.start();
  const revocations = new KeyRevocations({ sql, events, logger });
  await revocations.start();
  const usage = new KeyUsage(sql, logger);
  let responseCache: ResponseCache | undefined;
  if (options.responseCacheTtlMs !== undefined) {
    responseCache = new ResponseCache({ schema, ttlMs: options.responseCacheTtlMs, logger });
    await responseCache.attach(events);
  }
  const server = buildServer({
    responseCache,
    fullYogaPipeline: options.fullYogaPipeline,
    compileAfter: options.compileAfter,
    sql,
    events,
    logger,
    revocations,
    usage,
    config: { port: 0, host: '127.0.0.1', requireReadKey: options.requireReadKey ?? false, graphiql: true, ...options.config },
  });
  await listen(server, '127.0.0.1', 0);
  return {
    server,
    events,
    sql,
    url: server.url,
    logs,
    statements,
    usage,
    stop: async (stopOptions) => {
      await server.stop(stopOptions);
      await events.stop();
      await revocations.stop();
      await usage.stop();
      await sql.end({ timeout: 5 });
      if (hubSql !== sql) await hubSql.end({ timeout: 5 });
    },
  };
}

/** POSTs a GraphQL operation as a frontend would. */
export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: GraphQLResponse<T>['body'];
  try {
    body = JSON.parse(text) as GraphQLResponse<T>['body'];
  } catch {
    throw new Error(`non-JSON response (${response.status}): ${text.slice(0, 300)}`);
  }
  return { status: response.status, headers: response.headers, body };
}

/**
 * Resolves once the hub registers its next subscription: take it before subscribing and await it after, and
 * nothing written in between is missed.
 */
export function nextSubscription(events: EventHub): Promise<void> {
  return new Promise((resolve) => events.once('subscriber:subscribed', () => resolve()));
}

/** Subscribes over graphql-ws and waits until `server`'s hub has registered it, so nothing written next is missed. */
export async function subscribedOn(server: TestServer, client: Client, query: string, variables: Record<string, unknown> = {}) {
  const registered = nextSubscription(server.events);
  const subscription = collect(client, query, variables);
  await registered;
  return subscription;
}

/** Runs a mutation with `key` and returns its single result field, which must not be a user error. */
export async function mutateWith<T extends { __typename: string }>(
  server: TestServer,
  key: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  const data = dataOf(await graphql<Record<string, T>>(server.url, query, variables, { authorization: `Bearer ${key}` }));
  const [value] = Object.values(data);
  if (!value || value.__typename.endsWith('Error') || value.__typename === 'VersionConflict') throw new Error(JSON.stringify(value));
  return value;
}
