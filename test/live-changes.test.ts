// The two other subscriptions end to end, over real sockets: incidentChanged (created, updated, merged; filters
// on severity, country, actor, AI system and kind of change) and policyPositionRecorded (filters on topic, actor and stance),
// each with nested fields resolved and with `after` resuming exactly where a client left off; and the
// reportAdded filters that test/live.test.ts does not cover (incident, actor, AI system, country).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../src/auth/keys.js';
import { collect, sseSubscribe, wsClient } from './helpers/clients.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { createActor, createAiSystem, createReport, globalId } from './helpers/factories.js';
import { mutateWith, nextSubscription, startTestServer, subscribedOn, type TestServer } from './helpers/server.js';

let db: TestDatabase;
let server: TestServer;
let editorKey: string;
const fixture = { actor: '', otherActor: '', system: '', report: '', topic: '', otherTopic: '' };

beforeAll(async () => {
  db = await createTestDatabase();
  editorKey = (await issueKey(db.sql, 'live changes tests', 'editor')).key;
  fixture.actor = globalId('Actor', (await createActor(db.sql, { kind: 'government', name: 'Ministry of Tests', country: 'MX' })).id);
  const developer = await createActor(db.sql, { kind: 'ai_developer', name: 'Other Actor' });
  fixture.otherActor = globalId('Actor', developer.id);
  fixture.system = globalId('AiSystem', (await createAiSystem(db.sql, { developerId: developer.id })).id);
  fixture.report = globalId('Report', (await createReport(db.sql)).id);
  const topics = await db.sql<{ id: string }[]>`
    insert into policy_topics (slug, name) values ('live-topic', 'Live topic'), ('other-live-topic', 'Other live topic') returning id
  `;
  fixture.topic = globalId('PolicyTopic', topics[0]!.id);
  fixture.otherTopic = globalId('PolicyTopic', topics[1]!.id);
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

const INCIDENT = 'id slug title severity version countries actors { role actor { name } }';
const CREATE = `mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { __typename ... on Incident { ${INCIDENT} } } }`;
const UPDATE = `mutation ($id: ID!, $expectedVersion: Int!, $patch: IncidentPatch!) {
  updateIncident(id: $id, expectedVersion: $expectedVersion, patch: $patch) { __typename ... on Incident { ${INCIDENT} } }
}`;
const MERGE = `mutation ($sourceId: ID!, $targetId: ID!) { mergeIncidents(sourceId: $sourceId, targetId: $targetId) { __typename ... on Incident { ${INCIDENT} } } }`;
const INCIDENT_CHANGED = `subscription ($filter: IncidentChangedFilter, $after: String) {
  incidentChanged(filter: $filter, after: $after) { cursor change incident { ${INCIDENT} } }
}`;

interface IncidentShape {
  __typename: 'Incident';
  id: string;
  slug: string;
  title: string;
  severity: string;
  version: number;
  countries: string[];
  actors: Array<{ role: string; actor: { name: string } }>;
}
type Change = { cursor: string; change: string; incident: Omit<IncidentShape, '__typename'> };

function changesOf(results: Array<{ data?: Record<string, unknown> | null }>): Change[] {
  return results.map((result) => (result.data as { incidentChanged: Change }).incidentChanged);
}

/** "CHANGE title" for each change: what a dashboard would list. */
function summary(results: Array<{ data?: Record<string, unknown> | null }>): string[] {
  return changesOf(results).map((change) => `${change.change} ${change.incident.title}`);
}

describe('incidentChanged', () => {
  it('delivers created, updated and merged changes with nested fields, filtered on the server', async () => {
    const client = wsClient(server.url);
    const all = await subscribed(client, INCIDENT_CHANGED);
    const severeCreatesAndUpdates = await subscribed(client, INCIDENT_CHANGED, { filter: { severityAtLeast: 'HIGH', changes: ['CREATED', 'UPDATED'] } });
    const mexico = await subscribed(client, INCIDENT_CHANGED, { filter: { country: 'MX' } });
    const ofActor = await subscribed(client, INCIDENT_CHANGED, { filter: { actor: fixture.actor } });
    const ofSystem = await subscribed(client, INCIDENT_CHANGED, { filter: { aiSystem: fixture.system } });

    const minor = await mutate<IncidentShape>(CREATE, { input: { title: 'Minor', severity: 'LOW', countries: ['US'] } });
    const major = await mutate<IncidentShape>(CREATE, {
      input: { title: 'Major', severity: 'CRITICAL', countries: ['MX'], actors: [{ actor: fixture.actor, role: 'VICTIM' }] },
    });
    await mutate<IncidentShape>(UPDATE, { id: minor.id, expectedVersion: minor.version, patch: { severity: 'HIGH' } });
    await mutate<IncidentShape>(MERGE, { sourceId: minor.id, targetId: major.id });
    // Every filter takes this one; each subscriber's events arrive in order, so once it has arrived, anything
    // a filter let through wrongly would have arrived before it.
    await mutate<IncidentShape>(CREATE, {
      input: {
        title: 'Sentinel',
        severity: 'CRITICAL',
        countries: ['MX'],
        actors: [{ actor: fixture.actor, role: 'VICTIM' }],
        aiSystems: [{ aiSystem: fixture.system, role: 'PRIMARY_TOOL' }],
      },
    });

    expect(summary(await all.until(6))).toEqual(['CREATED Minor', 'CREATED Major', 'UPDATED Minor', 'MERGED_AWAY Minor', 'MERGED Major', 'CREATED Sentinel']);
    expect(summary(await severeCreatesAndUpdates.until(3))).toEqual(['CREATED Major', 'UPDATED Minor', 'CREATED Sentinel']);
    expect(summary(await mexico.until(3))).toEqual(['CREATED Major', 'MERGED Major', 'CREATED Sentinel']);
    expect(summary(await ofActor.until(3))).toEqual(['CREATED Major', 'MERGED Major', 'CREATED Sentinel']);
    expect(summary(await ofSystem.until(1))).toEqual(['CREATED Sentinel']);

    const created = changesOf(await all.until(6))[1]!;
    expect(created.incident).toMatchObject({ id: major.id, severity: 'CRITICAL', countries: ['MX'] });
    expect(created.incident.actors).toEqual([{ role: 'VICTIM', actor: { name: 'Ministry of Tests' } }]);
    all.dispose();
    severeCreatesAndUpdates.dispose();
    mexico.dispose();
    ofActor.dispose();
    ofSystem.dispose();
    await client.dispose();
  });

  it('resumes after a cursor with exactly the changes missed, in order', async () => {
    const client = wsClient(server.url);
    const first = await subscribed(client, INCIDENT_CHANGED);
    let incident = await mutate<IncidentShape>(CREATE, { input: { title: 'Resumed', severity: 'MEDIUM' } });
    const [{ cursor }] = changesOf(await first.until(1)) as [Change];
    first.dispose();
    await client.dispose();

    // Written while nobody listens.
    const versions: number[] = [];
    for (const severity of ['HIGH', 'LOW', 'CRITICAL']) {
      incident = await mutate<IncidentShape>(UPDATE, { id: incident.id, expectedVersion: incident.version, patch: { severity } });
      versions.push(incident.version);
    }

    const again = wsClient(server.url);
    const resumed = await subscribed(again, INCIDENT_CHANGED, { after: cursor });
    const missed = changesOf(await resumed.until(3));
    expect(missed.map((change) => [change.change, change.incident.id])).toEqual(versions.map(() => ['UPDATED', incident.id]));
    // The incident is resolved as it is now; the cursors are each change's own, strictly after the one given.
    expect(new Set(missed.map((change) => change.cursor)).size).toBe(3);
    expect(missed.map((change) => change.cursor)).not.toContain(cursor);
    // And live after the replay, with no duplicate at the boundary.
    await mutate<IncidentShape>(UPDATE, { id: incident.id, expectedVersion: incident.version, patch: { severity: 'MEDIUM' } });
    const next = changesOf(await resumed.until(4));
    expect(next).toHaveLength(4);
    expect(next[3]!.incident.severity).toBe('MEDIUM');
    resumed.dispose();
    await again.dispose();
  });

  it('reaches an SSE subscriber', async () => {
    const registered = nextSubscription(server.events);
    const stream = sseSubscribe(server.url, INCIDENT_CHANGED, { filter: { changes: ['CREATED'] } });
    await registered;
    await mutate<IncidentShape>(CREATE, { input: { title: 'Over SSE' } });
    expect(summary(await stream.until(1))).toEqual(['CREATED Over SSE']);
    await stream.close();
  });
});

const POSITION = 'id stance summary isCurrent actor { name } topic { slug } supersedes { id }';
const RECORD = `mutation ($input: RecordPolicyPositionInput!) {
  recordPolicyPosition(input: $input) { __typename ... on PolicyPosition { ${POSITION} } }
}`;
const RETRACT = `mutation ($id: ID!) { retractPolicyPosition(id: $id) { __typename ... on PolicyPosition { id } } }`;
const POSITION_RECORDED = `subscription ($filter: PolicyPositionRecordedFilter, $after: String) {
  policyPositionRecorded(filter: $filter, after: $after) { cursor change position { ${POSITION} } }
}`;

interface PositionShape {
  __typename: 'PolicyPosition';
  id: string;
  stance: string;
  summary: string;
  isCurrent: boolean;
  actor: { name: string };
  topic: { slug: string };
  supersedes: { id: string } | null;
}
type Recorded = { cursor: string; change: string; position: Omit<PositionShape, '__typename'> };

function positionsOf(results: Array<{ data?: Record<string, unknown> | null }>): Recorded[] {
  return results.map((result) => (result.data as { policyPositionRecorded: Recorded }).policyPositionRecorded);
}

function record(actor: string, topic: string, stance: string, summary: string): Promise<PositionShape> {
  return mutate<PositionShape>(RECORD, {
    input: { actor, topic, stance, summary, statedAt: '2026-02-10', statedPrecision: 'DAY', sources: [{ report: fixture.report }] },
  });
}

describe('policyPositionRecorded', () => {
  it('delivers new positions and their retractions, filtered by change, topic, actor and stance, and resumes after a cursor', async () => {
    const client = wsClient(server.url);
    // No `changes`: every change, recordings and retractions alike.
    const all = await subscribed(client, POSITION_RECORDED);
    const recordedOnly = await subscribed(client, POSITION_RECORDED, { filter: { changes: ['RECORDED'] } });
    const retractions = await subscribed(client, POSITION_RECORDED, { filter: { changes: ['RETRACTED'] } });
    const onTopic = await subscribed(client, POSITION_RECORDED, { filter: { topic: fixture.topic } });
    const supportive = await subscribed(client, POSITION_RECORDED, { filter: { stance: ['SUPPORTS', 'CONDITIONAL'] } });
    const otherActor = await subscribed(client, POSITION_RECORDED, { filter: { actor: fixture.otherActor } });

    const opposes = await record(fixture.actor, fixture.topic, 'OPPOSES', 'Opposes on the topic');
    await record(fixture.otherActor, fixture.otherTopic, 'SUPPORTS', 'Supports the other topic');
    const supersedes = await record(fixture.actor, fixture.topic, 'CONDITIONAL', 'Changes its mind');
    // A retraction is announced as RETRACTED, never as a new position.
    await mutate(RETRACT, { id: supersedes.id });
    await record(fixture.otherActor, fixture.topic, 'SUPPORTS', 'Sentinel');

    const summaries = (results: Array<{ data?: Record<string, unknown> | null }>) => positionsOf(results).map((event) => event.position.summary);
    expect(summaries(await all.until(5))).toEqual(['Opposes on the topic', 'Supports the other topic', 'Changes its mind', 'Changes its mind', 'Sentinel']);
    expect(positionsOf(await all.until(5)).map((event) => event.change)).toEqual(['RECORDED', 'RECORDED', 'RECORDED', 'RETRACTED', 'RECORDED']);
    expect(positionsOf(await recordedOnly.until(4)).map((event) => [event.change, event.position.summary])).toEqual([
      ['RECORDED', 'Opposes on the topic'],
      ['RECORDED', 'Supports the other topic'],
      ['RECORDED', 'Changes its mind'],
      ['RECORDED', 'Sentinel'],
    ]);
    expect(summaries(await onTopic.until(4))).toEqual(['Opposes on the topic', 'Changes its mind', 'Changes its mind', 'Sentinel']);
    expect(summaries(await supportive.until(4))).toEqual(['Supports the other topic', 'Changes its mind', 'Changes its mind', 'Sentinel']);
    expect(summaries(await otherActor.until(2))).toEqual(['Supports the other topic', 'Sentinel']);
    expect(positionsOf(await retractions.until(1)).map((event) => [event.change, event.position.id])).toEqual([['RETRACTED', supersedes.id]]);

    // Nested fields resolved, links included.
    const events = positionsOf(await all.until(5));
    expect(events[2]!.position).toMatchObject({ id: supersedes.id, stance: 'CONDITIONAL', supersedes: { id: opposes.id } });
    expect(events[0]!.position).toMatchObject({ actor: { name: 'Ministry of Tests' }, topic: { slug: 'live-topic' } });

    const resumed = await subscribed(client, POSITION_RECORDED, {
      after: events[1]!.cursor,
      filter: { topic: fixture.topic, changes: ['RECORDED', 'RETRACTED'] },
    });
    expect(summaries(await resumed.until(3))).toEqual(['Changes its mind', 'Changes its mind', 'Sentinel']);
    for (const subscription of [all, recordedOnly, retractions, onTopic, supportive, otherActor, resumed]) subscription.dispose();
    await client.dispose();
  });
});

const SUBMIT = `mutation ($input: SubmitReportInput!) {
  submitReport(input: $input) { __typename ... on SubmitReportPayload { created report { id } } }
}`;
const REPORT_ADDED = `subscription ($filter: ReportAddedFilter) { reportAdded(filter: $filter) { report { title } } }`;

describe('reportAdded filters', () => {
  it('match on the incident, its actors, its AI systems and its countries', async () => {
    const incident = await mutate<IncidentShape>(CREATE, {
      input: {
        title: 'Linked incident',
        countries: ['BR'],
        actors: [{ actor: fixture.otherActor, role: 'ATTACKER' }],
        aiSystems: [{ aiSystem: fixture.system, role: 'PRIMARY_TOOL' }],
      },
    });
    const client = wsClient(server.url);
    const filters = [{ incident: incident.id }, { actor: fixture.otherActor }, { aiSystem: fixture.system }, { country: 'BR' }];
    const subscriptions = [];
    for (const filter of filters) subscriptions.push(await subscribed(client, REPORT_ADDED, { filter }));
    let n = 0;
    const submit = (title: string, incidentIds?: string[]) =>
      mutate(SUBMIT, { input: { url: `https://filters.example.org/${++n}`, title, publisher: 'Example', incidentIds } });

    await submit('Unlinked');
    await submit('Linked', [incident.id]);
    const other = await mutate<IncidentShape>(CREATE, { input: { title: 'Unrelated incident', countries: ['AR'] } });
    await submit('Linked elsewhere', [other.id]);
    await submit('Sentinel', [incident.id]);

    for (const [index, subscription] of subscriptions.entries()) {
      const titles = (await subscription.until(2)).map((result) => (result.data as { reportAdded: { report: { title: string } } }).reportAdded.report.title);
      expect(titles, JSON.stringify(filters[index])).toEqual(['Linked', 'Sentinel']);
      subscription.dispose();
    }
    await client.dispose();
  });
});

describe('a cursor older than the log', () => {
  it('is refused as expired, not silently resumed from a gap', async () => {
    // Two events of its own, so the test stands alone.
    const writes = [1, 2].map((i) => mutate(SUBMIT, { input: { url: `https://expired.example.org/${i}`, title: 'Old', publisher: 'Example' } }));
    await Promise.all(writes);
    const [oldest] = await db.sql<{ id: string }[]>`select min(id)::text as id from events`;
    const cursor = Buffer.from(`event:${oldest!.id}`).toString('base64url');
    // What an operator's clean-up of old events would leave: the cursor's event and the next one are gone.
    await db.sql`delete from events where id <= ${oldest!.id}::bigint + 1`;
    const client = wsClient(server.url);
    const resumed = collect(client, 'subscription ($after: String) { reportAdded(after: $after) { cursor } }', { after: cursor });
    const [result] = await resumed.until(1);
    expect(result!.errors?.[0]).toMatchObject({ message: expect.stringContaining('has expired'), extensions: { code: 'BAD_USER_INPUT' } });
    await client.dispose();
  });
});
