// Every change reaches the subscribers it concerns, over real sockets (graphql-ws and SSE): a report attached
// to an incident reaches the reportAdded subscribers it now matches; an incident that leaves a filter is
// announced once as LEFT_FILTER; bulk loads (the seed, import:atlas) are announced; a replay shows records as
// the events announced them; SSE messages carry their cursor as `id:` and resume from Last-Event-ID.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../src/auth/keys.js';
import type { AtlasData } from '../src/data/atlas.js';
import { importAtlas } from '../src/data/atlas-import.js';
import { loadSeed } from '../src/data/seed.js';
import { collect, sseSubscribe, wsClient, type ExecutionResultLike } from './helpers/clients.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { createActor, globalId } from './helpers/factories.js';
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
