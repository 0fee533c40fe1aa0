// Provenance through the API: reports known without their address, citations per claim (and what adding or
// removing one does to the record), positions that are current by the date they were stated, judgements
// marked as ours, links between incidents that cite who draws them, and the history of each change.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../src/auth/keys.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { createActor, createReport, dataOf, globalId } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { ERROR_FIELDS, callerWithKey, expectNoUnexpectedErrors, expectNothingWritten, localId, resultOf, type UserErrorShape } from './helpers/writes.js';

let db: TestDatabase;
let server: TestServer;
let editorKey: string;
const fixture = { actor: '', otherActor: '', topic: '', report: '', report2: '' };

beforeAll(async () => {
  db = await createTestDatabase();
  editorKey = (await issueKey(db.sql, 'provenance desk', 'editor')).key;
  fixture.actor = globalId('Actor', (await createActor(db.sql, { kind: 'military', name: 'Ministry of Tests' })).id);
  fixture.otherActor = globalId('Actor', (await createActor(db.sql, { kind: 'ai_developer', name: 'Model Maker' })).id);
  const [topic] = await db.sql<{ id: string }[]>`insert into policy_topics (slug, name) values ('access', 'Access') returning id`;
  fixture.topic = globalId('PolicyTopic', topic!.id);
  fixture.report = globalId('Report', (await createReport(db.sql, { publisher: 'Example Wire' })).id);
  fixture.report2 = globalId('Report', (await createReport(db.sql, { publisher: 'Other Wire' })).id);
  server = await startTestServer(db.url);
});

afterEach(() => expectNoUnexpectedErrors(server));

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

const call = callerWithKey(() => server, () => editorKey);

async function node<T>(id: string, selection: string, variables: Record<string, unknown> = {}): Promise<T> {
  const declared = Object.keys(variables).map((name) => `, $${name}: Boolean`).join('');
  return dataOf(await call<{ node: T }>(`query ($id: ID!${declared}) { node(id: $id) { ${selection} } }`, { id, ...variables })).node;
}

