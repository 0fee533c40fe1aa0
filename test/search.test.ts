// Finding things, over HTTP against the seed dataset (plus a few rows made for facets and the timeline):
// full-text search in English and Spanish with web-search syntax, approximate names, search combined with
// the other filters, facets and stats that agree with the incidents list, the stance summary, and the
// merged timeline's order and pagination.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed } from '../src/data/seed.js';
import { searchQuery } from '../src/data/text-search.js';
import type { Sql } from '../src/db/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import {
  addIncidentActor,
  addIncidentAiSystem,
  addIncidentTechnique,
  createActor,
  createIncident,
  createReport,
  dataOf,
} from './helpers/factories.js';
import { graphql, startTestServer, type TestServer } from './helpers/server.js';

let database: TestDatabase;
let server: TestServer;
let sql: Sql;

beforeAll(async () => {
  database = await createTestDatabase();
  sql = database.sql;
  await loadSeed(sql);
  // A few more incidents so that every facet has several buckets and the timeline has ties to break.
  const victim = await createActor(sql, { slug: 'facet-victim', name: 'Ministerio de Hacienda', kind: 'government', country: 'AR' });
  const [claude] = await sql<{ id: string }[]>`select id from ai_systems where slug = 'claude'`;
  const a = await createIncident(sql, {
    slug: 'facet-a', title: 'Phishing wave against the Argentine tax office', severity: 'critical', status: 'confirmed',
    countries: ['AR'], sectors: ['tax-administration'], occurredStart: '2026-02-01', occurredPrecision: 'month',
    recordsAffected: 1000, bytesAffected: 5000,
  });
  const b = await createIncident(sql, {
    slug: 'facet-b', title: 'Deepfake calls to Chilean voters', severity: 'medium', countries: ['CL', 'AR'],
    sectors: ['elections'], occurredStart: '2026-02-14', occurredPrecision: 'day',
  });
  const c = await createIncident(sql, {
    slug: 'facet-c', title: 'Model theft at a Brazilian lab', severity: 'low', status: 'resolved', countries: ['BR'],
    occurredStart: '2025-01-01', occurredPrecision: 'year',
  });
  await addIncidentActor(sql, a.id, victim.id, 'victim');
  await addIncidentActor(sql, b.id, victim.id, 'victim');
  await addIncidentActor(sql, b.id, victim.id, 'responder');
  await addIncidentAiSystem(sql, a.id, claude!.id, 'primary_tool');
  await addIncidentAiSystem(sql, a.id, claude!.id, 'safeguard');
  await addIncidentTechnique(sql, a.id, 'AML.T0054');
  await addIncidentTechnique(sql, c.id, 'AML.T0025');
  // A report on the same day as facet-b, so the timeline breaks a date tie by type.
  await createReport(sql, { title: 'Chilean voters received deepfake calls', publishedOn: '2026-02-14' });
  // And one with no known date, which belongs at the end of a newest-first timeline.
  await createReport(sql, { title: 'Undated note on AI misuse' });
  // A Spanish report on the breach (a fixture: the seed knows no report's language or headline).
  await sql`
    with report as (
      insert into reports (url, url_key, publisher, title, summary, language, published_on, published_precision)
      values ('https://diario.example.mx/hackeo', 'https://diario.example.mx/hackeo', 'Diario de Prueba',
        'Atacante usó Claude y ChatGPT para vulnerar sistemas del gobierno de México',
        'Un atacante sin identificar se valió de Claude para detectar fallas en sistemas del gobierno federal.',
        'es', '2026-02-01', 'month')
      returning id
    )
    insert into incident_reports (incident_id, report_id)
    select i.id, report.id from incidents i, report where i.slug = 'mexico-government-ai-assisted-breach'
  `;
  server = await startTestServer(database.url);
});

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

async function query<T>(text: string, variables?: Record<string, unknown>): Promise<T> {
  return dataOf(await graphql<T>(server.url, text, variables));
}

