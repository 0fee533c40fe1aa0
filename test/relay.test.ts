// Relay contract over real HTTP: opaque global ids that node/nodes refetch, and keyset cursor connections
// that walk every page forwards and backwards in every incident order without a gap or a duplicate, even
// when many rows share a sort key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed } from '../src/data/seed.js';
import type { Sql } from '../src/db/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { createIncident, dataOf, globalId } from './helpers/factories.js';
import { graphql, startTestServer, type TestServer } from './helpers/server.js';

let database: TestDatabase;
let server: TestServer;
let sql: Sql;

const TIE_COUNT = 25;

beforeAll(async () => {
  database = await createTestDatabase();
  sql = database.sql;
  await loadSeed(sql);
  // 25 incidents over few distinct sort keys: every order has long runs of ties that only the id breaks.
  // Timestamps one microsecond apart catch a cursor that loses precision on its way through text.
  const occurred = ['2025-01-01', '2025-03-01', null];
  const disclosed = ['2025-02-01', '2025-02-01', null, '2025-04-01'];
  const severities = ['low', 'medium', 'high', 'critical'];
  const updated = ['2026-01-01T10:00:00.123456Z', '2026-01-01T10:00:00.123457Z', '2026-01-02T00:00:00Z'];
  for (let i = 0; i < TIE_COUNT; i += 1) {
    await createIncident(sql, {
      slug: `tie-${String(i).padStart(2, '0')}`,
      occurredStart: occurred[i % 3] ?? null,
      disclosedOn: disclosed[i % 4] ?? null,
      severity: severities[Math.floor(i / 7) % 4],
      updatedAt: updated[Math.floor(i / 3) % 3],
    });
  }
  server = await startTestServer(database.url);
});

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

interface Page {
  totalCount: number;
  pageInfo: PageInfo;
  edges: Array<{ cursor: string; node: { id: string; slug: string } }>;
}

const PAGE_QUERY = /* GraphQL */ `
  query Page($first: Int, $after: String, $last: Int, $before: String, $orderBy: IncidentOrder) {
    incidents(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id slug } }
    }
  }
`;

async function page(variables: Record<string, unknown>): Promise<Page> {
  return dataOf(await graphql<{ incidents: Page }>(server.url, PAGE_QUERY, variables)).incidents;
}

const ORDER_SQL = {
  OCCURRED: `coalesce(occurred_start, '-infinity'::date)`,
  DISCLOSED: `coalesce(disclosed_on, '-infinity'::date)`,
  SEVERITY: `array_position(array['low','medium','high','critical'], severity)`,
  UPDATED: `updated_at`,
} as const;

/** The order the API must produce, computed from the table with the documented sort rules. */
async function expectedSlugs(field: keyof typeof ORDER_SQL, direction: 'ASC' | 'DESC'): Promise<string[]> {
  const rows = await sql.unsafe<{ slug: string }[]>(
    `select slug from incidents where merged_into_id is null order by ${ORDER_SQL[field]} ${direction}, id ${direction}`,
  );
  return rows.map((row) => row.slug);
}

function checkEdgesMatchPageInfo(result: Page): void {
  expect(result.pageInfo.startCursor).toBe(result.edges[0]?.cursor);
  expect(result.pageInfo.endCursor).toBe(result.edges.at(-1)?.cursor);
}

const ORDERS = (['OCCURRED', 'DISCLOSED', 'SEVERITY', 'UPDATED'] as const).flatMap((field) =>
  (['ASC', 'DESC'] as const).map((direction) => ({ field, direction })),
);