async function eventsOf(kind: string, entityId: string): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from events where kind = ${kind} and entity_id = ${entityId}`;
  return row!.n;
}

// ---- Reports -------------------------------------------------------------------------------------------

const SUBMIT = `mutation ($input: SubmitReportInput!) {
  submitReport(input: $input) {
    __typename
    ... on SubmitReportPayload { created report { id url title publisher describedAs language label unknownFields published { display } } }
    ${ERROR_FIELDS}
  }
}`;

type Submitted = {
  __typename: string;
  created: boolean;
  report: { id: string; url: string | null; title: string | null; publisher: string | null; describedAs: string | null; language: string | null; label: string; unknownFields: string[] };
};

describe('reports known without their address', () => {
  it('records a report by outlet and month, says what is unknown, and finds it again instead of adding it twice', async () => {
    const input = { publisher: 'Example Times', publishedAt: '2026-02-17', publishedPrecision: 'MONTH', summary: 'Reports the ultimatum.' };
    const first = await resultOf<Submitted>(call(SUBMIT, { input }));
    expect(first).toMatchObject({
      created: true,
      report: { url: null, title: null, publisher: 'Example Times', language: null, label: 'Example Times, 2026-02', unknownFields: ['URL', 'TITLE', 'LANGUAGE'] },
    });
    expect(await eventsOf('report_added', localId(first.report.id))).toBe(1);
    // The same outlet and month, written differently: the same report. Nothing written, no event.
    const again = await expectNothingWritten(db.sql, () =>
      resultOf<Submitted>(call(SUBMIT, { input: { publisher: ' example times ', publishedAt: '2026-02-01', publishedPrecision: 'MONTH', summary: 'Other words.' } })),
    );
    expect(again).toMatchObject({ created: false, report: { id: first.report.id } });
    // Another month, or a known headline, is another report.
    const march = await resultOf<Submitted>(call(SUBMIT, { input: { ...input, publishedAt: '2026-03-01' } }));
    const titled = await resultOf<Submitted>(call(SUBMIT, { input: { ...input, title: 'Pentagon sets a deadline' } }));
    expect(new Set([first.report.id, march.report.id, titled.report.id]).size).toBe(3);
    expect(titled.report.label).toBe('Example Times, "Pentagon sets a deadline", 2026-02');
  });

  it('describes a source whose publisher is not named, and refuses a report with neither', async () => {
    const unnamed = await resultOf<Submitted>(call(SUBMIT, { input: { describedAs: 'Recent reports naming no outlet' } }));
    expect(unnamed).toMatchObject({
      created: true,
      report: { publisher: null, describedAs: 'Recent reports naming no outlet', label: 'Recent reports naming no outlet, date unknown', unknownFields: ['URL', 'TITLE', 'PUBLISHER', 'PUBLISHED', 'LANGUAGE'] },
    });
    const neither = await expectNothingWritten(db.sql, () => resultOf<UserErrorShape>(call(SUBMIT, { input: { title: 'Orphan', url: 'https://example.org/orphan' } })));
    expect(neither).toMatchObject({ __typename: 'ValidationError', field: 'publisher', rule: 'required' });
  });
});

// ---- Incidents: judgements and citations ---------------------------------------------------------------

const CREATE_INCIDENT = `mutation ($input: CreateIncidentInput!) {
  createIncident(input: $input) {
    __typename
    ... on Incident {
      id version severity assessment { assessedBy severity sectors }
      impact { records { value approximate display sources { claim report { id } } } bytes { display } sources { claim } }
      sources { claim report { id } }
      reports { totalCount }
    }
    ${ERROR_FIELDS}
  }
}`;
const ADD_CITATION = `mutation ($input: AddCitationInput!) {
  addCitation(input: $input) { __typename ... on AddCitationPayload { created citation { id claim excerpt locator report { id } } } ${ERROR_FIELDS} }
}`;
const REMOVE_CITATION = `mutation ($id: ID!) { removeCitation(id: $id) { __typename ... on Citation { id } ${ERROR_FIELDS} } }`;

type IncidentShape = {
  id: string;
  version: number;
  severity: string | null;
  assessment: { assessedBy: string; severity: string | null; sectors: string[] };
  impact: { records: { value: number; approximate: boolean; display: string; sources: Array<{ claim: string; report: { id: string } }> } | null; bytes: { display: string } | null; sources: Array<{ claim: string }> };
  sources: Array<{ claim: string; report: { id: string } }>;
  reports: { totalCount: number };
};

describe('incidents: our judgements, and citations per claim', () => {
  let incident: IncidentShape;

  it('leaves severity unassessed unless given, and marks severity and sectors as ours', async () => {
    incident = await resultOf<IncidentShape>(
      call(CREATE_INCIDENT, {
        input: {
          title: 'A breach with estimated figures', sectors: ['tax-administration'],
          impact: { recordsAffected: 195000000, recordsAffectedApproximate: true, bytesAffected: 150000000000, bytesAffectedApproximate: true },
          sources: [{ report: fixture.report }, { report: fixture.report2, claim: 'RECORDS_AFFECTED', excerpt: 'about 195 million records' }],
        },
      }),
    );
    expect(incident).toMatchObject({
      severity: null,
      assessment: { assessedBy: 'Faultline', severity: null, sectors: ['tax-administration'] },
      impact: {
        records: { value: 195000000, approximate: true, display: 'about 195,000,000 records', sources: [{ claim: 'RECORDS_AFFECTED', report: { id: fixture.report2 } }] },
        bytes: { display: 'about 150 GB' },
        sources: [{ claim: 'RECORDS_AFFECTED' }],
      },
      sources: [{ claim: 'RECORD', report: { id: fixture.report } }],
      // Both cited reports document the incident.
      reports: { totalCount: 2 },
    });
    const [row] = await db.sql<{ severity: string | null; severity_rank: number }[]>`select severity, severity_rank from incidents where id = ${localId(incident.id)}`;
    expect(row).toEqual({ severity: null, severity_rank: 0 });
  });

  it('adds a citation as a change of the record: new version, history under the key\'s name, an event; again changes nothing', async () => {
    const target = incident.id;
    const before = await eventsOf('incident_updated', localId(target));
    const added = await resultOf<{ created: boolean; citation: { id: string; claim: string; excerpt: string | null; locator: string | null } }>(
      call(ADD_CITATION, { input: { target, report: fixture.report2, claim: 'BYTES_AFFECTED', excerpt: 'about 150 GB', locator: 'para. 4' } }),
    );
    expect(added).toMatchObject({ created: true, citation: { claim: 'BYTES_AFFECTED', excerpt: 'about 150 GB', locator: 'para. 4' } });
    expect(await eventsOf('incident_updated', localId(target))).toBe(before + 1);
    const again = await expectNothingWritten(db.sql, () =>
      resultOf<{ created: boolean; citation: { id: string } }>(call(ADD_CITATION, { input: { target, report: fixture.report2, claim: 'BYTES_AFFECTED', excerpt: 'about 150 GB', locator: 'para. 4' } })),
    );
    expect(again).toMatchObject({ created: false, citation: { id: added.citation.id } });
    const history = await node<{ version: number; history: { edges: Array<{ node: { change: string; by: string; version: number; fields: Array<{ field: string; before: unknown[]; after: unknown[] }> } }> } }>(
      target,
      '... on Incident { version history(first: 1) { edges { node { change by version fields { field before after } } } } }',
    );
    expect(history.version).toBe(2);
    const [latest] = history.history.edges.map((edge) => edge.node);
    expect(latest).toMatchObject({ change: 'updated', by: 'provenance desk', version: 2 });
    expect(latest!.fields.map((f) => f.field)).toEqual(['sources']);
    expect(latest!.fields[0]!.after.length).toBe(latest!.fields[0]!.before.length + 1);

    const removed = await resultOf<{ __typename: string }>(call(REMOVE_CITATION, { id: added.citation.id }));
    expect(removed.__typename).toBe('Citation');
    expect((await node<{ version: number }>(target, '... on Incident { version }')).version).toBe(3);
  });

  it('refuses an impact claim on anything but an incident, and detaching a report the incident cites', async () => {
    const position = await recordPosition({ summary: 'Claims on positions are whole.' });
    const claim = await expectNothingWritten(db.sql, () =>
      resultOf<UserErrorShape>(call(ADD_CITATION, { input: { target: position.id, report: fixture.report2, claim: 'DATA_CATEGORIES' } })),
    );
    expect(claim).toMatchObject({ __typename: 'ValidationError', field: 'claim', rule: 'record-only' });
    // A topic is not something a citation supports: the id is refused as input.
    const target = await expectNothingWritten(db.sql, () => call(ADD_CITATION, { input: { target: fixture.topic, report: fixture.report2 } }));
    expect(target.status).toBe(400);
    expect(target.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'target' } });
    const detach = await expectNothingWritten(db.sql, () =>
      resultOf<UserErrorShape>(
        call(`mutation ($reportId: ID!, $incidentId: ID!) { detachReport(reportId: $reportId, incidentId: $incidentId) { __typename ${ERROR_FIELDS} } }`, {
          reportId: fixture.report,
          incidentId: incident.id,
        }),
      ),
    );
    expect(detach).toMatchObject({ __typename: 'ValidationError', field: 'reportId', rule: 'cited' });
  });
});

// ---- Positions -----------------------------------------------------------------------------------------

const POSITION = 'id stance isCurrent changesStance retractedAt supersedes { id } supersededBy { id } quote sources { id excerpt }';
const RECORD = `mutation ($input: RecordPolicyPositionInput!) {
  recordPolicyPosition(input: $input) { __typename ... on PolicyPosition { ${POSITION} } ${ERROR_FIELDS} }
}`;
const RETRACT = `mutation ($id: ID!) { retractPolicyPosition(id: $id) { __typename ... on PolicyPosition { id } ${ERROR_FIELDS} } }`;

type Position = {
  __typename: string;
  id: string;
  stance: string;
  isCurrent: boolean;
  changesStance: boolean;
  supersedes: { id: string } | null;
  supersededBy: { id: string } | null;
  quote: string | null;
  sources: Array<{ id: string; excerpt: string | null }>;
};

async function recordPosition(overrides: Record<string, unknown>): Promise<Position> {
  const input = {
    actor: fixture.actor, topic: fixture.topic, stance: 'SUPPORTS', summary: 'Supports it.',
    statedAt: '2026-02-10', statedPrecision: 'DAY', sources: [{ report: fixture.report }], ...overrides,
  };
  const position = await resultOf<Position>(call(RECORD, { input }));
  if (position.__typename !== 'PolicyPosition') throw new Error(JSON.stringify(position));
  return position;
}

describe('positions that mean what they say', () => {
  it('makes the latest stated position current: one recorded later but stated earlier supersedes nothing', async () => {
    const actor = globalId('Actor', (await createActor(db.sql, { kind: 'think_tank' })).id);
    const march = await recordPosition({ actor, stance: 'OPPOSES', statedAt: '2026-03-01', statedPrecision: 'MONTH' });
    const june = await recordPosition({ actor, stance: 'SUPPORTS', statedAt: '2025-06-01', statedPrecision: 'MONTH' });
    expect(june).toMatchObject({ isCurrent: false, supersedes: null, supersededBy: { id: march.id } });
    expect(await node<Position>(march.id, `... on PolicyPosition { ${POSITION} }`)).toMatchObject({ isCurrent: true, supersedes: { id: june.id }, supersededBy: null });
    // A remark that does not change the stance, stated later still: kept, never current, replaces nothing.
    const remark = await recordPosition({ actor, stance: 'NEUTRAL', statedAt: '2026-03-20', changesStance: false });
    expect(remark).toMatchObject({ isCurrent: false, changesStance: false, supersedes: null, supersededBy: null });
    expect(await node<Position>(march.id, `... on PolicyPosition { ${POSITION} }`)).toMatchObject({ isCurrent: true });
    const current = dataOf(await call<{ policyPositions: { edges: Array<{ node: { id: string } }> } }>(
      'query ($actor: ID!) { policyPositions(filter: { actor: $actor }) { edges { node { id } } } }', { actor },
    ));
    expect(current.policyPositions.edges).toEqual([{ node: { id: march.id } }]);
  });

  it('counts each actor once per month in the stance history, with its stance as of that month', async () => {
    const [topicRow] = await db.sql<{ id: string }[]>`insert into policy_topics (slug, name) values ('history', 'History') returning id`;
    const topic = globalId('PolicyTopic', topicRow!.id);
    const a = globalId('Actor', (await createActor(db.sql, { kind: 'government' })).id);
    const b = globalId('Actor', (await createActor(db.sql, { kind: 'government' })).id);
    // Actor a states twice in January (supports, then opposes), b once in March; a's retracted March stance does not count.
    await recordPosition({ actor: a, topic, stance: 'SUPPORTS', statedAt: '2026-01-05' });
    await recordPosition({ actor: a, topic, stance: 'OPPOSES', statedAt: '2026-01-20' });
    await recordPosition({ actor: b, topic, stance: 'CONDITIONAL', statedAt: '2026-03-02' });
    const wrong = await recordPosition({ actor: a, topic, stance: 'NEUTRAL', statedAt: '2026-03-10' });
    await resultOf(call(RETRACT, { id: wrong.id }));
    const data = await node<{ stanceSummary: unknown; positionsByStance: Array<{ stance: string; count: number; positions: { totalCount: number; pageInfo: { hasNextPage: boolean }; edges: unknown[] } }> }>(
      topic,
      `... on PolicyTopic {
        stanceSummary { current { stance count } history { month counts { stance count } } }
        positionsByStance { stance count positions(first: 1) { totalCount pageInfo { hasNextPage } edges { cursor } } }
      }`,
    );
    expect(data.stanceSummary).toEqual({
      current: [{ stance: 'OPPOSES', count: 1 }, { stance: 'CONDITIONAL', count: 1 }],
      history: [
        { month: '2026-01', counts: [{ stance: 'OPPOSES', count: 1 }] },
        { month: '2026-02', counts: [{ stance: 'OPPOSES', count: 1 }] },
        { month: '2026-03', counts: [{ stance: 'OPPOSES', count: 1 }, { stance: 'CONDITIONAL', count: 1 }] },
      ],
    });
    expect(data.positionsByStance.map((g) => [g.stance, g.count, g.positions.totalCount, g.positions.edges.length])).toEqual([
      ['OPPOSES', 1, 1, 1],
      ['CONDITIONAL', 1, 1, 1],
    ]);
  });

  it('leaves retracted positions out of citedBy unless asked', async () => {
    const incident = await resultOf<{ id: string }>(call(CREATE_INCIDENT, { input: { title: 'Cited by a position' } }));
    const citing = await recordPosition({ actor: fixture.otherActor, cites: [incident.id] });
    const cited = (includeRetracted: boolean) =>
      node<{ citedBy: Array<{ id: string }> }>(incident.id, '... on Incident { citedBy(includeRetracted: $includeRetracted) { id } }', { includeRetracted });
    expect((await cited(false)).citedBy).toEqual([{ id: citing.id }]);
    await resultOf(call(RETRACT, { id: citing.id }));
    expect((await cited(false)).citedBy).toEqual([]);
    expect((await cited(true)).citedBy).toEqual([{ id: citing.id }]);
  });

  it('keeps a position\'s sources, refuses to remove its last one or the one backing its quote, and records who changed it', async () => {
    const position = await recordPosition({
      actor: globalId('Actor', (await createActor(db.sql, { kind: 'person' })).id),
      quote: 'in good faith',
      sources: [{ report: fixture.report, excerpt: 'Talks go on in good faith, it said.' }],
    });
    expect(position.quote).toBe('in good faith');
    const [only] = position.sources;
    const last = await expectNothingWritten(db.sql, () => resultOf<UserErrorShape>(call(REMOVE_CITATION, { id: only!.id })));
    expect(last).toMatchObject({ __typename: 'ValidationError', field: 'id', rule: 'last-source' });
    await resultOf(call(ADD_CITATION, { input: { target: position.id, report: fixture.report2 } }));
    const backing = await expectNothingWritten(db.sql, () => resultOf<UserErrorShape>(call(REMOVE_CITATION, { id: only!.id })));
    expect(backing).toMatchObject({ __typename: 'ValidationError', field: 'id', rule: 'backs-quote' });
    await resultOf(call(RETRACT, { id: position.id }));
    const history = await node<{ history: { edges: Array<{ node: { change: string; by: string; version: number | null; fields: Array<{ field: string }> } }> } }>(
      position.id,
      '... on PolicyPosition { history(first: 10) { edges { node { change by version fields { field } } } } }',
    );
    expect(history.history.edges.map((e) => [e.node.change, e.node.by, e.node.version])).toEqual([
      ['retracted', 'provenance desk', null],
      ['updated', 'provenance desk', null],
      ['created', 'provenance desk', null],
    ]);
    expect(history.history.edges[0]!.node.fields.map((f) => f.field)).toEqual(['retracted_at']);
    expect(history.history.edges[1]!.node.fields.map((f) => f.field)).toEqual(['sources']);
  });
});

// ---- Links between incidents ---------------------------------------------------------------------------

const LINK = `mutation ($input: LinkIncidentInput!) {
  linkIncident(input: $input) {
    __typename
    ... on IncidentLink { id relation symmetric incident { id } relatedIncident { id } sources { report { id } } }
    ${ERROR_FIELDS}
  }
}`;

describe('links between incidents', () => {
  it('records a symmetric link once whichever way it is given, lists it on both incidents, and moves it on a merge', async () => {
    const create = async (title: string) => (await resultOf<{ id: string }>(call(CREATE_INCIDENT, { input: { title } }))).id;
    const [a, b, c] = [await create('Pattern A'), await create('Pattern B'), await create('Pattern C')];
    const forward = await resultOf<{ id: string; symmetric: boolean; incident: { id: string }; relatedIncident: { id: string } }>(
      call(LINK, { input: { incident: b, relatedIncident: a, relation: 'SAME_PATTERN_AS', sources: [{ report: fixture.report }] } }),
    );
    // Stored smaller id first.
    expect(forward).toMatchObject({ symmetric: true, incident: { id: a }, relatedIncident: { id: b } });
    const backward = await resultOf<{ id: string; sources: unknown[] }>(
      call(LINK, { input: { incident: a, relatedIncident: b, relation: 'SAME_PATTERN_AS', sources: [{ report: fixture.report2 }] } }),
    );
    expect(backward).toMatchObject({ id: forward.id, sources: [expect.anything(), expect.anything()] });
    const seen = await node<{ links: Array<{ id: string; other: { id: string } }> }>(b, '... on Incident { links { id other { ... on Incident { id } } } }');
    expect(seen.links).toEqual([{ id: forward.id, other: { id: a } }]);
    const unsourced = await expectNothingWritten(db.sql, () =>
      resultOf<UserErrorShape>(call(LINK, { input: { incident: a, relatedIncident: c, relation: 'SAME_PATTERN_AS', sources: [] } })),
    );
    expect(unsourced).toMatchObject({ __typename: 'ValidationError', field: 'sources', rule: 'required' });
    await resultOf(call(LINK, { input: { incident: c, relatedIncident: b, relation: 'FOLLOWS_PATTERN_OF', sources: [{ report: fixture.report }] } }));

    // Merging b into a: the a-b link would link a to itself and goes; c's link to b now points at a.
    await resultOf(call(`mutation ($s: ID!, $t: ID!) { mergeIncidents(sourceId: $s, targetId: $t) { __typename } }`, { s: b, t: a }));
    const after = await node<{ links: Array<{ relation: string; incident: { id: string }; relatedIncident: { id: string } }> }>(
      a,
      '... on Incident { links { relation incident { id } relatedIncident { id } } }',
    );
    expect(after.links).toEqual([{ relation: 'FOLLOWS_PATTERN_OF', incident: { id: c }, relatedIncident: { id: a } }]);
  });
});
