// Keyset paging is exact for every order the API offers, in both directions: a property test over data
// drawn with a fixed seed from a few values per sort key, so long runs of ties that only the id breaks,
// unknown dates, and timestamps that differ below the millisecond. Every list is walked one row a page,
// forwards with first/after and backwards with last/before, and each walk must visit every row exactly
// once, in the order the rules (written out here in TypeScript, not read back from SQL) say.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../src/db/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import {
  createActor,
  createIncident,
  createPosition,
  createReport,
  createTopic,
  dataOf,
  globalId,
} from './helpers/factories.js';
import { graphql, startTestServer, type TestServer } from './helpers/server.js';
import { mulberry32 } from './helpers/random.js';

let database: TestDatabase;
let server: TestServer;
let sql: Sql;

/** Picks from a list with a deterministic generator, so a failure replays exactly. */
function generator(seed: number) {
  const next = mulberry32(seed);
  return <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
}

const SEED = 7;
const pick = generator(SEED);

// Partial dates as stored: the first day of their period, with a precision; null is unknown.
type PartialDate = { date: string | null; precision: string };
const DATES: readonly PartialDate[] = [
  { date: '2025-03-01', precision: 'day' },
  { date: '2025-03-01', precision: 'month' },
  { date: '2025-03-14', precision: 'day' },
  { date: '2025-01-01', precision: 'year' },
  { date: null, precision: 'unknown' },
];
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
// Three of them inside one millisecond: a cursor that goes through JavaScript's Date would confuse them.
const UPDATED = [
  '2026-01-01T10:00:00.123456Z',
  '2026-01-01T10:00:00.123457Z',
  '2026-01-01T10:00:00.123999Z',
  '2026-01-01T10:00:00.124000Z',
];

interface IncidentFixture {
  id: string;
  occurred: PartialDate;
  disclosed: PartialDate;
  severity: (typeof SEVERITIES)[number];
  updated: string;
}
interface DatedFixture {
  id: string;
  dated: PartialDate;
}

const incidents: IncidentFixture[] = [];
const reports: DatedFixture[] = [];
const positions: DatedFixture[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  sql = database.sql;
  for (let i = 0; i < 20; i += 1) {
    const occurred = pick(DATES);
    const disclosed = pick(DATES);
    const severity = pick(SEVERITIES);
    const updated = pick(UPDATED);
    const { id } = await createIncident(sql, {
      occurredStart: occurred.date, occurredPrecision: occurred.precision,
      disclosedOn: disclosed.date, disclosedPrecision: disclosed.precision,
      severity, updatedAt: updated,
    });
    incidents.push({ id, occurred, disclosed, severity, updated });
  }
  for (let i = 0; i < 14; i += 1) {
    const dated = pick(DATES);
    const { id } = await createReport(sql, { publishedOn: dated.date, publishedPrecision: dated.precision });
    reports.push({ id, dated });
  }
  const topic = await createTopic(sql);
  for (let i = 0; i < 10; i += 1) {
    const dated = pick(DATES);
    const actor = await createActor(sql);
    const { id } = await createPosition(sql, {
      actorId: actor.id, topicId: topic.id, sourceReportId: reports[i]!.id,
      statedOn: dated.date, statedPrecision: dated.precision,
    });
    positions.push({ id, dated });
  }
  server = await startTestServer(database.url);
});

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

// ---- The rules ----------------------------------------------------------------------------------------

type Key = string | number;
/** An unknown date sorts as the oldest; '' sorts before every 'YYYY-MM-DD'. */
const dateKey = (date: string | null): string => date ?? '';
const compareKeys = (a: readonly Key[], b: readonly Key[]): number => {
  for (let i = 0; i < a.length; i += 1) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
};

/** Sorts by key then id, ascending; DESC is the exact reverse (ties on the key break on id, descending). */
function ordered<T extends { id: string }>(rows: readonly T[], key: (row: T) => Key[], direction: 'ASC' | 'DESC'): string[] {
  const sorted = [...rows].sort((a, b) => compareKeys([...key(a), Number(a.id)], [...key(b), Number(b.id)]));
  if (direction === 'DESC') sorted.reverse();
  return sorted.map((row) => row.id);
}

const INCIDENT_KEYS = {
  // When it began; never the disclosure date in its place.
  OCCURRED: (row: IncidentFixture) => [dateKey(row.occurred.date)],
  DISCLOSED: (row: IncidentFixture) => [dateKey(row.disclosed.date)],
  SEVERITY: (row: IncidentFixture) => [SEVERITIES.indexOf(row.severity)],
  // The fixed-width ISO form orders like the instant it names.
  UPDATED: (row: IncidentFixture) => [row.updated],
} as const;