describe('incident connection', () => {
  it('has ties in every sort key (the fixture is meaningful)', async () => {
    for (const field of Object.keys(ORDER_SQL) as Array<keyof typeof ORDER_SQL>) {
      const [row] = await sql.unsafe<{ distinct_keys: number; total: number }[]>(
        `select count(distinct ${ORDER_SQL[field]})::int as distinct_keys, count(*)::int as total
         from incidents where merged_into_id is null`,
      );
      expect(row!.distinct_keys, `${field} has ties`).toBeLessThan(row!.total / 3);
    }
  });

  it.each(ORDERS)('walks every page forwards and backwards ordered by $field $direction', async (orderBy) => {
    const expected = await expectedSlugs(orderBy.field, orderBy.direction);
    expect(expected.length).toBe(TIE_COUNT + 3);

    const forward: string[] = [];
    let after: string | null = null;
    for (let pageNumber = 0; ; pageNumber += 1) {
      expect(pageNumber, 'forward walk terminates').toBeLessThan(20);
      const result: Page = await page({ first: 4, after, orderBy });
      expect(result.totalCount).toBe(expected.length);
      checkEdgesMatchPageInfo(result);
      expect(result.pageInfo.hasPreviousPage).toBe(after !== null);
      forward.push(...result.edges.map((edge) => edge.node.slug));
      expect(result.pageInfo.hasNextPage).toBe(forward.length < expected.length);
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor;
    }
    expect(forward).toEqual(expected);

    const backward: string[] = [];
    let before: string | null = null;
    for (let pageNumber = 0; ; pageNumber += 1) {
      expect(pageNumber, 'backward walk terminates').toBeLessThan(20);
      const result: Page = await page({ last: 4, before, orderBy });
      expect(result.totalCount).toBe(expected.length);
      checkEdgesMatchPageInfo(result);
      expect(result.pageInfo.hasNextPage).toBe(before !== null);
      // Each page is in list order; pages arrive last to first.
      backward.unshift(...result.edges.map((edge) => edge.node.slug));
      expect(result.pageInfo.hasPreviousPage).toBe(backward.length < expected.length);
      if (!result.pageInfo.hasPreviousPage) break;
      before = result.pageInfo.startCursor;
    }
    expect(backward).toEqual(expected);
    expect([...backward].reverse()).toEqual([...expected].reverse());
  });

  it('returns the window between an after and a before cursor', async () => {
    const orderBy = { field: 'SEVERITY', direction: 'DESC' };
    const expected = await expectedSlugs('SEVERITY', 'DESC');
    const all = await page({ first: 100, orderBy });
    const after = all.edges[4]!.cursor;
    const before = all.edges[12]!.cursor;
    const middle = await page({ first: 100, after, before, orderBy });
    expect(middle.edges.map((edge) => edge.node.slug)).toEqual(expected.slice(5, 12));
    const tail = await page({ last: 3, after, before, orderBy });
    expect(tail.edges.map((edge) => edge.node.slug)).toEqual(expected.slice(9, 12));
  });

  it('gives the last items with last alone, and an empty page with first: 0', async () => {
    const expected = await expectedSlugs('OCCURRED', 'DESC');
    const last = await page({ last: 5 });
    expect(last.edges.map((edge) => edge.node.slug)).toEqual(expected.slice(-5));
    expect(last.pageInfo.hasPreviousPage).toBe(true);
    const empty = await page({ first: 0 });
    expect(empty.edges).toEqual([]);
    expect(empty.totalCount).toBe(expected.length);
  });

  it('pages a filtered list and counts only what the filter keeps', async () => {
    const rows = await sql<{ slug: string }[]>`
      select slug from incidents where merged_into_id is null and severity in ('high', 'critical')
      order by coalesce(occurred_start, '-infinity'::date) desc, id desc
    `;
    const slugs: string[] = [];
    let after: string | null = null;
    for (let pageNumber = 0; pageNumber < 20; pageNumber += 1) {
      const response: { status: number; body: { data?: { incidents: Page } | null } } = await graphql<{ incidents: Page }>(
        server.url,
        /* GraphQL */ `
          query ($after: String) {
            incidents(first: 3, after: $after, filter: { severityAtLeast: HIGH }) {
              totalCount
              pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
              edges { cursor node { id slug } }
            }
          }
        `,
        { after },
      );
      const result: Page = dataOf(response).incidents;
      expect(result.totalCount).toBe(rows.length);
      slugs.push(...result.edges.map((edge) => edge.node.slug));
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor;
    }
    expect(slugs).toEqual(rows.map((row) => row.slug));
  });

  it('refuses a cursor of one order in another order with a clear BAD_USER_INPUT error', async () => {
    const first = await page({ first: 2, orderBy: { field: 'OCCURRED', direction: 'DESC' } });
    const cursor = first.pageInfo.endCursor;
    for (const orderBy of [
      { field: 'SEVERITY', direction: 'DESC' },
      { field: 'OCCURRED', direction: 'ASC' },
      { field: 'UPDATED', direction: 'DESC' },
    ]) {
      for (const args of [{ first: 2, after: cursor }, { last: 2, before: cursor }]) {
        const response = await graphql(server.url, PAGE_QUERY, { ...args, orderBy });
        expect(response.status, JSON.stringify(response.body)).toBe(400);
        expect(response.body.errors).toHaveLength(1);
        const [error] = response.body.errors!;
        expect(error!.extensions?.code).toBe('BAD_USER_INPUT');
        expect(error!.message).toMatch(/(after|before) is not a cursor of this list in this order/);
      }
    }
    // The default order is OCCURRED DESC: the cursor still works there.
    const next = await page({ first: 2, after: cursor });
    expect(next.edges).toHaveLength(2);
  });
});

