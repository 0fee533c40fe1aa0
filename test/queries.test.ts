// The read API as a frontend uses it, over real HTTP against the seed dataset plus a few rows made for the
// filters: every filter is shown both keeping and dropping rows, slugs and ids of merged duplicates lead to
// the surviving incident, and each type exposes its relations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed } from '../src/data/seed.js';
import type { Sql } from '../src/db/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import {
  addIncidentActor,
  addIncidentAiSystem,
  addIncidentTechnique,
  createActor,
  createAiSystem,
  createIncident,
  createReport,
  dataOf,
  linkReport,
  mergeIncident,
  type Created,
} from './helpers/factories.js';
import { graphql, startTestServer, type TestServer } from './helpers/server.js';

let database: TestDatabase;
let server: TestServer;
let sql: Sql;

/** Rows made for the filter tests, beside the seed's three incidents. */
const made: {
  actor?: Created;
  systemA?: Created;
  systemB?: Created;
  incidentA?: Created;
  incidentB?: Created;
  incidentC?: Created;
} = {};

beforeAll(async () => {
  database = await createTestDatabase();
  sql = database.sql;
  await loadSeed(sql);
  const actor = await createActor(sql, { slug: 'filter-actor', kind: 'other', country: 'BR' });
  const developer = await createActor(sql, { slug: 'filter-developer', kind: 'other' });
  const systemA = await createAiSystem(sql, { slug: 'filter-system-a', developerId: developer.id });
  const systemB = await createAiSystem(sql, { slug: 'filter-system-b', developerId: developer.id });
  const incidentA = await createIncident(sql, {
    slug: 'filter-a', status: 'confirmed', severity: 'low', countries: ['BR'], sectors: ['health'],
    occurredStart: '2024-05-10', occurredPrecision: 'day',
  });
  const incidentB = await createIncident(sql, {
    slug: 'filter-b', status: 'resolved', severity: 'high', countries: ['BR', 'AR'], sectors: ['finance'],
    occurredStart: '2024-08-01', occurredPrecision: 'month',
  });
  const incidentC = await createIncident(sql, {
    slug: 'filter-c', status: 'disputed', severity: 'medium', occurredStart: '2023-01-01', occurredPrecision: 'year',
  });
  await addIncidentActor(sql, incidentA.id, actor.id, 'attacker');
  await addIncidentActor(sql, incidentB.id, actor.id, 'victim');
  await addIncidentAiSystem(sql, incidentA.id, systemA.id, 'primary_tool', 'Wrote the lure.');
  await addIncidentAiSystem(sql, incidentB.id, systemB.id, 'safeguard', 'Flagged the transfer.');
  await addIncidentTechnique(sql, incidentA.id, 'AML.T0051');
  await addIncidentTechnique(sql, incidentB.id, 'AML.T0054');
  Object.assign(made, { actor, systemA, systemB, incidentA, incidentB, incidentC });
  server = await startTestServer(database.url);
});

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

async function query<T>(text: string, variables?: Record<string, unknown>): Promise<T> {
  return dataOf(await graphql<T>(server.url, text, variables));
}

async function idOf(kind: 'actor' | 'aiSystem' | 'incident' | 'policyTopic', slug: string): Promise<string> {
  const data = await query<Record<string, { id: string } | null>>(`query ($slug: String!) { ${kind}(slug: $slug) { id } }`, { slug });
  const id = data[kind]?.id;
  if (!id) throw new Error(`no ${kind} ${slug}`);
  return id;
}

type Connection<T> = { totalCount: number; edges: Array<{ node: T }> };

/** Slugs of the incidents a filter keeps (sorted, so assertions state sets), with the connection's count. */
async function incidentSlugs(filter: Record<string, unknown>): Promise<string[]> {
  const data = await query<{ incidents: Connection<{ slug: string }> }>(
    /* GraphQL */ `query ($filter: IncidentFilter) { incidents(first: 100, filter: $filter) { totalCount edges { node { slug } } } }`,
    { filter },
  );
  expect(data.incidents.totalCount, `totalCount for ${JSON.stringify(filter)}`).toBe(data.incidents.edges.length);
  return data.incidents.edges.map((edge) => edge.node.slug).sort();
}

const MEXICO = 'mexico-government-ai-assisted-breach';
const CHINA = 'chinese-state-sponsored-claude-espionage';
const NORTH_KOREA = 'north-korean-ai-generated-backdoors';