interface Hit {
  score: number;
  snippet: string | null;
  type: string;
  node: { __typename: string; title?: string; headline?: string | null; slug?: string; name?: string; summary?: string; kind?: string } | null;
}
interface SearchPage {
  search: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: Array<{ cursor: string; node: Hit }> };
}

const SEARCH = `query ($q: String!, $types: [SearchType!], $first: Int, $after: String) {
  search(query: $q, types: $types, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { score snippet type node {
      __typename
      ... on Incident { slug title }
      ... on Report { headline: title }
      ... on PolicyPosition { summary }
      ... on Action { summary kind }
      ... on Actor { slug name }
      ... on AiSystem { slug name }
    } } }
  }
}`;

async function search(q: string, types?: string[], first = 50): Promise<Hit[]> {
  const data = await query<SearchPage>(SEARCH, { q, types, first });
  return data.search.edges.map((edge) => edge.node);
}

async function incidentSlugs(filter: Record<string, unknown>): Promise<string[]> {
  const data = await query<{ incidents: { edges: Array<{ node: { slug: string } }> } }>(
    'query ($filter: IncidentFilter) { incidents(filter: $filter, first: 100) { edges { node { slug } } } }',
    { filter },
  );
  return data.incidents.edges.map((edge) => edge.node.slug).sort();
}

const MEXICO = 'mexico-government-ai-assisted-breach';
const CHINA = 'chinese-state-sponsored-claude-espionage';
const KOREA = 'north-korean-ai-generated-backdoors';

