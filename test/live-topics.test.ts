// Every change reaches the subscribers it concerns, over real sockets (graphql-ws and SSE): a report attached
// to an incident reaches the reportAdded subscribers it now matches; an incident that leaves a filter is
// announced once as LEFT_FILTER; bulk loads (the seed, import:atlas) are announced; a replay shows records as
// the events announced them; SSE messages carry their cursor as `id:` and resume from Last-Event-ID.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../src/auth/keys.js';
import type { AtlasData } from '../src/data/atlas.js';
import { importAtlas } from '../src/data/atlas-import.js';
import { loadSeed } from '../src/data/seed.js';
import { loadSynthetic } from '../src/data/synthetic.js';
import { collect, sseSubscribe, wsClient, type ExecutionResultLike } from './helpers/clients.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { createActor, createAiSystem, globalId } from './helpers/factories.js';
import { mutateWith, nextSubscription, startTestServer, subscribedOn, type TestServer } from './helpers/server.js';

let db: TestDatabase;
let server: TestServer;
let editorKey: string;
let actor = '';
let topic = '';
let sequence = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  editorKey = (await issueKey(db.sql, 'live topics tests', 'editor')).key;
  actor = globalId('Actor', (await createActor(db.sql, { kind: 'government', name: 'Ministry of Topics', country: 'BR' })).id);
  const [row] = await db.sql<{ id: string }[]>`insert into policy_topics (slug, name) values ('topics-topic', 'Topics topic') returning id`;
  topic = globalId('PolicyTopic', row!.id);
  server = await startTestServer(db.url);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

/** Runs a mutation with the editor key and returns its single result field, which must not be a user error. */
function mutate<T extends { __typename: string }>(query: string, variables: Record<string, unknown>): Promise<T> {
  return mutateWith<T>(server, editorKey, query, variables);
}

/** Subscribes over graphql-ws and waits until the hub has registered it, so nothing written next is missed. */
function subscribed(client: ReturnType<typeof wsClient>, query: string, variables: Record<string, unknown> = {}) {
  return subscribedOn(server, client, query, variables);
}

/** The same over SSE. */
async function sseSubscribed(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}, get = false) {
  const registered = nextSubscription(server.events);
  const stream = sseSubscribe(server.url, query, variables, headers, { get });
  await registered;
  return stream;
}

const INCIDENT = 'id title severity version';
const CREATE = `mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { __typename ... on Incident { ${INCIDENT} } } }`;
const UPDATE = `mutation ($id: ID!, $expectedVersion: Int!, $patch: IncidentPatch!) {
  updateIncident(id: $id, expectedVersion: $expectedVersion, patch: $patch) { __typename ... on Incident { ${INCIDENT} } }
}`;
const SUBMIT = `mutation ($input: SubmitReportInput!) {
  submitReport(input: $input) { __typename ... on SubmitReportPayload { created report { id title } } }
}`;
const ATTACH = `mutation ($reportId: ID!, $incidentId: ID!) {
  attachReport(reportId: $reportId, incidentId: $incidentId) { __typename ... on ReportLinkPayload { changed } }
}`;

interface IncidentShape {
  __typename: 'Incident';
  id: string;
  title: string;
  severity: string;
  version: number;
}

function createIncident(input: Record<string, unknown>): Promise<IncidentShape> {
  return mutate<IncidentShape>(CREATE, { input });
}

async function update(incident: IncidentShape, patch: Record<string, unknown>): Promise<IncidentShape> {
  return mutate<IncidentShape>(UPDATE, { id: incident.id, expectedVersion: incident.version, patch });
}

/** Submits a report and returns its (global) id. */
async function submit(title: string, incidentIds?: string[]): Promise<string> {
  sequence += 1;
  const payload = await mutate<{ __typename: string; report: { id: string } }>(SUBMIT, {
    input: { url: `https://topics.example.org/${sequence}`, title, publisher: 'Example', incidentIds },
  });
  return payload.report.id;
}

/** The named field of each result (reportAdded, incidentChanged, ...). */
function fieldOf<T>(results: ExecutionResultLike[], field: string): T[] {
  return results.map((result) => {
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return (result.data as Record<string, T>)[field]!;
  });
}

const REPORT_ADDED = `subscription ($filter: ReportAddedFilter, $after: String) {
  reportAdded(filter: $filter, after: $after) { cursor change report { title } attachedTo { title } }
}`;
type ReportAdded = { cursor: string; change: string; report: { title: string }; attachedTo: Array<{ title: string }> };
const reportsOf = (results: ExecutionResultLike[]) =>
  fieldOf<ReportAdded>(results, 'reportAdded').map((event) => `${event.change} ${event.report.title}${event.attachedTo.map((i) => ` -> ${i.title}`).join('')}`);