describe('nested connections', () => {
  it('walks an incident\'s reports page by page with totalCount', async () => {
    const query = /* GraphQL */ `
      query ($after: String, $before: String, $first: Int, $last: Int) {
        incident(slug: "mexico-government-ai-assisted-breach") {
          reports(first: $first, after: $after, last: $last, before: $before) {
            totalCount
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            edges { cursor node { url } }
          }
        }
      }
    `;
    type Reports = {
      incident: {
        reports: {
          totalCount: number;
          pageInfo: PageInfo;
          edges: Array<{ cursor: string; node: { url: string } }>;
        };
      };
    };
    const all = dataOf(await graphql<Reports>(server.url, query, { first: 10 })).incident.reports;
    expect(all.totalCount).toBe(3);
    expect(all.pageInfo.hasNextPage).toBe(false);
    const urls: string[] = [];
    let after: string | null = null;
    for (let pageNumber = 0; pageNumber < 5; pageNumber += 1) {
      const result: Reports['incident']['reports'] = dataOf(await graphql<Reports>(server.url, query, { first: 1, after })).incident.reports;
      expect(result.totalCount).toBe(3);
      expect(result.pageInfo.hasPreviousPage).toBe(after !== null);
      urls.push(...result.edges.map((edge) => edge.node.url));
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor;
    }
    expect(urls).toEqual(all.edges.map((edge) => edge.node.url));

    const backward: string[] = [];
    let before: string | null = null;
    for (let pageNumber = 0; pageNumber < 5; pageNumber += 1) {
      const result: Reports['incident']['reports'] = dataOf(await graphql<Reports>(server.url, query, { last: 2, before })).incident.reports;
      backward.unshift(...result.edges.map((edge) => edge.node.url));
      if (!result.pageInfo.hasPreviousPage) break;
      before = result.pageInfo.startCursor;
    }
    expect(backward).toEqual(urls);
  });

  it('walks an actor\'s incidents page by page', async () => {
    const query = /* GraphQL */ `
      query ($after: String) {
        actor(slug: "anthropic") {
          incidents(first: 1, after: $after) {
            totalCount
            pageInfo { hasNextPage endCursor }
            edges { node { slug } }
          }
        }
      }
    `;
    type Result = {
      actor: { incidents: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: Array<{ node: { slug: string } }> } };
    };
    const slugs: string[] = [];
    let after: string | null = null;
    for (let pageNumber = 0; pageNumber < 5; pageNumber += 1) {
      const result: Result['actor']['incidents'] = dataOf(await graphql<Result>(server.url, query, { after })).actor.incidents;
      // Anthropic is developer of two incidents and also responder of one of them: counted once.
      expect(result.totalCount).toBe(2);
      slugs.push(...result.edges.map((edge) => edge.node.slug));
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor;
    }
    expect(slugs).toEqual(['mexico-government-ai-assisted-breach', 'chinese-state-sponsored-claude-espionage']);
  });
});