describe('incidents filters', () => {
  it('lists every live incident without a filter', async () => {
    expect(await incidentSlugs({})).toEqual([CHINA, 'filter-a', 'filter-b', 'filter-c', MEXICO, NORTH_KOREA]);
  });

  it('filters by status', async () => {
    expect(await incidentSlugs({ status: ['CONFIRMED'] })).toEqual(['filter-a']);
    expect(await incidentSlugs({ status: ['CONFIRMED', 'RESOLVED'] })).toEqual(['filter-a', 'filter-b']);
    expect(await incidentSlugs({ status: ['DISRUPTED'] })).toEqual([CHINA]);
  });

  it('filters by minimum severity', async () => {
    expect(await incidentSlugs({ severityAtLeast: 'HIGH' })).toEqual(['filter-b', MEXICO]);
    expect(await incidentSlugs({ severityAtLeast: 'CRITICAL' })).toEqual([MEXICO]);
    // The Chinese and North Korean incidents are unassessed: no severity, so not "at least LOW".
    expect(await incidentSlugs({ severityAtLeast: 'LOW' })).toEqual(['filter-a', 'filter-b', 'filter-c', MEXICO]);
  });

  it('filters by country, accepting lower case', async () => {
    expect(await incidentSlugs({ country: 'BR' })).toEqual(['filter-a', 'filter-b']);
    expect(await incidentSlugs({ country: 'AR' })).toEqual(['filter-b']);
    expect(await incidentSlugs({ country: 'mx' })).toEqual([MEXICO]);
    expect(await incidentSlugs({ country: 'FR' })).toEqual([]);
  });

  it('filters by sector', async () => {
    expect(await incidentSlugs({ sector: 'elections' })).toEqual([MEXICO]);
    expect(await incidentSlugs({ sector: 'finance' })).toEqual(['filter-b']);
    expect(await incidentSlugs({ sector: 'farming' })).toEqual([]);
  });

  it('filters by AI system id', async () => {
    expect(await incidentSlugs({ aiSystem: await idOf('aiSystem', 'claude') })).toEqual([CHINA, MEXICO]);
    expect(await incidentSlugs({ aiSystem: await idOf('aiSystem', 'chatgpt') })).toEqual([MEXICO]);
    expect(await incidentSlugs({ aiSystem: await idOf('aiSystem', 'filter-system-b') })).toEqual(['filter-b']);
    expect(await incidentSlugs({ aiSystem: await idOf('aiSystem', 'claude-opus-4-6') })).toEqual([]);
  });

  it('filters by actor, by actor in a role, and by role alone', async () => {
    const actor = await idOf('actor', 'filter-actor');
    expect(await incidentSlugs({ actor })).toEqual(['filter-a', 'filter-b']);
    expect(await incidentSlugs({ actor, actorRole: 'VICTIM' })).toEqual(['filter-b']);
    expect(await incidentSlugs({ actor, actorRole: 'RESPONDER' })).toEqual([]);
    const anthropic = await idOf('actor', 'anthropic');
    expect(await incidentSlugs({ actor: anthropic })).toEqual([CHINA, MEXICO]);
    expect(await incidentSlugs({ actor: anthropic, actorRole: 'RESPONDER' })).toEqual([CHINA]);
    expect(await incidentSlugs({ actorRole: 'RESEARCHER' })).toEqual([MEXICO]);
  });

  it('filters by ATLAS technique id', async () => {
    expect(await incidentSlugs({ technique: 'AML.T0054' })).toEqual(['filter-b', MEXICO]);
    expect(await incidentSlugs({ technique: 'AML.T0065' })).toEqual([MEXICO]);
    expect(await incidentSlugs({ technique: 'AML.T0016.002' })).toEqual([CHINA, MEXICO, NORTH_KOREA]);
    expect(await incidentSlugs({ technique: 'AML.T0051' })).toEqual(['filter-a']);
    expect(await incidentSlugs({ technique: 'AML.T0010' })).toEqual([]);
  });

  it('filters by an occurrence interval that overlaps the incident\'s period at its precision', async () => {
    // Mexico: 2025-12 to 2026-01 (month precision), so it ran until the end of January 2026.
    expect(await incidentSlugs({ occurredBetween: { from: '2025-12-15', to: '2025-12-20' } })).toEqual([MEXICO]);
    expect(await incidentSlugs({ occurredBetween: { from: '2026-01-15', to: '2026-03-01' } })).toEqual([MEXICO]);
    expect(await incidentSlugs({ occurredBetween: { from: '2026-02-01' } })).toEqual([]);
    expect(await incidentSlugs({ occurredBetween: { to: '2025-11-30', from: '2025-01-01' } })).toEqual([]);
    // filter-b: August 2024 (month); filter-a: 2024-05-10 (day); filter-c: 2023 (year).
    expect(await incidentSlugs({ occurredBetween: { from: '2024-08-20', to: '2024-09-30' } })).toEqual(['filter-b']);
    expect(await incidentSlugs({ occurredBetween: { from: '2024-05-10', to: '2024-05-10' } })).toEqual(['filter-a']);
    expect(await incidentSlugs({ occurredBetween: { from: '2024-05-11', to: '2024-07-31' } })).toEqual([]);
    expect(await incidentSlugs({ occurredBetween: { from: '2023-12-31', to: '2023-12-31' } })).toEqual(['filter-c']);
    expect(await incidentSlugs({ occurredBetween: { to: '2024-06-01' } })).toEqual(['filter-a', 'filter-c']);
    // Incidents with an unknown date never match a date interval.
    expect(await incidentSlugs({ occurredBetween: { from: '1900-01-01' } })).toEqual(['filter-a', 'filter-b', 'filter-c', MEXICO]);
  });

  it('combines filters', async () => {
    expect(await incidentSlugs({ country: 'BR', severityAtLeast: 'HIGH' })).toEqual(['filter-b']);
    expect(await incidentSlugs({ country: 'BR', status: ['REPORTED'] })).toEqual([]);
  });
});