describe('attaching a report to an incident', () => {
  it('announces it to the reportAdded subscribers whose filter it now matches, once, over graphql-ws and SSE', async () => {
    const incident = await createIncident({ title: 'Brazilian breach', countries: ['BR'], actors: [{ actor, role: 'VICTIM' }] });
    const client = wsClient(server.url);
    const everything = await subscribed(client, REPORT_ADDED);
    const early = await submit('Early report');
    const [added] = fieldOf<ReportAdded>(await everything.until(1), 'reportAdded');
    const ofIncident = await subscribed(client, REPORT_ADDED, { filter: { incident: incident.id } });
    const ofCountry = await subscribed(client, REPORT_ADDED, { filter: { country: 'BR' } });
    const ofActor = await sseSubscribed(REPORT_ADDED, { filter: { actor } });

    const attached = await mutate<{ __typename: string; changed: boolean }>(ATTACH, { reportId: early, incidentId: incident.id });
    expect(attached.changed).toBe(true);
    // Attaching it again changes nothing and announces nothing.
    expect((await mutate<{ __typename: string; changed: boolean }>(ATTACH, { reportId: early, incidentId: incident.id })).changed).toBe(false);
    // Every subscription takes this one; each receives in order, so once it is there, anything else sent would be before it.
    await submit('Sentinel', [incident.id]);

    const expected = ['ATTACHED Early report -> Brazilian breach', 'ADDED Sentinel'];
    expect(reportsOf(await ofIncident.until(2))).toEqual(expected);
    expect(reportsOf(await ofCountry.until(2))).toEqual(expected);
    expect(reportsOf(await ofActor.until(2))).toEqual(expected);
    // A subscriber the report matched when it was added has had it: not again.
    expect(reportsOf(await everything.until(2))).toEqual(['ADDED Early report', 'ADDED Sentinel']);
    // A replay from before the attachment tells the same story.
    const replayed = await subscribed(client, REPORT_ADDED, { filter: { incident: incident.id }, after: added!.cursor });
    expect(reportsOf(await replayed.until(2))).toEqual(expected);
    for (const subscription of [everything, ofIncident, ofCountry, replayed]) subscription.dispose();
    await ofActor.close();
    await client.dispose();
  });
});

const DETACH = `mutation ($reportId: ID!, $incidentId: ID!) {
  detachReport(reportId: $reportId, incidentId: $incidentId) { __typename ... on ReportLinkPayload { changed } }
}`;
const REPORT_MOVES = `subscription ($filter: ReportAddedFilter) {
  reportAdded(filter: $filter) { change report { title } attachedTo { title } detachedFrom { title } }
}`;
type ReportMove = { change: string; report: { title: string }; attachedTo: Array<{ title: string }>; detachedFrom: Array<{ title: string }> };
const movesOf = (results: ExecutionResultLike[]) =>
  fieldOf<ReportMove>(results, 'reportAdded').map(
    (event) =>
      `${event.change} ${event.report.title}${event.attachedTo.map((i) => ` +${i.title}`).join('')}${event.detachedFrom.map((i) => ` -${i.title}`).join('')}`,
  );

