// A page's row limit is written into the statement text (`limit 8`, `position <= 8`), never sent as a parameter:
// PostgreSQL plans a statement with a parameter limit as if it returned a tenth of the table and re-plans it at
// every execution (bench/README.md, "Closing the gap: first steps", step 6). These tests read the statements the
// server's pool sends for the lists, top-level and nested, and check that the number in the text is the page's
// size plus one; and that the size is still checked before any of it reaches SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed } from '../src/data/seed.js';
import { literalLimit, MAX_PAGE_SIZE, pageLimit } from '../src/data/pagination.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { dataOf } from './helpers/factories.js';
import { graphql, startTestServer, type TestServer } from './helpers/server.js';

let database: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  database = await createTestDatabase();
  await loadSeed(database.sql);
  server = await startTestServer(database.url, { hubPool: 'own' });
});

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

/** A page size no other statement of these requests uses, so its literal can only come from the page. */
const SIZE = 7;
const WRITTEN = SIZE + 1;

/** The statements one request sent, whitespace collapsed, the pool's type-catalogue read left out. */
async function statementsOf(query: string, variables: Record<string, unknown> = {}): Promise<string[]> {
  server.statements.length = 0;
  dataOf(await graphql(server.url, query, variables));
  const sent = server.statements.filter((s) => !s.includes('pg_catalog.pg_type')).map((s) => s.replace(/\s+/g, ' ').trim());
  server.statements.length = 0;
  return sent;
}

/** How many times `limit N` or `position <= N` appears in the statements. */
function literalBounds(statements: string[], n: number): number {
  const pattern = new RegExp(`\\b(limit|position <=) ${n}\\b`, 'g');
  return statements.reduce((count, s) => count + (s.match(pattern)?.length ?? 0), 0);
}

/** Limits or window bounds still sent as a parameter. */
function parameterBounds(statements: string[]): string[] {
  return statements.filter((s) => /\blimit \$\d+|position <= \$\d+/.test(s));
}

const LISTS: Array<{ name: string; query: string; bounds: number }> = [
  { name: 'actors', query: `query ($n: Int) { actors(first: $n) { edges { node { slug } } } }`, bounds: 1 },
  { name: 'aiSystems', query: `query ($n: Int) { aiSystems(first: $n) { edges { node { slug } } } }`, bounds: 1 },
  { name: 'reports', query: `query ($n: Int) { reports(first: $n) { edges { node { title } } } }`, bounds: 1 },
  { name: 'policyPositions', query: `query ($n: Int) { policyPositions(first: $n) { edges { node { summary } } } }`, bounds: 1 },
  { name: 'actions', query: `query ($n: Int) { actions(first: $n) { edges { node { summary } } } }`, bounds: 1 },
  { name: 'incidents', query: `query ($n: Int) { incidents(first: $n) { edges { node { slug } } } }`, bounds: 1 },
  // Backwards paging fetches the same number of rows in reverse order.
  { name: 'incidents (last)', query: `query ($n: Int) { incidents(last: $n) { edges { node { slug } } } }`, bounds: 1 },
  { name: 'search', query: `query ($n: Int) { search(query: "model", first: $n) { edges { node { __typename } } } }`, bounds: 1 },
  // Each type's branch reads at most one page along its own index, and the merge keeps one.
  { name: 'timeline', query: `query ($n: Int) { timeline(first: $n) { edges { node { __typename } } } }`, bounds: 6 },
  // Nested lists, batched over their parents with a window function.
  {
    name: 'nested incident reports and history',
    query: `query ($n: Int) { incidents(first: 3) { edges { node { reports(first: $n) { totalCount } history(first: $n) { totalCount } } } } }`,
    bounds: 2,
  },
  { name: 'nested actor incidents', query: `query ($n: Int) { actors(first: 3) { edges { node { incidents(first: $n) { totalCount } } } } }`, bounds: 1 },
  { name: 'nested actor actions', query: `query ($n: Int) { actors(first: 3) { edges { node { actions(first: $n) { totalCount } } } } }`, bounds: 1 },
  {
    name: 'nested topic positions by stance and actions',
    query: `query ($n: Int) { policyTopics { positionsByStance { positions(first: $n) { totalCount } } actions(first: $n) { totalCount } } }`,
    bounds: 2,
  },
  {
    name: 'nested position history',
    query: `query ($n: Int) { policyPositions(first: 3) { edges { node { history(first: $n) { totalCount } } } } }`,
    bounds: 1,
  },
  { name: 'nested legal instrument actions', query: `query ($n: Int) { legalInstruments { actions(first: $n) { totalCount } } }`, bounds: 1 },
  { name: 'nested AI system incidents', query: `query ($n: Int) { aiSystems(first: 3) { edges { node { incidents(first: $n) { totalCount } } } } }`, bounds: 1 },
];