describe('incident by slug and merged duplicates', () => {
  it('returns an incident by slug and null for an unknown slug', async () => {
    const data = await query<{ found: { slug: string } | null; missing: unknown }>(
      `{ found: incident(slug: "${MEXICO}") { slug } missing: incident(slug: "no-such-incident") { slug } }`,
    );
    expect(data).toEqual({ found: { slug: MEXICO }, missing: null });
  });

  it('resolves a merged duplicate\'s slug and id to the incident it was merged into', async () => {
    const target = await createIncident(sql, { slug: 'merge-target', severity: 'low', sectors: ['merge-lab'] });
    const duplicate = await createIncident(sql, { slug: 'merge-duplicate', severity: 'low', sectors: ['merge-lab'] });
    const duplicateOfDuplicate = await createIncident(sql, { slug: 'merge-duplicate-2', severity: 'low', sectors: ['merge-lab'] });
    // The ids clients held before the merge.
    const targetId = await idOf('incident', 'merge-target');
    const duplicateId = await idOf('incident', 'merge-duplicate');
    const secondId = await idOf('incident', 'merge-duplicate-2');
    expect(await incidentSlugs({ sector: 'merge-lab' })).toHaveLength(3);

    await mergeIncident(sql, duplicate.id, target.id);
    await mergeIncident(sql, duplicateOfDuplicate.id, duplicate.id);

    const data = await query<{
      bySlug: { id: string; slug: string } | null;
      byChain: { slug: string } | null;
      node: { id: string; slug: string } | null;
      nodes: Array<{ slug: string } | null>;
    }>(
      /* GraphQL */ `
        query ($duplicate: ID!, $second: ID!) {
          bySlug: incident(slug: "merge-duplicate") { id slug }
          byChain: incident(slug: "merge-duplicate-2") { slug }
          node(id: $duplicate) { id ... on Incident { slug } }
          nodes(ids: [$second, $duplicate]) { ... on Incident { slug } }
        }
      `,
      { duplicate: duplicateId, second: secondId },
    );
    expect(data.bySlug).toEqual({ id: targetId, slug: 'merge-target' });
    expect(data.byChain).toEqual({ slug: 'merge-target' });
    expect(data.node).toEqual({ id: targetId, slug: 'merge-target' });
    expect(data.nodes).toEqual([{ slug: 'merge-target' }, { slug: 'merge-target' }]);
    // Merged duplicates leave the list and its count.
    expect(await incidentSlugs({ sector: 'merge-lab' })).toEqual(['merge-target']);
  });
});

