// The write API through HTTP as an editor would use it: every mutation's happy path, and every failure
// answered as a typed error (or a 400 for malformed requests) with nothing written: no row, no history,
// no event. "Nothing written" is checked against a digest of every table, not just the one a test expects.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../src/auth/keys.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { createActor, createAiSystem, createReport, dataOf, globalId, loadTechniqueTable } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { ERROR_FIELDS, callerWithKey, expectNoUnexpectedErrors, expectNothingWritten as expectUnchanged, localId, resultOf, type UserErrorShape } from './helpers/writes.js';

let db: TestDatabase;
let server: TestServer;
let editorKey: string;

/** Global ids of fixtures written with SQL, so these tests do not lean on the mutations they test. */
const fixture = { attacker: '', victim: '', developer: '', system: '', report: '', report2: '', topic: '' };

beforeAll(async () => {
  db = await createTestDatabase();
  await loadTechniqueTable(db.sql);
  editorKey = (await issueKey(db.sql, 'mutation tests', 'editor')).key;
  const developer = await createActor(db.sql, { kind: 'ai_developer', name: 'Model Maker' });
  fixture.developer = globalId('Actor', developer.id);
  fixture.attacker = globalId('Actor', (await createActor(db.sql, { kind: 'criminal' })).id);
  fixture.victim = globalId('Actor', (await createActor(db.sql, { kind: 'government', country: 'MX' })).id);
  fixture.system = globalId('AiSystem', (await createAiSystem(db.sql, { developerId: developer.id })).id);
  fixture.report = globalId('Report', (await createReport(db.sql)).id);
  fixture.report2 = globalId('Report', (await createReport(db.sql)).id);
  const [topic] = await db.sql<{ id: string }[]>`
    insert into policy_topics (slug, name) values ('fixture-topic', 'Fixture topic') returning id
  `;
  fixture.topic = globalId('PolicyTopic', topic!.id);
  server = await startTestServer(db.url);
});

afterEach(() => expectNoUnexpectedErrors(server));

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

// ---- Helpers -------------------------------------------------------------------------------------------

const call = callerWithKey(() => server, () => editorKey);

/** Runs `work` and fails unless every table is exactly as it was. */
function expectNothingWritten<T>(work: () => Promise<T>): Promise<T> {
  return expectUnchanged(db.sql, work);
}

async function eventsOf(kind: string, entityId?: string): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`
    select count(*)::int as n from events
    where kind = ${kind} ${entityId ? db.sql`and entity_id = ${entityId}` : db.sql``}
  `;
  return row!.n;
}

// Only updateIncident can answer VersionConflict: other results may not even name it in a fragment.
const UPDATE_ERROR_FIELDS = `${ERROR_FIELDS} ... on VersionConflict { expectedVersion currentVersion }`;

const INCIDENT_FIELDS = `
  id slug title summary severity version countries
  occurred { start { date } end { date } precision display }
  actors { role actor { id } }
  aiSystems { role usage aiSystem { id } }
  techniques { atlasId }
  reports(first: 20) { totalCount edges { node { id } } }
  citedBy { id }
  mergedInto { id }
`;

type IncidentShape = {
  __typename: 'Incident';
  id: string;
  slug: string;
  title: string;
  summary: string;
  severity: string;
  version: number;
  countries: string[];
  occurred: { start: { date: string | null }; end: { date: string | null } | null; precision: string; display: string };
  actors: Array<{ role: string; actor: { id: string } }>;
  aiSystems: Array<{ role: string; usage: string; aiSystem: { id: string } }>;
  techniques: Array<{ atlasId: string }>;
  reports: { totalCount: number; edges: Array<{ node: { id: string } }> };
  citedBy: Array<{ id: string }>;
  mergedInto: { id: string } | null;
};