// Timeline: date, then precision (as text: day < month < unknown < year), then type, then id. An incident
// whose start is unknown is placed at its disclosure, to that date's precision.
const TYPE_ORDER = { incident: 0, report: 1, policy_position: 2 } as const;
function timelineEntries() {
  return [
    ...incidents.map((row) => {
      const placed = row.occurred.date === null ? row.disclosed : row.occurred;
      return { id: globalId('Incident', row.id), key: [dateKey(placed.date), placed.precision, TYPE_ORDER.incident, Number(row.id)] };
    }),
    ...reports.map((row) => ({
      id: globalId('Report', row.id),
      key: [dateKey(row.dated.date), row.dated.precision, TYPE_ORDER.report, Number(row.id)],
    })),
    ...positions.map((row) => ({
      id: globalId('PolicyPosition', row.id),
      key: [dateKey(row.dated.date), row.dated.precision, TYPE_ORDER.policy_position, Number(row.id)],
    })),
  ];
}

// ---- Walking ------------------------------------------------------------------------------------------

interface Page {
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: Array<{ cursor: string; id: string }>;
}
type FetchPage = (args: { first?: number; after?: string | null; last?: number; before?: string | null }) => Promise<Page>;

/** Walks a list one row a page forwards, then backwards; checks the page flags on the way. */
async function walk(fetchPage: FetchPage, size: number): Promise<{ forward: string[]; backward: string[] }> {
  const forward: string[] = [];
  let after: string | null = null;
  for (;;) {
    expect(forward.length, 'forward walk ends').toBeLessThanOrEqual(size);
    const page: Page = await fetchPage({ first: 1, after });
    expect(page.edges.length).toBeLessThanOrEqual(1);
    expect(page.pageInfo.hasPreviousPage, 'hasPreviousPage going forwards').toBe(after !== null);
    forward.push(...page.edges.map((edge) => edge.id));
    if (!page.pageInfo.hasNextPage) break;
    expect(page.pageInfo.endCursor).toBe(page.edges[0]?.cursor);
    after = page.pageInfo.endCursor;
  }
  const backward: string[] = [];
  let before: string | null = null;
  for (;;) {
    expect(backward.length, 'backward walk ends').toBeLessThanOrEqual(size);
    const page: Page = await fetchPage({ last: 1, before });
    expect(page.edges.length).toBeLessThanOrEqual(1);
    expect(page.pageInfo.hasNextPage, 'hasNextPage going backwards').toBe(before !== null);
    backward.unshift(...page.edges.map((edge) => edge.id));
    if (!page.pageInfo.hasPreviousPage) break;
    before = page.pageInfo.startCursor;
  }
  return { forward, backward };
}

function checkWalk(result: { forward: string[]; backward: string[] }, expected: string[]): void {
  expect(new Set(result.forward).size, 'no row twice going forwards').toBe(result.forward.length);
  expect(new Set(result.backward).size, 'no row twice going backwards').toBe(result.backward.length);
  expect(result.forward).toEqual(expected);
  expect(result.backward).toEqual(expected);
}

const PAGE_FIELDS = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } }';

function connectionPage(field: string, extraParams: string, extraArgs: string, variables: Record<string, unknown>): FetchPage {
  return async (args) => {
    const query = `query ($first: Int, $after: String, $last: Int, $before: String${extraParams}) {
      list: ${field}(first: $first, after: $after, last: $last, before: $before${extraArgs}) { ${PAGE_FIELDS} }
    }`;
    type Raw = { list: { pageInfo: Page['pageInfo']; edges: Array<{ cursor: string; node: { id: string } }> } };
    const { list } = dataOf(await graphql<Raw>(server.url, query, { ...variables, ...args }));
    return { pageInfo: list.pageInfo, edges: list.edges.map((edge) => ({ cursor: edge.cursor, id: edge.node.id })) };
  };
}

// ---- The property ---------------------------------------------------------------------------------------