describe('reports', () => {
  type ReportNode = { url: string | null; publisher: string | null; language: string | null };
  async function reports(filter: Record<string, unknown>): Promise<Connection<ReportNode>> {
    return (
      await query<{ reports: Connection<ReportNode> }>(
        /* GraphQL */ `query ($filter: ReportFilter) { reports(first: 100, filter: $filter) { totalCount edges { node { url publisher language } } } }`,
        { filter },
      )
    ).reports;
  }

  it('lists every report newest first, and filters by publisher, language and incident', async () => {
    const all = await reports({});
    expect(all.totalCount).toBe(9);
    expect(all.edges).toHaveLength(9);
    const bloomberg = await reports({ publisher: 'Bloomberg' });
    expect(bloomberg.totalCount).toBe(1);
    expect(bloomberg.edges.map((edge) => edge.node.publisher)).toEqual(['Bloomberg']);
    expect((await reports({ publisher: 'Le Monde' })).totalCount).toBe(0);
    // The seed knows no report's language: none is filled in.
    expect((await reports({ language: 'es' })).totalCount).toBe(0);
    const spanish = await createReport(sql, { url: 'https://noticias.example.mx/hackeo', publisher: 'Noticias Ejemplo', language: 'es' });
    const english = await createReport(sql, { url: 'https://news.example.com/breach', publisher: 'Example News', language: 'en' });
    await linkReport(sql, made.incidentA!.id, spanish.id);
    await linkReport(sql, made.incidentA!.id, english.id);
    expect((await reports({ language: 'es' })).edges.map((edge) => edge.node.publisher)).toEqual(['Noticias Ejemplo']);
    expect((await reports({ language: 'EN' })).totalCount).toBe(1);
    const mexico = await reports({ incident: await idOf('incident', MEXICO) });
    expect(mexico.edges.map((edge) => edge.node.publisher).sort()).toEqual(['Bloomberg', 'Gambit Security']);
    const china = await reports({ incident: await idOf('incident', CHINA) });
    expect(china.edges.map((edge) => edge.node.publisher)).toEqual(['Anthropic']);
    // The North Korean reports are unnamed: no publisher.
    const northKorea = await reports({ incident: await idOf('incident', NORTH_KOREA) });
    expect(northKorea.edges.map((edge) => edge.node)).toEqual([{ url: null, publisher: null, language: null }]);
    const both = await reports({ incident: await idOf('incident', 'filter-a'), language: 'es' });
    expect(both.totalCount).toBe(1);
  });

  it('finds a report by URL after normalisation, and null for an unknown URL', async () => {
    // Stored as its key (createReport writes url_key = url): https, no "www.".
    const canonical = 'https://bloomberg.com/news/articles/hacker-used-claude-to-breach-mexican-government';
    await createReport(sql, { url: canonical, publisher: 'Bloomberg' });
    const variants = [
      canonical,
      'https://www.bloomberg.com/news/articles/hacker-used-claude-to-breach-mexican-government',
      'HTTPS://WWW.BLOOMBERG.COM/news/articles/hacker-used-claude-to-breach-mexican-government',
      `${canonical}?utm_source=newsletter`,
      `${canonical}#comments`,
      'https://WWW.Bloomberg.com:443/news/articles/hacker-used-claude-to-breach-mexican-government/?utm_source=x&utm_medium=y#top',
    ];
    for (const url of variants) {
      const data = await query<{ report: { url: string; publisher: string } | null }>(
        /* GraphQL */ `query ($url: String!) { report(url: $url) { url publisher } }`,
        { url },
      );
      expect(data.report, url).toEqual({ url: canonical, publisher: 'Bloomberg' });
    }
    const missing = await query<{ report: unknown }>(
      /* GraphQL */ `query ($url: String!) { report(url: $url) { url } }`,
      // The path is case-sensitive: another article.
      { url: 'https://www.bloomberg.com/NEWS/articles/hacker-used-claude-to-breach-mexican-government' },
    );
    expect(missing.report).toBeNull();
  });
});