const CREATE_INCIDENT = `
  mutation ($input: CreateIncidentInput!) {
    createIncident(input: $input) { __typename ... on Incident { ${INCIDENT_FIELDS} } ${ERROR_FIELDS} }
  }
`;
const UPDATE_INCIDENT = `
  mutation ($id: ID!, $expectedVersion: Int!, $patch: IncidentPatch!) {
    updateIncident(id: $id, expectedVersion: $expectedVersion, patch: $patch) {
      __typename ... on Incident { ${INCIDENT_FIELDS} } ${UPDATE_ERROR_FIELDS}
    }
  }
`;
const MERGE = `
  mutation ($sourceId: ID!, $targetId: ID!) {
    mergeIncidents(sourceId: $sourceId, targetId: $targetId) { __typename ... on Incident { ${INCIDENT_FIELDS} } ${ERROR_FIELDS} }
  }
`;
const SUBMIT = `
  mutation ($input: SubmitReportInput!) {
    submitReport(input: $input) {
      __typename
      ... on SubmitReportPayload { created report { id url incidents { id } } }
      ${ERROR_FIELDS}
    }
  }
`;
const ATTACH = `
  mutation ($reportId: ID!, $incidentId: ID!) {
    attachReport(reportId: $reportId, incidentId: $incidentId) {
      __typename ... on ReportLinkPayload { changed incident { id } report { id } } ${ERROR_FIELDS}
    }
  }
`;
const DETACH = ATTACH.replace('attachReport(', 'detachReport(');
const POSITION_FIELDS = 'id stance isCurrent retractedAt supersedes { id } supersededBy { id } citedIncidents { id }';
const RECORD = `
  mutation ($input: RecordPolicyPositionInput!) {
    recordPolicyPosition(input: $input) { __typename ... on PolicyPosition { ${POSITION_FIELDS} } ${ERROR_FIELDS} }
  }
`;
const RETRACT = `
  mutation ($id: ID!) {
    retractPolicyPosition(id: $id) { __typename ... on PolicyPosition { ${POSITION_FIELDS} } ${ERROR_FIELDS} }
  }
`;
const UPSERT_ACTOR = `
  mutation ($input: UpsertActorInput!) {
    upsertActor(input: $input) { __typename ... on Actor { id slug name country description } ${ERROR_FIELDS} }
  }
`;
const UPSERT_SYSTEM = `
  mutation ($input: UpsertAiSystemInput!) {
    upsertAiSystem(input: $input) { __typename ... on AiSystem { id slug name developer { id } } ${ERROR_FIELDS} }
  }
`;
const UPSERT_TOPIC = `
  mutation ($input: UpsertPolicyTopicInput!) {
    upsertPolicyTopic(input: $input) { __typename ... on PolicyTopic { id slug name description } ${ERROR_FIELDS} }
  }
`;

type PositionShape = {
  __typename: 'PolicyPosition';
  id: string;
  stance: string;
  isCurrent: boolean;
  retractedAt: string | null;
  supersedes: { id: string } | null;
  supersededBy: { id: string } | null;
  citedIncidents: Array<{ id: string }>;
};

const result = resultOf;

let titles = 0;

async function newIncident(input: Record<string, unknown> = {}): Promise<IncidentShape> {
  titles += 1;
  const created = await result<IncidentShape | UserErrorShape>(call(CREATE_INCIDENT, { input: { title: `Incident under test ${titles}`, ...input } }));
  if (created.__typename !== 'Incident') throw new Error(`createIncident failed: ${JSON.stringify(created)}`);
  return created as IncidentShape;
}

async function node<T>(id: string, selection: string): Promise<T | null> {
  const data = dataOf(await call<{ node: T | null }>(`query ($id: ID!) { node(id: $id) { id ${selection} } }`, { id }));
  return data.node;
}

function positionInput(overrides: Record<string, unknown> = {}) {
  return {
    actor: fixture.developer,
    topic: fixture.topic,
    stance: 'OPPOSES',
    summary: 'Refuses to allow its models to be used for mass surveillance.',
    statedAt: '2026-02-10',
    statedPrecision: 'DAY',
    sources: [{ report: fixture.report }],
    ...overrides,
  };
}

function nextYear(): string {
  return `${new Date().getUTCFullYear() + 1}-01-01`;
}

// ---- createIncident ------------------------------------------------------------------------------------

describe('createIncident', () => {
  it('stores a month-precision range as first days, links everything, and records history and an event', async () => {
    const created = await newIncident({
      title: 'Ministry breached with an AI model',
      summary: 'An attacker used a chatbot to write exploits.',
      severity: 'CRITICAL',
      occurred: { start: '2025-12-14', end: '2026-01-20', precision: 'MONTH' },
      countries: ['mx'],
      actors: [
        { actor: fixture.attacker, role: 'ATTACKER', note: 'Unattributed.' },
        { actor: fixture.victim, role: 'VICTIM' },
      ],
      aiSystems: [{ aiSystem: fixture.system, role: 'PRIMARY_TOOL', usage: 'Wrote exploit scripts.' }],
      techniques: ['AML.T0054'],
      reports: [fixture.report],
    });
    expect(created).toMatchObject({
      title: 'Ministry breached with an AI model',
      slug: 'ministry-breached-with-an-ai-model',
      severity: 'CRITICAL',
      version: 1,
      countries: ['MX'],
      occurred: { start: { date: '2025-12-01' }, end: { date: '2026-01-01' }, precision: 'MONTH', display: '2025-12 to 2026-01' },
      techniques: [{ atlasId: 'AML.T0054' }],
      aiSystems: [{ role: 'PRIMARY_TOOL', usage: 'Wrote exploit scripts.', aiSystem: { id: fixture.system } }],
      reports: { totalCount: 1, edges: [{ node: { id: fixture.report } }] },
      mergedInto: null,
    });
    expect(created.actors).toEqual(
      expect.arrayContaining([
        { role: 'ATTACKER', actor: { id: fixture.attacker } },
        { role: 'VICTIM', actor: { id: fixture.victim } },
      ]),
    );
    expect(created.actors).toHaveLength(2);

    const id = localId(created.id);
    const [stored] = await db.sql<{ start: string; end: string; precision: string }[]>`
      select occurred_start::text as start, occurred_end::text as end, occurred_precision::text as precision
      from incidents where id = ${id}
    `;
    expect(stored).toEqual({ start: '2025-12-01', end: '2026-01-01', precision: 'month' });
    const history = await db.sql<{ change: string; version: number; before: unknown; title: string }[]>`
      select change, version, before, after->>'title' as title from incident_history where incident_id = ${id}
    `;
    expect(history).toEqual([{ change: 'created', version: 1, before: null, title: 'Ministry breached with an AI model' }]);
    expect(await eventsOf('incident_created', id)).toBe(1);
  });

  it('gives a second incident with the same title its own slug', async () => {
    const first = await newIncident({ title: 'Same headline' });
    const second = await newIncident({ title: 'Same headline' });
    expect(first.slug).toBe('same-headline');
    expect(second.slug).toBe('same-headline-2');
  });
});

