import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { CloseCode } from 'graphql-ws';
import {
  createYoga,
  maskError as yogaMaskError,
  type YogaServerInstance,
} from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { authenticate, bearerToken } from './auth/authenticate.js';
import type { KeyRevocations } from './auth/revocation.js';
import type { KeyUsage } from './auth/usage.js';
import { ANONYMOUS, hasRole, type Viewer } from './auth/viewer.js';
import { unavailableError } from './http/errors.js';
import { graphqlUrl, type Config } from './config.js';
import type { Sql } from './db/index.js';
import type { EventHub } from './events/hub.js';
import type { GraphQLContext } from './graphql/context.js';
import { schema } from './graphql/index.js';
import { createCompiledExecution, type CompiledExecutionStats } from './graphql/compiled-execution.js';
import { checkVariables, operationLimits } from './graphql/limits.js';
import { tooManyOperations } from './http/connections.js';
import { logWhenDone, useRequestRecord, type RequestRecord } from './http/access-log.js';
import { jsonPostHandler } from './http/json-post.js';
import type { ResponseCache } from './http/response-cache.js';
import { InFlight } from './http/drain.js';
import { handleExportRoute, isExportRoute } from './http/export-routes.js';
import { ClientLimits, clientAddress, frontDoor, rateLimited } from './http/front-door.js';
import { renderGraphiQLPage, serveGraphiQLAsset } from './http/graphiql.js';
import { isMetricsRoute, serveMetrics } from './http/metrics-route.js';
import { admitOperation, closeOnRevocation, connectionKey } from './http/websocket-access.js';
import { resultsOf, subscribeShared, useSharedSubscriptionResults } from './graphql/shared-subscriptions.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { useSseEventIds } from './sse.js';
import { serveGraphQLOverWebSocket, type WebSocketExtra } from './websocket.js';

export interface ServerOptions {
  sql: Sql;
  events: EventHub;
  logger: Logger;
  /** Closes connections of revoked keys; without it they end when they next authenticate. */
  revocations?: KeyRevocations;
  /** Records when keys were last used. */
  usage?: KeyUsage;
  /** Caches anonymous queries' results, attached to `events` (src/http/response-cache.ts); none when absent. */
  responseCache?: ResponseCache;
  /**
   * Sends every request through Yoga's whole HTTP pipeline, never src/http/json-post.ts's shorter way in
   * (tests compare the two answers).
   */
  fullYogaPipeline?: boolean;
  /**
   * Executions of a query on graphql-js before graphql-jit compiles it (src/graphql/compiled-execution.ts,
   * DEFAULT_COMPILE_AFTER when absent); tests comparing the two executors give 0.
   */
  compileAfter?: number;
  config: ServerConfig;
}

/** The settings the server reads: the first four always, the rest with the defaults below when left out. */
export type ServerConfig = Pick<Config, 'port' | 'host' | 'requireReadKey' | 'graphiql'> & Partial<Pick<Config, TunedSetting>>;

type TunedSetting =
  | 'introspection'
  | 'fieldSuggestions'
  | 'graphqlJit'
  | 'maxBodyBytes'
  | 'maxSubscriptionsPerConnection'
  | 'maxConnectionsPerClient'
  | 'rateLimitClient'
  | 'rateLimitKey'
  | 'rateLimitAuthFailures'
  | 'corsOrigins'
  | 'trustProxy'
  | 'metrics'
  | 'metricsRequireKey';

/**
 * What a server built without them uses (tests, benchmarks): the bounds on documents and bodies hold, the
 * per-client limits do not, so that a benchmark's thousands of sockets from one address are not refused.
 * `npm start` passes every setting from src/config.ts, whose defaults are the production ones.
 */
const EMBEDDED_DEFAULTS: Required<Pick<Config, TunedSetting>> = {
  introspection: true,
  fieldSuggestions: true,
  graphqlJit: true,
  maxBodyBytes: 1_048_576,
  maxSubscriptionsPerConnection: 50,
  maxConnectionsPerClient: Number.MAX_SAFE_INTEGER,
  rateLimitClient: 0,
  rateLimitKey: 0,
  rateLimitAuthFailures: Number.MAX_SAFE_INTEGER,
  corsOrigins: undefined,
  trustProxy: false,
  metrics: true,
  metricsRequireKey: false,
};

