// Who gets in and for how long: revocation reaches connections already open on every instance, credentials
// must be strings, wrong keys and floods are rate-limited with 429 and Retry-After, CORS gives no
// credentials unless configured, every response carries security headers, keys record when they were used,
// creating mutations are idempotent per key, and a shutdown lets requests in flight finish.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { issueKey } from '../src/auth/keys.js';
import { revokeApiKey } from '../src/data/api-keys.js';
import { loadSeed } from '../src/data/seed.js';
import { collect, sseSubscribe, wsClient } from './helpers/clients.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { dataOf } from './helpers/factories.js';
import { graphql, startTestServer, type TestServer } from './helpers/server.js';
import { waitFor } from './helpers/wait.js';

let db: TestDatabase;
/** Two instances on one database: revocation must reach both. */
let first: TestServer;
let second: TestServer;
let limited: TestServer;
const extra: TestServer[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await loadSeed(db.sql);
  first = await startTestServer(db.url, { requireReadKey: true });
  second = await startTestServer(db.url, { requireReadKey: true });
  limited = await startTestServer(db.url, {
    config: { rateLimitClient: 5, rateLimitKey: 8, rateLimitAuthFailures: 3, corsOrigins: ['https://dashboard.example.org'] },
  });
});

afterAll(async () => {
  for (const server of [first, second, limited, ...extra]) await server?.stop();
  await db?.drop();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

function closedWith(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
}

/** A raw graphql-ws connection, acknowledged, with the given connection_init payload. */
async function connect(url: string, payload: unknown): Promise<WebSocket> {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload }));
  return socket;
}

describe('revocation', () => {
  it('closes the key\'s WebSocket connections (4403) and ends its SSE streams on every instance', { timeout: 60_000 }, async () => {
    const { key, row } = await issueKey(db.sql, 'soon revoked', 'reader');
    const sockets = [first, second].map((server) => wsClient(server.url, { authorization: `Bearer ${key}` }));
    const closes = sockets.map(
      (client) => new Promise<{ code: number }>((resolve) => client.on('closed', (event) => resolve(event as { code: number }))),
    );
    // Subscriptions registered on each instance from here on: one WebSocket on the first, a WebSocket and SSE on the second.
    const registered = [0, 0];
    const counters = [first, second].map((server, index) => {
      const count = () => (registered[index]! += 1);
      server.events.on('subscriber:subscribed', count);
      return () => server.events.off('subscriber:subscribed', count);
    });
    const subscriptions = sockets.map((client) => collect(client, 'subscription { reportAdded { cursor } }'));
    const stream = sseSubscribe(second.url, 'subscription { reportAdded { cursor } }', {}, bearer(key));
    await stream.open;
    await waitFor(() => registered[0]! >= 1 && registered[1]! >= 2, 'subscribed');
    for (const stop of counters) stop();

    const revokedAt = performance.now();
    await revokeApiKey(db.sql, row.id);
    const codes = await Promise.all(closes);
    console.log(`revocation closed both instances' sockets after ${Math.round(performance.now() - revokedAt)} ms`);
    expect(codes.map((event) => event.code)).toEqual([4403, 4403]);
    // The SSE stream was ended by the server (its connection closed), not by us.
    await stream.ended;
    for (const subscription of subscriptions) subscription.dispose();
    // And the key is refused from now on.
    expect((await graphql(first.url, '{ incidents { totalCount } }', {}, bearer(key))).status).toBe(401);
  });

  it('refuses a revoked key\'s next operation on a socket even before the notice arrives', async () => {
    const { key, row } = await issueKey(db.sql, 'revoked quietly', 'editor');
    const socket = await connect(first.url, { authorization: `Bearer ${key}` });
    await new Promise((resolve) => socket.once('message', resolve));
    // Revoked without a NOTIFY (as if it were lost): the operation itself checks the key.
    await db.sql`update api_keys set revoked_at = now() where id = ${row.id}`;
    const closed = closedWith(socket);
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'mutation { upsertActor(input: { name: "Written after revocation", kind: OTHER }) { __typename } }' } }));
    expect((await closed).code).toBe(4403);
    const [written] = await db.sql`select count(*)::int as n from actors where name = 'Written after revocation'`;
    expect(written?.n).toBe(0);
  });
});

describe('credentials', () => {
  it.each([[{ authorization: { toString: 'Bearer x' } }], [{ authorization: 42 }], [{ authorization: ['Bearer x'] }], [{ apiKey: true }]])(
    'refuses a connection_init whose credential is not a string (%j)',
    async (payload) => {
      const socket = await connect(limited.url, payload);
      expect((await closedWith(socket)).code).toBe(4403);
    },
  );
});