describe('list statements carry their page limit as a literal', () => {
  for (const list of LISTS) {
    it(list.name, async () => {
      const statements = await statementsOf(list.query, { n: SIZE });
      expect(parameterBounds(statements), statements.join('\n')).toEqual([]);
      expect(literalBounds(statements, WRITTEN), statements.join('\n')).toBe(list.bounds);
      // Another size is another statement text: the number follows the request.
      const other = await statementsOf(list.query, { n: SIZE + 2 });
      expect(literalBounds(other, WRITTEN + 2), other.join('\n')).toBe(list.bounds);
      expect(literalBounds(other, WRITTEN), other.join('\n')).toBe(0);
    });
  }

  it('the search candidates per type are a literal too', async () => {
    const statements = await statementsOf(`{ search(query: "model", first: 2) { totalCount edges { node { __typename } } } }`);
    expect(statements.some((s) => /\blimit 200\b/.test(s)), statements.join('\n')).toBe(true);
    expect(parameterBounds(statements)).toEqual([]);
  });
});

describe('the page size is checked before it reaches SQL', () => {
  it('answers an out-of-range first with a GraphQL error and sends no list statement', async () => {
    for (const [query, message] of [
      [`{ actors(first: 101) { totalCount } }`, /first must be at most 100, got 101/],
      [`{ aiSystems(first: -1) { totalCount } }`, /first must not be negative/],
      [`{ actors(first: 1) { edges { node { incidents(last: 1000) { totalCount } } } } }`, /last must be at most 100, got 1000/],
    ] as const) {
      server.statements.length = 0;
      const response = await graphql(server.url, query);
      expect(response.status, query).toBe(400);
      expect(response.body.errors, query).toHaveLength(1);
      expect(response.body.errors![0]!.extensions?.code, query).toBe('BAD_USER_INPUT');
      expect(response.body.errors![0]!.message, query).toMatch(message);
      expect(server.statements.filter((s) => /\b(limit|position <=) (102|1001|0)\b/.test(s))).toEqual([]);
    }
  });

  it('pageLimit writes only an integer within 0..MAX_PAGE_SIZE + 1', () => {
    const sql = database.sql;
    for (const bad of [MAX_PAGE_SIZE + 2, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1; drop table incidents' as unknown as number]) {
      expect(() => pageLimit(sql, { limit: bad }), String(bad)).toThrow(/not a row limit/);
    }
    expect(() => pageLimit(sql, { limit: MAX_PAGE_SIZE + 1 })).not.toThrow();
    expect(() => literalLimit(sql, 10 ** 9)).toThrow(/not a row limit/);
  });

  it('a written limit gives the rows a parameter would', async () => {
    const sql = database.sql;
    const [row] = await sql<{ count: number }[]>`select count(*)::int as count from (select 1 from actors order by id limit ${pageLimit(sql, { limit: 3 })}) a`;
    expect(row?.count).toBe(3);
  });
});
