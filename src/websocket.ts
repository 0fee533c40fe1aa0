// graphql-ws over the `ws` package, tuned for fan-out. graphql-ws ships an adapter for `ws`
// (graphql-ws/use/ws); this one is built on the same `makeServer` and differs where it matters when one
// event goes to thousands of sockets:
// - Subscription events skip graphql-ws's per-message path. A subscription's results (shared by every
//   subscription asking the same thing, see src/graphql/shared-subscriptions.ts) are serialised once, and
//   each subscriber gets a `next` frame built by splicing its id in. graphql-ws still handles everything
//   else: the handshake, subscribe, complete, errors, queries and mutations.
// - Sending does not wait for the kernel to take the previous frame, and frames for one socket within one
//   turn of the event loop go out in one write (the socket is corked until the turn ends). A subscriber
//   with several events queued gets them in one system call instead of one each.
// - Events are pushed: a subscription whose results can be pushed (a PushSubscription, see
//   src/graphql/shared-subscriptions.ts; the hub's topics give those) is taken over in graphql-ws's own
//   onOperation hook, and each result is sent as the hub fans its event out (see `directSubscription`); no
//   promise per event and subscriber. Any other subscription goes through graphql-ws's per-message path.
// - Backpressure is explicit: a subscription stops taking events while its socket has more than
//   HIGH_WATER_BYTES unsent, and its events wait in the hub's queue for it, which is bounded: a client that
//   falls further behind is disconnected with 1013 (try again later) and resumes from its last cursor.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ExecutionResult } from 'graphql';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import { WebSocket, type WebSocketServer } from 'ws';
import { SUBSCRIBER_TOO_SLOW } from './graphql/live.js';
import { isPushSubscription, type PushSubscription, type ResultSink } from './graphql/shared-subscriptions.js';
import type { Logger } from './logger.js';

/** What graphql-ws's context carries for this transport (`ctx.extra`). */
export interface WebSocketExtra {
  socket: WebSocket;
  request: IncomingMessage;
}

export interface WebSocketTransportOptions {
  logger: Logger;
  /** Ping every this many ms and drop a socket whose pong is as late (graphql-ws/use/ws uses 12 s). */
  keepAliveMs?: number;
}

/** The close code a client that reads too slowly gets: standard "try again later", so clients retry. */
export const TOO_SLOW_CLOSE_CODE = 1013;

/** Unsent bytes on a socket above which its subscriptions wait for the client before sending more. */
const HIGH_WATER_BYTES = 256 * 1024;

/** One serialisation per shared execution result. */
const serialized = new WeakMap<ExecutionResult, string>();

function payloadJson(result: ExecutionResult): string {
  let json = serialized.get(result);
  if (json === undefined) {
    // The shape graphql-ws gives a result: errors as their JSON form, and left out when there are none.
    const { errors, ...rest } = result;
    json = JSON.stringify(errors ? { ...rest, errors: errors.map((error) => error.toJSON()) } : rest);
    serialized.set(result, json);
  }
  return json;
}

type TcpSocket = Pick<Socket, 'cork' | 'uncork' | 'once' | 'off'>;

/** The TCP socket under a WebSocket: ws keeps it in a private field, so this is checked, not assumed. */
function tcpOf(socket: WebSocket): TcpSocket | undefined {
  const tcp = (socket as unknown as { _socket?: Partial<TcpSocket> })._socket;
  return typeof tcp?.cork === 'function' && typeof tcp.uncork === 'function' && typeof tcp.once === 'function'
    ? (tcp as TcpSocket)
    : undefined;
}

/** Sockets corked during this turn of the event loop; uncorked together once it ends. */
const corked = new Set<TcpSocket>();
let uncorkScheduled = false;

function uncorkAll(): void {
  uncorkScheduled = false;
  for (const tcp of corked) tcp.uncork();
  corked.clear();
}

function corkForThisTurn(socket: WebSocket): void {
  // Without the TCP socket, frames are simply written one by one.
  const tcp = tcpOf(socket);
  if (!tcp || corked.has(tcp)) return;
  tcp.cork();
  corked.add(tcp);
  if (!uncorkScheduled) {
    uncorkScheduled = true;
    setImmediate(uncorkAll);
  }
}

/** Sends one frame, corked for this turn of the event loop. */
function sendFrame(socket: WebSocket, data: string): void {
  if (socket.readyState !== WebSocket.OPEN) return;
  corkForThisTurn(socket);
  socket.send(data);
}

/** Resolves once the socket has sent what it buffered (or closed). */
function writable(socket: WebSocket): Promise<void> {
  const tcp = tcpOf(socket);
  if (!tcp || socket.readyState !== WebSocket.OPEN) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      tcp.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    tcp.once('drain', done);
    socket.once('close', done);
  });
}