describe('a change to an incident a report documents', () => {
  it('announces the report once to the reportAdded subscribers it comes to match or stops matching, and a detach, over graphql-ws and SSE', async () => {
    const watched = globalId('Actor', (await createActor(db.sql, { kind: 'criminal', name: 'Watched crew' })).id);
    const quiet = await createIncident({ title: 'Quiet incident' });
    const client = wsClient(server.url);
    const everything = await subscribed(client, REPORT_MOVES);
    const ofIncident = await subscribed(client, REPORT_MOVES, { filter: { incident: quiet.id } });
    const ofActor = await subscribed(client, REPORT_MOVES, { filter: { actor: watched } });
    const ofCountry = await sseSubscribed(REPORT_MOVES, { filter: { country: 'CL' } });

    const report = await submit('Quiet report', [quiet.id]);
    // The incident gains an actor and a country: the report now matches two filters it did not.
    let incident = await update(quiet, { actors: [{ actor: watched, role: 'ATTACKER' }], countries: ['CL'] });
    // The same links again, and a new title: nothing a report filter looks at changes, nothing is said.
    incident = await update(incident, { title: 'Quiet incident', actors: [{ actor: watched, role: 'ATTACKER' }] });
    // The actor goes: the report leaves that filter.
    await update(incident, { actors: [] });
    // Unlinked: it leaves the incident's and the country's filters, and the unfiltered subscriber hears of the detach.
    expect((await mutate<{ __typename: string; changed: boolean }>(DETACH, { reportId: report, incidentId: quiet.id })).changed).toBe(true);
    expect((await mutate<{ __typename: string; changed: boolean }>(DETACH, { reportId: report, incidentId: quiet.id })).changed).toBe(false);
    const sentinelIncident = await createIncident({ title: 'Sentinel incident', countries: ['CL'], actors: [{ actor: watched, role: 'ATTACKER' }] });
    await submit('Sentinel', [quiet.id, sentinelIncident.id]);

    expect(movesOf(await everything.until(3))).toEqual(['ADDED Quiet report', 'DETACHED Quiet report -Quiet incident', 'ADDED Sentinel']);
    expect(movesOf(await ofIncident.until(3))).toEqual(['ADDED Quiet report', 'LEFT_FILTER Quiet report -Quiet incident', 'ADDED Sentinel']);
    expect(movesOf(await ofActor.until(3))).toEqual(['MATCHED Quiet report', 'LEFT_FILTER Quiet report', 'ADDED Sentinel']);
    expect(movesOf(await ofCountry.until(3))).toEqual(['MATCHED Quiet report', 'LEFT_FILTER Quiet report -Quiet incident', 'ADDED Sentinel']);
    for (const subscription of [everything, ofIncident, ofActor]) subscription.dispose();
    await ofCountry.close();
    await client.dispose();
  });
});

const INCIDENT_CHANGED = `subscription ($filter: IncidentChangedFilter, $after: String) {
  incidentChanged(filter: $filter, after: $after) { cursor change incident { title severity version } incidentNow { severity version } }
}`;
type IncidentChanged = {
  cursor: string;
  change: string;
  incident: { title: string; severity: string; version: number };
  incidentNow: { severity: string; version: number };
};
const changesOf = (results: ExecutionResultLike[]) =>
  fieldOf<IncidentChanged>(results, 'incidentChanged').map((event) => `${event.change} ${event.incident.title} ${event.incident.severity}`);

describe('an incident that leaves a filter', () => {
  it('is announced once as LEFT_FILTER, over graphql-ws and SSE, then only when it matches again', async () => {
    const client = wsClient(server.url);
    const severe = await subscribed(client, INCIDENT_CHANGED, { filter: { severityAtLeast: 'HIGH' } });
    const severeOverSse = await sseSubscribed(INCIDENT_CHANGED, { filter: { severityAtLeast: 'HIGH' } });
    // Asked for creations and updates only: no LEFT_FILTER.
    const createsAndUpdates = await subscribed(client, INCIDENT_CHANGED, { filter: { severityAtLeast: 'HIGH', changes: ['CREATED', 'UPDATED'] } });

    let falling = await createIncident({ title: 'Falling', severity: 'CRITICAL' });
    falling = await update(falling, { severity: 'LOW' });
    falling = await update(falling, { title: 'Falling, renamed' });
    await update(falling, { severity: 'HIGH' });
    await createIncident({ title: 'Sentinel', severity: 'CRITICAL' });

    const expected = ['CREATED Falling CRITICAL', 'LEFT_FILTER Falling LOW', 'UPDATED Falling, renamed HIGH', 'CREATED Sentinel CRITICAL'];
    expect(changesOf(await severe.until(4))).toEqual(expected);
    expect(changesOf(await severeOverSse.until(4))).toEqual(expected);
    expect(changesOf(await createsAndUpdates.until(3))).toEqual(expected.filter((line) => !line.startsWith('LEFT_FILTER')));
    severe.dispose();
    createsAndUpdates.dispose();
    await severeOverSse.close();
    await client.dispose();
  });
});

const MERGE = `mutation ($sourceId: ID!, $targetId: ID!) { mergeIncidents(sourceId: $sourceId, targetId: $targetId) { __typename ... on Incident { id } } }`;
const MERGES = `subscription ($filter: IncidentChangedFilter) {
  incidentChanged(filter: $filter) { change incident { title mergedInto { title } } incidentNow { title } }
}`;
type Merge = { change: string; incident: { title: string; mergedInto: { title: string } | null }; incidentNow: { title: string } };
const mergesOf = (results: ExecutionResultLike[]) =>
  fieldOf<Merge>(results, 'incidentChanged').map((event) => `${event.change} ${event.incident.title}${event.incident.mergedInto ? ` -> ${event.incident.mergedInto.title}` : ''}`);

