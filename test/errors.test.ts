// How the read API fails: client mistakes are BAD_USER_INPUT errors with a message that says what to fix
// (HTTP 400 when they are the only error), missing things are null without an error, and anything
// unexpected reaches the client as one masked line with a request id while the log keeps the detail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed } from '../src/data/seed.js';
import type { Sql } from '../src/db/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { dataOf, globalId } from './helpers/factories.js';
import { graphql, startTestServer, type GraphQLResponse, type TestServer } from './helpers/server.js';

let database: TestDatabase;
let server: TestServer;
let sql: Sql;

beforeAll(async () => {
  database = await createTestDatabase();
  sql = database.sql;
  await loadSeed(sql);
  server = await startTestServer(database.url);
});

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

/** Asserts the response failed with exactly one error, and returns it. */
function onlyError(response: GraphQLResponse, what: string): { message: string; extensions?: Record<string, unknown> } {
  expect(response.body.errors, `${what}: ${JSON.stringify(response.body)}`).toHaveLength(1);
  return response.body.errors![0]!;
}

/** A client mistake reported by a resolver: BAD_USER_INPUT, HTTP 400, and a message matching `message`. */
async function expectBadInput(query: string, variables: Record<string, unknown>, message: RegExp): Promise<GraphQLResponse> {
  const response = await graphql(server.url, query, variables);
  const what = `${query.replace(/\s+/g, ' ').trim()} ${JSON.stringify(variables)}`;
  const error = onlyError(response, what);
  expect(error.extensions?.code, what).toBe('BAD_USER_INPUT');
  expect(error.message, what).toMatch(message);
  expect(response.status, what).toBe(400);
  return response;
}

async function idOf(field: 'actor' | 'incident', slug: string): Promise<string> {
  const data = dataOf(await graphql<Record<string, { id: string }>>(server.url, `{ ${field}(slug: "${slug}") { id } }`));
  return data[field]!.id;
}

const NODE = /* GraphQL */ `query ($id: ID!) { node(id: $id) { id } }`;
const INCIDENTS = /* GraphQL */ `
  query ($filter: IncidentFilter, $first: Int, $last: Int, $after: String, $before: String) {
    incidents(filter: $filter, first: $first, last: $last, after: $after, before: $before) { totalCount }
  }
`;

