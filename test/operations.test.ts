// What an operator sees: Prometheus metrics on /metrics, one access line per request (never the key), and
// JSON log lines when asked for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../src/auth/keys.js';
import { loadSeed } from '../src/data/seed.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { graphql, startTestServer, type TestServer } from './helpers/server.js';

let db: TestDatabase;
let server: TestServer;
const lines: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await loadSeed(db.sql);
  server = await startTestServer(db.url, { logger: createLogger('info', (line) => lines.push(line), 'json') });
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

describe('operability', () => {
  it('logs one JSON access line per request, with the operation and key id but never the key', async () => {
    const { key, row } = await issueKey(db.sql, 'logged', 'reader');
    lines.length = 0;
    const response = await graphql(server.url, 'query Dashboard { incidents { totalCount } }', {}, { authorization: `Bearer ${key}`, 'x-request-id': 'access-line-1' });
    expect(response.status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    const access = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'request');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      level: 'info',
      requestId: 'access-line-1',
      operation: 'query incidents',
      operationName: 'Dashboard',
      status: 200,
      keyId: row.id,
      durationMs: expect.any(Number),
    });
    expect(lines.join('\n')).not.toContain(key);
  });

  it('serves Prometheus metrics: requests and latency by operation, errors by code, live connections', async () => {
    await graphql(server.url, '{ incidents { totalCount } }');
    await graphql(server.url, '{ incidents(first: 101) { totalCount } }');
    expect((await fetch(server.url.replace(/graphql$/, 'feeds/reports.atom'))).status).toBe(200);
    const response = await fetch(server.url.replace(/graphql$/, 'metrics'));
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/faultline_http_requests_total\{operation="query incidents",status="200"\} \d+/);
    expect(text).toMatch(/faultline_http_request_duration_seconds_bucket\{le="[\d.]+",operation="query incidents"\}/);
    // Feeds are counted under their own kind, not as GraphiQL page loads.
    expect(text).toMatch(/faultline_http_requests_total\{operation="feed",status="200"\} 1/);
    expect(text).toMatch(/faultline_graphql_errors_total\{code="BAD_USER_INPUT"\} [1-9]/);
    expect(text).toMatch(/faultline_live_connections\{transport="websocket"\} 0/);
    expect(text).toMatch(/faultline_nodejs_eventloop_lag_seconds/);
  });
});