describe('merging two incidents', () => {
  it('announces the duplicate once as MERGED_AWAY (never LEFT_FILTER), and the reports whose filters the merge changed, over graphql-ws and SSE', async () => {
    const merger = globalId('Actor', (await createActor(db.sql, { kind: 'criminal', name: 'Merged crew' })).id);
    // Everyone subscribes before the first write, so each list below is exactly what the subscriber received.
    const client = wsClient(server.url);
    const all = await subscribed(client, MERGES);
    const ofActor = await subscribed(client, MERGES, { filter: { actor: merger } });
    const overSse = await sseSubscribed(MERGES, { filter: { actor: merger } });
    const createsAndUpdates = await subscribed(client, MERGES, { filter: { changes: ['CREATED', 'UPDATED'] } });
    const reportsOfActor = await subscribed(client, REPORT_MOVES, { filter: { actor: merger } });
    const duplicate = await createIncident({ title: 'Duplicate', severity: 'HIGH', actors: [{ actor: merger, role: 'ATTACKER' }] });
    const target = await createIncident({ title: 'Target', severity: 'HIGH' });
    const reportsOfDuplicate = await subscribed(client, REPORT_MOVES, { filter: { incident: duplicate.id } });
    await submit('Report of the duplicate', [duplicate.id]);
    await submit('Report of the target', [target.id]);

    await mutate(MERGE, { sourceId: duplicate.id, targetId: target.id });
    const sentinel = await createIncident({ title: 'Sentinel', actors: [{ actor: merger, role: 'ATTACKER' }] });
    await submit('Sentinel report', [sentinel.id]);

    expect(mergesOf(await all.until(5))).toEqual(['CREATED Duplicate', 'CREATED Target', 'MERGED_AWAY Duplicate -> Target', 'MERGED Target', 'CREATED Sentinel']);
    // The duplicate matched the actor filter before the merge; the target matches it since.
    const ofTheActor = ['CREATED Duplicate', 'MERGED_AWAY Duplicate -> Target', 'MERGED Target', 'CREATED Sentinel'];
    expect(mergesOf(await ofActor.until(4))).toEqual(ofTheActor);
    expect(mergesOf(await overSse.until(4))).toEqual(ofTheActor);
    expect(fieldOf<Merge>(await all.until(5), 'incidentChanged')[2]!.incidentNow.title).toBe('Target');
    expect(mergesOf(await createsAndUpdates.until(3))).toEqual(['CREATED Duplicate', 'CREATED Target', 'CREATED Sentinel']);
    // The target's report now matches the actor (the target gained it); the duplicate's matched it all along.
    expect(movesOf(await reportsOfActor.until(3))).toEqual(['ADDED Report of the duplicate', 'MATCHED Report of the target', 'ADDED Sentinel report']);
    // Its events precede the sentinels above in the log: by now anything more would have arrived too.
    // (detachedFrom names the duplicate's id, which resolves, like every merged id, to the incident it went into.)
    expect(movesOf(await reportsOfDuplicate.until(2))).toEqual(['ADDED Report of the duplicate', 'LEFT_FILTER Report of the duplicate +Target -Target']);
    for (const subscription of [all, ofActor, createsAndUpdates, reportsOfActor, reportsOfDuplicate]) subscription.dispose();
    await overSse.close();
    await client.dispose();
  });
});