describe('full-text search', () => {
  it('finds the Spanish report from a Spanish inflected form, with a highlighted snippet', async () => {
    const hits = await search('vulneraron', ['REPORT']);
    expect(hits.map((hit) => hit.node?.headline)).toEqual(['Atacante usó Claude y ChatGPT para vulnerar sistemas del gobierno de México']);
    expect(hits[0]!.snippet).toContain('<mark>vulnerar</mark>');
    const reports = await query<{ reports: { edges: Array<{ node: { language: string } }> } }>(
      '{ reports(filter: { search: "sistemas vulnerados", language: "es" }) { edges { node { language } } } }',
    );
    expect(reports.reports.edges).toHaveLength(1);
  });

  it('ignores accents both ways, and highlights the accented word', async () => {
    const plain = await search('Mexico gobierno', ['REPORT']);
    const accented = await search('México gobierno', ['REPORT']);
    expect(plain.map((hit) => hit.node?.headline)).toEqual(accented.map((hit) => hit.node?.headline));
    expect(plain).toHaveLength(1);
    expect(plain[0]!.snippet).toContain('<mark>México</mark>');
    expect(await incidentSlugs({ search: 'Méxican' })).toEqual(await incidentSlugs({ search: 'mexican' }));
  });

  it('matches quoted phrases in order only', async () => {
    expect(await incidentSlugs({ search: '"bug bounty"' })).toEqual([MEXICO]);
    expect(await incidentSlugs({ search: '"bounty bug"' })).toEqual([]);
  });

  it('ORs alternatives and excludes -words', async () => {
    expect(await incidentSlugs({ search: 'cyberespionage OR backdoors' })).toEqual([CHINA, KOREA]);
    expect(await incidentSlugs({ search: 'claude' })).toEqual([CHINA, MEXICO]);
    expect(await incidentSlugs({ search: 'claude -mexican' })).toEqual([CHINA]);
    // Excluded in either language: the Spanish report says "México", an English word's Spanish stem too.
    const hits = await search('claude -méxico', ['REPORT']);
    expect(hits.map((hit) => hit.node?.headline)).not.toContain('Atacante usó Claude y ChatGPT para vulnerar sistemas del gobierno de México');
  });

  it('excludes -words and -"phrases" in English and Spanish alike', async () => {
    // The incident says "Mexican": its English stem is 'mexican', its Spanish one 'mexic', which is also the
    // Spanish stem of "mexico". An exclusion holds when either language's stems match.
    expect(await incidentSlugs({ search: 'breach' })).toContain(MEXICO);
    expect(await incidentSlugs({ search: 'breach -mexico' })).not.toContain(MEXICO);
    expect(await incidentSlugs({ search: 'breach -"mexico"' })).not.toContain(MEXICO);
    expect(await incidentSlugs({ search: 'claude -"state sponsored"' })).toEqual([MEXICO]);
    // The Spanish report, excluded by an English spelling of its words and found by a phrase in either.
    const spanish = 'Atacante usó Claude y ChatGPT para vulnerar sistemas del gobierno de México';
    const titles = async (q: string) => (await search(q, ['REPORT'])).map((hit) => hit.node?.headline);
    expect(await titles('claude')).toContain(spanish);
    expect(await titles('claude -mexico')).not.toContain(spanish);
    expect(await titles('claude -"gobierno de mexico"')).not.toContain(spanish);
    expect(await titles('"gobierno de México"')).toEqual([spanish]);
    // A stop word of either language is ignored rather than excluding everything indexed in the other.
    expect(await incidentSlugs({ search: 'claude -the' })).toEqual(await incidentSlugs({ search: 'claude' }));
    expect(await incidentSlugs({ search: 'claude -de' })).toEqual(await incidentSlugs({ search: 'claude' }));
  });

  it('finds compound words by their parts, and the parts by the compound', async () => {
    expect(await incidentSlugs({ search: 'espionage' })).toEqual([CHINA]);
    expect(await incidentSlugs({ search: 'criminals' })).toEqual([KOREA]);
    expect(await incidentSlugs({ search: 'claude -espionage' })).toEqual([MEXICO]);
    const hits = await search('espionage', ['INCIDENT']);
    expect(hits[0]!.snippet).toContain('<mark>cyberespionage</mark>');
    // And the other way round: a closed-up query finds the words written apart or hyphenated.
    const [row] = await sql<{ apart: boolean; hyphenated: boolean; closed: boolean; spanish: boolean }[]>`
      select
        to_tsvector('faultline_english', 'a cyber espionage ring') @@ ${searchQuery(sql, 'cyberespionage')} as apart,
        to_tsvector('faultline_english', 'a cyber-espionage ring') @@ ${searchQuery(sql, 'cyberespionage')} as hyphenated,
        to_tsvector('faultline_english', 'a cyber-espionage ring') @@ ${searchQuery(sql, 'espionage')} as closed,
        to_tsvector('faultline_spanish', 'una red de ciberespionaje') @@ ${searchQuery(sql, 'espionaje')} as spanish
    `;
    expect(row).toEqual({ apart: true, hyphenated: true, closed: true, spanish: true });
  });

  it('takes long runs of exclusions without failing', async () => {
    for (const q of [`${'-'.repeat(40)}claude`, Array.from({ length: 60 }, (_, i) => `-w${i}`).join(' ') + ' claude']) {
      const response = await graphql<SearchPage>(server.url, SEARCH, { q, types: ['INCIDENT'] });
      expect(response.body.errors, q.slice(0, 20)).toBeUndefined();
    }
    expect(await incidentSlugs({ search: `${'-'.repeat(40)}claude breach` })).toEqual([]);
  });

  it('reads an unbalanced quote leniently instead of failing', async () => {
    const response = await graphql<SearchPage>(server.url, SEARCH, { q: '"bug bounty', types: ['INCIDENT'] });
    expect(response.body.errors).toBeUndefined();
    expect(dataOf(response).search.edges.map((edge) => edge.node.node?.slug)).toEqual([MEXICO]);
    for (const odd of ['"', '-', 'OR', '!!(&|', 'the']) {
      const result = await graphql(server.url, SEARCH, { q: odd });
      expect(result.body.errors, odd).toBeUndefined();
    }
  });

  it('refuses a blank or overlong query with BAD_USER_INPUT', async () => {
    for (const q of ['  ', 'x'.repeat(501)]) {
      const response = await graphql(server.url, SEARCH, { q });
      expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('finds actors and AI systems by approximate name', async () => {
    const actors = await search('Antropic', ['ACTOR']);
    expect(actors[0]?.node?.slug).toBe('anthropic');
    const systems = await search('Claud Opus', ['AI_SYSTEM']);
    expect(systems.map((hit) => hit.node?.slug)).toContain('claude-opus-4-6');
    const listed = await query<{ actors: { edges: Array<{ node: { slug: string } }> } }>(
      '{ actors(filter: { nameLike: "Antropic" }) { edges { node { slug } } } }',
    );
    expect(listed.actors.edges.map((edge) => edge.node.slug)).toEqual(['anthropic']);
  });

  it('finds actions by summary, threatened consequence and stated deadline, with exclusions, leaving retracted ones out', async () => {
    // Across every type (a position mentions the act too), the threat of the ultimatum is among the hits.
    const threat = (await search('"Defense Production Act"')).filter((hit) => hit.type === 'ACTION');
    expect(threat.map((hit) => [hit.type, hit.node?.__typename, hit.node?.kind])).toEqual([['ACTION', 'Action', 'ULTIMATUM']]);
    expect(threat[0]!.snippet).toContain('<mark>Defense</mark> <mark>Production</mark> <mark>Act</mark>');
    expect((await search('"by Friday"', ['ACTION'])).map((hit) => hit.node?.kind)).toEqual(['ULTIMATUM']);
    const talks = await search('talks', ['ACTION']);
    expect(talks.map((hit) => hit.node?.kind)).toEqual(['STATEMENT', 'STATEMENT']);
    expect((await search('talks -Heise', ['ACTION'])).map((hit) => hit.node?.summary)).toEqual([
      talks.find((hit) => hit.node?.summary?.includes('BBC'))!.node!.summary,
    ]);
    // Retracted, it is no longer found.
    await sql`update actions set retracted_at = now() where summary like 'Told Heise%'`;
    try {
      expect(await search('Heise', ['ACTION'])).toEqual([]);
    } finally {
      await sql`update actions set retracted_at = null where summary like 'Told Heise%'`;
    }
  });

  it('searches across types, best first, and pages without gaps or repeats', async () => {
    const all = await search('claude', undefined, 100);
    // The ultimatum demands access to Claude: actions are searched too.
    expect(new Set(all.map((hit) => hit.type))).toEqual(new Set(['INCIDENT', 'REPORT', 'POLICY_POSITION', 'ACTION', 'AI_SYSTEM', 'ACTOR']));
    const scores = all.map((hit) => hit.score);
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);
    const paged: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 50; guard++) {
      const data: SearchPage = await query<SearchPage>(SEARCH, { q: 'claude', first: 2, after });
      expect(data.search.totalCount).toBe(all.length);
      paged.push(...data.search.edges.map((edge) => `${edge.node.type}:${JSON.stringify(edge.node.node)}`));
      if (!data.search.pageInfo.hasNextPage) break;
      after = data.search.pageInfo.endCursor;
    }
    expect(paged).toEqual(all.map((hit) => `${hit.type}:${JSON.stringify(hit.node)}`));
    const bad = await graphql(server.url, SEARCH, { q: 'claude', after: 'bm90LWEtY3Vyc29y' });
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('combines search with the other incident filters', async () => {
    expect(await incidentSlugs({ search: 'claude', country: 'MX' })).toEqual([MEXICO]);
    expect(await incidentSlugs({ search: 'claude', severityAtLeast: 'CRITICAL' })).toEqual([MEXICO]);
    expect(await incidentSlugs({ search: 'claude', severityAtLeast: 'HIGH', country: 'MX' })).toEqual([MEXICO]);
    expect(await incidentSlugs({ search: 'espionage', country: 'MX' })).toEqual([]);
    expect(await incidentSlugs({ search: 'claude', status: ['DISRUPTED'] })).toEqual([CHINA]);
    const positions = await query<{ policyPositions: { edges: Array<{ node: { stance: string } }> } }>(
      '{ policyPositions(filter: { search: "autonomous weapons", stance: [OPPOSES] }) { edges { node { stance } } } }',
    );
    expect(positions.policyPositions.edges).toEqual([{ node: { stance: 'OPPOSES' } }]);
  });
});

interface Facets {
  severity: Array<{ severity: string | null; count: number }>;
  status: Array<{ status: string; count: number }>;
  country: Array<{ value: string; count: number }>;
  sector: Array<{ value: string; count: number }>;
  aiSystem: Array<{ aiSystem: { id: string }; count: number }>;
  actor: Array<{ actor: { id: string }; role: string; count: number }>;
  technique: Array<{ technique: { atlasId: string }; count: number }>;
  month: Array<{ value: string; count: number }>;
  region: Array<{ region: { code: string }; count: number }>;
  actorKind: Array<{ kind: string; role: string; count: number }>;
}

const FACETS = `query ($filter: IncidentFilter) {
  incidentFacets(filter: $filter) {
    severity { severity count } status { status count } country { value count } sector { value count }
    aiSystem { aiSystem { id } count } actor { actor { id } role count } technique { technique { atlasId } count }
    month { value count } region { region { code } count } actorKind { kind role count }
  }
  incidentStats(filter: $filter) {
    count recordsAffected bytesAffected firstOccurred { display } lastOccurred { display }
  }
  incidents(filter: $filter) { totalCount }
}`;

async function total(filter: Record<string, unknown>): Promise<number> {
  const data = await query<{ incidents: { totalCount: number } }>(
    'query ($filter: IncidentFilter) { incidents(filter: $filter) { totalCount } }',
    { filter },
  );
  return data.incidents.totalCount;
}

describe('facets and statistics', () => {
  for (const base of [{}, { search: 'government OR voters OR tax' }, { country: 'AR' }, { region: '419' }]) {
    it(`count what incidents counts, option by option (base filter ${JSON.stringify(base)})`, async () => {
      const data = await query<{ incidentFacets: Facets; incidents: { totalCount: number } }>(FACETS, { filter: base });
      const f = data.incidentFacets;
      const severities = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
      expect(f.severity.reduce((sum, b) => sum + b.count, 0)).toBe(data.incidents.totalCount);
      for (const bucket of f.severity) {
        // The list filters on "at least": an exact count is the difference of two of them. Unassessed
        // incidents (null) are the ones not even "at least LOW".
        const exact =
          bucket.severity === null
            ? (await total(base)) - (await total({ ...base, severityAtLeast: 'LOW' }))
            : (await total({ ...base, severityAtLeast: bucket.severity })) -
              (severities[severities.indexOf(bucket.severity) + 1]
                ? await total({ ...base, severityAtLeast: severities[severities.indexOf(bucket.severity) + 1] })
                : 0);
        expect(bucket.count, String(bucket.severity)).toBe(exact);
      }
      const checks: Array<[unknown, number, Record<string, unknown>]> = [
        ...f.status.map((b) => [b.status, b.count, { status: [b.status] }] as [unknown, number, Record<string, unknown>]),
        ...f.country.map((b) => [b.value, b.count, { country: b.value }] as [unknown, number, Record<string, unknown>]),
        ...f.sector.map((b) => [b.value, b.count, { sector: b.value }] as [unknown, number, Record<string, unknown>]),
        ...f.aiSystem.map((b) => [b.aiSystem.id, b.count, { aiSystem: b.aiSystem.id }] as [unknown, number, Record<string, unknown>]),
        ...f.actor.map((b) => [b.actor.id + b.role, b.count, { actor: b.actor.id, actorRole: b.role }] as [unknown, number, Record<string, unknown>]),
        ...f.technique.map((b) => [b.technique.atlasId, b.count, { technique: b.technique.atlasId }] as [unknown, number, Record<string, unknown>]),
        ...f.region.map((b) => [b.region.code, b.count, { region: b.region.code }] as [unknown, number, Record<string, unknown>]),
        ...f.actorKind.map((b) => [b.kind + b.role, b.count, { actorKind: b.kind, actorRole: b.role }] as [unknown, number, Record<string, unknown>]),
      ];
      expect(checks.length).toBeGreaterThan(0);
      for (const [label, count, option] of checks) expect(count, String(label)).toBe(await total({ ...base, ...option }));
    });
  }

  it('buckets by the month an incident began, leaving year-precision dates out', async () => {
    const { incidentFacets } = await query<{ incidentFacets: Facets }>(FACETS, { filter: {} });
    expect(incidentFacets.month).toEqual([
      { value: '2025-12', count: 1 },
      { value: '2026-02', count: 2 },
    ]);
    // The Chinese and North Korean incidents are unassessed: they count under a null severity.
    expect(incidentFacets.severity.find((b) => b.severity === null)).toEqual({ severity: null, count: 2 });
    expect(incidentFacets.aiSystem.find((b) => b.count === 3)).toBeDefined(); // Claude: two seed incidents + facet-a once
  });

  it('totals impact and spans the dates of occurrence', async () => {
    const all = await query<{ incidentStats: Record<string, unknown>; incidents: { totalCount: number } }>(FACETS, { filter: {} });
    expect(all.incidentStats).toEqual({
      count: all.incidents.totalCount,
      recordsAffected: 195_000_000 + 1000,
      bytesAffected: 150_000_000_000 + 5000,
      firstOccurred: { display: '2025' },
      lastOccurred: { display: '2026-02-14' },
    });
    const none = await query<{ incidentStats: Record<string, unknown> }>(FACETS, { filter: { country: 'ZZ' } });
    expect(none.incidentStats).toEqual({ count: 0, recordsAffected: null, bytesAffected: null, firstOccurred: null, lastOccurred: null });
  });

  it('summarises a topic\'s stances now and month by month', async () => {
    const data = await query<{ policyTopic: { stanceSummary: unknown } }>(`{
      policyTopic(slug: "unrestricted-military-access") {
        stanceSummary { current { stance count } history { month counts { stance count } } }
      }
    }`);
    expect(data.policyTopic.stanceSummary).toEqual({
      current: [{ stance: 'SUPPORTS', count: 1 }, { stance: 'CONDITIONAL', count: 1 }],
      // One actor, one stance per month: the department (supports) and Anthropic (conditional).
      history: [{ month: '2026-02', counts: [{ stance: 'SUPPORTS', count: 1 }, { stance: 'CONDITIONAL', count: 1 }] }],
    });
  });
});

interface TimelinePage {
  timeline: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null; hasPreviousPage: boolean; startCursor: string | null };
    edges: Array<{ node: { type: string; date: { date: string | null; precision: string }; node: { __typename: string; id: string } | null } }>;
  };
}

const TIMELINE = `query ($filter: TimelineFilter, $direction: OrderDirection, $first: Int, $after: String, $last: Int, $before: String) {
  timeline(filter: $filter, direction: $direction, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
    edges { node { type date { date precision } node { __typename ... on Node { id } } } }
  }
}`;

const PRECISION = ['DAY', 'MONTH', 'YEAR', 'UNKNOWN'];
const TYPE = ['INCIDENT', 'REPORT', 'POLICY_POSITION', 'ACTION', 'DEADLINE'];

describe('timeline', () => {
  it('merges the five kinds in date, precision, type order and pages through them exactly', async () => {
    for (const direction of ['DESC', 'ASC']) {
      const whole = await query<TimelinePage>(TIMELINE, { direction, first: 100 });
      const entries = whole.timeline.edges.map((edge) => edge.node);
      expect(entries.length).toBe(whole.timeline.totalCount);
      const counts = await sql<{ n: number }[]>`
        select ((select count(*) from incidents where merged_into_id is null) + (select count(*) from reports)
          + (select count(*) from policy_positions where retracted_at is null)
          + (select count(*) from actions where retracted_at is null)
          + (select count(*) from actions where retracted_at is null and (deadline_on is not null or deadline_text is not null)))::int as n`;
      expect(entries.length).toBe(counts[0]!.n);
      const key = (e: (typeof entries)[number]) => [e.date.date ?? '0000-00-00', PRECISION.indexOf(e.date.precision), TYPE.indexOf(e.type)] as const;
      for (let i = 1; i < entries.length; i++) {
        const [a, b] = [key(entries[i - 1]!), key(entries[i]!)];
        const cmp = a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] !== b[1] ? a[1] - b[1] : a[2] - b[2];
        if (direction === 'DESC') expect(cmp, JSON.stringify([a, b])).toBeGreaterThanOrEqual(0);
        else expect(cmp, JSON.stringify([a, b])).toBeLessThanOrEqual(0);
      }
      if (direction === 'DESC') {
        // Undated entries last; on 2026-02-14 the incident (day) comes before the report (day) of that date.
        expect(entries.at(-1)!.date.date).toBeNull();
        const day = entries.filter((e) => e.date.date === '2026-02-14').map((e) => e.type);
        expect(day).toEqual(['POLICY_POSITION', 'REPORT', 'INCIDENT'].filter((t) => day.includes(t)));
      }
      const ids = entries.map((e) => `${e.type}:${e.node?.id}`);
      const forward: string[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 100; guard++) {
        const page: TimelinePage = await query<TimelinePage>(TIMELINE, { direction, first: 3, after });
        forward.push(...page.timeline.edges.map((e) => `${e.node.type}:${e.node.node?.id}`));
        if (!page.timeline.pageInfo.hasNextPage) break;
        after = page.timeline.pageInfo.endCursor;
      }
      expect(forward).toEqual(ids);
      const backward: string[] = [];
      let before: string | null = null;
      for (let guard = 0; guard < 100; guard++) {
        const page: TimelinePage = await query<TimelinePage>(TIMELINE, { direction, last: 4, before });
        backward.unshift(...page.timeline.edges.map((e) => `${e.node.type}:${e.node.node?.id}`));
        if (!page.timeline.pageInfo.hasPreviousPage) break;
        before = page.timeline.pageInfo.startCursor;
      }
      expect(backward).toEqual(ids);
    }
  });

  it('filters by type, dates, search and actor', async () => {
    const page = await query<TimelinePage>(TIMELINE, {
      filter: { types: ['INCIDENT', 'POLICY_POSITION'], from: '2026-01-01', to: '2026-02-28', search: 'Anthropic OR voters' },
      first: 50,
    });
    const types = page.timeline.edges.map((e) => e.node.type);
    expect(new Set(types)).toEqual(new Set(['INCIDENT', 'POLICY_POSITION']));
    for (const edge of page.timeline.edges) expect(edge.node.date.date! >= '2026-01-01' && edge.node.date.date! <= '2026-02-28').toBe(true);
    expect(page.timeline.totalCount).toBe(page.timeline.edges.length);
    const anthropic = await query<{ actor: { id: string } }>('{ actor(slug: "anthropic") { id } }');
    const mine = await query<TimelinePage>(TIMELINE, { filter: { actor: anthropic.actor.id, types: ['POLICY_POSITION'] }, first: 50 });
    expect(mine.timeline.edges).toHaveLength(4);
    const actions = await query<TimelinePage>(TIMELINE, { filter: { actor: anthropic.actor.id, types: ['ACTION', 'DEADLINE'] }, first: 50 });
    // Anthropic refused and spoke, and was addressed by the ultimatum, whose deadline is listed with it.
    expect(actions.timeline.edges.map((e) => e.node.type).sort()).toEqual(['ACTION', 'ACTION', 'ACTION', 'DEADLINE']);
  });
});
