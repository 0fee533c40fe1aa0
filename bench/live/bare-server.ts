// Child process of bench/live.ts with --baseline: the floor the live figures are divided by, as bench/read.ts
// divides by its raw endpoint. Not part of the service and not a GraphQL server: the least work that delivers
// the same events to the same subscriber processes (bench/live/subscribers.ts, graphql-ws createClient,
// unchanged), so "real / bare" is what Faultline's own path (Yoga, graphql-ws's server, the event hub,
// execution) costs on top of reading the event and writing the sockets.
//
// - A `ws` WebSocketServer on 127.0.0.1, a free port, path /graphql, subprotocol graphql-transport-ws, with
//   just enough of that protocol for graphql-ws's client: connection_init → connection_ack, ping → pong,
//   subscribe (the socket and the message id are remembered; the query and its variables are ignored, so a
//   filter is too: only the fan-out and latency phases use this server), complete, close.
// - postgres.js: LISTEN on the channel the real server uses and, on each notification, one query for the
//   report_added events not yet sent, with their report's id and title. Each event's payload is serialised
//   once with JSON.stringify; each subscriber gets `{"id":<its id>,"type":"next","payload":<payload>}`
//   built by concatenation.
//
// Event ids may not commit in id order (an event log with xact ids), so "after the last id seen" could skip
// one that commits late: each read takes a window of 1,000 ids below the highest seen and a set of the ids
// already sent drops the repeats. Good enough for a benchmark that commits one writer's events at a time.
//
// Answers the same IPC as bench/live/server.ts: 'ready' once listening, 'stats', 'profile' and 'stop'. Run by
// the parent as `node --expose-gc --import tsx`, against the database in BENCH_DB_URL.
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { EVENTS_CHANNEL } from '../../src/events/log.js';
import { createProfiler } from './profiler.js';
import type { ServerCommand, ServerReport } from './protocol.js';

const url = process.env.BENCH_DB_URL;
const PROTOCOL = 'graphql-transport-ws';
/** Ids below the highest sent that are read again on every notification, for events committed out of id order. */
const WINDOW = 1000;

function send(message: ServerReport): void {
  process.send?.(message);
}

interface Subscription {
  socket: WebSocket;
  /** `{"id":"<id>","type":"next","payload":` — the frame up to the payload, built once per subscription. */
  head: string;
}

const subscriptions = new Set<Subscription>();

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
    for (const subscription of own.values()) subscriptions.delete(subscription);
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
        return;
      }
      case 'complete': {
        const subscription = typeof message.id === 'string' ? own.get(message.id) : undefined;
        if (subscription) {
          own.delete(message.id as string);
          subscriptions.delete(subscription);
        }
        return;
      }
      default:
        socket.close(4400, 'Invalid message received');
    }
  });
}

async function main(): Promise<void> {
  if (!url) throw new Error('BENCH_DB_URL is not set');
  // One connection for the reads; postgres.js holds LISTEN on a connection of its own.
  const sql = postgres(url, { max: 1, onnotice: () => {}, connection: { application_name: 'faultline-bench-live-bare' } });

  /** Highest report_added id seen, and every id sent within the window below it. */
  let last = '0';
  const sent = new Set<string>();
  const readNew = () =>
    sql<{ id: string; report_id: string; title: string }[]>`
      select e.id::text as id, r.id::text as report_id, r.title
      from events e join reports r on r.id = e.entity_id
      where e.kind = 'report_added' and e.id > ${last}::bigint - ${WINDOW}
      order by e.id
    `;
  // Live only, as the real hub: whatever is in the log now counts as sent.
  for (const row of await readNew()) {
    sent.add(row.id);
    last = row.id;
  }

  let reading: Promise<void> | undefined;
  let readAgain = false;
  let stopped = false;
  const read = async () => {
    const rows = await readNew();
    // Frames of one read go to each socket in one write, as the real server does (src/websocket.ts corks each
    // socket for a turn of the event loop): the floor should not pay a system call per frame the real one saves.
    const corked = new Set<{ cork(): void; uncork(): void }>();
    for (const row of rows) {
      if (sent.has(row.id)) continue;
      sent.add(row.id);
      if (BigInt(row.id) > BigInt(last)) last = row.id;
      const payload = JSON.stringify({
        data: { reportAdded: { cursor: base64url(`event:${row.id}`), report: { id: base64url(`Report:${row.report_id}`), title: row.title } } },
      });
      for (const subscription of subscriptions) {
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
    if (sent.size > 4 * WINDOW) {
      const floor = BigInt(last) - BigInt(WINDOW);
      for (const id of sent) if (BigInt(id) <= floor) sent.delete(id);
    }
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
  await sql.listen(EVENTS_CHANNEL, schedule, schedule);

  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    path: '/graphql',
    handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  wss.on('error', () => {});
  wss.on('connection', accept);
  const serverUrl = `http://127.0.0.1:${(wss.address() as AddressInfo).port}/graphql`;

  const stop = async (code: number) => {
    if (stopped) return;
    stopped = true;
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await reading?.catch(() => {});
    await sql.end({ timeout: 2 }).catch(() => {});
    send({ type: 'stopped' });
    setTimeout(() => process.exit(code), 50);
  };
  const profile = createProfiler(send);

  process.on('message', (message: ServerCommand) => {
    if (message.type === 'profile') {
      profile(message);
      return;
    }
    if (message.type === 'stop') {
      void stop(0);
      return;
    }
    if (message.type === 'stats') {
      if (message.gc && typeof globalThis.gc === 'function') {
        globalThis.gc();
        globalThis.gc();
      }
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      send({
        type: 'stats',
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        external: memory.external,
        arrayBuffers: memory.arrayBuffers,
        subscribers: subscriptions.size,
        sockets: wss.clients.size,
        position: last,
        cpuUserMs: cpu.user / 1000,
        cpuSystemMs: cpu.system / 1000,
      });
    }
  });
  process.on('disconnect', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  console.log(`listening ${serverUrl} (bare baseline)`);
  send({ type: 'ready', url: serverUrl, pid: process.pid });
}

main().catch((error: unknown) => {
  send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
