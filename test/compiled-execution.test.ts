// Compiled execution (GRAPHQL_JIT, src/graphql/compiled-execution.ts) answers exactly as graphql-js does: the
// same operations, sent to a server with it and to one without it on the same seeded database, get the same
// status and the same body, errors included (request ids aside). The operations: every README example, the
// read benchmark's page, and operations chosen for what compilers get wrong (abstract types, fragments,
// directives with variables, aliases, custom scalars and enums in variables, introspection, partial results,
// refused variables).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUERY as BENCH_PAGE } from '../bench/queries.js';
import { loadSeed } from '../src/data/seed.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { globalId } from './helpers/factories.js';
import { graphql, startTestServer, type GraphQLResponse, type TestServer } from './helpers/server.js';

const README = fs.readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');

let db: TestDatabase;
let compiled: TestServer;
let interpreted: TestServer;
const ids: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  await loadSeed(db.sql);
  const id = async (table: string, slug: string) =>
    (await db.sql<{ id: string }[]>`select id from ${db.sql(table)} where slug = ${slug}`)[0]!.id;
  ids.system = globalId('AiSystem', await id('ai_systems', 'claude'));
  ids.anthropic = globalId('Actor', await id('actors', 'anthropic'));
  const [incident] = await db.sql<{ id: string; slug: string }[]>`select id, slug from incidents order by id limit 1`;
  ids.incident = globalId('Incident', incident!.id);
  ids.incidentSlug = incident!.slug;
  compiled = await startTestServer(db.url, { config: { graphqlJit: true }, compileAfter: 0 });
  interpreted = await startTestServer(db.url, { config: { graphqlJit: false } });
});

afterAll(async () => {
  await compiled?.stop();
  await interpreted?.stop();
  await db?.drop();
});

/** The README's queries (not subscriptions), as readme.test.ts finds them. */
function readmeQueries(): Array<{ line: number; query: string; variables: string[] }> {
  const found: Array<{ line: number; query: string; variables: string[] }> = [];
  const fence = /^```graphql\n([\s\S]*?)^```$/gm;
  for (let match = fence.exec(README); match; match = fence.exec(README)) {
    const operation = parse(match[1]!).definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
    if (operation.operation !== 'query') continue;
    const variables = (operation.variableDefinitions ?? []).map((definition) => definition.variable.name.value);
    found.push({ line: README.slice(0, match.index).split('\n').length, query: match[1]!, variables });
  }
  return found;
}

/** A response with the request id of a masked error replaced, so two servers' answers compare. */
function comparable(response: GraphQLResponse): { status: number; body: unknown } {
  const text = JSON.stringify(response.body).replace(/request id [0-9a-f-]{36}/g, 'request id <id>').replace(/"requestId":"[0-9a-f-]{36}"/g, '"requestId":"<id>"');
  return { status: response.status, body: JSON.parse(text) };
}

/** Sends the operation to both servers; expects the same answer, and that the compiled server compiled it. */
async function bothWays(query: string, variables?: Record<string, unknown>, operationName?: string): Promise<GraphQLResponse> {
  const before = compiled.server.compiledExecution!().compiledRuns;
  const send = (server: TestServer) =>
    operationName === undefined
      ? graphql(server.url, query, variables)
      : fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
          body: JSON.stringify({ query, variables, operationName }),
        }).then(async (response) => ({ status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse['body'] }));
  const fast = await send(compiled);
  const slow = await send(interpreted);
  expect(comparable(fast)).toEqual(comparable(slow));
  expect(interpreted.server.compiledExecution).toBeUndefined();
  (fast as GraphQLResponse & { compiledRuns: number }).compiledRuns = compiled.server.compiledExecution!().compiledRuns - before;
  return fast;
}

const runs = (response: GraphQLResponse) => (response as GraphQLResponse & { compiledRuns: number }).compiledRuns;

