// Child process of bench/live.ts with --baseline: the floor the live figures are divided by, as bench/read.ts
// divides by its raw endpoint. Not part of the service and not a GraphQL server: the least work that delivers
// the same events to the same subscriber processes (bench/live/subscribers.ts, graphql-ws createClient,
// unchanged) and commits the same mutations, so "real / bare" is what Faultline's own path (Yoga,
// graphql-ws's server, the event hub, execution) costs on top of the database work, reading the event and
// writing the sockets.
//
// - A node:http server on 127.0.0.1, a free port, with a `ws` WebSocketServer on it at /graphql, as the real
//   server is laid out (one port for both):
//   - WebSocket, subprotocol graphql-transport-ws, with just enough of that protocol for graphql-ws's
//     client: connection_init → connection_ack, ping → pong, subscribe (the socket and the message id are
//     remembered; the query is ignored, and so is a filter's content: a subscription whose variables carry a
//     `filter` is counted but sent nothing, which is what the real server sends the ingest phase's
//     "filtered out" subscribers, who watch an incident the bench's reports do not link), complete, close.
//   - HTTP POST /graphql, for the ingest phase: the body the bench sends (`{ query, variables: { input } }`),
//     the query ignored, the Authorization header checked for a Bearer token's presence only (the key is not
//     looked up), then the real `submitReport(sql, input)` from src/data/report-changes.ts — the same SQL,
//     transaction, event append and NOTIFY as the mutation's — and a response of the shape the real server
//     gives the bench's selection (`{"data":{"submitReport":{"__typename":"SubmitReportPayload","created":…,
//     "report":{"id":<global id>}}}}`), built by concatenation.
// - postgres.js: one pool of BENCH_POOL connections (default 10, as bench/live/server.ts; createSql, as the
//   real server) for the mutations and the event reads. LISTEN on the channel the real server uses and read
//   the events the notifications name: `writeTransaction` (src/events/log.ts) sends each write's last event
//   id as the payload, after COMMIT, so the row is visible by then. Notifications that arrive while a read
//   is in flight are gathered and read together in the next one: one query for those report_added events
//   with their report's id and title. Each event's payload is serialised once with JSON.stringify; each
//   unfiltered subscriber gets `{"id":<its id>,"type":"next","payload":<payload>}` built by concatenation.
//
// Reading by the notified ids is exact for this benchmark, whose every write is one submitReport (one event
// per transaction) and whose notifications are not lost; a write with several events would have only its
// last one read, and no poll makes up for a lost NOTIFY (the real hub has both covered). It reads only new
// rows, as the real hub does: an earlier version re-read a window of 1,000 ids below the highest sent on
// every notification, which was cheap with one writer but cost 5-10 ms and ~1,000 rows per read under
// ingest's 20 concurrent writers.
//
// Answers the same IPC as bench/live/server.ts: 'ready' once listening, 'stats', 'profile' and 'stop'. Run by
// the parent as `node --expose-gc --import tsx`, against the database in BENCH_DB_URL.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { submitReport, type ReportSubmission } from '../../src/data/report-changes.js';
import { createSql, type Sql } from '../../src/db/connection.js';
import { EVENTS_CHANNEL } from '../../src/events/log.js';
import { answerParent, failed } from './child.js';

const url = process.env.BENCH_DB_URL;
/** Same pool size as the real server (bench/live/server.ts). */
const pool = Number(process.env.BENCH_POOL ?? 10);
const PROTOCOL = 'graphql-transport-ws';

interface Subscription {
  socket: WebSocket;
  /** `{"id":"<id>","type":"next","payload":` — the frame up to the payload, built once per subscription. */
  head: string;
}

/** Every subscription (what 'stats' counts), and those without a filter: the ones events are sent to. */
const subscriptions = new Set<Subscription>();
const receivers = new Set<Subscription>();

/** Same shapes as the real server's (base64url global id, base64url "event:<id>" cursor): similar frame sizes. */
const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

function accept(socket: WebSocket): void {
  if (socket.protocol !== PROTOCOL) {
    socket.close(4406, 'Subprotocol not acceptable');
    return;
  }
  let acknowledged = false;
  const own = new Map<string, Subscription>();
  socket.on('error', () => {});
  socket.on('close', () => {
    for (const subscription of own.values()) {
      subscriptions.delete(subscription);
      receivers.delete(subscription);
    }
    own.clear();
  });
  socket.on('message', (raw: RawData) => {
    let message: { type?: unknown; id?: unknown; payload?: unknown };
    try {
      message = JSON.parse((raw as Buffer).toString('utf8')) as typeof message;
    } catch {
      socket.close(4400, 'Invalid message received');
      return;
    }
    switch (message.type) {
      case 'connection_init':
        if (acknowledged) {
          socket.close(4429, 'Too many initialisation requests');
          return;
        }
        acknowledged = true;
        socket.send('{"type":"connection_ack"}');
        return;
      case 'ping':
        socket.send(message.payload === undefined ? '{"type":"pong"}' : JSON.stringify({ type: 'pong', payload: message.payload }));
        return;
      case 'pong':
        return;
      case 'subscribe': {
        if (!acknowledged) {
          socket.close(4401, 'Unauthorized');
          return;
        }
        const id = message.id;
        if (typeof id !== 'string' || id === '') {
          socket.close(4400, 'Invalid message received');
          return;
        }
        if (own.has(id)) {
          socket.close(4409, `Subscriber for ${id} already exists`);
          return;
        }
        const subscription: Subscription = { socket, head: `{"id":${JSON.stringify(id)},"type":"next","payload":` };
        own.set(id, subscription);
        subscriptions.add(subscription);
        // Filters are not evaluated: a subscription with one gets nothing (see the top of this file).
        const variables = (message.payload as { variables?: { filter?: unknown } | null } | undefined)?.variables;
        if (variables?.filter == null) receivers.add(subscription);
        return;
      }
      case 'complete': {
        const subscription = typeof message.id === 'string' ? own.get(message.id) : undefined;
        if (subscription) {
          own.delete(message.id as string);
          subscriptions.delete(subscription);
          receivers.delete(subscription);
        }
        return;
      }
      default:
        socket.close(4400, 'Invalid message received');
    }
  });
}

