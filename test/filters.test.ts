// Filters that roll up and filters analysts ask for, over HTTP on the seed dataset plus one incident on a
// model version: a technique includes its sub-techniques and an AI system its versions (unless asked for
// the exact one), in the incidents list and in the facets alike; UN M49 regions, checked against the
// packages the table was generated from; the kind of the actor in a role.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { m49Regions } from '../src/cli/m49.js';
import { loadSeed } from '../src/data/seed.js';
import type { Sql } from '../src/db/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { addIncidentActor, addIncidentAiSystem, createActor, createIncident, dataOf, globalId } from './helpers/factories.js';
import { graphql, startTestServer, type TestServer } from './helpers/server.js';

let database: TestDatabase;
let server: TestServer;
let sql: Sql;
const ids: Record<string, string> = {};

const MEXICO = 'mexico-government-ai-assisted-breach';
const CHINA = 'chinese-state-sponsored-claude-espionage';
const KOREA = 'north-korean-ai-generated-backdoors';
const OPUS = 'opus-phishing-kit';

type Page = { totalCount: number; edges: Array<{ node: { slug: string } }> };

beforeAll(async () => {
  database = await createTestDatabase();
  sql = database.sql;
  await loadSeed(sql);
  const systems = await sql<{ slug: string; id: string; parent_id: string | null }[]>`select slug, id, parent_id from ai_systems`;
  for (const row of systems) ids[row.slug] = row.id;
  // The seed's Claude Opus 4.6 is a version of Claude; no seed incident uses it.
  expect(systems.find((row) => row.slug === 'claude-opus-4-6')?.parent_id).toBe(ids.claude);
  const opus = await createIncident(sql, { slug: OPUS, title: 'Phishing kit written with a model version', countries: ['CL', 'US'] });
  await addIncidentAiSystem(sql, opus.id, ids['claude-opus-4-6']!, 'primary_tool');
  const ministry = await createActor(sql, { slug: 'chilean-ministry', kind: 'government', country: 'CL' });
  const journalist = await createActor(sql, { slug: 'a-journalist', kind: 'person' });
  await addIncidentActor(sql, opus.id, ministry.id, 'responder');
  await addIncidentActor(sql, opus.id, journalist.id, 'victim');
  server = await startTestServer(database.url);
});

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

async function slugs(filter: Record<string, unknown>): Promise<string[]> {
  const data = dataOf(
    await graphql<{ incidents: { totalCount: number; edges: Array<{ node: { slug: string } }> } }>(
      server.url,
      'query ($filter: IncidentFilter) { incidents(filter: $filter, first: 100) { totalCount edges { node { slug } } } }',
      { filter },
    ),
  );
  expect(data.incidents.totalCount).toBe(data.incidents.edges.length);
  return data.incidents.edges.map((edge) => edge.node.slug).sort();
}

interface Facets {
  aiSystem: Array<{ aiSystem: { slug: string }; count: number }>;
  technique: Array<{ technique: { atlasId: string }; count: number }>;
  region: Array<{ region: { code: string; name: string }; count: number }>;
  actorKind: Array<{ kind: string; role: string; count: number }>;
}

async function facets(filter: Record<string, unknown>): Promise<Facets> {
  return dataOf(
    await graphql<{ incidentFacets: Facets }>(
      server.url,
      `query ($filter: IncidentFilter) { incidentFacets(filter: $filter, top: 200) {
        aiSystem { aiSystem { slug } count } technique { technique { atlasId } count }
        region { region { code name } count } actorKind { kind role count }
      } }`,
      { filter },
    ),
  ).incidentFacets;
}

