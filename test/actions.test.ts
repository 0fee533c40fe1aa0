// Actions through the API as an editor and a dashboard use them: recording the dispute as it happened (who
// demanded what of whom, by when, under what threat, stake and law, and how it was answered), updating under
// optimistic concurrency, retracting, every failure typed with nothing written, the lists and filters that
// read them, their history, and the actionChanged subscription with replay.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../src/auth/keys.js';
import { wsClient } from './helpers/clients.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { createActor, createReport, dataOf, globalId } from './helpers/factories.js';
import { startTestServer, subscribedOn, type TestServer } from './helpers/server.js';
import { ERROR_FIELDS, callerWithKey, expectNoUnexpectedErrors, expectNothingWritten, localId, resultOf, type UserErrorShape } from './helpers/writes.js';

let db: TestDatabase;
let server: TestServer;
let editorKey: string;
const fixture = { ministry: '', minister: '', company: '', chief: '', topic: '', otherTopic: '', report: '', report2: '', law: '' };

beforeAll(async () => {
  db = await createTestDatabase();
  editorKey = (await issueKey(db.sql, 'action desk', 'editor')).key;
  const ministry = await createActor(db.sql, { kind: 'military', name: 'Ministry of Tests' });
  fixture.ministry = globalId('Actor', ministry.id);
  fixture.minister = globalId('Actor', (await createActor(db.sql, { kind: 'person', name: 'Minister Example' })).id);
  const company = await createActor(db.sql, { kind: 'ai_developer', name: 'Model Maker' });
  fixture.company = globalId('Actor', company.id);
  fixture.chief = globalId('Actor', (await createActor(db.sql, { kind: 'person', name: 'Chief Example' })).id);
  const topics = await db.sql<{ id: string }[]>`
    insert into policy_topics (slug, name) values ('access', 'Access'), ('coercion', 'Coercion') returning id
  `;
  fixture.topic = globalId('PolicyTopic', topics[0]!.id);
  fixture.otherTopic = globalId('PolicyTopic', topics[1]!.id);
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

const ACTION_FIELDS = `
  id kind version summary outcome retractedAt threatenedConsequence speakerDescription
  actor { id } speaker { id } addressees { id }
  occurred { display precision }
  deadline { display stated date { date precision } }
  stakes { amount currency approximate description display }
  legalInstruments { note instrument { slug name jurisdiction } }
  respondsTo { id } responses { id }
  topics { id }
  sources { claim excerpt report { id } }
`;

type ActionShape = {
  __typename: string;
  id: string;
  kind: string;
  version: number;
  summary: string;
  outcome: string | null;
  retractedAt: string | null;
  threatenedConsequence: string | null;
  speakerDescription: string | null;
  actor: { id: string };
  speaker: { id: string } | null;
  addressees: Array<{ id: string }>;
  occurred: { display: string; precision: string };
  deadline: { display: string; stated: string | null; date: { date: string | null; precision: string } } | null;
  stakes: Array<{ amount: string; currency: string; approximate: boolean; description: string; display: string }>;
  legalInstruments: Array<{ note: string; instrument: { slug: string; name: string; jurisdiction: string } }>;
  respondsTo: { id: string } | null;
  responses: Array<{ id: string }>;
  topics: Array<{ id: string }>;
  sources: Array<{ claim: string; excerpt: string | null; report: { id: string } }>;
};

const RECORD = `mutation ($input: RecordActionInput!) {
  recordAction(input: $input) { __typename ... on Action { ${ACTION_FIELDS} } ${ERROR_FIELDS} }
}`;
const UPDATE = `mutation ($id: ID!, $expectedVersion: Int!, $patch: ActionPatch!) {
  updateAction(id: $id, expectedVersion: $expectedVersion, patch: $patch) {
    __typename ... on Action { ${ACTION_FIELDS} } ${ERROR_FIELDS} ... on VersionConflict { expectedVersion currentVersion }
  }
}`;
const RETRACT = `mutation ($id: ID!) { retractAction(id: $id) { __typename ... on Action { id retractedAt version } ${ERROR_FIELDS} } }`;
const UPSERT_LAW = `mutation ($input: UpsertLegalInstrumentInput!) {
  upsertLegalInstrument(input: $input) { __typename ... on LegalInstrument { id slug name jurisdiction } ${ERROR_FIELDS} }
}`;

function ultimatumInput(overrides: Record<string, unknown> = {}) {
  return {
    kind: 'ULTIMATUM',
    actor: fixture.ministry,
    speaker: fixture.minister,
    addressees: [fixture.company, fixture.chief],
    summary: 'Demanded unrestricted access to the models.',
    occurred: { date: '2026-02-01', precision: 'MONTH' },
    deadline: { stated: 'by Friday' },
    threatenedConsequence: 'Exclusion from supply chains.',
    stakes: [{ amount: '200000000', currency: 'usd', approximate: true, description: 'a contract' }],
    legalInstruments: [{ instrument: fixture.law, note: 'possible invocation threatened' }],
    outcome: 'PENDING',
    topics: [fixture.topic, fixture.otherTopic],
    sources: [{ report: fixture.report }, { report: fixture.report2, locator: 'paragraph 2' }],
    ...overrides,
  };
}

let ultimatum: ActionShape;
let refusal: ActionShape;

describe('recordAction, updateAction, retractAction', () => {
  it('records an ultimatum with its deadline in words, stake, law, addressees and sources', async () => {
    const law = await resultOf<{ __typename: string; id: string; jurisdiction: string }>(
      call(UPSERT_LAW, { input: { name: 'Defense Production Act', jurisdiction: 'us' } }),
    );
    expect(law).toMatchObject({ __typename: 'LegalInstrument', jurisdiction: 'US' });
    fixture.law = law.id;

    ultimatum = await resultOf<ActionShape>(call(RECORD, { input: ultimatumInput() }));
    expect(ultimatum).toMatchObject({
      __typename: 'Action',
      kind: 'ULTIMATUM',
      version: 1,
      outcome: 'PENDING',
      actor: { id: fixture.ministry },
      speaker: { id: fixture.minister },
      speakerDescription: null,
      occurred: { display: '2026-02', precision: 'MONTH' },
      // No date is worked out from the words.
      deadline: { display: 'by Friday (date not given)', stated: 'by Friday', date: { date: null, precision: 'UNKNOWN' } },
      stakes: [{ amount: '200000000.00', currency: 'USD', approximate: true, description: 'a contract', display: 'about USD 200,000,000' }],
      legalInstruments: [{ note: 'possible invocation threatened', instrument: { slug: 'defense-production-act', name: 'Defense Production Act', jurisdiction: 'US' } }],
      respondsTo: null,
      responses: [],
    });
    // Organisations before people.
    expect(ultimatum.addressees).toEqual([{ id: fixture.company }, { id: fixture.chief }]);
    expect(ultimatum.topics.map((t) => t.id).sort()).toEqual([fixture.topic, fixture.otherTopic].sort());
    expect(ultimatum.sources.map((s) => s.report.id).sort()).toEqual([fixture.report, fixture.report2].sort());
    const [event] = await db.sql<{ kind: string; attributes: Record<string, unknown> }[]>`
      select kind, attributes from events where entity_id = ${localId(ultimatum.id)} and kind like 'action%'
    `;
    expect(event).toMatchObject({ kind: 'action_recorded', attributes: { kind: 'ultimatum', outcome: 'pending', topicIds: expect.any(Array) } });
  });

  it('records a refusal answering it, with no speaker, and a statement by an unnamed speaker', async () => {
    refusal = await resultOf<ActionShape>(
      call(RECORD, {
        input: {
          kind: 'REFUSAL', actor: fixture.company, summary: 'Refused two of the uses demanded.', respondsTo: ultimatum.id,
          occurred: { date: '2026-02-01', precision: 'MONTH' }, topics: [fixture.topic], sources: [{ report: fixture.report }],
        },
      }),
    );
    expect(refusal).toMatchObject({ kind: 'REFUSAL', speaker: null, speakerDescription: null, outcome: null, respondsTo: { id: ultimatum.id } });
    const statement = await resultOf<ActionShape>(
      call(RECORD, {
        input: {
          kind: 'STATEMENT', actor: fixture.ministry, speakerDescription: 'an anonymous official', summary: 'Said talks continue.',
          occurred: { date: '2026-02-20', precision: 'DAY' }, sources: [{ report: fixture.report2 }],
        },
      }),
    );
    expect(statement).toMatchObject({ speaker: null, speakerDescription: 'an anonymous official', deadline: null });
    const data = dataOf(await call<{ node: { responses: Array<{ id: string }> } }>(`query ($id: ID!) { node(id: $id) { ... on Action { responses { id } } } }`, { id: ultimatum.id }));
    expect(data.node.responses).toEqual([{ id: refusal.id }]);
  });

  const failures: Array<{ name: string; input: () => Record<string, unknown>; field: string; rule?: string; type?: string }> = [
    { name: 'no source', input: () => ultimatumInput({ sources: [] }), field: 'sources', rule: 'required' },
    { name: 'a named and a described speaker', input: () => ultimatumInput({ speakerDescription: 'a spokesperson' }), field: 'speakerDescription', rule: 'one-speaker' },
    { name: 'a date in the future', input: () => ultimatumInput({ occurred: { date: `${new Date().getUTCFullYear() + 1}-01-01`, precision: 'DAY' } }), field: 'occurred', rule: 'not-in-future' },
    { name: 'an amount that is not a decimal', input: () => ultimatumInput({ stakes: [{ amount: 'about 200m', currency: 'USD' }] }), field: 'stakes[0].amount', rule: 'decimal' },
    { name: 'a currency that is not ISO 4217', input: () => ultimatumInput({ stakes: [{ amount: '5', currency: 'dollars' }] }), field: 'stakes[0].currency', rule: 'iso-4217' },
    { name: 'an impact claim', input: () => ultimatumInput({ sources: [{ report: fixture.report, claim: 'RECORDS_AFFECTED' }] }), field: 'sources[0].claim', rule: 'record-only' },
    { name: 'an unknown addressee', input: () => ultimatumInput({ addressees: [globalId('Actor', '987654321')] }), field: 'addressees', type: 'NotFoundError' },
    { name: 'an unknown report', input: () => ultimatumInput({ sources: [{ report: globalId('Report', '987654321') }] }), field: 'sources[0].report', type: 'NotFoundError' },
    { name: 'an unknown action answered', input: () => ultimatumInput({ respondsTo: globalId('Action', '987654321') }), field: 'respondsTo', type: 'NotFoundError' },
  ];
  for (const failure of failures) {
    it(`refuses ${failure.name}, and writes nothing`, async () => {
      const answer = await expectNothingWritten(db.sql, () => resultOf<UserErrorShape>(call(RECORD, { input: failure.input() })));
      expect(answer).toMatchObject({ __typename: failure.type ?? 'ValidationError', field: failure.field, ...(failure.rule ? { rule: failure.rule } : {}) });
    });
  }

  it('accepts a deadline date in the future: a deadline is not a past event', async () => {
    const nextYear = `${new Date().getUTCFullYear() + 1}-03-06`;
    const action = await resultOf<ActionShape>(call(RECORD, { input: ultimatumInput({ deadline: { date: nextYear, stated: 'by Friday' } }) }));
    expect(action.deadline).toMatchObject({ display: `by Friday (${nextYear})`, date: { date: nextYear, precision: 'DAY' } });
    await resultOf(call(RETRACT, { id: action.id }));
  });

  it('updates under an expected version, replacing lists and adding sources; a stale version is a VersionConflict', async () => {
    const updated = await resultOf<ActionShape>(
      call(UPDATE, { id: ultimatum.id, expectedVersion: 1, patch: { outcome: 'LAPSED', addressees: [fixture.company], sources: [{ report: fixture.report, excerpt: 'by Friday' }] } }),
    );
    expect(updated).toMatchObject({ version: 2, outcome: 'LAPSED', addressees: [{ id: fixture.company }], speaker: { id: fixture.minister } });
    expect(updated.sources).toHaveLength(3);
    const stale = await expectNothingWritten(db.sql, () =>
      resultOf<{ __typename: string; expectedVersion: number; currentVersion: number }>(call(UPDATE, { id: ultimatum.id, expectedVersion: 1, patch: { outcome: 'MET' } })),
    );
    expect(stale).toMatchObject({ __typename: 'VersionConflict', expectedVersion: 1, currentVersion: 2 });
    // Describing a speaker replaces the named one; null clears a field.
    const described = await resultOf<ActionShape>(
      call(UPDATE, { id: ultimatum.id, expectedVersion: 2, patch: { speakerDescription: 'a spokesperson', outcome: null } }),
    );
    expect(described).toMatchObject({ version: 3, speaker: null, speakerDescription: 'a spokesperson', outcome: null });
  });

  it('refuses an answer that would make an action answer itself', async () => {
    const answer = await expectNothingWritten(db.sql, () =>
      resultOf<UserErrorShape>(call(UPDATE, { id: ultimatum.id, expectedVersion: 3, patch: { respondsTo: refusal.id } })),
    );
    expect(answer).toMatchObject({ __typename: 'ValidationError', field: 'respondsTo', rule: 'no-cycle' });
  });

  it('keeps the history: who changed which fields from what to what, newest first', async () => {
    const data = dataOf(
      await call<{ node: { history: { totalCount: number; edges: Array<{ node: { change: string; by: string | null; version: number | null; fields: Array<{ field: string; before: unknown; after: unknown }> } }> } } }>(
        `query ($id: ID!) { node(id: $id) { ... on Action { history(first: 10) { totalCount edges { node { change by version fields { field before after } } } } } } }`,
        { id: ultimatum.id },
      ),
    );
    const entries = data.node.history.edges.map((edge) => edge.node);
    expect(entries.map((e) => [e.change, e.version, e.by])).toEqual([
      ['updated', 3, 'action desk'],
      ['updated', 2, 'action desk'],
      ['created', 1, 'action desk'],
    ]);
    expect(data.node.history.totalCount).toBe(3);
    expect(entries[0]!.fields).toEqual([
      { field: 'outcome', before: 'lapsed', after: null },
      { field: 'speaker_description', before: null, after: 'a spokesperson' },
      { field: 'speaker_id', before: Number(localId(fixture.minister)), after: null },
    ]);
    expect(entries[1]!.fields.map((f) => f.field)).toEqual(['addressees', 'outcome', 'sources']);
  });

  it('retracts once; a retracted action leaves the lists unless asked, and cannot be updated', async () => {
    const action = await resultOf<ActionShape>(call(RECORD, { input: ultimatumInput({ summary: 'Recorded in error.' }) }));
    const retracted = await resultOf<{ retractedAt: string | null; version: number }>(call(RETRACT, { id: action.id }));
    expect(retracted.retractedAt).not.toBeNull();
    const again = await expectNothingWritten(db.sql, () => resultOf<UserErrorShape>(call(RETRACT, { id: action.id })));
    expect(again).toMatchObject({ __typename: 'ValidationError', field: 'id' });
    const update = await expectNothingWritten(db.sql, () =>
      resultOf<UserErrorShape>(call(UPDATE, { id: action.id, expectedVersion: retracted.version, patch: { outcome: 'MET' } })),
    );
    expect(update).toMatchObject({ __typename: 'ValidationError', rule: 'retracted' });
    const list = async (filter: Record<string, unknown>) =>
      dataOf(await call<{ actions: { totalCount: number; edges: Array<{ node: { id: string } }> } }>(
        'query ($filter: ActionFilter) { actions(first: 50, filter: $filter) { totalCount edges { node { id } } } }',
        { filter },
      )).actions;
    expect((await list({ search: '"recorded in error"' })).totalCount).toBe(0);
    expect((await list({ search: '"recorded in error"', includeRetracted: true })).edges).toEqual([{ node: { id: action.id } }]);
  });
});

describe('reading actions', () => {
  type Page = { totalCount: number; edges: Array<{ node: { id: string; kind: string } }> };
  const list = async (filter: Record<string, unknown>) =>
    dataOf(await call<{ actions: Page }>('query ($filter: ActionFilter) { actions(first: 50, filter: $filter) { totalCount edges { node { id kind } } } }', { filter })).actions;

  it('filters by actor, addressee, topic, legal instrument, kind, outcome, dates and text', async () => {
    const ids = async (filter: Record<string, unknown>) => (await list(filter)).edges.map((edge) => edge.node.id).sort();
    expect(await ids({ actor: fixture.company })).toEqual([refusal.id]);
    expect(await ids({ addressee: fixture.company })).toEqual([ultimatum.id]);
    expect(await ids({ addressee: fixture.chief })).toEqual([]);
    expect(await ids({ topic: fixture.otherTopic })).toEqual([ultimatum.id]);
    expect(await ids({ legalInstrument: fixture.law })).toEqual([ultimatum.id]);
    expect(await ids({ kind: ['REFUSAL'] })).toEqual([refusal.id]);
    expect((await list({ kind: ['STATEMENT'] })).totalCount).toBe(1);
    expect(await ids({ outcome: ['PENDING', 'LAPSED'] })).toEqual([]);
    // A month-precision action reaches into every day of its month.
    expect(await ids({ from: '2026-02-15', to: '2026-02-15', kind: ['ULTIMATUM', 'REFUSAL'] })).toEqual([ultimatum.id, refusal.id].sort());
    expect(await ids({ to: '2026-01-31' })).toEqual([]);
    expect(await ids({ search: 'supply chains' })).toEqual([ultimatum.id]);
    const bad = await call('{ actions(filter: { from: "2026-03-01", to: "2026-02-01" }) { totalCount } }');
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('lists actions on actors by role, on topics and on legal instruments, batched', async () => {
    const data = dataOf(
      await call<Record<string, { actions: Page }>>(
        `query ($company: ID!, $minister: ID!, $topic: ID!, $law: ID!) {
          company: node(id: $company) { ... on Actor { actions(first: 10) { totalCount edges { node { id kind } } } } }
          addressed: node(id: $company) { ... on Actor { actions(first: 10, roles: [ADDRESSEE]) { totalCount edges { node { id kind } } } } }
          minister: node(id: $minister) { ... on Actor { actions(first: 10, roles: [SPEAKER]) { totalCount edges { node { id kind } } } } }
          topic: node(id: $topic) { ... on PolicyTopic { actions(first: 10, kind: [REFUSAL]) { totalCount edges { node { id kind } } } } }
          law: node(id: $law) { ... on LegalInstrument { actions(first: 10) { totalCount edges { node { id kind } } } } }
        }`,
        { company: fixture.company, minister: fixture.minister, topic: fixture.topic, law: fixture.law },
      ),
    );
    expect(data.company!.actions.edges.map((e) => e.node.id).sort()).toEqual([ultimatum.id, refusal.id].sort());
    expect(data.addressed!.actions.edges.map((e) => e.node.id)).toEqual([ultimatum.id]);
    // The minister no longer speaks for the ultimatum (the update described an unnamed speaker instead).
    expect(data.minister!.actions).toEqual({ totalCount: 0, edges: [] });
    expect(data.topic!.actions.edges.map((e) => e.node.kind)).toEqual(['REFUSAL']);
    expect(data.law!.actions.totalCount).toBe(1);
  });

  it('puts actions and their deadlines on the timeline; a deadline in words sits at its action, and says so', async () => {
    const data = dataOf(
      await call<{ timeline: { edges: Array<{ node: { type: string; basis: string; date: { display: string }; node: { __typename: string; stated?: string; action?: { id: string } } } }> } }>(
        `query ($actor: ID!) {
          timeline(direction: ASC, filter: { types: [ACTION, DEADLINE], actor: $actor }) {
            edges { node { type basis date { display } node { __typename ... on Deadline { stated action { id } } } } }
          }
        }`,
        { actor: fixture.company },
      ),
    );
    const entries = data.timeline.edges.map((edge) => edge.node);
    expect(entries.map((e) => [e.type, e.date.display, e.basis])).toEqual([
      ['ACTION', '2026-02', 'OCCURRED'],
      ['ACTION', '2026-02', 'OCCURRED'],
      ['DEADLINE', '2026-02', 'SET_BY_ACTION'],
    ]);
    expect(entries[2]!.node).toEqual({ __typename: 'Deadline', stated: 'by Friday', action: { id: ultimatum.id } });
  });
});

describe('actionChanged', () => {
  it('delivers recorded, updated and retracted actions, filtered, and replays after a cursor', async () => {
    const client = wsClient(server.url);
    const SUBSCRIPTION = `subscription ($filter: ActionChangedFilter, $after: String) {
      actionChanged(filter: $filter, after: $after) { cursor change action { summary outcome addressees { id } } }
    }`;
    type Event = { cursor: string; change: string; action: { summary: string; outcome: string | null } };
    const all = await subscribedOn(server, client, SUBSCRIPTION);
    const addressed = await subscribedOn(server, client, SUBSCRIPTION, { filter: { addressee: fixture.company, changes: ['RECORDED', 'UPDATED'] } });
    const refusals = await subscribedOn(server, client, SUBSCRIPTION, { filter: { kind: ['REFUSAL'] } });

    const demand = await resultOf<ActionShape>(call(RECORD, { input: ultimatumInput({ kind: 'DEMAND', summary: 'A live demand.', addressees: [fixture.company] }) }));
    await resultOf<ActionShape>(call(UPDATE, { id: demand.id, expectedVersion: 1, patch: { outcome: 'MET' } }));
    await resultOf<ActionShape>(call(RECORD, { input: { kind: 'REFUSAL', actor: fixture.company, summary: 'A live refusal.', respondsTo: demand.id, sources: [{ report: fixture.report }] } }));
    await resultOf(call(RETRACT, { id: demand.id }));

    const events = (await all.until(4)).map((r) => (r.data as { actionChanged: Event }).actionChanged);
    expect(events.map((e) => [e.change, e.action.summary])).toEqual([
      ['RECORDED', 'A live demand.'],
      ['UPDATED', 'A live demand.'],
      ['RECORDED', 'A live refusal.'],
      ['RETRACTED', 'A live demand.'],
    ]);
    expect((await addressed.until(2)).map((r) => (r.data as { actionChanged: Event }).actionChanged.change)).toEqual(['RECORDED', 'UPDATED']);
    expect((await refusals.until(1)).map((r) => (r.data as { actionChanged: Event }).actionChanged.action.summary)).toEqual(['A live refusal.']);

    const resumed = await subscribedOn(server, client, SUBSCRIPTION, { after: events[1]!.cursor });
    expect((await resumed.until(2)).map((r) => (r.data as { actionChanged: Event }).actionChanged.change)).toEqual(['RECORDED', 'RETRACTED']);
    for (const subscription of [all, addressed, refusals, resumed]) subscription.dispose();
    await client.dispose();
  });
});