/**
 * The iterator graphql-ws gets for a push subscription on `socket` with message id `id`. It yields nothing:
 * each result is sent as a `next` frame as it is pushed, with no promise in between unless it is still being
 * computed (later results then wait behind it, to keep the order). It ends when the subscription ends
 * (graphql-ws then sends `complete`) and fails as it fails; `return()` (the client's `complete`, or a closed
 * socket) ends the subscription at once.
 */
export function directSubscription(subscription: PushSubscription, socket: WebSocket, id: string): AsyncIterableIterator<ExecutionResult> {
  const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  const send = (result: ExecutionResult) => sendFrame(socket, `${head}${payloadJson(result)}}`);
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next: () =>
      new Promise((resolve, reject) => {
        let tail: Promise<void> | undefined;
        let waiting = 0;
        let paused = false;
        // While the client is behind, stop taking results; their events wait in the hub's queue, which is bounded.
        const backpressure = () => {
          if (paused || socket.bufferedAmount <= HIGH_WATER_BYTES) return;
          paused = true;
          subscription.detach();
          void writable(socket).then(() => {
            paused = false;
            subscription.attach(sink);
          });
        };
        const sink: ResultSink = {
          next: (result) => {
            if (tail === undefined && !(result instanceof Promise)) {
              send(result);
              backpressure();
              return;
            }
            waiting += 1;
            tail = (tail ?? Promise.resolve())
              .then(() => result)
              .then((value) => {
                send(value);
                backpressure();
              })
              .finally(() => {
                waiting -= 1;
                if (waiting === 0) tail = undefined;
              });
          },
          end: (error) => {
            void (tail ?? Promise.resolve()).then(() => {
              if (!error) return resolve({ value: undefined, done: true });
              if (error.extensions.code === SUBSCRIBER_TOO_SLOW) {
                socket.close(TOO_SLOW_CLOSE_CODE, 'Client reads too slowly: reconnect and resume from your last cursor');
                return resolve({ value: undefined, done: true });
              }
              reject(error);
            });
          },
        };
        subscription.attach(sink);
      }),
    return: async () => {
      await subscription.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/**
 * Serves graphql-ws on `wsServer`. Same protocol, hooks and close codes as graphql-ws/use/ws (it is built on
 * graphql-ws's own `makeServer`); see the top of this file for what it does differently. A subscription
 * whose result (from the `subscribe` hook, or from `options.onOperation`) is a PushSubscription is sent by
 * `directSubscription`.
 */
export function serveGraphQLOverWebSocket<P extends Record<string, unknown> | undefined, E extends WebSocketExtra>(
  wsServer: WebSocketServer,
  options: ServerOptions<P, E>,
  transport: WebSocketTransportOptions,
): { dispose(): Promise<void> } {
  const { logger } = transport;
  const keepAliveMs = transport.keepAliveMs ?? 12_000;
  const server = makeServer<P, E>({
    ...options,
    // graphql-ws's hook for replacing an operation's result once it has started: push subscriptions are sent
    // straight to the socket instead of through its per-message path.
    onOperation: async (ctx, id, payload, args, result) => {
      const replaced = (await options.onOperation?.(ctx, id, payload, args, result)) ?? undefined;
      const operation = replaced ?? result;
      return isPushSubscription(operation) ? directSubscription(operation, ctx.extra.socket, id) : replaced;
    },
  });
  wsServer.options.handleProtocols = handleProtocols;

  wsServer.on('connection', (socket, request) => {
    socket.once('error', (error) => {
      logger.warn('websocket error', { error: String(error) });
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    });

    let pongWait: NodeJS.Timeout | undefined;
    const ping = setInterval(() => {
      if (socket.readyState !== WebSocket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
      socket.once('pong', () => {
        clearTimeout(pongWait);
        pongWait = undefined;
      });
      socket.ping();
    }, keepAliveMs);

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => sendFrame(socket, data),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (receive) =>
          socket.on('message', async (data) => {
            try {
              await receive(String(data));
            } catch (error) {
              logger.error('websocket message handling failed', { error: String(error) });
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      // The connection's own fields (the viewer, say) are filled in by the hooks.
      { socket, request } as E,
    );

    socket.once('close', (code, reason) => {
      clearTimeout(pongWait);
      clearInterval(ping);
      void closed(code, String(reason));
    });
  });

  return {
    dispose: async () => {
      for (const client of wsServer.clients) client.close(1001, 'Going away');
      wsServer.removeAllListeners('connection');
    },
  };
}
