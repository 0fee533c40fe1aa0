import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
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
import { hasRole, type Viewer } from './auth/viewer.js';
import type { Config } from './config.js';
import type { Sql } from './db/index.js';
import type { EventHub } from './events/hub.js';
import type { GraphQLContext } from './graphql/context.js';
import { schema } from './graphql/index.js';
import { resultsOf, subscribeShared, useSharedSubscriptionResults } from './graphql/shared-subscriptions.js';
import type { Logger } from './logger.js';
import { useSseEventIds } from './sse.js';
import { serveGraphQLOverWebSocket, type WebSocketExtra } from './websocket.js';

export interface ServerOptions {
  sql: Sql;
  events: EventHub;
  logger: Logger;
  config: Pick<Config, 'port' | 'host' | 'requireReadKey' | 'graphiql'>;
}

export interface FaultlineServer {
  /** http://host:port/graphql once listening. */
  url: string;
  port: number;
  httpServer: Server;
  yoga: YogaServerInstance<Record<string, unknown>, GraphQLContext>;
  /** Stops accepting work, closes sockets and subscriptions, and waits for them. */
  stop(): Promise<void>;
}

interface ServerContext {
  /** Set for graphql-ws operations: the viewer resolved once at connection_init. */
  viewer?: Viewer;
  requestId?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

// The id of the request being handled, wherever in its async work we are: error masking has no access to
// the GraphQL context, yet its log line and the client's message must carry the same id.
const requestScope = new AsyncLocalStorage<{ requestId: string }>();

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
  const { sql, events, logger, config } = options;

  // Unexpected errors (a database failure, a bug) reach the client as one line with the request id; the
  // server log gets the detail under the same id.
  const maskUnexpected = (error: unknown, message: string, isDev?: boolean): Error => {
    const masked = yogaMaskError(error, message, isDev);
    if (masked === error) return error as Error;
    const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
    const requestId = requestScope.getStore()?.requestId ?? randomUUID();
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

  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    graphiql: config.graphiql ? { title: 'Faultline', subscriptionsProtocol: 'WS' } : false,
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error(args.map(String).join(' ')),
    },
    plugins: [useSharedSubscriptionResults(), useSseEventIds()],
    maskedErrors: { maskError: maskUnexpected },
    context: async ({ request, viewer, requestId }): Promise<GraphQLContext> => {
      const id = requestId ?? requestScope.getStore()?.requestId ?? randomUUID();
      const resolved = viewer ?? (await authenticate(sql, bearerToken(request.headers.get('authorization'))));
      if (config.requireReadKey && !hasRole(resolved, 'reader')) throw readKeyRequired();
      // Sent by an EventSource that reconnects: the cursor of the last message it got (src/sse.ts).
      const lastEventId = request?.headers.get('last-event-id') ?? undefined;
      return { sql, viewer: resolved, requestId: id, logger, events, lastEventId };
    },
  });

  /** Ready when the database answers. */
  const ready = async (): Promise<boolean> => {
    try {
      await sql`select 1`;
      return true;
    } catch {
      return false;
    }
  };

  const httpServer = createServer((req, res) => {
    // A client may bring its own request id (a proxy's, say); otherwise one is made. It is echoed in the
    // response and appears in every log line about the request.
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', requestId);
    // Readiness is answered here rather than by Yoga's plugin, which matched every request's URL against a
    // URLPattern (polyfilled, and a measurable share of a mutation's CPU in bench/live.ts).
    if (req.url === '/ready' || req.url?.startsWith('/ready?')) {
      void ready().then((ok) => {
        res.statusCode = ok ? 200 : 503;
        res.end();
      });
      return;
    }
    void requestScope.run({ requestId }, () => yoga.handle(req, res, { requestId }));
  });

  const wsServer = new WebSocketServer({ server: httpServer, path: yoga.graphqlEndpoint });
  // The WebSocket server re-emits the HTTP server's errors (a port in use); listen() reports those.
  wsServer.on('error', () => {});
  // Yoga's execute for a WebSocket query or mutation (its plugins included), by the operation's context.
  const executors = new WeakMap<object, (args: ExecutionArgs) => unknown>();
  const wsCleanup = serveGraphQLOverWebSocket<Record<string, unknown> | undefined, WebSocketExtra & { viewer?: Viewer }>(
    wsServer,
    {
      // A bad key closes the socket with 4403 Forbidden (graphql-ws's own code for a refused init).
      onConnect: async (ctx) => {
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization ?? ctx.connectionParams?.apiKey;
        try {
          const key = typeof raw === 'string' ? (raw.startsWith('fl_') ? raw : bearerToken(raw)) : undefined;
          const viewer = await authenticate(sql, key);
          if (config.requireReadKey && !hasRole(viewer, 'reader')) return false;
          ctx.extra.viewer = viewer;
          return true;
        } catch (error) {
          if (error instanceof GraphQLError) return false;
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
      onSubscribe: async (ctx, _id, params) => {
        const { schema: enveloped, execute, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          viewer: ctx.extra.viewer,
          requestId: randomUUID(),
        });
        let document;
        try {
          document = parse(params.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
        }
        const errors = validate(enveloped, document);
        if (errors.length > 0) return errors;
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
    yoga: yoga as FaultlineServer['yoga'],
    stop: () => {
      stopping ??= (async () => {
        await wsCleanup.dispose();
        for (const client of wsServer.clients) client.terminate();
        await new Promise<void>((resolve) => wsServer.close(() => resolve()));
        // Ends SSE streams and idle keep-alive sockets so close() does not wait on them.
        httpServer.closeAllConnections();
        await new Promise<void>((resolve) => httpServer.close(() => resolve()));
        await yoga.dispose();
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
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  server.url = `http://${shownHost}:${address.port}/graphql`;
  return server;
}