describe('global ids', () => {
  it('refuses a garbage id with BAD_USER_INPUT', async () => {
    for (const id of ['!!!', 'not an id', 'Zm9v', '', 'SW5jaWRlbnQ6']) {
      const response = await expectBadInput(NODE, { id }, /is not a valid (local )?id/);
      expect(response.body.data).toEqual({ node: null });
    }
    // A well-formed id whose local part is not a row id.
    await expectBadInput(NODE, { id: globalId('Incident', 'abc') }, /"abc" is not a valid local id/);
    // nodes answers id by id: the bad id is null with its error at its index, and the answer stands (200).
    const nodes = await graphql(server.url, /* GraphQL */ `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: ['!!!'] });
    expect(nodes.status).toBe(200);
    expect(nodes.body.data).toEqual({ nodes: [null] });
    expect(onlyError(nodes, 'nodes')).toMatchObject({ message: 'ids[0]: "!!!" is not a valid id', extensions: { code: 'BAD_USER_INPUT' } });
    expect(nodes.body.errors![0]!.path).toEqual(['nodes', 0]);
  });

  it('refuses an id of the wrong type in a filter, naming the argument and both types', async () => {
    const actor = await idOf('actor', 'anthropic');
    const incident = await idOf('incident', 'mexico-government-ai-assisted-breach');
    await expectBadInput(INCIDENTS, { filter: { aiSystem: actor } }, /filter\.aiSystem must be the id of an? AiSystem, got the id of an? Actor/);
    await expectBadInput(INCIDENTS, { filter: { actor: incident } }, /filter\.actor must be the id of an? Actor, got the id of an? Incident/);
    await expectBadInput(INCIDENTS, { filter: { aiSystem: 'garbage!' } }, /is not a valid id/);
    await expectBadInput(
      /* GraphQL */ `query ($incident: ID) { reports(filter: { incident: $incident }) { totalCount } }`,
      { incident: actor },
      /filter\.incident must be the id of an? Incident/,
    );
    await expectBadInput(
      /* GraphQL */ `query ($topic: ID) { policyPositions(filter: { topic: $topic }) { totalCount } }`,
      { topic: actor },
      /filter\.topic must be the id of an? PolicyTopic/,
    );
    await expectBadInput(
      /* GraphQL */ `query ($developer: ID) { aiSystems(developer: $developer) { totalCount } }`,
      { developer: incident },
      /developer must be the id of an? Actor/,
    );
  });

  it('gives null without errors for a well-formed id of a row that does not exist', async () => {
    for (const [typename, id] of [['Incident', '987654321'], ['Actor', '987654321'], ['Report', '5000'], ['Technique', 'AML.T9999']] as const) {
      const response = await graphql(server.url, NODE, { id: globalId(typename, id) });
      expect(response.body, typename).toEqual({ data: { node: null } });
      expect(response.status).toBe(200);
    }
  });

  it('does not answer an id naming a type that does not exist with data', async () => {
    const response = await graphql(server.url, NODE, { id: globalId('Spaceship', '1') });
    expect(response.body.data).toEqual({ node: null });
    expect(response.body.errors).toHaveLength(1);
  });

  it('gives null without errors for unknown slugs and URLs', async () => {
    const response = await graphql(server.url, /* GraphQL */ `
      {
        incident(slug: "no-such-incident") { id }
        actor(slug: "no-such-actor") { id }
        aiSystem(slug: "no-such-system") { id }
        policyTopic(slug: "no-such-topic") { id }
        report(url: "https://example.org/nothing-here") { id }
      }
    `);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: { incident: null, actor: null, aiSystem: null, policyTopic: null, report: null },
    });
  });
});

describe('pagination arguments', () => {
  it('refuses a page larger than 100, saying the limit', async () => {
    await expectBadInput(INCIDENTS, { first: 101 }, /first must be at most 100/);
    await expectBadInput(INCIDENTS, { last: 101 }, /last must be at most 100/);
    await expectBadInput(`{ reports(first: 1000) { totalCount } }`, {}, /at most 100/);
    await expectBadInput(
      `{ incident(slug: "mexico-government-ai-assisted-breach") { reports(first: 101) { totalCount } } }`,
      {},
      /first must be at most 100/,
    );
    // 100 itself is fine.
    expect(dataOf(await graphql(server.url, INCIDENTS, { first: 100 }))).toEqual({ incidents: { totalCount: 3 } });
  });

  it('refuses a negative page size', async () => {
    await expectBadInput(INCIDENTS, { first: -1 }, /first must not be negative/);
    await expectBadInput(INCIDENTS, { last: -5 }, /last must not be negative/);
    await expectBadInput(`{ actor(slug: "anthropic") { incidents(first: -1) { totalCount } } }`, {}, /first must not be negative/);
  });

  it('refuses an invalid cursor, and a cursor of another list', async () => {
    await expectBadInput(INCIDENTS, { first: 1, after: 'garbage' }, /after is not a cursor of this list/);
    await expectBadInput(INCIDENTS, { last: 1, before: 'WyJ4Il0' }, /before is not a cursor of this list/);
    const reports = dataOf(
      await graphql<{ reports: { pageInfo: { endCursor: string } } }>(server.url, `{ reports(first: 1) { pageInfo { endCursor } } }`),
    );
    await expectBadInput(INCIDENTS, { first: 1, after: reports.reports.pageInfo.endCursor }, /after is not a cursor of this list/);
    await expectBadInput(
      /* GraphQL */ `query ($after: String) { incident(slug: "mexico-government-ai-assisted-breach") { reports(first: 1, after: $after) { totalCount } } }`,
      { after: 'garbage' },
      /after is not a cursor of this list/,
    );
  });
});

describe('filter values', () => {
  it('refuses a country that is not a two-letter code', async () => {
    await expectBadInput(INCIDENTS, { filter: { country: 'Mexico' } }, /filter\.country must be a two-letter ISO 3166-1 code.*"Mexico"/);
    await expectBadInput(`{ actors(filter: { country: "USA" }) { totalCount } }`, {}, /filter\.country must be a two-letter/);
  });

  it('refuses a technique that is not an ATLAS id', async () => {
    await expectBadInput(INCIDENTS, { filter: { technique: 'T1' } }, /filter\.technique must be a MITRE ATLAS id such as "AML\.T0054", got "T1"/);
  });

  it('refuses a report language that is not an ISO 639-1 code', async () => {
    await expectBadInput(`{ reports(filter: { language: "spanish" }) { totalCount } }`, {}, /filter\.language must be a two-letter ISO 639-1 code/);
  });

  it('refuses an interval that ends before it starts', async () => {
    await expectBadInput(INCIDENTS, { filter: { occurredBetween: { from: '2026-02-01', to: '2026-01-01' } } }, /from \(2026-02-01\) is after to \(2026-01-01\)/);
  });

  it('refuses an unknown enum value, in the query text or in a variable', async () => {
    const literal = await graphql(server.url, `{ incidents(filter: { severityAtLeast: SEVERE }) { totalCount } }`);
    expect(literal.status).toBe(400);
    expect(onlyError(literal, 'literal').message).toMatch(/"SEVERE" does not exist in "Severity" enum/);
    const variable = await graphql(server.url, INCIDENTS, { filter: { severityAtLeast: 'SEVERE' } });
    expect(variable.status).toBe(400);
    expect(onlyError(variable, 'variable').message).toMatch(/"SEVERE" does not exist in "Severity" enum/);
    expect(variable.body.data).toBeUndefined();
  });

  it('refuses a date that is not a calendar date', async () => {
    const response = await graphql(server.url, INCIDENTS, { filter: { occurredBetween: { from: '2025-02-30' } } });
    expect(response.status).toBe(400);
    expect(onlyError(response, 'date').message).toMatch(/"2025-02-30" is not a calendar date/);
  });
});

describe('unexpected failures', () => {
  it('masks a database error: the client gets a request id, the log gets the error under the same id', async () => {
    server.logs.length = 0;
    await sql`alter table reports rename to reports_gone`;
    let response: GraphQLResponse;
    let quoted: GraphQLResponse;
    try {
      response = await graphql(server.url, `{ reports(first: 5) { totalCount edges { node { url } } } }`);
      // A request id the client (or its proxy) brings is the one it gets back and the log uses.
      quoted = await graphql(server.url, `{ reports(first: 1) { totalCount } }`, {}, { 'x-request-id': 'client-chosen.id-42' });
    } finally {
      await sql`alter table reports_gone rename to reports`;
    }
    const error = onlyError(response, 'masked');
    const match = /^Internal server error \(request id ([A-Za-z0-9._-]+)\)$/.exec(error.message);
    expect(match, error.message).not.toBeNull();
    const requestId = match![1]!;
    expect(error.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error.extensions?.requestId).toBe(requestId);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const text = JSON.stringify(response.body);
    expect(text).not.toMatch(/reports_gone|relation|does not exist|PostgresError|select /i);
    // No stack trace, no original error in the extensions.
    expect(text).not.toMatch(/\bat .*\.(ts|js):\d+|node_modules|stack|originalError/);

    const logged = server.logs.filter((line) => line.includes(requestId));
    expect(logged.length, server.logs.join('\n')).toBeGreaterThan(0);
    expect(logged.join('\n')).toMatch(/PostgresError: relation \W*reports\W* does not exist/);

    expect(onlyError(quoted, 'quoted').message).toBe('Internal server error (request id client-chosen.id-42)');
    expect(quoted.headers.get('x-request-id')).toBe('client-chosen.id-42');
    expect(server.logs.filter((line) => line.includes('client-chosen.id-42')).join('\n')).toMatch(/does not exist/);

    // The table is back: the same query works again.
    expect(dataOf(await graphql<{ reports: { totalCount: number } }>(server.url, `{ reports { totalCount } }`)).reports.totalCount).toBe(8);
  });
});

describe('health and readiness', () => {
  it('answers /health and /ready with 200 while the database is reachable', async () => {
    const base = server.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });

  it('answers /ready with 503 once the database is gone, while /health stays 200', async () => {
    const doomed = await createTestDatabase();
    const other = await startTestServer(doomed.url);
    try {
      const base = other.url.replace(/\/graphql$/, '');
      expect((await fetch(`${base}/ready`)).status).toBe(200);
      // Drops the database with force: the server's connections are terminated and cannot come back.
      await doomed.drop();
      expect((await fetch(`${base}/ready`)).status).toBe(503);
      expect((await fetch(`${base}/health`)).status).toBe(200);
    } finally {
      await other.stop();
    }
  });
});