export interface FaultlineServer {
  /** http://host:port/graphql once listening. */
  url: string;
  port: number;
  httpServer: Server;
  yoga: YogaServerInstance<Record<string, unknown>, GraphQLContext>;
  /** What compiled execution has done (src/graphql/compiled-execution.ts); absent with `graphqlJit` off. */
  compiledExecution?: () => CompiledExecutionStats;
  /**
   * Stops accepting work, lets requests in flight finish for up to `graceMs` (0 by default), then closes
   * WebSocket connections (1001, going away), SSE streams and whatever is left, and waits for them.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

interface ServerContext {
  /** Set for graphql-ws operations: the viewer resolved for the operation. */
  viewer?: Viewer;
  requestId?: string;
  /** The client's address, for HTTP requests (rate limits count wrong keys by it). */
  client?: string;
  /** The HTTP response, to end an SSE stream when its key is revoked. */
  res?: ServerResponse;
  /** Set for graphql-ws operations. */
  transport?: 'websocket';
}

/** What this server keeps per WebSocket connection (`ctx.extra`). */
interface ConnectionExtra extends WebSocketExtra {
  viewer?: Viewer;
  /** The key given at connection_init, checked again for each operation. */
  key?: string;
  client?: string;
}

/** What GraphiQL opens with: a query that answers on the seed data. */
const GRAPHIQL_QUERY = `# Faultline: press the run button (or Ctrl-Enter). The Docs panel lists every field.
{
  incidents(first: 3) {
    edges { node { title severity } }
  }
}
`;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

// The id of the request being handled, wherever in its async work we are: error masking has no access to
// the GraphQL context, yet its log line and the client's message must carry the same id.
const requestScope = new AsyncLocalStorage<RequestRecord>();

function readKeyRequired(): GraphQLError {
  return new GraphQLError('This server requires an API key for reads: send "Authorization: Bearer <key>"', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } },
  });
}

/**
 * Builds the HTTP server: Yoga on /graphql (queries, mutations, SSE subscriptions, GraphiQL) and
 * graphql-ws on the same path for WebSocket clients, plus /health and /ready.
 */