describe('a filter on an AI system', () => {
  it('takes its versions too, unless aiSystemExact, on incidentChanged and reportAdded', async () => {
    const developer = await createActor(db.sql, { kind: 'ai_developer', name: 'Family developer' });
    const family = await createAiSystem(db.sql, { developerId: developer.id, name: 'Family model' });
    const version = await createAiSystem(db.sql, { developerId: developer.id, name: 'Family model 2.1', parentId: family.id });
    const familyId = globalId('AiSystem', family.id);
    const versionId = globalId('AiSystem', version.id);
    const client = wsClient(server.url);
    const incidents = await subscribed(client, MERGES, { filter: { aiSystem: familyId } });
    const incidentsExact = await subscribed(client, MERGES, { filter: { aiSystem: familyId, aiSystemExact: true } });
    const reports = await subscribed(client, REPORT_MOVES, { filter: { aiSystem: familyId } });
    const reportsExact = await sseSubscribed(REPORT_MOVES, { filter: { aiSystem: familyId, aiSystemExact: true } });

    const onVersion = await createIncident({ title: 'On the version', aiSystems: [{ aiSystem: versionId, role: 'PRIMARY_TOOL' }] });
    await submit('Report on the version', [onVersion.id]);
    const onFamily = await createIncident({ title: 'On the family', aiSystems: [{ aiSystem: familyId, role: 'PRIMARY_TOOL' }] });
    await submit('Report on the family', [onFamily.id]);

    expect(mergesOf(await incidents.until(2))).toEqual(['CREATED On the version', 'CREATED On the family']);
    expect(mergesOf(await incidentsExact.until(1))).toEqual(['CREATED On the family']);
    expect(movesOf(await reports.until(2))).toEqual(['ADDED Report on the version', 'ADDED Report on the family']);
    expect(movesOf(await reportsExact.until(1))).toEqual(['ADDED Report on the family']);
    for (const subscription of [incidents, incidentsExact, reports]) subscription.dispose();
    await reportsExact.close();
    await client.dispose();
  });

  it('on a technique takes its sub-techniques too, unless techniqueExact, and a report whose incident gains one', async () => {
    await db.sql`
      insert into techniques (id, name, kind, parent_id) values
        ('AML.T0916', 'Live technique', 'technique', null), ('AML.T0916.001', 'Live sub-technique', 'subtechnique', 'AML.T0916')
      on conflict (id) do nothing
    `;
    const client = wsClient(server.url);
    const incidents = await subscribed(client, MERGES, { filter: { technique: 'AML.T0916' } });
    const incidentsExact = await sseSubscribed(MERGES, { filter: { technique: 'AML.T0916', techniqueExact: true } });
    const reports = await subscribed(client, REPORT_MOVES, { filter: { technique: 'AML.T0916' } });
    const refused = collect(client, REPORT_MOVES, { filter: { technique: 'T0916' } });

    const plain = await createIncident({ title: 'No technique yet' });
    await submit('Report before the technique', [plain.id]);
    await update(plain, { techniques: ['AML.T0916.001'] });
    const onTechnique = await createIncident({ title: 'On the technique', techniques: ['AML.T0916'] });
    await submit('Report on the technique', [onTechnique.id]);

    expect(mergesOf(await incidents.until(2))).toEqual(['UPDATED No technique yet', 'CREATED On the technique']);
    expect(mergesOf(await incidentsExact.until(1))).toEqual(['CREATED On the technique']);
    expect(movesOf(await reports.until(2))).toEqual(['MATCHED Report before the technique', 'ADDED Report on the technique']);
    const [error] = await refused.until(1);
    expect(error!.errors?.[0]).toMatchObject({ message: expect.stringContaining('filter.technique must be a MITRE ATLAS id'), extensions: { code: 'BAD_USER_INPUT' } });
    incidents.dispose();
    reports.dispose();
    await incidentsExact.close();
    await client.dispose();
  });
});

describe('a replay', () => {
  it('shows each record as its event announced it, and as it is now where asked, over graphql-ws and SSE', async () => {
    const client = wsClient(server.url);
    const live = await subscribed(client, INCIDENT_CHANGED);
    await createIncident({ title: 'Marker', severity: 'LOW' });
    const [marker] = fieldOf<IncidentChanged>(await live.until(1), 'incidentChanged');
    live.dispose();

    let incident = await createIncident({ title: 'Escalating', severity: 'CRITICAL' });
    incident = await update(incident, { severity: 'HIGH' });
    await update(incident, { title: 'Escalating, renamed' });

    const wanted = [
      { change: 'CREATED', incident: { title: 'Escalating', severity: 'CRITICAL', version: 1 } },
      { change: 'UPDATED', incident: { title: 'Escalating', severity: 'HIGH', version: 2 } },
      { change: 'UPDATED', incident: { title: 'Escalating, renamed', severity: 'HIGH', version: 3 } },
    ].map((event) => ({ ...event, incidentNow: { severity: 'HIGH', version: 3 } }));
    const replayed = await subscribed(client, INCIDENT_CHANGED, { after: marker!.cursor });
    expect(fieldOf<IncidentChanged>(await replayed.until(3), 'incidentChanged')).toMatchObject(wanted);
    const overSse = await sseSubscribed(INCIDENT_CHANGED, { after: marker!.cursor });
    expect(fieldOf<IncidentChanged>(await overSse.until(3), 'incidentChanged')).toMatchObject(wanted);
    replayed.dispose();
    await overSse.close();
    await client.dispose();
  });

  it('shows a position current as it was when recorded, and superseded now', async () => {
    const RECORD = `mutation ($input: RecordPolicyPositionInput!) { recordPolicyPosition(input: $input) { __typename ... on PolicyPosition { id } } }`;
    const RECORDED = `subscription ($after: String, $filter: PolicyPositionRecordedFilter) {
      policyPositionRecorded(after: $after, filter: $filter) { cursor change position { summary isCurrent } positionNow { isCurrent } }
    }`;
    const source = await submit('Source of positions');
    const record = (summary: string, stance: string) =>
      mutate<{ __typename: string; id: string }>(RECORD, {
        input: { actor, topic, stance, summary, statedAt: '2026-02-10', statedPrecision: 'DAY', sources: [{ report: source }] },
      });
    const client = wsClient(server.url);
    const live = await subscribed(client, RECORDED);
    await record('First stance', 'OPPOSES');
    const [first] = fieldOf<{ cursor: string }>(await live.until(1), 'policyPositionRecorded');
    live.dispose();
    const second = await record('Second stance', 'SUPPORTS');
    await record('Third stance', 'CONDITIONAL');
    await mutate(`mutation ($id: ID!) { retractPolicyPosition(id: $id) { __typename ... on PolicyPosition { id } } }`, { id: second.id });

    const replayed = await subscribed(client, RECORDED, { after: first!.cursor, filter: { changes: ['RECORDED', 'RETRACTED'] } });
    expect(fieldOf(await replayed.until(3), 'policyPositionRecorded')).toMatchObject([
      { change: 'RECORDED', position: { summary: 'Second stance', isCurrent: true }, positionNow: { isCurrent: false } },
      { change: 'RECORDED', position: { summary: 'Third stance', isCurrent: true }, positionNow: { isCurrent: true } },
      { change: 'RETRACTED', position: { summary: 'Second stance', isCurrent: false }, positionNow: { isCurrent: false } },
    ]);
    replayed.dispose();
    await client.dispose();
  });
});