// ---- Validation ----------------------------------------------------------------------------------------

describe('validation', () => {
  const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
  const cases: Array<{ name: string; query: string; variables: () => Record<string, unknown>; field: string; rule: string }> = [
    { name: 'empty title', query: CREATE_INCIDENT, variables: () => ({ input: { title: '' } }), field: 'title', rule: 'required' },
    { name: 'blank title', query: CREATE_INCIDENT, variables: () => ({ input: { title: '   ' } }), field: 'title', rule: 'required' },
    { name: 'title over 300', query: CREATE_INCIDENT, variables: () => ({ input: { title: 'x'.repeat(301) } }), field: 'title', rule: 'max-length' },
    {
      name: 'summary over 10000',
      query: CREATE_INCIDENT,
      variables: () => ({ input: { title: 'Long summary', summary: 's'.repeat(10_001) } }),
      field: 'summary',
      rule: 'max-length',
    },
    {
      name: 'occurred in the future',
      query: CREATE_INCIDENT,
      variables: () => ({ input: { title: 'Future', occurred: { start: nextYear(), precision: 'DAY' } } }),
      field: 'occurred.start',
      rule: 'not-in-future',
    },
    {
      name: 'disclosed in the future',
      query: CREATE_INCIDENT,
      variables: () => ({ input: { title: 'Future', disclosed: { date: nextYear(), precision: 'YEAR' } } }),
      field: 'disclosed',
      rule: 'not-in-future',
    },
    {
      name: 'occurred end before start',
      query: CREATE_INCIDENT,
      variables: () => ({ input: { title: 'Backwards', occurred: { start: '2025-06-10', end: '2025-06-01', precision: 'DAY' } } }),
      field: 'occurred.end',
      rule: 'after-start',
    },
    {
      name: 'technique id of the wrong format',
      query: CREATE_INCIDENT,
      variables: () => ({ input: { title: 'Bad technique', techniques: ['T1059'] } }),
      field: 'techniques',
      rule: 'atlas-id',
    },
    {
      name: 'country written out',
      query: CREATE_INCIDENT,
      variables: () => ({ input: { title: 'Bad country', countries: ['Mexico'] } }),
      field: 'countries[0]',
      rule: 'iso-3166-1',
    },
    ...['ftp://x', 'javascript:alert(1)', 'not a url'].map((url) => ({
      name: `report url ${url}`,
      query: SUBMIT,
      variables: () => ({ input: { url, title: 'A report', publisher: 'Example' } }),
      field: 'url',
      rule: 'http-url',
    })),
    {
      name: 'language written out',
      query: SUBMIT,
      variables: () => ({ input: { url: 'https://example.com/english', title: 'A report', publisher: 'Example', language: 'english' } }),
      field: 'language',
      rule: 'iso-639-1',
    },
    {
      name: 'quote over 25 words',
      query: RECORD,
      variables: () => ({ input: positionInput({ quote: words(26) }) }),
      field: 'quote',
      rule: 'max-words',
    },
    {
      name: 'actor country written out',
      query: UPSERT_ACTOR,
      variables: () => ({ input: { name: 'Somebody', kind: 'OTHER', country: 'Mexico' } }),
      field: 'country',
      rule: 'iso-3166-1',
    },
  ];

  for (const testCase of cases) {
    it(`answers ValidationError for ${testCase.name} and writes nothing`, async () => {
      const answer = await expectNothingWritten(() => result<UserErrorShape>(call(testCase.query, testCase.variables())));
      expect(answer).toMatchObject({ __typename: 'ValidationError', field: testCase.field, rule: testCase.rule });
      expect(answer.message).toBeTruthy();
    });
  }

  it('accepts a quote of exactly 25 words found word for word in a source\'s excerpt', async () => {
    const quote = words(25);
    const sources = [{ report: fixture.report, excerpt: `It said: ${quote}. Then it stopped.`, locator: 'paragraph 3' }];
    const answer = await result<PositionShape | UserErrorShape>(call(RECORD, { input: positionInput({ quote, sources }) }));
    expect(answer.__typename).toBe('PolicyPosition');
  });

  it('refuses a quote that no excerpt of its sources contains exactly, and writes nothing', async () => {
    const excerpt = 'Talks will continue in good faith, the spokesperson said.';
    for (const quote of ['in good faith', 'talks will continue', 'continue  in good faith']) {
      const sources = [{ report: fixture.report, excerpt: quote === 'in good faith' ? null : excerpt }];
      const answer = await expectNothingWritten(() => result<UserErrorShape>(call(RECORD, { input: positionInput({ quote, sources }) })));
      expect({ quote, answer }).toMatchObject({ quote, answer: { __typename: 'ValidationError', field: 'quote', rule: 'verbatim' } });
    }
  });

  it('refuses a position without a source, and writes nothing', async () => {
    const answer = await expectNothingWritten(() => result<UserErrorShape>(call(RECORD, { input: positionInput({ sources: [] }) })));
    expect(answer).toMatchObject({ __typename: 'ValidationError', field: 'sources', rule: 'required' });
  });

  it('refuses an unknown enum value as a malformed request (HTTP 400) and writes nothing', async () => {
    await expectNothingWritten(async () => {
      const viaVariables = await call(CREATE_INCIDENT, { input: { title: 'Severe', severity: 'SEVERE' } });
      expect(viaVariables.status).toBe(400);
      expect(viaVariables.body.data).toBeUndefined();
      expect(viaVariables.body.errors?.[0]?.message).toMatch(/SEVERE/);
      const inline = await call('mutation { createIncident(input: { title: "Severe", severity: SEVERE }) { __typename } }');
      expect(inline.status).toBe(400);
      expect(inline.body.data).toBeUndefined();
      expect(inline.body.errors?.[0]?.message).toMatch(/SEVERE/);
    });
  });

  it('answers NotFoundError for well-formed ids of missing records and writes nothing', async () => {
    const incident = await newIncident();
    const missingIncident = globalId('Incident', '987654321');
    const attempts: Array<{ query: string; variables: Record<string, unknown>; field: string }> = [
      { query: UPDATE_INCIDENT, variables: { id: missingIncident, expectedVersion: 1, patch: { title: 'x' } }, field: 'id' },
      { query: MERGE, variables: { sourceId: missingIncident, targetId: incident.id }, field: 'sourceId' },
      { query: MERGE, variables: { sourceId: incident.id, targetId: missingIncident }, field: 'targetId' },
      { query: ATTACH, variables: { reportId: globalId('Report', '987654321'), incidentId: incident.id }, field: 'reportId' },
      { query: ATTACH, variables: { reportId: fixture.report, incidentId: missingIncident }, field: 'incidentId' },
      {
        query: SUBMIT,
        variables: { input: { url: 'https://example.com/orphan', title: 'x', publisher: 'y', incidentIds: [missingIncident] } },
        field: 'incidentIds',
      },
      { query: RECORD, variables: { input: positionInput({ topic: globalId('PolicyTopic', '987654321') }) }, field: 'topic' },
      { query: RECORD, variables: { input: positionInput({ cites: [missingIncident] }) }, field: 'cites' },
      { query: RETRACT, variables: { id: globalId('PolicyPosition', '987654321') }, field: 'id' },
      { query: CREATE_INCIDENT, variables: { input: { title: 'Unknown technique', techniques: ['AML.T9999'] } }, field: 'techniques' },
    ];
    for (const attempt of attempts) {
      const answer = await expectNothingWritten(() => result<UserErrorShape>(call(attempt.query, attempt.variables)));
      expect({ variables: attempt.variables, answer }).toMatchObject({
        variables: attempt.variables,
        answer: { __typename: 'NotFoundError', field: attempt.field },
      });
    }
  });

  it('refuses a malformed id, or the id of another type, with BAD_USER_INPUT and writes nothing', async () => {
    const incident = await newIncident();
    await expectNothingWritten(async () => {
      for (const id of ['not an id!!', 'Zm9v', globalId('Actor', localId(incident.id)), globalId('Incident', '0')]) {
        const response = await call(UPDATE_INCIDENT, { id, expectedVersion: 1, patch: { title: 'x' } });
        expect({ id, status: response.status, code: response.body.errors?.[0]?.extensions?.code }).toEqual({
          id,
          status: 400,
          code: 'BAD_USER_INPUT',
        });
      }
      const nested = await call(CREATE_INCIDENT, { input: { title: 'Bad actor id', actors: [{ actor: 'garbage', role: 'ATTACKER' }] } });
      expect(nested.status).toBe(400);
      expect(nested.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });
});

// ---- updateIncident ------------------------------------------------------------------------------------

describe('updateIncident', () => {
  it('applies a patch at the current version, bumps it, and writes history and an event', async () => {
    const incident = await newIncident({ summary: 'First account.', severity: 'LOW', actors: [{ actor: fixture.attacker, role: 'ATTACKER' }] });
    const id = localId(incident.id);
    const updated = await result<IncidentShape>(
      call(UPDATE_INCIDENT, {
        id: incident.id,
        expectedVersion: 1,
        patch: { title: 'Retitled incident', severity: 'HIGH', countries: ['us', 'MX'], actors: [{ actor: fixture.victim, role: 'VICTIM' }] },
      }),
    );
    expect(updated).toMatchObject({
      __typename: 'Incident',
      id: incident.id,
      title: 'Retitled incident',
      summary: 'First account.',
      severity: 'HIGH',
      version: 2,
      countries: ['US', 'MX'],
      actors: [{ role: 'VICTIM', actor: { id: fixture.victim } }],
    });
    const history = await db.sql<{ change: string; version: number; before: Record<string, unknown>; after: Record<string, unknown> }[]>`
      select change, version, before, after from incident_history where incident_id = ${id} and change = 'updated'
    `;
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      version: 2,
      before: { title: incident.title, severity: 'low', version: 1 },
      after: { title: 'Retitled incident', severity: 'high', version: 2 },
    });
    expect(await eventsOf('incident_updated', id)).toBe(1);
  });

  it('applies a patch that changes only links, still bumping the version', async () => {
    const incident = await newIncident();
    const updated = await result<IncidentShape>(
      call(UPDATE_INCIDENT, { id: incident.id, expectedVersion: 1, patch: { techniques: ['AML.T0054'], reports: [fixture.report2] } }),
    );
    expect(updated).toMatchObject({
      __typename: 'Incident',
      title: incident.title,
      version: 2,
      techniques: [{ atlasId: 'AML.T0054' }],
      reports: { totalCount: 1, edges: [{ node: { id: fixture.report2 } }] },
    });
  });

  it('answers VersionConflict for a stale version and changes nothing', async () => {
    const incident = await newIncident();
    await result(call(UPDATE_INCIDENT, { id: incident.id, expectedVersion: 1, patch: { summary: 'Second account.' } }));
    const conflict = await expectNothingWritten(() =>
      result<UserErrorShape & { expectedVersion?: number; currentVersion?: number }>(
        call(UPDATE_INCIDENT, { id: incident.id, expectedVersion: 1, patch: { title: 'Lost update' } }),
      ),
    );
    expect(conflict).toMatchObject({ __typename: 'VersionConflict', expectedVersion: 1, currentVersion: 2 });
    const current = await node<{ title: string; version: number }>(incident.id, '... on Incident { title version }');
    expect(current).toEqual({ id: incident.id, title: incident.title, version: 2 });
  });

  it('lets exactly one of two concurrent updates at the same version win', async () => {
    const incident = await newIncident();
    const id = localId(incident.id);
    for (let round = 1; round <= 5; round++) {
      const answers = await Promise.all(
        ['A', 'B'].map((who) =>
          result<IncidentShape | (UserErrorShape & { currentVersion?: number })>(
            call(UPDATE_INCIDENT, { id: incident.id, expectedVersion: round, patch: { summary: `Round ${round} by ${who}` } }),
          ),
        ),
      );
      const kinds = answers.map((answer) => answer.__typename).sort();
      expect({ round, kinds }).toEqual({ round, kinds: ['Incident', 'VersionConflict'] });
      expect(answers.find((answer) => answer.__typename === 'VersionConflict')).toMatchObject({ currentVersion: round + 1 });
    }
    const [row] = await db.sql<{ version: number }[]>`select version from incidents where id = ${id}`;
    expect(row!.version).toBe(6);
    const [history] = await db.sql<{ n: number }[]>`select count(*)::int as n from incident_history where incident_id = ${id} and change = 'updated'`;
    expect(history!.n).toBe(5);
    expect(await eventsOf('incident_updated', id)).toBe(5);
  });

  it('answers ValidationError for an invalid patch and writes nothing', async () => {
    const incident = await newIncident();
    const answer = await expectNothingWritten(() =>
      result<UserErrorShape>(call(UPDATE_INCIDENT, { id: incident.id, expectedVersion: 1, patch: { title: '' } })),
    );
    expect(answer).toMatchObject({ __typename: 'ValidationError', field: 'title', rule: 'required' });
  });
});

// ---- mergeIncidents ------------------------------------------------------------------------------------

describe('mergeIncidents', () => {
  let source: IncidentShape;
  let target: IncidentShape;
  let citing: PositionShape;

  it('moves reports, actors, AI systems, techniques and citing positions to the target', async () => {
    source = await newIncident({
      title: 'Duplicate report of a breach',
      actors: [{ actor: fixture.attacker, role: 'ATTACKER' }],
      aiSystems: [{ aiSystem: fixture.system, role: 'SUPPLEMENTARY_TOOL', usage: 'Lateral movement.' }],
      techniques: ['AML.T0054'],
      reports: [fixture.report],
    });
    target = await newIncident({
      title: 'Breach of record',
      actors: [{ actor: fixture.victim, role: 'VICTIM' }],
      techniques: ['AML.T0065'],
      reports: [fixture.report2],
    });
    citing = await result<PositionShape>(call(RECORD, { input: positionInput({ actor: fixture.victim, cites: [source.id] }) }));
    expect(citing.citedIncidents).toEqual([{ id: source.id }]);
    const mergedBefore = await eventsOf('incident_merged');

    const merged = await result<IncidentShape>(call(MERGE, { sourceId: source.id, targetId: target.id }));
    expect(merged).toMatchObject({ __typename: 'Incident', id: target.id, slug: target.slug, version: 2 });
    expect(merged.reports.edges.map((edge) => edge.node.id).sort()).toEqual([fixture.report, fixture.report2].sort());
    expect(merged.actors).toEqual(
      expect.arrayContaining([
        { role: 'ATTACKER', actor: { id: fixture.attacker } },
        { role: 'VICTIM', actor: { id: fixture.victim } },
      ]),
    );
    expect(merged.aiSystems).toEqual([{ role: 'SUPPLEMENTARY_TOOL', usage: 'Lateral movement.', aiSystem: { id: fixture.system } }]);
    expect(merged.techniques.map((t) => t.atlasId).sort()).toEqual(['AML.T0054', 'AML.T0065']);
    expect(merged.citedBy).toEqual([{ id: citing.id }]);
    expect(await eventsOf('incident_merged')).toBe(mergedBefore + 1);

    const position = await node<{ citedIncidents: Array<{ id: string }> }>(citing.id, '... on PolicyPosition { citedIncidents { id } }');
    expect(position?.citedIncidents).toEqual([{ id: target.id }]);
    const [row] = await db.sql<{ merged_into_id: string }[]>`select merged_into_id from incidents where id = ${localId(source.id)}`;
    expect(row!.merged_into_id).toBe(localId(target.id));
  });

  it('resolves the source slug and id to the target', async () => {
    const bySlug = dataOf(await call<{ incident: { id: string; slug: string } | null }>('query ($slug: String!) { incident(slug: $slug) { id slug } }', { slug: source.slug }));
    expect(bySlug.incident).toEqual({ id: target.id, slug: target.slug });
    const byId = await node<{ slug: string }>(source.id, '... on Incident { slug }');
    expect(byId).toEqual({ id: target.id, slug: target.slug });
  });

  it('refuses merging an incident into itself, or a source already merged, and writes nothing', async () => {
    const other = await newIncident();
    const self = await expectNothingWritten(() => result<UserErrorShape>(call(MERGE, { sourceId: target.id, targetId: target.id })));
    expect(self).toMatchObject({ __typename: 'ValidationError', field: 'targetId', rule: 'distinct' });
    const again = await expectNothingWritten(() => result<UserErrorShape>(call(MERGE, { sourceId: source.id, targetId: other.id })));
    expect(again).toMatchObject({ __typename: 'ValidationError', field: 'sourceId', rule: 'merged' });
    const intoMerged = await expectNothingWritten(() => result<UserErrorShape>(call(MERGE, { sourceId: other.id, targetId: source.id })));
    expect(intoMerged).toMatchObject({ __typename: 'ValidationError', field: 'targetId' });
  });

  it('refuses updating a merged duplicate and writes nothing', async () => {
    const [row] = await db.sql<{ version: number }[]>`select version from incidents where id = ${localId(source.id)}`;
    const answer = await expectNothingWritten(() =>
      result<UserErrorShape>(call(UPDATE_INCIDENT, { id: source.id, expectedVersion: row!.version, patch: { title: 'Too late' } })),
    );
    expect(answer).toMatchObject({ __typename: 'ValidationError', field: 'id', rule: 'merged' });
  });
});

// ---- Reports -------------------------------------------------------------------------------------------

type SubmitShape = { __typename: string; created: boolean; report: { id: string; url: string; incidents: Array<{ id: string }> } };

describe('submitReport, attachReport, detachReport', () => {
  it('is idempotent on the normalised URL', async () => {
    const url = 'https://news.example.org/2026/02/breach?id=7';
    const first = await result<SubmitShape>(call(SUBMIT, { input: { url, title: 'Breach', publisher: 'Example News' } }));
    expect(first).toMatchObject({ __typename: 'SubmitReportPayload', created: true, report: { url, incidents: [] } });
    expect(await eventsOf('report_added', localId(first.report.id))).toBe(1);

    for (const variant of [
      'HTTPS://NEWS.EXAMPLE.ORG/2026/02/breach?id=7',
      'https://news.example.org/2026/02/breach?utm_source=feed&id=7&utm_medium=rss',
      'https://news.example.org/2026/02/breach/?id=7#comments',
    ]) {
      const again = await expectNothingWritten(() =>
        result<SubmitShape>(call(SUBMIT, { input: { url: variant, title: 'Another title', publisher: 'Elsewhere' } })),
      );
      expect({ variant, again }).toMatchObject({ variant, again: { created: false, report: { id: first.report.id, url } } });
    }
  });

  it('links a new report to the incidents given, and to the target of a merged one', async () => {
    const incident = await newIncident();
    const submitted = await result<SubmitShape>(
      call(SUBMIT, { input: { url: 'https://news.example.org/linked', title: 'Linked', publisher: 'Example', incidentIds: [incident.id] } }),
    );
    expect(submitted.report.incidents).toEqual([{ id: incident.id }]);
  });

  it('attaches and detaches idempotently, with an event only when the link changed', async () => {
    const incident = await newIncident();
    const id = localId(incident.id);
    const report = globalId('Report', (await createReport(db.sql)).id);
    const attach = () => result<{ changed: boolean; incident: { id: string }; report: { id: string } }>(call(ATTACH, { reportId: report, incidentId: incident.id }));
    const detach = () => result<{ changed: boolean }>(call(DETACH, { reportId: report, incidentId: incident.id }));
    const linked = async () => (await db.sql`select 1 from incident_reports where incident_id = ${id} and report_id = ${localId(report)}`).length;

    expect(await attach()).toMatchObject({ changed: true, incident: { id: incident.id }, report: { id: report } });
    expect(await linked()).toBe(1);
    expect(await eventsOf('incident_updated', id)).toBe(1);
    expect(await expectNothingWritten(attach)).toMatchObject({ changed: false });
    expect(await eventsOf('incident_updated', id)).toBe(1);

    expect(await detach()).toMatchObject({ changed: true });
    expect(await linked()).toBe(0);
    expect(await eventsOf('incident_updated', id)).toBe(2);
    expect(await expectNothingWritten(detach)).toMatchObject({ changed: false });
    expect(await eventsOf('incident_updated', id)).toBe(2);
  });
});

// ---- Policy positions ----------------------------------------------------------------------------------

describe('recordPolicyPosition and retractPolicyPosition', () => {
  it('supersedes, retracts back to the previous position, and records again afterwards', async () => {
    const actor = globalId('Actor', (await createActor(db.sql, { kind: 'military' })).id);
    const record = (stance: string) => result<PositionShape>(call(RECORD, { input: positionInput({ actor, stance }) }));
    const load = (id: string) => node<Omit<PositionShape, '__typename'>>(id, `... on PolicyPosition { ${POSITION_FIELDS} }`);
    const eventsBefore = await eventsOf('position_recorded');

    const first = await record('OPPOSES');
    expect(first).toMatchObject({ isCurrent: true, supersedes: null, supersededBy: null, retractedAt: null });
    const second = await record('SUPPORTS');
    expect(second).toMatchObject({ isCurrent: true, supersedes: { id: first.id }, supersededBy: null });
    expect(await load(first.id)).toMatchObject({ isCurrent: false, supersededBy: { id: second.id } });
    expect(await eventsOf('position_recorded')).toBe(eventsBefore + 2);

    const retracted = await result<PositionShape>(call(RETRACT, { id: second.id }));
    expect(retracted).toMatchObject({ id: second.id, isCurrent: false });
    expect(retracted.retractedAt).not.toBeNull();
    expect(await load(first.id)).toMatchObject({ isCurrent: true });
    expect(await eventsOf('position_retracted', localId(second.id))).toBe(1);

    const twice = await expectNothingWritten(() => result<UserErrorShape>(call(RETRACT, { id: second.id })));
    expect(twice).toMatchObject({ __typename: 'ValidationError', field: 'id' });

    // Recording again after a retraction: the new stance follows the first one.
    const third = await result<PositionShape | UserErrorShape>(call(RECORD, { input: positionInput({ actor, stance: 'CONDITIONAL' }) }));
    expect(third).toMatchObject({ __typename: 'PolicyPosition', isCurrent: true, supersedes: { id: first.id } });
    expect(await load(first.id)).toMatchObject({ isCurrent: false, supersededBy: { id: (third as PositionShape).id } });
    expect(await load(second.id)).toMatchObject({ isCurrent: false });
    const current = dataOf(
      await call<{ policyPositions: { edges: Array<{ node: { id: string } }> } }>(
        'query ($actor: ID!) { policyPositions(filter: { actor: $actor }) { edges { node { id } } } }',
        { actor },
      ),
    );
    expect(current.policyPositions.edges.map((edge) => edge.node.id)).toEqual([(third as PositionShape).id]);
  });
});

// ---- Upserts -------------------------------------------------------------------------------------------

describe('upsertActor, upsertAiSystem, upsertPolicyTopic', () => {
  const countWhere = async (table: string, slug: string) =>
    (await db.sql<{ n: number }[]>`select count(*)::int as n from ${db.sql(table)} where slug = ${slug}`)[0]!.n;

  it('creates an actor, then updates it by slug', async () => {
    const created = await result<{ __typename: string; id: string; slug: string; country: string }>(
      call(UPSERT_ACTOR, { input: { name: 'Example Lab', kind: 'AI_DEVELOPER', country: 'us' } }),
    );
    expect(created).toMatchObject({ __typename: 'Actor', slug: 'example-lab', country: 'US' });
    const updated = await result<{ id: string; name: string; description: string }>(
      call(UPSERT_ACTOR, { input: { slug: 'example-lab', name: 'Example Lab Inc.', kind: 'AI_DEVELOPER', description: 'Makes models.' } }),
    );
    expect(updated).toMatchObject({ id: created.id, name: 'Example Lab Inc.', description: 'Makes models.' });
    expect(await countWhere('actors', 'example-lab')).toBe(1);
  });

  it('derives an AI system slug from its name and updates it on a second call', async () => {
    const created = await result<{ __typename: string; id: string; slug: string; developer: { id: string } }>(
      call(UPSERT_SYSTEM, { input: { name: 'Claude Opus 4.6', kind: 'MODEL_VERSION', developer: fixture.developer } }),
    );
    expect(created).toMatchObject({ __typename: 'AiSystem', slug: 'claude-opus-4-6', developer: { id: fixture.developer } });
    const again = await result<{ id: string; slug: string }>(
      call(UPSERT_SYSTEM, { input: { name: 'Claude Opus 4.6', kind: 'MODEL_VERSION', developer: fixture.developer, description: 'A model version.' } }),
    );
    expect(again).toMatchObject({ id: created.id, slug: 'claude-opus-4-6' });
    expect(await countWhere('ai_systems', 'claude-opus-4-6')).toBe(1);
  });

  it('answers NotFoundError for an unknown developer and writes nothing', async () => {
    const answer = await expectNothingWritten(() =>
      result<UserErrorShape>(
        call(UPSERT_SYSTEM, { input: { name: 'Orphan Model', kind: 'MODEL', developer: globalId('Actor', '987654321') } }),
      ),
    );
    expect(answer).toMatchObject({ __typename: 'NotFoundError', field: 'developer' });
  });

  it('creates a policy topic, then updates it by slug', async () => {
    const created = await result<{ id: string; slug: string }>(call(UPSERT_TOPIC, { input: { name: 'Military use of AI models' } }));
    expect(created.slug).toBe('military-use-of-ai-models');
    const updated = await result<{ id: string; description: string }>(
      call(UPSERT_TOPIC, { input: { slug: created.slug, name: 'Military use of AI models', description: 'Who may use them, and how.' } }),
    );
    expect(updated).toMatchObject({ id: created.id, description: 'Who may use them, and how.' });
    expect(await countWhere('policy_topics', created.slug)).toBe(1);
  });
});

// ---- Atomicity -----------------------------------------------------------------------------------------

describe('a write that fails part-way', () => {
  it('leaves no incident, history or event behind', async () => {
    const title = 'Half-written incident';
    const answer = await expectNothingWritten(() =>
      result<UserErrorShape>(
        call(CREATE_INCIDENT, {
          input: {
            title,
            techniques: ['AML.T0054'],
            actors: [
              { actor: fixture.attacker, role: 'ATTACKER' },
              { actor: globalId('Actor', '987654321'), role: 'VICTIM' },
            ],
          },
        }),
      ),
    );
    expect(answer).toMatchObject({ __typename: 'NotFoundError', field: 'actors' });
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from incidents where title = ${title}`;
    expect(row!.n).toBe(0);
  });

  it('leaves no report or event behind when a new report names a missing incident', async () => {
    const url = 'https://news.example.org/half-written';
    const answer = await expectNothingWritten(() =>
      result<UserErrorShape>(
        call(SUBMIT, { input: { url, title: 'x', publisher: 'y', incidentIds: [globalId('Incident', '987654321')] } }),
      ),
    );
    expect(answer).toMatchObject({ __typename: 'NotFoundError', field: 'incidentIds' });
    expect(await db.sql`select 1 from reports where url = ${url}`).toHaveLength(0);
  });
});