describe('keyset paging, one row a page', () => {
  it('has ties in every sort key and sub-millisecond timestamps (the fixture means something)', () => {
    for (const [field, key] of Object.entries(INCIDENT_KEYS)) {
      const distinct = new Set(incidents.map((row) => JSON.stringify(key(row))));
      expect(distinct.size, `${field} has ties`).toBeLessThan(incidents.length / 2);
    }
    expect(new Set(incidents.map((row) => row.updated.slice(0, 23))).size, 'several timestamps share a millisecond').toBeLessThan(
      new Set(incidents.map((row) => row.updated)).size,
    );
    expect(incidents.some((row) => row.occurred.date === null && row.disclosed.date !== null), 'an undated incident with a disclosure date').toBe(true);
  });

  const ORDERS = (['OCCURRED', 'DISCLOSED', 'SEVERITY', 'UPDATED'] as const).flatMap((field) =>
    (['ASC', 'DESC'] as const).map((direction) => ({ field, direction })),
  );

  it.each(ORDERS)('incidents ordered by $field $direction', async (orderBy) => {
    const expected = ordered(incidents, INCIDENT_KEYS[orderBy.field], orderBy.direction).map((id) => globalId('Incident', id));
    const result = await walk(connectionPage('incidents', ', $orderBy: IncidentOrder', ', orderBy: $orderBy', { orderBy }), incidents.length);
    checkWalk(result, expected);
  });

  it('reports, newest publication first', async () => {
    const expected = ordered(reports, (row) => [dateKey(row.dated.date)], 'DESC').map((id) => globalId('Report', id));
    checkWalk(await walk(connectionPage('reports', '', '', {}), reports.length), expected);
  });

  it('policy positions, most recently stated first', async () => {
    const expected = ordered(positions, (row) => [dateKey(row.dated.date)], 'DESC').map((id) => globalId('PolicyPosition', id));
    checkWalk(await walk(connectionPage('policyPositions', '', '', {}), positions.length), expected);
  });

  it.each(['ASC', 'DESC'] as const)('the timeline, %s', async (direction) => {
    const entries = timelineEntries().sort((a, b) => compareKeys(a.key, b.key));
    if (direction === 'DESC') entries.reverse();
    const fetchPage: FetchPage = async (args) => {
      const query = `query ($first: Int, $after: String, $last: Int, $before: String, $direction: OrderDirection) {
        timeline(first: $first, after: $after, last: $last, before: $before, direction: $direction) {
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { cursor node { node { ... on Incident { id } ... on Report { id } ... on PolicyPosition { id } } } }
        }
      }`;
      type Raw = { timeline: { pageInfo: Page['pageInfo']; edges: Array<{ cursor: string; node: { node: { id: string } } }> } };
      const { timeline } = dataOf(await graphql<Raw>(server.url, query, { direction, ...args }));
      return { pageInfo: timeline.pageInfo, edges: timeline.edges.map((edge) => ({ cursor: edge.cursor, id: edge.node.node.id })) };
    };
    checkWalk(await walk(fetchPage, entries.length), entries.map((entry) => entry.id));
  });
});

describe('unknown dates and forged cursors', () => {
  it('orders an incident whose start is unknown as the oldest, whatever its disclosure date, and the timeline says where it put it', async () => {
    const undated = incidents.filter((row) => row.occurred.date === null);
    const query = `query ($orderBy: IncidentOrder) { incidents(first: 100, orderBy: $orderBy) { edges { node { id } } } }`;
    type Raw = { incidents: { edges: Array<{ node: { id: string } }> } };
    const ids = async (direction: string) =>
      dataOf(await graphql<Raw>(server.url, query, { orderBy: { field: 'OCCURRED', direction } })).incidents.edges.map((edge) => edge.node.id);
    const undatedIds = new Set(undated.map((row) => globalId('Incident', row.id)));
    const desc = await ids('DESC');
    expect(desc.slice(-undated.length).every((id) => undatedIds.has(id)), 'undated last when newest first').toBe(true);
    const asc = await ids('ASC');
    expect(asc.slice(0, undated.length).every((id) => undatedIds.has(id)), 'undated first when oldest first').toBe(true);

    const disclosedOnly = undated.find((row) => row.disclosed.date !== null)!;
    const timeline = dataOf(
      await graphql<{ timeline: { edges: Array<{ node: { basis: string; date: { date: string | null }; node: { id: string } } }> } }>(
        server.url,
        `{ timeline(first: 100, filter: { types: [INCIDENT] }) { edges { node { basis date { date } node { ... on Incident { id } } } } } }`,
      ),
    ).timeline.edges.map((edge) => edge.node);
    const entry = timeline.find((node) => node.node.id === globalId('Incident', disclosedOnly.id))!;
    expect(entry).toMatchObject({ basis: 'DISCLOSED', date: { date: disclosedOnly.disclosed.date } });
    const dated = incidents.find((row) => row.occurred.date !== null)!;
    expect(timeline.find((node) => node.node.id === globalId('Incident', dated.id))).toMatchObject({
      basis: 'OCCURRED',
      date: { date: dated.occurred.date },
    });
  });

  it('refuses a cursor whose key is not a value of the order\'s type, before it reaches SQL', async () => {
    const forged = (key: string) => Buffer.from(JSON.stringify(['incidents:updated:desc', key, '1'])).toString('base64url');
    for (const key of ['2026-13-01T00:00:00.000000Z', '2026-01-01 10:00:00+00', 'yesterday', '']) {
      const response = await graphql(server.url, `query ($after: String) { incidents(first: 1, after: $after, orderBy: { field: UPDATED }) { edges { cursor } } }`, {
        after: forged(key),
      });
      expect(response.status, key).toBe(400);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});
