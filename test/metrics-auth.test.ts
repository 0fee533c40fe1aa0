// /metrics with METRICS_REQUIRE_KEY: without a key 401 and a Bearer challenge, a malformed, unknown or revoked
// key 401, a reader's or editor's key 403, an admin's key the exposition; one key lookup per scrape, none for
// a client already over its allowance of wrong keys. Without the setting (the default) it stays open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../src/auth/keys.js';
import { revokeApiKey } from '../src/data/api-keys.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let db: TestDatabase;
let open: TestServer;
let locked: TestServer;
const keys = { reader: '', editor: '', admin: '', revoked: '' };

beforeAll(async () => {
  db = await createTestDatabase();
  keys.reader = (await issueKey(db.sql, 'metrics reader', 'reader')).key;
  keys.editor = (await issueKey(db.sql, 'metrics editor', 'editor')).key;
  keys.admin = (await issueKey(db.sql, 'metrics admin', 'admin')).key;
  const revoked = await issueKey(db.sql, 'metrics revoked admin', 'admin');
  keys.revoked = revoked.key;
  await revokeApiKey(db.sql, revoked.row.id);
  open = await startTestServer(db.url);
  locked = await startTestServer(db.url, { config: { metricsRequireKey: true, rateLimitAuthFailures: 1000 } });
});

afterAll(async () => {
  await open?.stop();
  await locked?.stop();
  await db?.drop();
});

function scrape(server: TestServer, authorization?: string): Promise<Response> {
  return fetch(server.url.replace(/graphql$/, 'metrics'), { headers: authorization === undefined ? {} : { authorization } });
}

/** A refusal: its status, the error code of its JSON body, and no metric in it. */
async function expectRefused(response: Response, status: number, code: string): Promise<string> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(text).not.toContain('faultline_');
  const body = JSON.parse(text) as { errors: Array<{ message: string; extensions: { code: string } }> };
  expect(body.errors[0]!.extensions.code).toBe(code);
  return body.errors[0]!.message;
}

/** Statements that looked up a key, since the last reset. */
const keyLookups = (server: TestServer) => server.statements.filter((s) => /\bfrom api_keys\b/.test(s)).length;

describe('/metrics without METRICS_REQUIRE_KEY (the default)', () => {
  it('serves the exposition to anyone, and looks up no key', async () => {
    open.statements.length = 0;
    const response = await scrape(open);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toContain('faultline_http_requests_total');
    expect(keyLookups(open)).toBe(0);
  });
});

describe('/metrics with METRICS_REQUIRE_KEY=true', () => {
  it('answers 401 with a Bearer challenge when no key is sent', async () => {
    const response = await scrape(locked);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await expectRefused(response, 401, 'UNAUTHENTICATED')).toMatch(/admin API key/);
  });

  it('answers 401 to a malformed, unknown or revoked key', async () => {
    for (const authorization of ['Basic YWRtaW46YWRtaW4=', 'Bearer not-a-key', `Bearer fl_${'A'.repeat(43)}`, `Bearer ${keys.revoked}`]) {
      const response = await scrape(locked, authorization);
      expect(response.headers.get('www-authenticate'), authorization).toBe('Bearer');
      expect(await expectRefused(response, 401, 'UNAUTHENTICATED')).toMatch(/not valid or has been revoked/);
    }
  });

  it('answers 403 to a key without the admin role', async () => {
    expect(await expectRefused(await scrape(locked, `Bearer ${keys.reader}`), 403, 'FORBIDDEN')).toMatch(/needs an admin key.*reader/);
    expect(await expectRefused(await scrape(locked, `Bearer ${keys.editor}`), 403, 'FORBIDDEN')).toMatch(/needs an admin key.*editor/);
  });

  it("serves the exposition to an admin's key, with one key lookup", async () => {
    locked.statements.length = 0;
    const response = await scrape(locked, `Bearer ${keys.admin}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('faultline_http_requests_total');
    expect(keyLookups(locked)).toBe(1);
  });

  it('refuses a key revoked after it was used', async () => {
    const { key, row } = await issueKey(db.sql, 'metrics admin revoked later', 'admin');
    expect((await scrape(locked, `Bearer ${key}`)).status).toBe(200);
    await revokeApiKey(db.sql, row.id);
    await expectRefused(await scrape(locked, `Bearer ${key}`), 401, 'UNAUTHENTICATED');
  });

  it("counts wrong keys against the client's allowance, and past it refuses without a lookup", async () => {
    const strict = await startTestServer(db.url, { config: { metricsRequireKey: true, rateLimitAuthFailures: 2 } });
    try {
      for (let i = 0; i < 2; i += 1) await expectRefused(await scrape(strict, `Bearer fl_${'B'.repeat(43)}`), 401, 'UNAUTHENTICATED');
      strict.statements.length = 0;
      const response = await scrape(strict, `Bearer ${keys.admin}`);
      await expectRefused(response, 429, 'RATE_LIMITED');
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(keyLookups(strict)).toBe(0);
    } finally {
      await strict.stop();
    }
  });
});