describe('roll-ups', () => {
  it('finds the incidents of a technique\'s sub-techniques, unless asked for the exact technique', async () => {
    // Every seed incident is tagged AML.T0016.002, a sub-technique of AML.T0016; none with AML.T0016 itself.
    expect(await slugs({ technique: 'AML.T0016' })).toEqual([CHINA, MEXICO, KOREA].sort());
    expect(await slugs({ technique: 'AML.T0016', techniqueExact: true })).toEqual([]);
    expect(await slugs({ technique: 'AML.T0016.002' })).toEqual([CHINA, MEXICO, KOREA].sort());
    expect(await slugs({ technique: 'AML.T0016.002', techniqueExact: true })).toEqual([CHINA, MEXICO, KOREA].sort());
  });

  it('finds the incidents of an AI system\'s versions, unless asked for the exact system', async () => {
    const claude = globalId('AiSystem', ids.claude!);
    const opus = globalId('AiSystem', ids['claude-opus-4-6']!);
    expect(await slugs({ aiSystem: claude })).toEqual([CHINA, MEXICO, OPUS].sort());
    expect(await slugs({ aiSystem: claude, aiSystemExact: true })).toEqual([CHINA, MEXICO].sort());
    expect(await slugs({ aiSystem: opus })).toEqual([OPUS]);
  });

  it('lists an AI system\'s incidents with its versions\' (unless exact)', async () => {
    const { aiSystems } = dataOf(
      await graphql<{ aiSystems: { edges: Array<{ node: { slug: string; all: Page; exact: Page } }> } }>(
        server.url,
        `{ aiSystems(first: 50) { edges { node { slug
          all: incidents(first: 10) { totalCount edges { node { slug } } }
          exact: incidents(first: 10, exact: true) { totalCount edges { node { slug } } }
        } } } }`,
      ),
    );
    const bySlug = new Map(aiSystems.edges.map(({ node }) => [node.slug, node]));
    const sorted = (page: Page) => ({ count: page.totalCount, slugs: page.edges.map(({ node }) => node.slug).sort() });
    expect(sorted(bySlug.get('claude')!.all)).toEqual({ count: 3, slugs: [CHINA, MEXICO, OPUS].sort() });
    expect(sorted(bySlug.get('claude')!.exact)).toEqual({ count: 2, slugs: [CHINA, MEXICO].sort() });
    expect(sorted(bySlug.get('claude-opus-4-6')!.all)).toEqual({ count: 1, slugs: [OPUS] });
    expect(sorted(bySlug.get('claude-opus-4-6')!.exact)).toEqual({ count: 1, slugs: [OPUS] });
  });

  it('counts facets as the filters roll up', async () => {
    const all = await facets({});
    expect(all.aiSystem.find((b) => b.aiSystem.slug === 'claude')?.count).toBe(3);
    expect(all.aiSystem.find((b) => b.aiSystem.slug === 'claude-opus-4-6')?.count).toBe(1);
    expect(all.technique.find((b) => b.technique.atlasId === 'AML.T0016')?.count).toBe(3);
    expect(all.technique.find((b) => b.technique.atlasId === 'AML.T0016.002')?.count).toBe(3);
    // Filtered on Claude (with its versions), the facets count the same incidents the list gives.
    const claude = await facets({ aiSystem: globalId('AiSystem', ids.claude!) });
    expect(claude.aiSystem.find((b) => b.aiSystem.slug === 'claude')?.count).toBe(3);
  });

  it('refuses a malformed technique id with BAD_USER_INPUT', async () => {
    const response = await graphql(server.url, '{ incidents(filter: { technique: "T0016" }) { totalCount } }');
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('regions', () => {
  it('holds UN M49 as the packages it was generated from carry it', async () => {
    const { regions, countries } = await m49Regions();
    const stored = await sql<{ code: string; name: string; level: string; parent_code: string | null }[]>`
      select code, name, level, parent_code from regions order by code
    `;
    expect(stored.map((row) => ({ code: row.code, name: row.name, level: row.level, parent: row.parent_code }))).toEqual(regions);
    // Every region holds the countries M49 places in it or in any of its sub-regions.
    const expected = new Map<string, Set<string>>(regions.map((region) => [region.code, new Set()]));
    const parentOf = new Map(regions.map((region) => [region.code, region.parent]));
    for (const { country, region } of countries) {
      for (let code: string | null = region; code; code = parentOf.get(code) ?? null) expected.get(code)!.add(country);
    }
    const members = await sql<{ region_code: string; countries: string[] }[]>`
      select region_code, array_agg(country order by country) as countries from region_countries group by region_code
    `;
    for (const row of members) expect(row.countries, row.region_code).toEqual([...expected.get(row.region_code)!].sort());
    expect(members.length).toBe(regions.length);
  });

  it('lists the regions with their countries', async () => {
    const data = dataOf(
      await graphql<{ regions: Array<{ code: string; name: string; level: string; parent: { code: string } | null; countries: string[] }> }>(
        server.url,
        '{ regions(level: SUBREGION) { code name level parent { code } countries } }',
      ),
    );
    const latin = data.regions.find((region) => region.code === '419')!;
    expect(latin).toMatchObject({ name: 'Latin America and the Caribbean', level: 'SUBREGION', parent: { code: '019' } });
    expect(latin.countries).toEqual(expect.arrayContaining(['MX', 'BR', 'AR', 'CL', 'CU']));
    expect(latin.countries).not.toContain('US');
    expect(data.regions.every((region) => region.level === 'SUBREGION')).toBe(true);
  });

  it('filters incidents by region, by code or by name, at every level', async () => {
    expect(await slugs({ region: '419' })).toEqual([MEXICO, OPUS].sort());
    expect(await slugs({ region: 'Latin America and the Caribbean' })).toEqual([MEXICO, OPUS].sort());
    expect(await slugs({ region: '013' })).toEqual([MEXICO]); // Central America
    expect(await slugs({ region: '021' })).toEqual([OPUS]); // Northern America: the US
    expect(await slugs({ region: '150' })).toEqual([]);
    const facet = await facets({});
    expect(facet.region.find((b) => b.region.code === '419')).toEqual({ region: { code: '419', name: 'Latin America and the Caribbean' }, count: 2 });
    expect(facet.region.find((b) => b.region.code === '019')?.count).toBe(2);
  });

  it('refuses a region M49 does not have, naming the argument', async () => {
    const response = await graphql(server.url, '{ incidents(filter: { region: "Narnia" }) { totalCount } }');
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter.region' });
  });
});

describe('the kind of an actor in a role', () => {
  it('filters on the victim\'s kind, and on the kind of one actor in one role', async () => {
    expect(await slugs({ actorRole: 'VICTIM', actorKind: 'GOVERNMENT' })).toEqual([MEXICO]);
    expect(await slugs({ actorRole: 'VICTIM', actorKind: 'PERSON' })).toEqual([OPUS]);
    // The Chilean ministry is a government in the incident, but as responder, not as victim.
    expect(await slugs({ actorKind: 'GOVERNMENT' })).toEqual([MEXICO, OPUS].sort());
    expect(await slugs({ actorRole: 'ATTACKER', actorKind: 'CRIMINAL' })).toEqual([MEXICO, KOREA].sort());
  });

  it('counts incidents by kind and role in the facets, as the filter does', async () => {
    const { actorKind } = await facets({});
    expect(actorKind.find((b) => b.kind === 'GOVERNMENT' && b.role === 'VICTIM')?.count).toBe(1);
    expect(actorKind.find((b) => b.kind === 'GOVERNMENT' && b.role === 'RESPONDER')?.count).toBe(1);
    for (const bucket of actorKind) {
      expect((await slugs({ actorKind: bucket.kind, actorRole: bucket.role })).length, `${bucket.kind} ${bucket.role}`).toBe(bucket.count);
    }
  });
});
