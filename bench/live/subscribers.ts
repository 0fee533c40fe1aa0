// Child process of bench/live.ts: opens many graphql-ws connections to the server (127.0.0.1 only), one
// reportAdded subscription on each, and records when each subscription receives each event (CLOCK_MONOTONIC,
// shared with the writer in the parent). Tells the parent as soon as all of its subscriptions got an event;
// hands over every receive time on 'dump'. Runs in its own process so the server's event loop serves only
// the server, and so this process's file descriptors (one per socket) count against its own limit.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { SUBSCRIPTION, TITLE_PREFIX, monotonicMs, type SubscriberCommand, type SubscriberReport } from './protocol.js';

interface Received {
  times: Float64Array;
  count: number;
}

interface Connection {
  client: Client;
  dispose: () => void;
  closed: boolean;
}

const connections: Connection[] = [];
const received = new Map<number, Received>();
let receivedTotal = 0;
let errors = 0;
let firstError: string | null = null;
let unexpectedCloses = 0;
let closing = false;

/** CPU time this process used since the last dump: tells whether the subscribers, not the server, were the limit. */
let cpuMark = process.cpuUsage();
function cpuMs(): number {
  const used = process.cpuUsage(cpuMark);
  cpuMark = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

function send(message: SubscriberReport): void {
  process.send?.(message);
}

/** graphql-ws hands the sink an Error, a list of GraphQL errors, or the socket's CloseEvent. */
function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  const close = error as { code?: unknown; reason?: unknown };
  if (typeof close?.code === 'number') return `connection closed: ${close.code} ${String(close.reason ?? '')}`.trim();
  return JSON.stringify(error).slice(0, 300);
}

function noteError(message: string): void {
  errors += 1;
  firstError ??= message;
}

function onEvent(value: { data?: Record<string, unknown> | null; errors?: unknown }): void {
  const at = monotonicMs();
  const title = (value.data?.reportAdded as { report?: { title?: string } } | undefined)?.report?.title;
  if (!title?.startsWith(TITLE_PREFIX)) {
    noteError(`unexpected payload: ${JSON.stringify(value).slice(0, 200)}`);
    return;
  }
  const seq = Number(title.slice(TITLE_PREFIX.length));
  let slot = received.get(seq);
  if (!slot) {
    slot = { times: new Float64Array(connections.length), count: 0 };
    received.set(seq, slot);
  }
  if (slot.count < slot.times.length) slot.times[slot.count] = at;
  slot.count += 1;
  receivedTotal += 1;
  if (slot.count === connections.length) send({ type: 'complete', seq, last: at });
}

/** Opens one connection and its subscription; resolves once the server acknowledged the connection. */
function openOne(url: string, variables: Record<string, unknown>): Promise<Connection> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => fail(new Error('no connection_ack within 30 s')), 30_000);
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.dispose();
      reject(error);
    };
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      on: {
        connected: () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(connection);
        },
        closed: (event) => {
          if (!settled) {
            const close = event as { code?: number; reason?: string };
            fail(new Error(`closed before ack: ${close.code ?? '?'} ${close.reason ?? ''}`));
          } else if (!closing) {
            unexpectedCloses += 1;
            connection.closed = true;
          } else {
            connection.closed = true;
          }
        },
        error: (error) => fail(error instanceof Error ? error : new Error(String(error))),
      },
    });
    const dispose = client.subscribe<Record<string, unknown>>(
      { query: SUBSCRIPTION, variables },
      {
        next: onEvent,
        error: (error) => noteError(describe(error)),
        complete: () => {},
      },
    );
    const connection: Connection = { client, dispose, closed: false };
  });
}

async function open(command: Extract<SubscriberCommand, { type: 'open' }>): Promise<void> {
  const wsUrl = command.url.replace(/^http/, 'ws');
  const variables = command.filter ? { filter: command.filter } : {};
  const started = monotonicMs();
  let next = 0;
  let failed = 0;
  let openError: string | null = null;
  const worker = async () => {
    while (next < command.count) {
      next += 1;
      try {
        connections.push(await openOne(wsUrl, variables));
      } catch (error) {
        failed += 1;
        openError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency, command.count) }, worker));
  send({ type: 'opened', count: connections.length, failed, ms: monotonicMs() - started, firstError: openError });
}

async function close(): Promise<void> {
  closing = true;
  for (const connection of connections) {
    connection.dispose();
    void connection.client.dispose();
  }
  const deadline = Date.now() + 10_000;
  while (connections.some((connection) => !connection.closed) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  connections.length = 0;
  closing = false;
  send({ type: 'closed' });
}

process.on('message', (message: SubscriberCommand) => {
  switch (message.type) {
    case 'open':
      void open(message);
      break;
    case 'dump': {
      const seqs = [...received.keys()];
      const times = seqs.map((seq) => {
        const slot = received.get(seq)!;
        return slot.times.slice(0, Math.min(slot.count, slot.times.length));
      });
      send({
        type: 'dump',
        seqs,
        times,
        received: receivedTotal,
        errors: errors + unexpectedCloses,
        cpuMs: cpuMs(),
        firstError: firstError ?? (unexpectedCloses > 0 ? `${unexpectedCloses} connections closed by the server` : null),
      });
      received.clear();
      receivedTotal = 0;
      errors = 0;
      firstError = null;
      unexpectedCloses = 0;
      break;
    }
    case 'close':
      void close();
      break;
  }
});
// The parent gone: leave at once (the sockets close with the process).
process.on('disconnect', () => process.exit(0));