export function buildServer(options: ServerOptions): FaultlineServer {
  const { sql, events, logger } = options;
  const config = { ...EMBEDDED_DEFAULTS, ...options.config };

  // Unexpected errors (a database failure, a bug) reach the client as one line with the request id; the
  // server log gets the detail under the same id.
  const maskUnexpected = (error: unknown, message: string, isDev?: boolean): Error => {
    const masked = yogaMaskError(error, message, isDev);
    if (masked === error) return error as Error;
    const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
    const requestId = requestScope.getStore()?.requestId ?? randomUUID();
    const unavailable = unavailableError(original, requestId);
    if (unavailable) {
      logger.warn(unavailable.extensions.code === 'TIMEOUT' ? 'statement timed out' : 'database unavailable', {
        requestId,
        error: original instanceof Error ? `${original.name}: ${original.message}` : String(original),
      });
      return unavailable;
    }
    logger.error('unexpected error', {
      requestId,
      path: error instanceof GraphQLError ? error.path?.join('.') : undefined,
      error: original instanceof Error ? `${original.name}: ${original.message}` : String(original),
    });
    return new GraphQLError(`Internal server error (request id ${requestId})`, {
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
    });
  };
  // WebSocket subscriptions bypass Yoga's per-result hooks (src/websocket.ts), so they mask here, once per
  // shared result.
  const maskResult = (result: ExecutionResult): ExecutionResult =>
    result.errors ? { ...result, errors: result.errors.map((error) => maskUnexpected(error, 'Unexpected error.') as GraphQLError) } : result;

  const compiled = config.graphqlJit ? createCompiledExecution({ compileAfter: options.compileAfter }) : undefined;
  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    // The front door (src/http/front-door.ts) has read every POST body, bounded by maxBodyBytes, before Yoga
    // sees the request; Yoga's own bound re-streamed that buffer through a TransformStream per request (2.7 % of
    // the read page's CPU in bench/read.ts's profile) to enforce a larger limit it could never reach.
    maxRequestBodySize: false,
    // CORS is answered by the front door (src/http/front-door.ts).
    cors: false,
    graphiql: config.graphiql ? { title: 'Faultline', subscriptionsProtocol: 'WS', defaultQuery: GRAPHIQL_QUERY } : false,
    // From the installed package, its files served below: no CDN (src/http/graphiql.ts).
    renderGraphiQL: renderGraphiQLPage,
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error(args.map(String).join(' ')),
    },
    plugins: [
      ...operationLimits(config),
      useRequestRecord(() => requestScope.getStore()),
      useSharedSubscriptionResults(),
      useSseEventIds(),
      // Before the response cache, whose plugin wraps the execute function it finds.
      ...(compiled ? [compiled.plugin] : []),
      ...(options.responseCache && !config.requireReadKey ? [options.responseCache.plugin()] : []),
    ],
    maskedErrors: { maskError: maskUnexpected },
    context: async ({ request, viewer, requestId, client, res, transport }): Promise<GraphQLContext> => {
      const id = requestId ?? requestScope.getStore()?.requestId ?? randomUUID();
      let resolved = viewer;
      if (!resolved) {
        try {
          resolved = await authenticate(sql, bearerToken(request.headers.get('authorization')));
        } catch (error) {
          if (client && error instanceof GraphQLError) limits.authFailed(client);
          throw error;
        }
      }
      if (resolved.keyId) options.usage?.record(resolved.keyId);
      const record = requestScope.getStore();
      if (record && !viewer) record.keyId = resolved.keyId;
      if (config.requireReadKey && !hasRole(resolved, 'reader')) throw readKeyRequired();
      // An SSE stream outlives the request that authenticated it: end it when its key is revoked.
      if (res && resolved.keyId && options.revocations && request.headers.get('accept')?.includes('text/event-stream')) {
        res.once('close', options.revocations.hold(resolved.keyId, () => res.destroy()));
      }
      // Sent by an EventSource that reconnects: the cursor of the last message it got (src/sse.ts).
      const lastEventId = request?.headers.get('last-event-id') ?? undefined;
      const served = transport ?? (request.headers.get('accept')?.includes('text/event-stream') ? 'sse' : 'http');
      return { sql, viewer: resolved, requestId: id, logger, events, lastEventId, transport: served };
    },
  });

  // A JSON POST of a query skips Yoga's Fetch API layer (src/http/json-post.ts).
  const jsonPost = options.fullYogaPipeline ? undefined : jsonPostHandler(yoga);

  /** Ready when the database answers. */
  const ready = async (): Promise<boolean> => {
    try {
      await sql`select 1`;
      return true;
    } catch {
      return false;
    }
  };

  const limits = new ClientLimits(config);
  // Not when reads need a key: a cached result would be served before the key is checked.
  const responseCache = config.requireReadKey ? undefined : options.responseCache;
  const inFlight = new InFlight();
  let sseStreams = 0;
  const metrics = config.metrics
    ? new Metrics({
        websockets: () => wsServer.clients.size,
        sseStreams: () => sseStreams,
        subscriptions: () => events.subscriberCount,
        events,
        sql,
      })
    : undefined;

  const httpServer = createServer((req, res) => {
    // A client may bring its own request id (a proxy's, say); otherwise one is made. It is echoed in the
    // response and appears in every log line about the request.
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', requestId);
    // Readiness is answered here rather than by Yoga's plugin, which matched every request's URL against a
    // URLPattern (polyfilled, and a measurable share of a mutation's CPU in bench/live.ts).
    if (req.url === '/ready' || req.url?.startsWith('/ready?')) {
      // Draining: not ready, so a load balancer sends new work elsewhere.
      void (inFlight.draining ? Promise.resolve(false) : ready()).then((ok) => {
        res.statusCode = ok ? 200 : 503;
        res.end();
      });
      return;
    }
    if (metrics && isMetricsRoute(req.url)) {
      const { metricsRequireKey: requireKey, trustProxy } = config;
      void serveMetrics(req, res, { metrics, sql, limits, requireKey, trustProxy, usage: options.usage, logger, requestId });
      return;
    }
    if (config.graphiql && req.url?.startsWith('/graphiql/')) {
      // Static files, but large ones: they count against the client's allowance like any request.
      const admission = limits.admit(clientAddress(req, config.trustProxy), undefined);
      if (!admission.ok) rateLimited(res, admission);
      else serveGraphiQLAsset(req, res);
      return;
    }
    inFlight.track(req, res);
    if ((req.headers.accept ?? '').includes('text/event-stream')) {
      sseStreams += 1;
      res.once('close', () => (sseStreams -= 1));
    }
    const record: RequestRecord = { requestId };
    logWhenDone(req, res, record, logger, metrics);
    void requestScope.run(record, async () => {
      try {
        const admitted = await frontDoor(req, res, config, limits);
        if (!admitted) return;
        if (isExportRoute(req.url)) {
          await handleExportRoute(req, res, {
            sql,
            logger,
            requireReadKey: config.requireReadKey,
            requestId,
            authFailed: () => limits.authFailed(admitted.client),
            // The feeds' self link; a Host header that is not a plain host[:port] is not echoed into it.
            baseUrl: `http://${/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(req.headers.host ?? '') ? req.headers.host : 'localhost'}`,
          });
          return;
        }
        // A cached anonymous answer goes out without Yoga (src/http/response-cache.ts `serve`).
        const body = (req as IncomingMessage & { body?: Buffer }).body;
        if (responseCache?.serve(req, res, body)) return;
        const serverContext = { requestId, client: admitted.client, res };
        const handled = jsonPost?.(req, res, body, serverContext);
        await (handled ?? yoga.handle(req, res, serverContext));
      } catch (error) {
        // The client went away while its body was read, say.
        logger.debug('request failed before Yoga', { requestId, error: String(error) });
        res.destroy();
      }
    });
  });

  // A WebSocket message may be no larger than an HTTP request body (ws's default is 100 MiB).
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: yoga.graphqlEndpoint,
    maxPayload: config.maxBodyBytes,
    // Connections count against the client's rate limit and its share of open connections.
    verifyClient: ({ req }, accept) => {
      const client = clientAddress(req, config.trustProxy);
      const admission = limits.admit(client, undefined);
      if (!admission.ok) return accept(false, 429, 'Too Many Requests', { 'retry-after': String(admission.retryAfterSeconds) });
      if (!limits.connections.acquire(client)) return accept(false, 429, 'Too many open connections from this client');
      (req as IncomingMessage & { faultlineClient?: string }).faultlineClient = client;
      accept(true);
    },
  });
  wsServer.on('connection', (socket, req) => {
    const client = (req as IncomingMessage & { faultlineClient?: string }).faultlineClient;
    if (client !== undefined) socket.once('close', () => limits.connections.release(client));
  });
  // The WebSocket server re-emits the HTTP server's errors (a port in use); listen() reports those.
  wsServer.on('error', () => {});
  // Yoga's execute for a WebSocket query or mutation (its plugins included), by the operation's context.
  const executors = new WeakMap<object, (args: ExecutionArgs) => unknown>();
  const wsCleanup = serveGraphQLOverWebSocket<Record<string, unknown> | undefined, ConnectionExtra>(
    wsServer,
    {
      // A bad key closes the socket with 4403 Forbidden (graphql-ws's own code for a refused init).
      onConnect: async (ctx) => {
        ctx.extra.client = (ctx.extra.request as IncomingMessage & { faultlineClient?: string }).faultlineClient;
        const given = connectionKey(ctx.connectionParams);
        if ('refused' in given) return false;
        try {
          const viewer = await authenticate(sql, given.key);
          if (config.requireReadKey && !hasRole(viewer, 'reader')) return false;
          ctx.extra.viewer = viewer;
          ctx.extra.key = given.key;
          if (viewer.keyId) options.usage?.record(viewer.keyId);
          closeOnRevocation(ctx.extra.socket, viewer, options.revocations);
          return true;
        } catch (error) {
          if (error instanceof GraphQLError) {
            if (ctx.extra.client) limits.authFailed(ctx.extra.client);
            return false;
          }
          logger.error('websocket authentication failed', { error: String(error) });
          ctx.extra.socket.close(CloseCode.InternalServerError, 'Internal server error');
          return false;
        }
      },
      execute: (args) => executors.get(args.contextValue as object)!(args) as never,
      // The hub's subscriptions come back as push subscriptions, which the transport sends straight to the
      // socket (src/websocket.ts); anything else goes through graphql-ws's own per-message path.
      subscribe: async (args) => {
        const started = await subscribeShared(args, maskResult);
        return 'source' in started ? resultsOf(started) : started;
      },
      onSubscribe: async (ctx, id, params) => {
        const tooMany = tooManyOperations(ctx.subscriptions, id, config.maxSubscriptionsPerConnection);
        if (tooMany) return [tooMany];
        const viewer = await admitOperation(sql, limits, ctx.extra, ctx.extra.viewer ?? ANONYMOUS);
        if (viewer instanceof GraphQLError) return [viewer];
        const { schema: enveloped, execute, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          viewer,
          requestId: randomUUID(),
          transport: 'websocket',
        });
        let document;
        try {
          document = parse(params.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
        }
        const errors = validate(enveloped, document);
        if (errors.length > 0) return errors;
        const refused = checkVariables(params.variables);
        if (refused) return [refused];
        const contextValue = await contextFactory();
        executors.set(contextValue, execute);
        return { schema: enveloped, operationName: params.operationName, document, variableValues: params.variables, contextValue };
      },
    },
    { logger },
  );

  let stopping: Promise<void> | undefined;
  const server: FaultlineServer = {
    url: '',
    port: 0,
    httpServer,
    yoga: yoga as unknown as FaultlineServer['yoga'],
    compiledExecution: compiled?.stats,
    stop: ({ graceMs = 0 } = {}) => {
      stopping ??= (async () => {
        // No new connections (HTTP or WebSocket upgrades); idle keep-alive connections go now, busy ones
        // once their response is sent (each is marked `connection: close`).
        inFlight.draining = true;
        const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        if (!(await inFlight.settled(graceMs))) {
          logger.warn('shutting down with requests still in flight', { requests: inFlight.size, graceMs });
        }
        // graphql-ws clients reconnect on 1001 and resume from their last cursor, as SSE clients do.
        const sockets = [...wsServer.clients];
        const socketsClosed = Promise.all(sockets.map((socket) => new Promise((resolve) => socket.once('close', resolve))));
        await wsCleanup.dispose();
        // A moment for the close handshake, so clients see 1001 rather than a dropped connection.
        await Promise.race([socketsClosed, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
        for (const client of wsServer.clients) client.terminate();
        await new Promise<void>((resolve) => wsServer.close(() => resolve()));
        // Ends SSE streams and any request that outlived the grace period.
        httpServer.closeAllConnections();
        await closed;
        await yoga.dispose();
        metrics?.dispose();
      })();
      return stopping;
    },
  };
  return server;
}

/** Listens on the configured host and port and fills in the server's URL. */
export async function listen(server: FaultlineServer, host: string, port: number): Promise<FaultlineServer> {
  await new Promise<void>((resolve, reject) => {
    server.httpServer.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${port} on ${host} is already in use: stop the other process or set PORT`)
          : error,
      ),
    );
    server.httpServer.listen(port, host, () => {
      server.httpServer.removeAllListeners('error');
      resolve();
    });
  });
  const address = server.httpServer.address() as AddressInfo;
  server.port = address.port;
  server.url = graphqlUrl(host, address.port);
  return server;
}