const JSON_HEADERS = { 'content-type': 'application/graphql-response+json; charset=utf-8' };

function reply(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

const errorBody = (message: string) => `{"errors":[{"message":${JSON.stringify(message)}}]}`;

/** POST /graphql: the ingest phase's submitReport mutation, straight to the data function (see the top of this file). */
function handleRequest(sql: Sql, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'POST' || request.url?.split('?')[0] !== '/graphql') {
    request.resume();
    reply(response, 404, errorBody('only POST /graphql'));
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (!/^Bearer \S/.test(request.headers.authorization ?? '')) {
      reply(response, 401, errorBody('an Authorization: Bearer header is required'));
      return;
    }
    let input: ReportSubmission | undefined;
    try {
      input = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { variables?: { input?: ReportSubmission } }).variables?.input;
    } catch {
      // answered below
    }
    if (!input || typeof input !== 'object') {
      reply(response, 400, errorBody('the body must be JSON with variables.input'));
      return;
    }
    submitReport(sql, input).then(
      ({ report, created }) =>
        reply(
          response,
          200,
          `{"data":{"submitReport":{"__typename":"SubmitReportPayload","created":${created},"report":{"id":"${base64url(`Report:${report.id}`)}"}}}}`,
        ),
      (error: unknown) => reply(response, 500, errorBody(error instanceof Error ? error.message : String(error))),
    );
  });
  request.on('error', () => response.destroy());
}

async function main(): Promise<void> {
  if (!url) throw new Error('BENCH_DB_URL is not set');
  // One pool for the mutations and the event reads, as the real server's; postgres.js holds LISTEN on a
  // connection of its own.
  const sql = createSql(url, { max: pool, applicationName: 'faultline-bench-live-bare' });

  /** Highest report_added id sent (the 'stats' position). */
  let last = '0';
  /** Event ids notified and not read yet. Live only, as the real hub: what committed before LISTEN is not sent. */
  let pending: string[] = [];

  let reading: Promise<void> | undefined;
  let readAgain = false;
  let stopped = false;
  const read = async () => {
    if (pending.length === 0) return;
    const ids = pending;
    pending = [];
    const rows = await sql<{ id: string; report_id: string; title: string }[]>`
      select e.id::text as id, r.id::text as report_id, r.title
      from events e join reports r on r.id = e.entity_id
      where e.kind = 'report_added' and e.id = any(${ids}::bigint[])
      order by e.id
    `;
    // Frames of one read go to each socket in one write, as the real server does (src/websocket.ts corks each
    // socket for a turn of the event loop): the floor should not pay a system call per frame the real one saves.
    const corked = new Set<{ cork(): void; uncork(): void }>();
    for (const row of rows) {
      if (BigInt(row.id) > BigInt(last)) last = row.id;
      const payload = JSON.stringify({
        data: { reportAdded: { cursor: base64url(`event:${row.id}`), report: { id: base64url(`Report:${row.report_id}`), title: row.title } } },
      });
      for (const subscription of receivers) {
        if (subscription.socket.readyState !== 1) continue;
        const tcp = (subscription.socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
        if (tcp && !corked.has(tcp)) {
          tcp.cork();
          corked.add(tcp);
        }
        subscription.socket.send(subscription.head + payload + '}');
      }
    }
    for (const tcp of corked) tcp.uncork();
  };
  const schedule = () => {
    if (stopped) return;
    if (reading) {
      readAgain = true;
      return;
    }
    reading = read()
      .catch((error: unknown) => console.error(`bare server: reading the event log failed: ${String(error)}`))
      .finally(() => {
        reading = undefined;
        if (readAgain) {
          readAgain = false;
          schedule();
        }
      });
  };
  const notified = (payload: string) => {
    // Empty for a write that appended nothing or rolled back.
    if (/^[0-9]+$/.test(payload)) pending.push(payload);
    schedule();
  };
  await sql.listen(EVENTS_CHANNEL, notified);

  // As the real server: one node:http server, the WebSocket server on its upgrade requests.
  const httpServer = createServer((request, response) => handleRequest(sql, request, response));
  const wss = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
  });
  wss.on('error', () => {});
  wss.on('connection', accept);
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(0, '127.0.0.1', () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const serverUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/graphql`;

  answerParent({
    url: serverUrl,
    label: 'bare baseline',
    counts: () => Promise.resolve({ subscribers: subscriptions.size, sockets: wss.clients.size, position: last }),
    teardown: async () => {
      stopped = true;
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await reading?.catch(() => {});
      await sql.end({ timeout: 2 }).catch(() => {});
    },
  });
}

main().catch(failed);