describe('global ids', () => {
  const NODE_QUERY = /* GraphQL */ `
    query ($id: ID!) {
      node(id: $id) {
        __typename
        id
        ... on Incident { slug }
        ... on Report { url }
        ... on Actor { slug }
        ... on PolicyTopic { slug }
        ... on PolicyPosition { summary }
        ... on Technique { atlasId }
      }
    }
  `;

  interface Ids {
    incident: { id: string; slug: string; techniques: Array<{ id: string; atlasId: string }> } | null;
    report: { id: string; url: string } | null;
    actor: { id: string; slug: string } | null;
    policyTopic: { id: string; slug: string } | null;
    policyPositions: { edges: Array<{ node: { id: string; summary: string } }> };
  }

  async function seedIds(): Promise<Ids> {
    return dataOf(
      await graphql<Ids>(
        server.url,
        /* GraphQL */ `
          {
            incident(slug: "mexico-government-ai-assisted-breach") { id slug techniques { id atlasId } }
            report(url: "https://www.ft.com/content/pentagon-anthropic-ai-access-deadline") { id url }
            actor(slug: "pete-hegseth") { id slug }
            policyTopic(slug: "autonomous-weapons") { id slug }
            policyPositions(first: 1) { edges { node { id summary } } }
          }
        `,
      ),
    );
  }

  it('round-trips an incident, a report, an actor, a topic, a position and a technique through node(id:)', async () => {
    const ids = await seedIds();
    const technique = ids.incident!.techniques.find((t) => t.atlasId === 'AML.T0054')!;
    const position = ids.policyPositions.edges[0]!.node;
    const cases: Array<[string, string, Record<string, string>]> = [
      ['Incident', ids.incident!.id, { slug: 'mexico-government-ai-assisted-breach' }],
      ['Report', ids.report!.id, { url: 'https://www.ft.com/content/pentagon-anthropic-ai-access-deadline' }],
      ['Actor', ids.actor!.id, { slug: 'pete-hegseth' }],
      ['PolicyTopic', ids.policyTopic!.id, { slug: 'autonomous-weapons' }],
      ['PolicyPosition', position.id, { summary: position.summary }],
      ['Technique', technique.id, { atlasId: 'AML.T0054' }],
    ];
    for (const [typename, id, fields] of cases) {
      const response = await graphql<{ node: Record<string, unknown> | null }>(server.url, NODE_QUERY, { id });
      expect(response.body.errors, typename).toBeUndefined();
      expect(response.body.data?.node, typename).toEqual({ __typename: typename, id, ...fields });
    }
  });

  it('gives opaque ids, distinct across types whose rows share numeric ids', async () => {
    const [overlap] = await sql<{ n: number }[]>`
      select count(*)::int as n from actors a join reports r on r.id = a.id
    `;
    expect(overlap!.n, 'actors and reports share numeric ids').toBeGreaterThan(0);
    const response = await graphql<{ actors: { edges: Array<{ node: { id: string } }> }; reports: { edges: Array<{ node: { id: string } }> } }>(
      server.url,
      /* GraphQL */ `{ actors(first: 100) { edges { node { id } } } reports(first: 100) { edges { node { id } } } }`,
    );
    const data = dataOf(response);
    const all = [...data.actors.edges, ...data.reports.edges].map((edge) => edge.node.id);
    for (const id of all) {
      expect(id).not.toMatch(/^[0-9]+$/);
      expect(id).not.toContain(':');
    }
    expect(new Set(all).size).toBe(all.length);
  });

  it('fetches several objects with nodes(ids:) in the order given, null where nothing matches', async () => {
    const ids = await seedIds();
    const missing = globalId('Incident', '987654321');
    const order = [ids.actor!.id, missing, ids.incident!.id, ids.report!.id, ids.actor!.id];
    const response = await graphql<{ nodes: Array<{ __typename: string; id: string } | null> }>(
      server.url,
      /* GraphQL */ `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`,
      { ids: order },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.nodes).toEqual([
      { __typename: 'Actor', id: ids.actor!.id },
      null,
      { __typename: 'Incident', id: ids.incident!.id },
      { __typename: 'Report', id: ids.report!.id },
      { __typename: 'Actor', id: ids.actor!.id },
    ]);
  });
});

describe('nodes, id by id', () => {
  it('answers each id on its own: null and an error at its index for one that cannot be resolved, the rest intact', async () => {
    const { incident, report } = dataOf(
      await graphql<{ incident: { id: string }; report: { id: string } }>(
        server.url,
        '{ incident(slug: "mexico-government-ai-assisted-breach") { id } report(url: "https://www.ft.com/content/pentagon-anthropic-ai-access-deadline") { id } }',
      ),
    );
    const malformed = 'not an id!';
    const ofNoType = Buffer.from('Spaceship:7').toString('base64url');
    const badLocalId = Buffer.from('Incident:abc').toString('base64url');
    const missing = globalId('Incident', '987654321');
    const response = await graphql<{ nodes: Array<{ __typename: string; id: string } | null> }>(
      server.url,
      /* GraphQL */ `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`,
      { ids: [incident.id, malformed, ofNoType, report.id, badLocalId, missing] },
    );
    expect(response.status).toBe(200);
    expect(response.body.data?.nodes).toEqual([
      { __typename: 'Incident', id: incident.id },
      null,
      null,
      { __typename: 'Report', id: report.id },
      null,
      null,
    ]);
    const errors = response.body.errors ?? [];
    expect(errors.map((error) => error.path)).toEqual([['nodes', 1], ['nodes', 2], ['nodes', 4]]);
    for (const error of errors) {
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.message).toMatch(/^ids\[[0-9]\]: /);
    }
  });
});