describe('a source added after the fact', () => {
  it('is announced on the topic of the position or action it supports, as UPDATED, over graphql-ws and SSE', async () => {
    const RECORD_POSITION = `mutation ($input: RecordPolicyPositionInput!) { recordPolicyPosition(input: $input) { __typename ... on PolicyPosition { id } } }`;
    const RECORD_ACTION = `mutation ($input: RecordActionInput!) { recordAction(input: $input) { __typename ... on Action { id version } } }`;
    const ADD = `mutation ($input: AddCitationInput!) { addCitation(input: $input) { __typename ... on AddCitationPayload { created citation { id } } } }`;
    const REMOVE = `mutation ($id: ID!) { removeCitation(id: $id) { __typename ... on Citation { id } } }`;
    const POSITIONS = `subscription ($filter: PolicyPositionRecordedFilter) {
      policyPositionRecorded(filter: $filter) { change position { summary } }
    }`;
    const ACTIONS = `subscription { actionChanged { change action { summary version sources { report { title } } } } }`;
    const first = await submit('First source');
    const second = await submit('Second source');
    const client = wsClient(server.url);
    const positions = await subscribed(client, POSITIONS);
    const recordedOnly = await subscribed(client, POSITIONS, { filter: { changes: ['RECORDED'] } });
    const actions = await sseSubscribed(ACTIONS);
    const position = await mutate<{ __typename: string; id: string }>(RECORD_POSITION, {
      input: { actor, topic, stance: 'OPPOSES', summary: 'Sourced later', statedAt: '2026-02-11', statedPrecision: 'DAY', sources: [{ report: first }] },
    });
    const action = await mutate<{ __typename: string; id: string; version: number }>(RECORD_ACTION, {
      input: { kind: 'STATEMENT', actor, summary: 'Said something, sourced later', sources: [{ report: first }] },
    });

    const added = await mutate<{ __typename: string; created: boolean; citation: { id: string } }>(ADD, { input: { target: position.id, report: second } });
    expect(added.created).toBe(true);
    // The same citation again adds nothing and says nothing.
    expect((await mutate<{ __typename: string; created: boolean }>(ADD, { input: { target: position.id, report: second } })).created).toBe(false);
    await mutate(ADD, { input: { target: action.id, report: second } });
    await mutate(REMOVE, { id: added.citation.id });
    await mutate(RECORD_POSITION, {
      input: { actor, topic, stance: 'SUPPORTS', summary: 'Sentinel', statedAt: '2026-02-12', statedPrecision: 'DAY', sources: [{ report: first }] },
    });

    type PositionEvent = { change: string; position: { summary: string } };
    const events = fieldOf<PositionEvent>(await positions.until(4), 'policyPositionRecorded');
    expect(events.map((event) => `${event.change} ${event.position.summary}`)).toEqual([
      'RECORDED Sourced later',
      'UPDATED Sourced later',
      'UPDATED Sourced later',
      'RECORDED Sentinel',
    ]);
    expect(fieldOf<PositionEvent>(await recordedOnly.until(2), 'policyPositionRecorded').map((event) => event.change)).toEqual(['RECORDED', 'RECORDED']);
    type ActionEvent = { change: string; action: { summary: string; version: number; sources: Array<{ report: { title: string } }> } };
    const [recorded, updated] = fieldOf<ActionEvent>(await actions.until(2), 'actionChanged');
    expect(recorded!.change).toBe('RECORDED');
    expect(updated).toMatchObject({ change: 'UPDATED', action: { summary: 'Said something, sourced later', version: action.version + 1 } });
    expect(updated!.action.sources.map((source) => source.report.title).sort()).toEqual(['First source', 'Second source']);
    positions.dispose();
    recordedOnly.dispose();
    await actions.close();
    await client.dispose();
  });
});

