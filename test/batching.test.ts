// The design's rule 4: a page's SQL statement count must not grow with its size. One query walks every
// nested relation of 5 and then 50 incidents (each with its own actors, affiliations, AI systems and their incidents,
// developers, techniques, reports, and a citing position); the statements the server's pool sends must be
// the same both times, and few. An unbatched nested field would add a statement per incident.
//
// What is counted is only what the request sends: the server's event hub reads the log on its own timer,
// and when it shared the request pool those reads (its safe-horizon query) landed in a measured request now
// and then (10 of 40 runs on a loaded machine), which is how a page of 50 once counted 14 statements
// against 13. The hub now has a pool of its own here, so nothing but the request is counted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { addIncidentActor, addIncidentAiSystem, createIncident, createIncidentGraph, dataOf, loadTechniqueTable } from './helpers/factories.js';
import { graphql, startTestServer, type TestServer } from './helpers/server.js';

const INCIDENTS = 50;
/** Statements one page may send: one per kind of nested field the page asks for (about 25), with room to spare. */
const MAX_STATEMENTS = 30;

let database: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  database = await createTestDatabase();
  await loadTechniqueTable(database.sql);
  await createIncidentGraph(database.sql, INCIDENTS);
  server = await startTestServer(database.url, { hubPool: 'own' });
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
          aiSystems { role aiSystem { name developer { name } incidents(first: 2) { totalCount edges { node { slug } } } own: incidents(first: 2, exact: true) { totalCount } } }
          techniques { atlasId }
          reports(first: 3) { totalCount edges { node { title incidents { slug } } } }
          citedBy { stance actor { name } topic { name } sourceReport { title } sources { claim report { label } } history(first: 2) { totalCount edges { node { change by } } } }
          sources { report { label } }
          impact { records { display sources { report { label } } } }
          links { relation other { ... on Incident { title } } sources { report { label } } }
          citedByActions { kind }
          assessment { severity }
          history(first: 2) { totalCount edges { node { change by fields { field } } } }
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

// The first statement on a new pool connection makes postgres.js read the type catalogue once: that is the
// pool's, not the request's.
function isRequestStatement(statement: string): boolean {
  return !statement.includes('pg_catalog.pg_type');
}

interface Run {
  data: PageData;
  statements: string[];
  /** How often each distinct statement text ran. */
  shapes: Map<string, number>;
}

