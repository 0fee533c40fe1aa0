// A WebSocket client that stops reading must not make the server hold an ever-growing backlog: its
// subscription waits while the socket is full, the hub queues at most `maxQueuedEvents` for it, and past that
// the client is disconnected with 1013 (try again later). Resuming from its last cursor loses nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import WebSocket from 'ws';
import { submitReport } from '../src/data/report-changes.js';
import { settledEnd } from '../src/data/event-log.js';
import { collect, wsClient } from './helpers/clients.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { nextSubscription, startTestServer, type TestServer } from './helpers/server.js';

const MAX_QUEUED = 20;
// Big enough that a few hundred events fill the kernel's socket buffers on loopback.
const SUMMARY = 'x'.repeat(9_000);
const SUBSCRIPTION = 'subscription ($after: String) { reportAdded(after: $after) { cursor report { title summary } } }';

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db.url, { maxQueuedEvents: MAX_QUEUED });
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

interface NextMessage {
  type: string;
  id?: string;
  payload?: { data?: { reportAdded?: { cursor: string; report: { title: string } } } };
}

/** Polls on the event loop until the condition holds; fails after `ms`. */
async function waitFor(condition: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Submits batches of large reports until the server has ended every subscription (a client that does not read
 * falls behind), letting the hub fan each batch out first. Returns the titles submitted.
 */
async function submitUntilEnded(prefix: string): Promise<string[]> {
  const titles: string[] = [];
  for (let batch = 0; server.events.subscriberCount > 0; batch++) {
    expect(batch, 'the subscription was never ended').toBeLessThan(40);
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const title = `${prefix} ${batch * 100 + i}`;
        await submitReport(db.sql, { url: `https://slow.example.org/${prefix}/${batch}/${i}`, title, publisher: 'p', summary: SUMMARY });
        titles.push(title);
      }),
    );
    const end = (await settledEnd(db.sql)).id.toString();
    await waitFor(() => server.events.position === end);
  }
  return titles;
}

describe('a client that stops reading', () => {
  it('is disconnected with 1013 once it falls too far behind, and resumes from its cursor without a gap', async () => {
    const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const messages: NextMessage[] = [];
    let closed: { code: number; reason: string } | undefined;
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as NextMessage));
    socket.on('close', (code, reason) => (closed = { code, reason: String(reason) }));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await waitFor(() => messages.some((message) => message.type === 'connection_ack'));
    const registered = nextSubscription(server.events);
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION } }));
    await registered;

    const tooSlow: Array<{ topic: string; queued: number }> = [];
    server.events.once('subscriber:tooSlow', (event) => tooSlow.push(event));
    // Stop reading: the kernel's buffers fill, then the server's socket, then the hub's queue.
    (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const titles = await submitUntilEnded('ws');
    // Ended server-side while the client was not reading: its backlog is no longer held, and the log says so.
    expect(server.events.subscriberCount).toBe(0);
    expect(server.logs.some((line) => line.includes('fell too far behind'))).toBe(true);
    expect(tooSlow).toEqual([{ topic: 'reportAdded', queued: MAX_QUEUED }]);

    (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.resume();
    await waitFor(() => closed !== undefined);
    expect(closed!.code).toBe(1013);
    expect(closed!.reason).toMatch(/resume from your last cursor/);

    const received = messages.filter((message) => message.type === 'next').map((message) => message.payload!.data!.reportAdded!);
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(titles.length);

    // Everything after the last event it got arrives on resubscribing, each once.
    const client = wsClient(server.url);
    const resumed = collect(client, SUBSCRIPTION, { after: received[received.length - 1]!.cursor });
    const rest = await resumed.until(titles.length - received.length);
    const all = [...received.map((event) => event.report.title), ...rest.map((result) => (result.data as { reportAdded: { report: { title: string } } }).reportAdded.report.title)];
    expect(new Set(all).size).toBe(titles.length);
    expect(all.sort()).toEqual([...titles].sort());
    resumed.dispose();
    await client.dispose();
  });

  it('over SSE gets a SUBSCRIBER_TOO_SLOW error once it falls too far behind', async () => {
    const registered = nextSubscription(server.events);
    const request = http.request(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    });
    request.end(JSON.stringify({ query: SUBSCRIPTION }));
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => request.once('response', resolve).once('error', reject));
    expect(response.statusCode).toBe(200);
    response.pause();
    await registered;
    const titles = await submitUntilEnded('sse');

    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
    response.resume();
    await new Promise((resolve) => response.once('end', resolve));
    const results = text
      .split('\n\n')
      .filter((message) => message.includes('event: next'))
      .map((message) => JSON.parse(message.slice(message.indexOf('data:') + 5)) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> });
    const last = results[results.length - 1]!;
    expect(last.errors?.[0]?.extensions?.code).toBe('SUBSCRIBER_TOO_SLOW');
    expect(last.errors?.[0]?.message).toMatch(/resubscribe with the cursor of the last event you received/);
    expect(results.length - 1).toBeLessThan(titles.length);
  });
});