describe('SSE message ids', () => {
  it('carry each event\'s cursor, and an EventSource reconnecting with Last-Event-ID resumes with no gap and no duplicate', async () => {
    // As a browser's EventSource asks: GET, the operation in the URL, from another origin.
    const origin = { origin: 'http://dashboard.example.org' };
    const first = await sseSubscribed(REPORT_ADDED, {}, origin, true);
    // Without CORS_ORIGINS any origin may read, without credentials (an EventSource sends none by default).
    expect((await first.open).headers.get('access-control-allow-origin')).toBe('*');
    await submit('Before the drop');
    const [event] = fieldOf<ReportAdded>(await first.until(1), 'reportAdded');
    expect(first.ids).toEqual([event!.cursor]);
    await first.close();

    // Missed while disconnected.
    await submit('Missed one');
    await submit('Missed two');
    // The URL may still carry an older `after` (the page's first load): Last-Event-ID wins, as the browser resends it.
    const resumed = await sseSubscribed(REPORT_ADDED, { after: '' }, { ...origin, 'last-event-id': first.ids[0]! }, true);
    await submit('Live again');
    const titles = fieldOf<ReportAdded>(await resumed.until(3), 'reportAdded').map((added) => added.report.title);
    expect(titles).toEqual(['Missed one', 'Missed two', 'Live again']);
    expect(resumed.ids).toEqual(fieldOf<ReportAdded>(resumed.results, 'reportAdded').map((added) => added.cursor));
    await resumed.close();
  });

  it('refuses a Last-Event-ID that is not a cursor, naming it', async () => {
    const url = new URL(server.url);
    url.searchParams.set('query', REPORT_ADDED);
    const response = await fetch(url, { headers: { accept: 'text/event-stream', 'last-event-id': 'not-a-cursor' } });
    const text = await response.text();
    expect(text).toContain('Last-Event-ID is not a subscription cursor');
    expect(text).toContain('BAD_USER_INPUT');
  });
});

/** A small ATLAS file's worth of data: `studies` case studies with `references` new reports each. */
function atlasData(prefix: string, studies: number, references: number): AtlasData {
  return {
    version: '9.9.9',
    techniques: [],
    caseStudies: Array.from({ length: studies }, (_, s) => ({
      id: `AML.CS9${prefix}${s}`,
      name: `Imported study ${prefix}${s}`,
      type: 'incident' as const,
      date: '2025-01-01',
      precision: 'month' as const,
      target: null,
      actor: null,
      techniqueIds: [],
      references: Array.from({ length: references }, (_, r) => ({ title: `Imported ${prefix}${s}.${r}`, url: `https://atlas.example.org/${prefix}/${s}/${r}` })),
    })),
  } as AtlasData;
}