/** Runs the page in a fresh request (so fresh dataloaders) and returns the statements it sent. */
async function measure(first: number, query = PAGE): Promise<Run> {
  server.statements.length = 0;
  const data = dataOf(await graphql<PageData>(server.url, query, { first }));
  // The page's own statement writes its size into the text (`limit 6`, `limit 51`: see pageLimit in
  // src/data/pagination.ts); it is the same statement for every size.
  const statements = server.statements
    .filter(isRequestStatement)
    .map((s) => s.replace(/\s+/g, ' ').replace(/\blimit \d+\b/g, 'limit N').trim());
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

// Which batches a request runs is fixed by its query; only one thing may vary with timing. The by-id loader
// of a type (Actor here) is shared by every field that points at that type, and this query reaches it from
// three places (affiliations of the incidents' actors, developers of their AI systems, actors of the citing
// positions), each after a different statement: loads that arrive in the same turn of the event loop form
// one batch, so those lookups cost one to three statements. Every other statement runs exactly once, for 5
// incidents as for 50.
const SHARED_LOADERS: Array<{ shape: RegExp; paths: number }> = [{ shape: /^select a\.id, .* from actors a where a\.id = any\(\$1\)$/, paths: 3 }];

function allowedRuns(statement: string): { min: number; max: number } {
  const shared = SHARED_LOADERS.find((loader) => loader.shape.test(statement));
  return shared ? { min: 1, max: shared.paths } : { min: 1, max: 1 };
}

// The bench's page (bench/queries.ts): incidents with their actors and AI systems, by name. The connection
// reads both nested lists with the page, so the whole request is one statement.
const LISTS = /* GraphQL */ `
  fragment Lists on Incident {
    actors { role note actor { id slug name kind country aliases description roleTitle } }
    aiSystems { role usage aiSystem { id slug name kind description } }
  }
`;
const LISTS_PAGE = /* GraphQL */ `
  query ListsPage($first: Int!) {
    incidents(first: $first) { edges { node { id title severity occurred { display } ...Lists } } }
  }
  ${LISTS}
`;
const LISTS_BY_ID = /* GraphQL */ `
  query ListsById($ids: [ID!]!) { nodes(ids: $ids) { ... on Incident { id title severity occurred { display } ...Lists } } }
  ${LISTS}
`;

interface ListsNode {
  id: string;
  actors: Array<{ role: string; actor: { name: string } }>;
  aiSystems: Array<{ role: string; aiSystem: { name: string } }>;
}
interface ListsData {
  incidents: { totalCount: number; edges: Array<{ node: ListsNode }> };
}

describe('batching', () => {
  it('reads a page with its actors and AI systems in one statement, for 5 as for 50 incidents', async () => {
    await measure(INCIDENTS, LISTS_PAGE);
    for (const size of [5, INCIDENTS]) {
      const run = await measure(size, LISTS_PAGE);
      expect(run.statements, describeRun(`${size} incidents`, run)).toHaveLength(1);
      const nodes = (run.data as unknown as ListsData).incidents.edges.map((edge) => edge.node);
      expect(nodes).toHaveLength(size);
      expect(nodes.every((node) => node.actors.length === 2 && node.aiSystems.length === 2)).toBe(true);
    }
  });

  it('gives the same lists in the page\'s one statement as through the batched loaders', async () => {
    const page = (await measure(INCIDENTS, LISTS_PAGE)).data as unknown as ListsData;
    const nodes = page.incidents.edges.map((edge) => edge.node);
    // nodes(ids:) resolves each incident by id; its lists then come from the per-request loaders.
    server.statements.length = 0;
    const byId = dataOf(await graphql<{ nodes: ListsNode[] }>(server.url, LISTS_BY_ID, { ids: nodes.map((node) => node.id) }));
    const loaderStatements = server.statements.filter(isRequestStatement);
    expect(loaderStatements.length).toBeGreaterThan(1);
    expect(byId.nodes).toEqual(nodes);
  });

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
    expect(SHARED_LOADERS.every((loader) => [...small.shapes.keys()].some((text) => loader.shape.test(text))), detail).toBe(true);
    for (const run of [small, large]) {
      for (const [text, times] of run.shapes) {
        const { min, max } = allowedRuns(text);
        expect(times, `ran ${times} times: ${text.slice(0, 200)}\n${detail}`).toBeGreaterThanOrEqual(min);
        expect(times, `ran ${times} times: ${text.slice(0, 200)}\n${detail}`).toBeLessThanOrEqual(max);
      }
      expect(run.statements.length, detail).toBeLessThanOrEqual(MAX_STATEMENTS);
    }
  });

  it('gives every request its own loaders: a repeated request sends its statements again', async () => {
    const first = await measure(5);
    const second = await measure(5);
    expect(first.statements.length).toBeGreaterThan(0);
    expect([...second.shapes.keys()].sort()).toEqual([...first.shapes.keys()].sort());
  });

  it('(adds incidents, so last) gives every field of an incident the same value on a page, which reads only the columns asked for, as by id', async () => {
    // Incidents with every column filled (the graph's leave most empty), apart from the others by their sector,
    // with an actor and an AI system that have every column filled too.
    const [actor] = await database.sql<{ id: string }[]>`
      insert into actors (slug, name, kind, country, aliases, description, role_title, affiliation_id)
      select 'columns-check-person', 'Columns Person', 'person', 'MX', array['C. Person'], 'A person.', 'Minister', min(id)
      from actors
      returning id`;
    const [system] = await database.sql<{ id: string }[]>`
      with parent as (
        insert into ai_systems (slug, name, developer_id, description)
        select 'columns-check-parent', 'Columns Parent', min(id), 'The family.' from actors returning id, developer_id
      )
      insert into ai_systems (slug, name, developer_id, parent_id, description)
      select 'columns-check-system', 'Columns System', developer_id, id, 'A version.' from parent
      returning id`;
    for (const n of [1, 2, 3]) {
      const { id } = await createIncident(database.sql, {
        severity: 'critical', occurredStart: `2024-0${n}-01`, occurredEnd: `2024-0${n + 1}-01`, occurredPrecision: 'month',
        disclosedOn: `2024-0${n + 2}-15`, countries: ['MX', 'BR'], sectors: ['columns-check', `sector ${n}`],
        recordsAffected: 1000 * n, bytesAffected: 5_000_000 * n,
      });
      await database.sql`
        update incidents set summary = ${`Summary ${n}`}, status = 'confirmed', data_categories = array['emails'],
          records_affected_approximate = true, bytes_affected_approximate = ${n % 2 === 0}
        where id = ${id}`;
      await addIncidentActor(database.sql, id, actor!.id, 'victim');
      await addIncidentAiSystem(database.sql, id, system!.id, 'tool', 'Used.');
    }
    // One field at a time, so that each page reads only that field's columns.
    const fields: Record<string, string> = {
      slug: 'slug', title: 'title', summary: 'summary', status: 'status', severity: 'severity',
      assessment: 'assessment { assessedBy severity sectors }',
      occurred: 'occurred { start { date precision } end { date precision } precision display }',
      disclosed: 'disclosed { date precision display }',
      countries: 'countries', sectors: 'sectors',
      impact: 'impact { recordsAffected bytesAffected dataCategories records { value approximate display } bytes { value approximate display } }',
      version: 'version', mergedInto: 'mergedInto { id }', createdAt: 'createdAt', updatedAt: 'updatedAt',
      techniques: 'techniques { atlasId }',
    };
    // The actors and AI systems of a page come with it, also with only the columns their fields read.
    for (const field of ['slug', 'name', 'kind', 'country', 'aliases', 'description', 'roleTitle', 'affiliation { name }']) {
      fields[`actors.${field}`] = `actors { role note actor { id ${field} } }`;
    }
    for (const field of ['slug', 'name', 'kind', 'description', 'developer { name }', 'parent { name }']) {
      fields[`aiSystems.${field}`] = `aiSystems { role usage aiSystem { id ${field} } }`;
    }
    const typeFields = dataOf(
      await graphql<{ __type: { fields: Array<{ name: string }> } }>(server.url, '{ __type(name: "Incident") { fields(includeDeprecated: true) { name } } }'),
    ).__type.fields.map((field) => field.name);
    for (const [name, selection] of Object.entries(fields)) {
      const field = name.split('.')[0]!;
      expect(typeFields, field).toContain(field);
      const page = dataOf(
        await graphql<{ incidents: { edges: Array<{ node: Record<string, unknown> & { id: string } }> } }>(
          server.url,
          `query { incidents(first: 10, filter: { sector: "columns-check" }) { edges { node { id ${selection} } } } }`,
        ),
      ).incidents.edges.map((edge) => edge.node);
      expect(page, field).toHaveLength(3);
      const byId = dataOf(
        await graphql<{ nodes: unknown[] }>(server.url, `query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Incident { id ${selection} } } }`, {
          ids: page.map((node) => node.id),
        }),
      ).nodes;
      expect(page, field).toEqual(byId);
      // A page lists live incidents only, whose mergedInto is always null.
      if (field !== 'mergedInto') expect(JSON.stringify(page), `${name}: a null compares nothing`).not.toContain('null');
    }
  });
});
