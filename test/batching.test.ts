// The design's rule 4: a page's SQL statement count must not grow with its size. One query walks every
// nested relation of 5 and then 50 incidents (each with its own actors, affiliations, AI systems,
// developers, techniques, reports, and a citing position); the statements the server's pool sends must be
// the same number both times, and few. An unbatched nested field would add a statement per incident.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { createIncidentGraph, dataOf, loadTechniqueTable } from './helpers/factories.js';
import { graphql, startTestServer, type TestServer } from './helpers/server.js';

const INCIDENTS = 50;
/** Statements one page may send: one per level of the query, with room for a join or two. */
const MAX_STATEMENTS = 20;

let database: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  database = await createTestDatabase();
  await loadTechniqueTable(database.sql);
  await createIncidentGraph(database.sql, INCIDENTS);
  server = await startTestServer(database.url);
});

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

const PAGE = /* GraphQL */ `
  query Page($first: Int!) {
    incidents(first: $first) {
      totalCount
      edges {
        node {
          actors { role actor { name affiliation { name } } }
          aiSystems { role aiSystem { name developer { name } } }
          techniques { atlasId }
          reports(first: 3) { totalCount edges { node { title incidents { slug } } } }
          citedBy { stance actor { name } topic { name } sourceReport { title } }
        }
      }
    }
  }
`;

interface PageData {
  incidents: {
    totalCount: number;
    edges: Array<{
      node: {
        actors: Array<{ role: string; actor: { name: string; affiliation: { name: string } | null } }>;
        aiSystems: Array<{ role: string; aiSystem: { name: string; developer: { name: string } } }>;
        techniques: Array<{ atlasId: string }>;
        reports: { totalCount: number; edges: Array<{ node: { title: string; incidents: Array<{ slug: string }> } }> };
        citedBy: Array<{ stance: string; actor: { name: string }; topic: { name: string }; sourceReport: { title: string } }>;
      };
    }>;
  };
}

// Transaction brackets carry no reads; the event hub polls the log on the same pool on its own timer, and a
// connection the pool opens reads the type catalogue once: none of those belong to the request.
function isRequestStatement(statement: string): boolean {
  const text = statement.trim().toLowerCase();
  if (text === 'begin' || text === 'commit' || text.startsWith('begin ')) return false;
  if (/\bfrom events\b/.test(text)) return false;
  // The hub's horizon read (the oldest transaction that may still append an event), on the same timer.
  if (text.includes('pg_current_snapshot()')) return false;
  if (text.includes('pg_catalog.pg_type')) return false;
  return true;
}

interface Run {
  data: PageData;
  statements: string[];
  /** How often each distinct statement text ran. */
  shapes: Map<string, number>;
}

/** Runs the page in a fresh request (so fresh dataloaders) and returns the statements it sent. */
async function measure(first: number): Promise<Run> {
  server.statements.length = 0;
  const data = dataOf(await graphql<PageData>(server.url, PAGE, { first }));
  const statements = server.statements.filter(isRequestStatement).map((s) => s.replace(/\s+/g, ' ').trim());
  server.statements.length = 0;
  const shapes = new Map<string, number>();
  for (const statement of statements) shapes.set(statement, (shapes.get(statement) ?? 0) + 1);
  return { data, statements, shapes };
}

function describeRun(label: string, run: Run): string {
  const lines = [...run.shapes].map(([text, times]) => `  ${times}x ${text.slice(0, 120)}`);
  return `-- ${label}: ${run.statements.length} statements, ${run.shapes.size} distinct\n${lines.join('\n')}`;
}

function checkPage(data: PageData, size: number): void {
  expect(data.incidents.totalCount).toBe(INCIDENTS);
  expect(data.incidents.edges).toHaveLength(size);
  for (const { node } of data.incidents.edges) {
    expect(node.actors).toHaveLength(2);
    expect(node.actors.filter((a) => a.actor.affiliation !== null)).toHaveLength(1);
    expect(node.aiSystems).toHaveLength(2);
    expect(node.aiSystems.every((s) => s.aiSystem.developer.name.startsWith('Organisation'))).toBe(true);
    expect(node.techniques.map((t) => t.atlasId)).toEqual(['AML.T0054', 'AML.T0065']);
    expect(node.reports.totalCount).toBe(3);
    expect(node.reports.edges).toHaveLength(3);
    expect(node.reports.edges.every((edge) => edge.node.incidents.length === 1)).toBe(true);
    expect(node.citedBy).toHaveLength(1);
    expect(node.citedBy[0]!.sourceReport.title).toMatch(/^Graph report/);
  }
}

// A by-id loader reached at several depths (actors: an incident's actors, their affiliations, AI system
// developers, citing positions' actors) may run as one batch or as two, depending on which earlier
// statements' results arrive in the same tick; the total can so differ by one or two between two runs of
// the same request. What cannot vary is the set of statement shapes, and how often any one shape runs is
// bounded by the query's depth, not by the page size: an unbatched field would run its shape per incident.
const MAX_RUNS_PER_SHAPE = 4;

describe('batching', () => {
  it('sends the same small set of statements for 5 and for 50 incidents', async () => {
    // Opens the pool's connections first, so neither measured run pays for connecting.
    await measure(INCIDENTS);

    const small = await measure(5);
    const large = await measure(INCIDENTS);
    checkPage(small.data, 5);
    checkPage(large.data, INCIDENTS);

    const summary =
      `${small.statements.length} statements (${small.shapes.size} distinct) for 5 incidents, ` +
      `${large.statements.length} (${large.shapes.size} distinct) for ${INCIDENTS}`;
    console.log(`batching: ${summary}`);
    const detail = `${summary}\n${describeRun('5 incidents', small)}\n${describeRun(`${INCIDENTS} incidents`, large)}`;

    expect([...large.shapes.keys()].sort(), detail).toEqual([...small.shapes.keys()].sort());
    for (const run of [small, large]) {
      for (const [text, times] of run.shapes) {
        expect(times, `ran ${times} times: ${text.slice(0, 200)}\n${detail}`).toBeLessThanOrEqual(MAX_RUNS_PER_SHAPE);
      }
      expect(run.statements.length, detail).toBeLessThanOrEqual(MAX_STATEMENTS);
    }
    expect(Math.abs(large.statements.length - small.statements.length), detail).toBeLessThanOrEqual(MAX_RUNS_PER_SHAPE - 1);
  });

  it('gives every request its own loaders: a repeated request sends its statements again', async () => {
    const first = await measure(5);
    const second = await measure(5);
    expect(first.statements.length).toBeGreaterThan(0);
    expect([...second.shapes.keys()].sort()).toEqual([...first.shapes.keys()].sort());
  });
});