describe('rate limits', () => {
  it('answers 429 with Retry-After once a client spends its allowance', async () => {
    const limited = await startTestServer(db.url, { config: { rateLimitClient: 5 } });
    extra.push(limited);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 7; i++) {
      const response = await fetch(limited.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
      await response.text();
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('refuses a client that keeps sending wrong keys, whatever it sends next', async () => {
    const server = await startTestServer(db.url, { config: { rateLimitAuthFailures: 3, rateLimitClient: 1000, rateLimitKey: 1000 } });
    extra.push(server);
    const wrong = `fl_${'x'.repeat(43)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await graphql(server.url, '{ __typename }', {}, bearer(wrong))).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const { key } = await issueKey(db.sql, 'right key, blocked client', 'reader');
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(key) }, body: '{"query":"{ __typename }"}' });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('CORS and headers', () => {
  it('allows any origin without credentials when CORS_ORIGINS is unset', async () => {
    const response = await fetch(first.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('gives credentials only to the configured origins, and nothing to "null" or others', async () => {
    const allowed = await fetch(limited.url, { method: 'OPTIONS', headers: { origin: 'https://dashboard.example.org', 'access-control-request-method': 'POST' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://dashboard.example.org');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    for (const origin of ['null', 'https://evil.example']) {
      const refused = await fetch(limited.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
      expect(refused.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('sends the standard security headers', async () => {
    const response = await fetch(first.url.replace(/graphql$/, 'graphql?query=%7B__typename%7D'));
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  });
});

describe('keys in use', () => {
  it('records when a key was last used, in batches', async () => {
    const { key, row } = await issueKey(db.sql, 'used', 'reader');
    expect(row.last_used_at).toBeNull();
    expect((await graphql(first.url, '{ incidents { totalCount } }', {}, bearer(key))).status).toBe(200);
    await first.usage.flush();
    const [stored] = await db.sql<{ last_used_at: Date | null }[]>`select last_used_at from api_keys where id = ${row.id}`;
    expect(stored?.last_used_at).toBeInstanceOf(Date);
  });
});

describe('idempotency keys', () => {
  const CREATE = `mutation ($input: CreateIncidentInput!, $key: String) {
    createIncident(input: $input, idempotencyKey: $key) { __typename ... on Incident { id slug } ... on ValidationError { field message } }
  }`;

  it('returns the first result for a retry, concurrent or not, once per API key', async () => {
    const { key } = await issueKey(db.sql, 'retrying client', 'editor');
    const { key: other } = await issueKey(db.sql, 'another client', 'editor');
    const input = { title: 'Created once despite retries' };
    const results = await Promise.all(
      Array.from({ length: 4 }, () => graphql<{ createIncident: { id: string } }>(first.url, CREATE, { input, key: 'retry-1' }, bearer(key))),
    );
    const ids = new Set(results.map((result) => dataOf(result).createIncident.id));
    expect(ids.size).toBe(1);
    const again = dataOf(await graphql<{ createIncident: { id: string } }>(second.url, CREATE, { input, key: 'retry-1' }, bearer(key)));
    expect(again.createIncident.id).toBe([...ids][0]);
    const [count] = await db.sql`select count(*)::int as n from incidents where title = ${input.title}`;
    expect(count?.n).toBe(1);
    // Another API key's identical key is its own.
    const theirs = dataOf(await graphql<{ createIncident: { id: string } }>(first.url, CREATE, { input, key: 'retry-1' }, bearer(other)));
    expect(theirs.createIncident.id).not.toBe(again.createIncident.id);
  });

  it('refuses a key reused for a different request', async () => {
    const { key } = await issueKey(db.sql, 'careless client', 'editor');
    await graphql(first.url, CREATE, { input: { title: 'First use' }, key: 'reused' }, bearer(key));
    const reused = dataOf(await graphql<{ createIncident: { __typename: string; field: string } }>(first.url, CREATE, { input: { title: 'Other' }, key: 'reused' }, bearer(key)));
    expect(reused.createIncident).toMatchObject({ __typename: 'ValidationError', field: 'idempotencyKey' });
  });
});

describe('shutdown', () => {
  it('lets a request in flight finish, refuses new ones, and closes sockets with 1001', { timeout: 60_000 }, async () => {
    const server = await startTestServer(db.url);
    extra.push(server);
    const socket = await connect(server.url, {});
    await new Promise((resolve) => socket.once('message', resolve));
    const socketClosed = closedWith(socket);
    // A request that cannot finish until the lock is released.
    const blocker = await db.sql.reserve();
    await blocker`begin`;
    await blocker`lock table incidents in access exclusive mode`;
    const inFlight = graphql<{ incidents: { totalCount: number } }>(server.url, '{ incidents { totalCount } }');
    await waitFor(() => server.statements.some((statement) => /from incidents/i.test(statement)), 'request reached the database');

    const stopped = server.stop({ graceMs: 30_000 });
    await expect(fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })).rejects.toThrow();
    await blocker`commit`;
    blocker.release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.body.data?.incidents.totalCount).toBeGreaterThan(0);
    await stopped;
    expect((await socketClosed).code).toBe(1001);
  });
});