describe('compiled execution answers as graphql-js does', () => {
  for (const example of readmeQueries()) {
    it(`for the README query at line ${example.line}`, async () => {
      const values = Object.fromEntries(example.variables.map((name) => [name, ids[name]]));
      const response = await bothWays(example.query, values);
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(runs(response)).toBe(1);
    });
  }

  it("for the read benchmark's page, in one statement as before", async () => {
    compiled.statements.length = 0;
    const response = await bothWays(BENCH_PAGE);
    expect(response.body.errors).toBeUndefined();
    expect(runs(response)).toBe(1);
    const incidents = (response.body.data as { incidents: { edges: Array<{ node: { actors: unknown[] } }> } }).incidents.edges;
    expect(incidents.length).toBeGreaterThan(1);
    expect(incidents.some((edge) => edge.node.actors.length > 0)).toBe(true);
    expect(compiled.statements.filter((statement) => /from incidents/i.test(statement))).toHaveLength(1);
  });

  it('for abstract types: the Node interface, the SearchResult union, and link ends, through fragments', async () => {
    const response = await bothWays(
      `query Abstract($ids: [ID!]!) {
        nodes(ids: $ids) { __typename id ...IncidentBits ... on Actor { name actorKind: kind } ... on AiSystem { name } }
        search(query: "Anthropic", first: 5) {
          edges { node { score snippet node { __typename ... on Incident { title } ... on Actor { name } ... on Report { reportTitle: title } ... on PolicyPosition { id } ... on Action { id } ... on AiSystem { name } } } }
        }
        incidents(first: 5) { edges { node { links { relation other { __typename ... on Incident { slug } ... on Action { id } } } } } }
      }
      fragment IncidentBits on Incident { slug status kind sources { claim supports { __typename ... on Incident { id } } } }`,
      { ids: [ids.incident, ids.anthropic, ids.system, globalId('Incident', '999999999')] },
    );
    expect(response.body.errors).toBeUndefined();
    const nodes = (response.body.data as { nodes: Array<{ __typename: string } | null> }).nodes;
    expect(nodes.map((node) => node?.__typename ?? null)).toEqual(['Incident', 'Actor', 'AiSystem', null]);
    expect(runs(response)).toBe(1);
  });

  it('for @include and @skip by variables, aliases, and a fragment used twice', async () => {
    const query = `query Directives($withActors: Boolean!, $skipTitle: Boolean = false) {
      first: incidents(first: 3) { edges { node { ...Row actors @include(if: $withActors) { role actor { name } } } } }
      again: incidents(first: 2, orderBy: { field: SEVERITY, direction: ASC }) { edges { cursor node { ...Row heading: title } } }
    }
    fragment Row on Incident { id title @skip(if: $skipTitle) severity occurred { display } }`;
    for (const variables of [{ withActors: true }, { withActors: false, skipTitle: true }]) {
      const response = await bothWays(query, variables);
      expect(response.body.errors).toBeUndefined();
      expect(runs(response)).toBe(1);
    }
  });

  it('for enums and custom scalars given as variables, inside input objects and lists', async () => {
    const response = await bothWays(
      `query Filtered($filter: IncidentFilter, $order: IncidentOrder, $stats: IncidentFilter) {
        incidents(first: 10, filter: $filter, orderBy: $order) { totalCount edges { node { slug severity kind status occurred { display } updatedAt } } }
        incidentStats(filter: $stats) { count firstOccurred { display } lastOccurred { display } bytesAffected }
      }`,
      {
        filter: { severityAtLeast: 'MEDIUM', kind: ['INCIDENT', 'EXERCISE'], occurredBetween: { from: '2020-01-01', to: '2030-12-31' } },
        order: { field: 'OCCURRED', direction: 'ASC' },
        stats: { status: ['CONFIRMED', 'REPORTED'], occurredBetween: { from: '2023-01-01' } },
      },
    );
    expect(response.body.errors).toBeUndefined();
    const found = (response.body.data as { incidents: { totalCount: number } }).incidents.totalCount;
    expect(found).toBeGreaterThan(0);
    expect(runs(response)).toBe(1);
  });

  it('for history (JSON values), introspection and __typename', async () => {
    const response = await bothWays(
      `query Meta($slug: String!) {
        __typename
        incident(slug: $slug) { history(first: 3) { totalCount edges { node { at change version fields { field before after } } } } }
        __type(name: "Severity") { kind enumValues { name description } }
        __schema { queryType { name } types { name kind } }
      }`,
      { slug: ids.incidentSlug },
    );
    expect(response.body.errors).toBeUndefined();
    expect(runs(response)).toBe(1);
  });

  it('for partial results: an error at its index of a list, the other items answered', async () => {
    const response = await bothWays(`{ nodes(ids: ["${ids.incident}", "garbage", "${ids.anthropic}"]) { id } }`);
    expect(response.status).toBe(200);
    expect(response.body.errors?.[0]?.path).toEqual(['nodes', 1]);
    const nodes = (response.body.data as { nodes: unknown[] }).nodes;
    expect(nodes[1]).toBeNull();
    expect(nodes[0]).not.toBeNull();
    expect(runs(response)).toBe(1);
  });

  it('for an argument the resolver refuses (BAD_USER_INPUT, the field null)', async () => {
    const response = await bothWays(`{ incidents(first: 5, after: "not a cursor") { totalCount } node(id: "nope") { id } }`);
    expect(response.body.errors?.length).toBeGreaterThan(0);
    expect(runs(response)).toBe(1);
  });

  it('for refused variables: graphql-js answers, with its HTTP 400 and message', async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['query Q($first: Int) { incidents(first: $first) { totalCount } }', { first: 'ten' }],
      ['query Q($f: IncidentFilter) { incidents(first: 2, filter: $f) { totalCount } }', { f: { severityAtLeast: 'APOCALYPTIC' } }],
      ['query Q($f: IncidentFilter) { incidents(first: 2, filter: $f) { totalCount } }', { f: { occurredBetween: { from: '2024-02-30' } } }],
      ['query Q($f: IncidentFilter) { incidents(first: 2, filter: $f) { totalCount } }', { f: { nope: 1 } }],
      ['query Q($slug: String!) { incident(slug: $slug) { id } }', {}],
    ];
    for (const [query, variables] of cases) {
      const response = await bothWays(query, variables);
      expect(response.status).toBe(400);
      expect(response.body.errors?.[0]?.message).toMatch(/^Variable "\$/);
      expect(runs(response)).toBe(0);
    }
  });

  it('for an unknown operation name, and for a document with two operations', async () => {
    const two = 'query Other { __typename } query Named { incidents(first: 1) { totalCount } }';
    const unknown = await bothWays(two, undefined, 'Missing');
    expect(unknown.status).toBe(400);
    const named = await bothWays(two, undefined, 'Named');
    expect(named.body.errors).toBeUndefined();
    expect(runs(named)).toBe(1);
  });
});
