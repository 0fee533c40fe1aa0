// Operations are bounded by shape before anything runs: a page of pages of pages is refused with a clear
// 400, while the largest queries the README and dashboards use still pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed } from '../src/data/seed.js';
import { collect, wsClient } from './helpers/clients.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { graphql, startTestServer, type TestServer } from './helpers/server.js';

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  await loadSeed(db.sql);
  server = await startTestServer(db.url);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

/** incidents -> reports -> incidents -> ... nested `levels` times. */
function nested(levels: number): string {
  let inner = 'slug';
  for (let i = 0; i < levels; i++) {
    inner = i % 2 === 0 ? `reports(first: 100) { edges { node { incidents { ${inner} } } } }` : `title ${inner}`;
  }
  return `{ incidents(first: 100) { edges { node { ${inner} } } } }`;
}

describe('operation limits', () => {
  it('refuses a deeply nested operation with a 400 that says why, before running any SQL', async () => {
    server.statements.length = 0;
    const response = await graphql(server.url, nested(8));
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/too (deeply nested|complex)/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(server.statements.filter((statement) => /\bincidents\b/.test(statement))).toEqual([]);
  });

  it('refuses an operation that multiplies pages beyond the complexity limit', async () => {
    const wide = `{ incidents(first: 100) { edges { node { reports { edges { node { incidents { actors { actor { incidents { edges { node { slug } } } } } } } } } } } } }`;
    const response = await graphql(server.url, wide);
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.message).toMatch(/too (complex|deeply nested)/);
  });

  it('still answers a dashboard query and the introspection GraphiQL sends', async () => {
    const dashboard = await graphql(server.url, `{
      incidents(first: 50) { totalCount edges { node { title occurred { display } impact { recordsAffected }
        actors { role actor { name affiliation { name } } } aiSystems { role aiSystem { name developer { name } } }
        techniques { atlasId } reports(first: 10) { totalCount edges { node { title publisher } } }
        citedBy { stance actor { name } topic { name } } } } }
    }`);
    expect(dashboard.body.errors).toBeUndefined();
    const introspection = await graphql(server.url, `{
      __schema { types { name fields(includeDeprecated: true) { name args { name type { kind name ofType { kind name
        ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
        type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
    }`);
    expect(introspection.body.errors).toBeUndefined();
    expect(introspection.status).toBe(200);
  });

  it('refuses an oversized subscription when it starts, not at its first event', async () => {
    let inner = 'title';
    for (let i = 0; i < 5; i++) inner = `incidents { reports(first: 100) { edges { node { ${inner} } } } }`;
    const client = wsClient(server.url);
    const subscription = collect(client, `subscription { reportAdded { cursor report { ${inner} } } }`);
    // No report is submitted: the refusal must come without any event, as a validation error.
    await expect(subscription.until(1)).rejects.toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/too (deeply nested|complex)/),
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
      }),
    ]);
    await client.dispose();
  });
});