describe('actors and AI systems', () => {
  type ActorNode = { slug: string; kind: string; country: string | null };
  async function actors(filter?: Record<string, unknown>): Promise<Connection<ActorNode>> {
    return (
      await query<{ actors: Connection<ActorNode> }>(
        /* GraphQL */ `query ($filter: ActorFilter) { actors(first: 100, filter: $filter) { totalCount edges { node { slug kind country } } } }`,
        { filter },
      )
    ).actors;
  }

  it('lists actors in slug order and filters by kind and country', async () => {
    const all = await actors();
    expect(all.totalCount).toBe(14);
    const slugs = all.edges.map((edge) => edge.node.slug);
    expect(slugs).toEqual([...slugs].sort());
    const people = await actors({ kind: 'PERSON' });
    expect(people.edges.map((edge) => edge.node.slug)).toEqual(['dario-amodei', 'dean-ball', 'pete-hegseth']);
    expect(people.totalCount).toBe(3);
    expect((await actors({ country: 'IL' })).edges.map((edge) => edge.node.slug)).toEqual(['gambit-security']);
    expect((await actors({ country: 'kp' })).edges.map((edge) => edge.node.slug)).toEqual(['north-korean-cybercriminals']);
    const usDevelopers = await actors({ kind: 'AI_DEVELOPER', country: 'US' });
    expect(usDevelopers.edges.map((edge) => edge.node.slug)).toEqual(['anthropic', 'openai']);
    expect((await actors({ kind: 'MEDIA' })).totalCount).toBe(0);
  });

  it('returns an actor by slug with its affiliation, and null for an unknown slug', async () => {
    const data = await query<{ actor: Record<string, unknown> | null; missing: unknown }>(/* GraphQL */ `
      {
        actor(slug: "pete-hegseth") { slug name kind country roleTitle affiliation { slug kind } }
        missing: actor(slug: "nobody") { slug }
      }
    `);
    expect(data.actor).toEqual({
      slug: 'pete-hegseth',
      name: 'Pete Hegseth',
      kind: 'PERSON',
      country: 'US',
      roleTitle: 'Secretary of Defense',
      affiliation: { slug: 'us-department-of-defense', kind: 'MILITARY' },
    });
    expect(data.missing).toBeNull();
  });

  it('lists AI systems, by developer, and returns one by slug with its developer and parent', async () => {
    const data = await query<{
      all: Connection<{ slug: string }>;
      anthropic: Connection<{ slug: string }>;
      opus: { name: string; kind: string; developer: { slug: string }; parent: { slug: string } | null } | null;
      missing: unknown;
    }>(
      /* GraphQL */ `
        query ($anthropic: ID!) {
          all: aiSystems(first: 100) { totalCount edges { node { slug } } }
          anthropic: aiSystems(first: 100, developer: $anthropic) { totalCount edges { node { slug } } }
          opus: aiSystem(slug: "claude-opus-4-6") { name kind developer { slug } parent { slug } }
          missing: aiSystem(slug: "skynet") { slug }
        }
      `,
      { anthropic: await idOf('actor', 'anthropic') },
    );
    expect(data.all.edges.map((edge) => edge.node.slug)).toEqual([
      'chatgpt', 'claude', 'claude-opus-4-6', 'filter-system-a', 'filter-system-b',
    ]);
    expect(data.all.totalCount).toBe(5);
    expect(data.anthropic.edges.map((edge) => edge.node.slug)).toEqual(['claude', 'claude-opus-4-6']);
    expect(data.anthropic.totalCount).toBe(2);
    expect(data.opus).toEqual({ name: 'Claude Opus 4.6', kind: 'MODEL_VERSION', developer: { slug: 'anthropic' }, parent: { slug: 'claude' } });
    expect(data.missing).toBeNull();
  });
});