describe('bulk loads', () => {
  it('import:atlas announces the incidents and reports it creates, and reports it links that were on record', async () => {
    const client = wsClient(server.url);
    const reports = await subscribed(client, REPORT_ADDED);
    const incidents = await subscribed(client, INCIDENT_CHANGED);
    const overSse = await sseSubscribed(REPORT_ADDED);
    await importAtlas(db.sql, atlasData('1', 2, 3));
    const imported = ['0.0', '0.1', '0.2', '1.0', '1.1', '1.2'].map((n) => `ADDED Imported 1${n}`);
    expect(reportsOf(await reports.until(6)).sort()).toEqual(imported);
    expect(reportsOf(await overSse.until(6)).sort()).toEqual(imported);
    // ATLAS gives no severity, and none is invented: the incidents arrive unassessed.
    expect(changesOf(await incidents.until(2)).sort()).toEqual(['CREATED Imported study 10 null', 'CREATED Imported study 11 null']);

    // A second study cites a report already on record: it is linked, and announced to whom it now concerns.
    const [study] = (await db.sql<{ id: string }[]>`select id from incidents where slug = 'atlas-aml-cs910'`).map((row) => globalId('Incident', row.id));
    const ofStudy = await subscribed(client, REPORT_ADDED, { filter: { incident: study } });
    const again = atlasData('1', 2, 3);
    again.caseStudies[0]!.references.push({ title: 'Already on record', url: 'https://atlas.example.org/1/1/0' });
    await importAtlas(db.sql, again);
    await submit('Sentinel after import', [study!]);
    expect(reportsOf(await ofStudy.until(2))).toEqual(['ATTACHED Imported 11.0 -> Imported study 10', 'ADDED Sentinel after import']);
    for (const subscription of [reports, incidents, ofStudy]) subscription.dispose();
    await overSse.close();
    await client.dispose();
  });

  it('seed:synthetic announces every incident, report and position it loads, in bulk, over graphql-ws and SSE', async () => {
    const client = wsClient(server.url);
    const reports = await subscribed(client, 'subscription { reportAdded { change report { id } } }');
    const positions = await subscribed(client, 'subscription { policyPositionRecorded(filter: { changes: [RECORDED] }) { position { id } } }');
    const incidents = await sseSubscribed('subscription { incidentChanged { change incident { id } } }');
    const [before] = await db.sql<{ events: number }[]>`select count(*)::int as events from events`;
    const options = { incidents: 7, reports: 23, positions: 5, seed: 9_001, actors: 10 };
    await loadSynthetic(db.sql, options);
    // The load's rows are the newest of each table.
    const loaded = async (table: 'incidents' | 'reports' | 'policy_positions', count: number) =>
      (await db.sql<{ id: string }[]>`select id from ${db.sql(table)} order by id desc limit ${count}`).map((row) => row.id).reverse();
    const expectedReports = (await loaded('reports', options.reports)).map((id) => globalId('Report', id));
    const expectedIncidents = (await loaded('incidents', options.incidents)).map((id) => globalId('Incident', id));
    const expectedPositions = (await loaded('policy_positions', options.positions)).map((id) => globalId('PolicyPosition', id));
    const [after] = await db.sql<{ events: number }[]>`select count(*)::int as events from events`;
    expect(after!.events - before!.events).toBe(options.incidents + options.reports + options.positions);

    const received = fieldOf<{ change: string; report: { id: string } }>(await reports.until(options.reports), 'reportAdded');
    expect(received.map((event) => event.change)).toEqual(expectedReports.map(() => 'ADDED'));
    expect(received.map((event) => event.report.id)).toEqual(expectedReports);
    const created = fieldOf<{ change: string; incident: { id: string } }>(await incidents.until(options.incidents), 'incidentChanged');
    expect(created.map((event) => [event.change, event.incident.id])).toEqual(expectedIncidents.map((id) => ['CREATED', id]));
    const recorded = fieldOf<{ position: { id: string } }>(await positions.until(options.positions), 'policyPositionRecorded');
    expect(recorded.map((event) => event.position.id)).toEqual(expectedPositions);
    reports.dispose();
    positions.dispose();
    await incidents.close();
    await client.dispose();
  });

  it('the seed announces every incident, report and position it loads', async () => {
    const fresh = await createTestDatabase();
    const other = await startTestServer(fresh.url);
    try {
      const client = wsClient(other.url);
      const registered = nextSubscription(other.events);
      const reports = collect(client, 'subscription { reportAdded { report { url } } }');
      await registered;
      expect((await loadSeed(fresh.sql)).loaded).toBe(true);
      const seeded = await fresh.sql<{ url: string }[]>`select url from reports order by id`;
      expect(seeded.length).toBeGreaterThan(5);
      const received = await reports.until(seeded.length);
      expect(fieldOf<{ report: { url: string } }>(received, 'reportAdded').map((event) => event.report.url)).toEqual(seeded.map((row) => row.url));
      const [counts] = await fresh.sql<{ incidents: number; positions: number; created: number; recorded: number }[]>`
        select (select count(*)::int from incidents) as incidents, (select count(*)::int from policy_positions) as positions,
               (select count(*)::int from events where kind = 'incident_created') as created,
               (select count(*)::int from events where kind = 'position_recorded') as recorded
      `;
      expect(counts).toMatchObject({ created: counts!.incidents, recorded: counts!.positions });
      reports.dispose();
      await client.dispose();
    } finally {
      await other.stop();
      await fresh.drop();
    }
  });
});