describe('policy topics and positions', () => {
  type PositionNode = { stance: string; isCurrent: boolean; actor: { slug: string }; speaker: { slug: string } | null };

  it('lists every topic by name', async () => {
    const data = await query<{ policyTopics: Array<{ slug: string; name: string }> }>(`{ policyTopics { slug name } }`);
    expect(data.policyTopics).toHaveLength(5);
    const names = data.policyTopics.map((topic) => topic.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });

  it('groups a topic\'s current positions by stance and keeps superseded ones on request', async () => {
    const data = await query<{
      policyTopic: {
        name: string;
        positionsByStance: Array<{ stance: string; count: number; positions: Connection<PositionNode> }>;
        current: PositionNode[];
        history: PositionNode[];
      } | null;
      missing: unknown;
    }>(/* GraphQL */ `
      fragment P on PolicyPosition { stance isCurrent actor { slug } speaker { slug } }
      {
        policyTopic(slug: "unrestricted-military-access") {
          name
          positionsByStance { stance count positions(first: 10) { totalCount edges { node { ...P } } } }
          current: positions { ...P }
          history: positions(includeSuperseded: true) { ...P }
        }
        missing: policyTopic(slug: "no-such-topic") { name }
      }
    `);
    const topic = data.policyTopic!;
    expect(topic.name).toBe('Unrestricted military access to frontier AI');
    expect(topic.positionsByStance.map((group) => [group.stance, group.count])).toEqual([
      ['SUPPORTS', 1],
      ['CONDITIONAL', 1],
    ]);
    expect(topic.positionsByStance[0]!.positions).toEqual({
      totalCount: 1,
      edges: [{ node: { stance: 'SUPPORTS', isCurrent: true, actor: { slug: 'us-department-of-defense' }, speaker: { slug: 'pete-hegseth' } } }],
    });
    expect(topic.positionsByStance[1]!.positions.edges.map((edge) => edge.node.actor.slug)).toEqual(['anthropic']);
    expect(topic.current).toHaveLength(2);
    // The seed holds one stance per actor and topic: nothing superseded.
    expect(topic.history).toEqual(topic.current);
    expect(data.missing).toBeNull();
  });

  it('filters positions by actor, topic and stance, current ones unless includeSuperseded', async () => {
    const defense = await idOf('actor', 'us-department-of-defense');
    const anthropic = await idOf('actor', 'anthropic');
    const access = await idOf('policyTopic', 'unrestricted-military-access');
    const run = async (filter: Record<string, unknown>) =>
      (
        await query<{ policyPositions: Connection<PositionNode & { topic: { slug: string } }> }>(
          /* GraphQL */ `
            query ($filter: PolicyPositionFilter) {
              policyPositions(first: 100, filter: $filter) {
                totalCount
                edges { node { stance isCurrent actor { slug } speaker { slug } topic { slug } } }
              }
            }
          `,
          { filter },
        )
      ).policyPositions;

    expect((await run({})).totalCount).toBe(9);
    expect((await run({ includeSuperseded: true })).totalCount).toBe(9);
    const defenseNow = await run({ actor: defense });
    expect(defenseNow.totalCount).toBe(4);
    expect(defenseNow.edges.every((edge) => edge.node.actor.slug === 'us-department-of-defense' && edge.node.isCurrent)).toBe(true);
    const onAccess = await run({ topic: access, includeSuperseded: true });
    expect(onAccess.edges.map((edge) => edge.node.topic.slug)).toEqual(Array(2).fill('unrestricted-military-access'));
    const opposing = await run({ stance: ['OPPOSES'] });
    expect(opposing.edges.map((edge) => edge.node.actor.slug).sort()).toEqual(['anthropic', 'anthropic', 'dean-ball']);
    expect((await run({ actor: anthropic, stance: ['CONDITIONAL', 'NEUTRAL'] })).totalCount).toBe(1);
    expect((await run({ actor: anthropic, stance: ['NEUTRAL'] })).totalCount).toBe(0);
  });
});

describe('what an incident exposes', () => {
  it('gives the Mexican breach\'s dates with precision, impact, techniques, actors, AI systems, reports and citing positions', async () => {
    const data = await query<{ incident: Record<string, unknown> & {
      impact: { recordsAffected: unknown; bytesAffected: unknown; dataCategories: string[] };
      techniques: Array<{ atlasId: string; name: string; kind: string; parent: { atlasId: string } | null }>;
      actors: Array<{ role: string; actor: { slug: string } }>;
      aiSystems: Array<{ role: string; usage: string; aiSystem: { slug: string; developer: { slug: string } } }>;
      reports: { totalCount: number; edges: Array<{ node: { publisher: string } }> };
      citedBy: Array<{ stance: string; actor: { slug: string }; speaker: { slug: string } | null }>;
    } }>(/* GraphQL */ `
      {
        incident(slug: "${MEXICO}") {
          title status countries assessment { assessedBy severity sectors }
          occurred { display precision start { date precision display } end { date display } }
          disclosed { date precision display }
          impact { recordsAffected bytesAffected dataCategories }
          techniques { atlasId name kind parent { atlasId } }
          actors { role actor { slug } }
          aiSystems { role usage aiSystem { slug developer { slug } } }
          reports(first: 10) { totalCount edges { node { publisher } } }
          citedBy { stance actor { slug } speaker { slug } }
        }
      }
    `);
    const incident = data.incident;
    expect(incident.status).toBe('REPORTED');
    expect(incident.assessment).toEqual({ assessedBy: 'Faultline', severity: 'CRITICAL', sectors: ['tax-administration', 'elections', 'public-administration'] });
    expect(incident.countries).toEqual(['MX']);
    expect(incident.occurred).toEqual({
      display: '2025-12 to 2026-01',
      precision: 'MONTH',
      start: { date: '2025-12-01', precision: 'MONTH', display: '2025-12' },
      end: { date: '2026-01-01', display: '2026-01' },
    });
    expect(incident.disclosed).toEqual({ date: '2026-02-01', precision: 'MONTH', display: '2026-02' });
    expect(incident.impact.recordsAffected).toBe(195000000);
    expect(incident.impact.bytesAffected).toBe(150000000000);
    expect(typeof incident.impact.bytesAffected).toBe('number');
    expect(incident.impact.dataCategories).toContain('taxpayer-records');
    expect(incident.techniques.map((t) => t.atlasId)).toEqual(['AML.T0016.002', 'AML.T0025', 'AML.T0054', 'AML.T0065', 'AML.T0102']);
    expect(incident.techniques[0]).toMatchObject({ name: 'Generative AI', kind: 'SUBTECHNIQUE', parent: { atlasId: 'AML.T0016' } });
    expect(incident.actors.map((a) => [a.role, a.actor.slug])).toEqual([
      ['ATTACKER', 'unknown-cybercriminal'],
      ['VICTIM', 'government-of-mexico'],
      ['DEVELOPER', 'anthropic'],
      ['DEVELOPER', 'openai'],
      ['RESEARCHER', 'gambit-security'],
    ]);
    expect(incident.aiSystems.map((s) => [s.role, s.aiSystem.slug, s.aiSystem.developer.slug])).toEqual([
      ['PRIMARY_TOOL', 'claude', 'anthropic'],
      ['SUPPLEMENTARY_TOOL', 'chatgpt', 'openai'],
    ]);
    expect(incident.aiSystems[0]!.usage).toMatch(/Spanish/);
    expect(incident.reports.totalCount).toBe(2);
    expect(incident.reports.edges.map((edge) => edge.node.publisher).sort()).toEqual(['Bloomberg', 'Gambit Security']);
    // No stakeholder cites the breach.
    expect(incident.citedBy).toEqual([]);
  });

  it('gives unknown dates as UNKNOWN, and a year as the year', async () => {
    const data = await query<{ nk: { occurred: unknown; disclosed: unknown }; c: { occurred: unknown } }>(/* GraphQL */ `
      {
        nk: incident(slug: "${NORTH_KOREA}") {
          occurred { display precision start { date } end { date } }
          disclosed { date precision display }
        }
        c: incident(slug: "filter-c") { occurred { display precision start { date display } end { date } } }
      }
    `);
    expect(data.nk.occurred).toEqual({ display: 'unknown', precision: 'UNKNOWN', start: { date: null }, end: null });
    expect(data.nk.disclosed).toEqual({ date: null, precision: 'UNKNOWN', display: 'unknown' });
    expect(data.c.occurred).toEqual({ display: '2023', precision: 'YEAR', start: { date: '2023-01-01', display: '2023' }, end: null });
  });
});

describe('what actors, AI systems and positions expose', () => {
  it('gives an actor\'s incidents by role and its positions', async () => {
    const data = await query<{
      actor: {
        all: Connection<{ slug: string }>;
        responder: Connection<{ slug: string }>;
        victim: Connection<{ slug: string }>;
        positions: Array<{ topic: { slug: string }; stance: string }>;
      };
      defense: { positions: unknown[]; history: Array<{ isCurrent: boolean }> };
    }>(/* GraphQL */ `
      {
        actor(slug: "anthropic") {
          all: incidents(first: 10) { totalCount edges { node { slug } } }
          responder: incidents(first: 10, role: RESPONDER) { totalCount edges { node { slug } } }
          victim: incidents(first: 10, role: VICTIM) { totalCount edges { node { slug } } }
          positions { topic { slug } stance }
        }
        defense: actor(slug: "us-department-of-defense") {
          positions { stance }
          history: positions(includeSuperseded: true) { isCurrent }
        }
      }
    `);
    expect(data.actor.all.edges.map((edge) => edge.node.slug)).toEqual([MEXICO, CHINA]);
    expect(data.actor.all.totalCount).toBe(2);
    expect(data.actor.responder.edges.map((edge) => edge.node.slug)).toEqual([CHINA]);
    expect(data.actor.responder.totalCount).toBe(1);
    expect(data.actor.victim).toEqual({ totalCount: 0, edges: [] });
    expect(data.actor.positions.map((p) => `${p.topic.slug}:${p.stance}`).sort()).toEqual([
      'autonomous-weapons:OPPOSES',
      'domestic-surveillance:OPPOSES',
      'misuse-safeguards:SUPPORTS',
      'unrestricted-military-access:CONDITIONAL',
    ]);
    expect(data.defense.positions).toHaveLength(4);
    expect(data.defense.history.map((p) => p.isCurrent)).toEqual([true, true, true, true]);
  });

  it('gives an AI system\'s developer and incidents', async () => {
    const data = await query<{ aiSystem: { developer: { slug: string }; incidents: Connection<{ slug: string }> } }>(/* GraphQL */ `
      { aiSystem(slug: "claude") { developer { slug } incidents(first: 10) { totalCount edges { node { slug } } } } }
    `);
    expect(data.aiSystem.developer.slug).toBe('anthropic');
    expect(data.aiSystem.incidents.totalCount).toBe(2);
    expect(data.aiSystem.incidents.edges.map((edge) => edge.node.slug)).toEqual([MEXICO, CHINA]);
  });

  it('gives a position its actor, speaker, topic, sources, and its place among the actor\'s stances', async () => {
    type Position = {
      stance: string;
      isCurrent: boolean;
      changesStance: boolean;
      stated: { display: string };
      actor: { slug: string };
      speaker: { slug: string } | null;
      speakerDescription: string | null;
      topic: { slug: string };
      sources: Array<{ claim: string; excerpt: string | null; report: { publisher: string } }>;
      sourceReport: { publisher: string };
      assessment: { assessedBy: string; confidence: string };
      supersedes: unknown;
      supersededBy: unknown;
      citedIncidents: Array<{ slug: string }>;
    };
    const data = await query<{ policyPositions: Connection<Position> }>(
      /* GraphQL */ `
        query ($topic: ID!) {
          policyPositions(first: 10, filter: { topic: $topic, includeSuperseded: true }) {
            edges {
              node {
                stance isCurrent changesStance stated { display }
                actor { slug } speaker { slug } speakerDescription topic { slug }
                sources { claim excerpt report { publisher } } sourceReport { publisher }
                assessment { assessedBy confidence }
                supersedes { id } supersededBy { id }
                citedIncidents { slug }
              }
            }
          }
        }
      `,
      { topic: await idOf('policyTopic', 'unrestricted-military-access') },
    );
    const positions = data.policyPositions.edges.map((edge) => edge.node);
    expect(positions).toHaveLength(2);
    const defense = positions.find((p) => p.actor.slug === 'us-department-of-defense')!;
    expect(defense).toMatchObject({
      stance: 'SUPPORTS',
      isCurrent: true,
      changesStance: true,
      stated: { display: '2026-02' },
      speaker: { slug: 'pete-hegseth' },
      speakerDescription: null,
      topic: { slug: 'unrestricted-military-access' },
      assessment: { assessedBy: 'Faultline', confidence: 'HIGH' },
      supersedes: null,
      supersededBy: null,
      citedIncidents: [],
    });
    expect(defense.sources.map((source) => source.report.publisher).sort()).toEqual(['BBC', 'Financial Times', 'TechCrunch']);
    expect(defense.sources.every((source) => source.claim === 'RECORD' && source.excerpt === null)).toBe(true);
    // The deprecated single source: the first the position was recorded with.
    expect(defense.sourceReport.publisher).toBe('BBC');
    const anthropic = positions.find((p) => p.actor.slug === 'anthropic')!;
    expect(anthropic).toMatchObject({ stance: 'CONDITIONAL', speaker: null, speakerDescription: 'an Anthropic spokesperson' });
    expect(anthropic.sources.map((source) => source.report.publisher)).toEqual(['BBC']);
  });
});
