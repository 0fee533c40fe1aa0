// Who may do what: every mutation refuses anonymous callers (401) and reader keys (403), key management
// refuses editors, bad keys are refused everywhere (HTTP and graphql-ws), and a refused write leaves the
// database exactly as it was. The mutation walk reads the built schema, so a mutation added without
// authScopes fails here without anyone having to remember to list it.
import {
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
} from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { issueKey } from '../src/auth/keys.js';
import { revokeApiKey } from '../src/data/api-keys.js';
import type { Sql } from '../src/db/index.js';
import { loadSeed } from '../src/data/seed.js';
import { encodeGlobalId } from '../src/graphql/errors.js';
import { schema } from '../src/graphql/index.js';
import { collect, wsClient } from './helpers/clients.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { dataOf } from './helpers/factories.js';
import { graphql, nextSubscription, startTestServer, type GraphQLResponse, type TestServer } from './helpers/server.js';

let db: TestDatabase;
let server: TestServer;
let lockedServer: TestServer;
const keys = { reader: '', editor: '', admin: '' };
/** Global ids of seed records (and of a throwaway key), by the type name the walk asks for. */
const ids: Record<string, string> = {};
let expectedVersion = 1;

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

// Mutations only an admin may run; every other one needs an editor.
const ADMIN_ONLY = new Set(['createApiKey', 'revokeApiKey']);
// Every mutation the schema had when this test was written: the walk must at least cover these.
const KNOWN_MUTATIONS = [
  'addCitation', 'attachReport', 'createApiKey', 'createIncident', 'detachReport', 'linkIncident', 'mergeIncidents',
  'recordAction', 'recordPolicyPosition', 'removeCitation', 'retractAction', 'retractPolicyPosition', 'revokeApiKey',
  'submitReport', 'unlinkIncident', 'updateAction', 'updateIncident', 'upsertActor', 'upsertAiSystem',
  'upsertLegalInstrument', 'upsertPolicyTopic',
];
const EXPECTED_TABLES = [
  'actors', 'ai_systems', 'api_keys', 'events', 'incident_actors', 'incident_ai_systems', 'incident_history',
  'incident_reports', 'incident_techniques', 'incidents', 'policy_position_incidents', 'policy_positions',
  'policy_topics', 'reports', 'techniques', 'actions', 'action_addressees', 'action_incidents', 'action_legal_instruments',
  'action_stakes', 'action_topics', 'citations', 'incident_links', 'legal_instruments', 'record_history',
];

// ---- Building an operation for any mutation from its argument types ----------------------------------

/** What an ID argument or input field refers to, by its name (and, for a bare `id`, by the mutation). */
function idTarget(mutation: string, name: string): string {
  const byName: Record<string, string> = {
    incidentId: 'Incident', incidentIds: 'Incident', cites: 'Incident', sourceId: 'IncidentSource',
    targetId: 'IncidentTarget', reportId: 'Report', reports: 'Report', report: 'Report', actor: 'Actor',
    speaker: 'Actor', affiliation: 'Actor', developer: 'Actor', aiSystem: 'AiSystem', parent: 'AiSystem',
    topic: 'PolicyTopic', topics: 'PolicyTopic', addressees: 'Actor', instrument: 'LegalInstrument',
    respondsTo: 'Action', relatedAction: 'Action',
    // Chosen so that no walked mutation changes the version updateIncident and updateAction expect.
    target: 'PolicyPosition', incident: 'IncidentTarget',
  };
  if (byName[name]) return byName[name];
  const byMutation: Record<string, string> = { unlinkIncident: 'IncidentLink', retractAction: 'ActionToRetract' };
  if (name === 'id' && byMutation[mutation]) return byMutation[mutation];
  // A bare `id`: the type the mutation's name mentions (revokeApiKey -> ApiKey, retractPolicyPosition -> ...).
  const mentioned = Object.keys(ids)
    .sort((a, b) => b.length - a.length)
    .find((typename) => mutation.includes(typename));
  return mentioned ?? 'Incident';
}

let unique = 0;
const ALSO_FILLED = new Set(['publisher', 'relatedAction']);

function stringFor(name: string): string {
  unique += 1;
  switch (name) {
    case 'url':
      return `https://auth-walk.example.com/story/${unique}`;
    case 'language':
      return 'en';
    case 'country':
    case 'jurisdiction':
      return 'US';
    case 'amount':
      return '1000';
    case 'currency':
      return 'USD';
    case 'slug':
      return `auth-walk-${unique}`;
    default:
      return `Auth walk ${name} ${unique}`;
  }
}

/** A plausible value of `type` for an argument or input field called `name`. */
function valueFor(mutation: string, name: string, type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return valueFor(mutation, name, type.ofType);
  if (isListType(type)) return [valueFor(mutation, name, type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    const value: Record<string, unknown> = {};
    for (const field of fields) {
      // Required fields, plus dates (so a required precision such as DAY comes with its date), plus what a
      // rule beyond the schema asks: a report's publisher (or description), a DISCUSSED_ALONGSIDE link's action.
      const required = isNonNullType(field.type) && field.defaultValue === undefined;
      if (required || getNamedType(field.type).name === 'Date' || ALSO_FILLED.has(field.name)) {
        value[field.name] = valueFor(mutation, field.name, field.type);
      }
    }
    return value;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'ID': {
        const target = idTarget(mutation, name);
        const id = ids[target];
        if (!id) throw new Error(`the walk has no id for ${target} (argument ${name} of ${mutation})`);
        return id;
      }
      case 'String':
        return stringFor(name);
      case 'Int':
        return name === 'expectedVersion' ? (mutation === 'updateAction' ? 1 : expectedVersion) : 1;
      case 'SafeInt':
      case 'Float':
        return 1;
      case 'Boolean':
        return false;
      case 'Date':
        return '2025-06-01';
      case 'DateTime':
        return '2025-06-01T00:00:00Z';
    }
  }
  throw new Error(`the walk cannot make a value of ${String(type)} for ${mutation}(${name}); teach valueFor`);
}

function userErrorSelection(type: GraphQLOutputType): string {
  const named = getNamedType(type);
  const candidates = isAbstractType(named) ? schema.getPossibleTypes(named) : isObjectType(named) ? [named] : [];
  const canFail = candidates.some((object) => object.getInterfaces().some((i) => i.name === 'UserError'));
  if (!isAbstractType(named) && !isObjectType(named)) return '';
  return canFail ? '{ __typename ... on UserError { message } }' : '{ __typename }';
}

interface Operation {
  name: string;
  query: string;
  variables: Record<string, unknown>;
}

/** A complete, valid operation calling `field` with every required argument filled in. */
function operationFor(field: GraphQLField<unknown, unknown>): Operation {
  const args = field.args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);
  const declarations = args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const call = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const variables = Object.fromEntries(args.map((arg) => [arg.name, valueFor(field.name, arg.name, arg.type)]));
  const query = `mutation Walk${declarations ? `(${declarations})` : ''} { ${field.name}${call ? `(${call})` : ''} ${userErrorSelection(field.type)} }`;
  return { name: field.name, query, variables };
}

function mutationFields(): Array<GraphQLField<unknown, unknown>> {
  const type = schema.getMutationType();
  if (!type) throw new Error('the schema has no Mutation type');
  return Object.values(type.getFields());
}

// ---- Database state ----------------------------------------------------------------------------------

/**
 * Row count and a digest of the contents of every table, so an update that changes no count shows too.
 * A key's last_used_at is bookkeeping of authentication, not a write a refused caller made.
 */
async function databaseState(sql: Sql): Promise<Record<string, { rows: number; digest: string }>> {
  const tables = await sql<{ name: string }[]>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE'
    order by table_name
  `;
  const state: Record<string, { rows: number; digest: string }> = {};
  for (const { name } of tables) {
    const [row] = await sql<{ rows: number; digest: string | null }[]>`
      select count(*)::int as rows,
        md5(string_agg((to_jsonb(t) - 'last_used_at')::text, ',' order by (to_jsonb(t) - 'last_used_at')::text)) as digest
      from ${sql(name)} t
    `;
    state[name] = { rows: row!.rows, digest: row!.digest ?? '' };
  }
  return state;
}

function codeOf(response: GraphQLResponse): unknown {
  return response.body.errors?.[0]?.extensions?.code;
}

// ---- Set-up --------------------------------------------------------------------------------------------

beforeAll(async () => {
  db = await createTestDatabase();
  await loadSeed(db.sql);
  keys.reader = (await issueKey(db.sql, 'auth reader', 'reader')).key;
  keys.editor = (await issueKey(db.sql, 'auth editor', 'editor')).key;
  keys.admin = (await issueKey(db.sql, 'auth admin', 'admin')).key;
  const throwaway = await issueKey(db.sql, 'auth throwaway', 'reader');
  const incidents = await db.sql<{ id: string; version: number }[]>`select id, version from incidents order by id limit 3`;
  expect(incidents).toHaveLength(3);
  const first = async (table: string) => (await db.sql<{ id: string }[]>`select id from ${db.sql(table)} order by id limit 1`)[0]!.id;
  ids.Incident = encodeGlobalId('Incident', incidents[0]!.id);
  ids.IncidentTarget = encodeGlobalId('Incident', incidents[1]!.id);
  ids.IncidentSource = encodeGlobalId('Incident', incidents[2]!.id);
  // A report the first incident does not cite, so that detaching it from that incident is allowed.
  const [report] = await db.sql<{ id: string }[]>`
    select id from reports r
    where not exists (select 1 from citations c where c.report_id = r.id and c.incident_id = ${incidents[0]!.id})
    order by id limit 1
  `;
  ids.Report = encodeGlobalId('Report', report!.id);
  const actions = await db.sql<{ id: string }[]>`select id from actions order by id limit 2`;
  ids.Action = encodeGlobalId('Action', actions[0]!.id);
  ids.ActionToRetract = encodeGlobalId('Action', actions[1]!.id);
  ids.LegalInstrument = encodeGlobalId('LegalInstrument', await first('legal_instruments'));
  // A position citation that is not its position's only one: removing it is allowed.
  const [citation] = await db.sql<{ id: string }[]>`
    select c.id from citations c
    where c.position_id is not null and (select count(*) from citations o where o.position_id = c.position_id) > 1
    order by c.id limit 1
  `;
  ids.Citation = encodeGlobalId('Citation', citation!.id);
  // A link hanging from the incident the merge keeps, so that unlinking it touches neither the updated
  // incident nor a merged one.
  const [link] = await db.sql<{ id: string }[]>`
    with inserted as (
      insert into incident_links (incident_id, related_action_id, relation)
      values (${incidents[1]!.id}, ${actions[0]!.id}, 'discussed_alongside')
      returning id
    )
    insert into citations (link_id, report_id) select id, ${report!.id} from inserted returning link_id as id
  `;
  ids.IncidentLink = encodeGlobalId('IncidentLink', link!.id);
  ids.Actor = encodeGlobalId('Actor', await first('actors'));
  ids.AiSystem = encodeGlobalId('AiSystem', await first('ai_systems'));
  ids.PolicyTopic = encodeGlobalId('PolicyTopic', await first('policy_topics'));
  ids.PolicyPosition = encodeGlobalId('PolicyPosition', await first('policy_positions'));
  ids.ApiKey = encodeGlobalId('ApiKey', throwaway.row.id);
  expectedVersion = incidents[0]!.version;
  server = await startTestServer(db.url);
  lockedServer = await startTestServer(db.url, { requireReadKey: true });
});

// Refusals are expected errors: a masked internal error means a bug, and the log says which.
afterEach(() => {
  const unexpected = [...(server?.logs ?? []), ...(lockedServer?.logs ?? [])].filter((line) => line.includes('unexpected error'));
  if (server) server.logs.length = 0;
  if (lockedServer) lockedServer.logs.length = 0;
  expect(unexpected).toEqual([]);
});

afterAll(async () => {
  await server?.stop();
  await lockedServer?.stop();
  await db?.drop();
});

// ---- Mutations -----------------------------------------------------------------------------------------

describe('every mutation of the schema', () => {
  let operations: Operation[] = [];
  let before: Awaited<ReturnType<typeof databaseState>>;

  it('is walked, known ones included', async () => {
    operations = mutationFields().map(operationFor);
    expect(operations.map((op) => op.name)).toEqual(expect.arrayContaining(KNOWN_MUTATIONS));
    before = await databaseState(db.sql);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(EXPECTED_TABLES));
    expect(before.incidents!.rows).toBeGreaterThan(0);
  });

  it('refuses an anonymous caller with 401 UNAUTHENTICATED', async () => {
    for (const op of operations) {
      const response = await graphql(server.url, op.query, op.variables);
      expect({ mutation: op.name, status: response.status, code: codeOf(response), data: response.body.data ?? null }).toEqual({
        mutation: op.name,
        status: 401,
        code: 'UNAUTHENTICATED',
        data: null,
      });
    }
  });

  it('refuses a reader key with 403 FORBIDDEN', async () => {
    for (const op of operations) {
      const response = await graphql(server.url, op.query, op.variables, bearer(keys.reader));
      expect({ mutation: op.name, status: response.status, code: codeOf(response) }).toEqual({
        mutation: op.name,
        status: 403,
        code: 'FORBIDDEN',
      });
    }
  });

  it('refuses an editor key for key management with 403 FORBIDDEN', async () => {
    const adminOnly = operations.filter((op) => ADMIN_ONLY.has(op.name));
    expect(adminOnly.map((op) => op.name).sort()).toEqual([...ADMIN_ONLY].sort());
    for (const op of adminOnly) {
      const response = await graphql(server.url, op.query, op.variables, bearer(keys.editor));
      expect({ mutation: op.name, status: response.status, code: codeOf(response) }).toEqual({
        mutation: op.name,
        status: 403,
        code: 'FORBIDDEN',
      });
    }
  });

  it('left every table as it was after all the refusals', async () => {
    expect(await databaseState(db.sql)).toEqual(before);
  });

  it('runs the same operations with an admin key: the refusals were about the key, not the arguments', async () => {
    for (const op of operations) {
      const response = await graphql<Record<string, { __typename: string; message?: string } | null>>(
        server.url,
        op.query,
        op.variables,
        bearer(keys.admin),
      );
      const result = response.body.data?.[op.name];
      expect({ mutation: op.name, errors: response.body.errors ?? [], message: result?.message ?? null }).toEqual({
        mutation: op.name,
        errors: [],
        message: null,
      });
    }
    expect(await databaseState(db.sql)).not.toEqual(before);
  });
});

// ---- Keys on reads -------------------------------------------------------------------------------------

const READ = '{ incidents(first: 1) { totalCount } }';

describe('keys on reads', () => {
  it('lets anonymous callers read by default', async () => {
    const response = await graphql<{ incidents: { totalCount: number } }>(server.url, READ);
    expect(response.status).toBe(200);
    expect(dataOf(response).incidents.totalCount).toBeGreaterThan(0);
  });

  it('refuses a revoked, an unknown and a malformed key with 401, even for reads', async () => {
    const revoked = await issueKey(db.sql, 'auth revoked', 'admin');
    expect((await graphql(server.url, READ, {}, bearer(revoked.key))).status).toBe(200);
    await revokeApiKey(db.sql, revoked.row.id);
    const unknown = `fl_${'A'.repeat(43)}`;
    const headers: Array<Record<string, string>> = [
      bearer(revoked.key),
      bearer(unknown),
      bearer('fl_bad'),
      bearer('not-a-key'),
      { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` },
      { authorization: 'Bearer' },
    ];
    for (const header of headers) {
      const response = await graphql(server.url, READ, {}, header);
      expect({ header: header.authorization, status: response.status, code: codeOf(response), data: response.body.data ?? null }).toEqual({
        header: header.authorization,
        status: 401,
        code: 'UNAUTHENTICATED',
        data: null,
      });
      expect(response.body.errors?.[0]?.message).toMatch(/not valid or has been revoked/);
    }
  });

  it('with requireReadKey refuses anonymous reads with 401 and serves a reader key', async () => {
    const anonymous = await graphql(lockedServer.url, READ);
    expect(anonymous.status).toBe(401);
    expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
    expect(anonymous.body.data ?? null).toBeNull();
    const reader = await graphql<{ incidents: { totalCount: number } }>(lockedServer.url, READ, {}, bearer(keys.reader));
    expect(reader.status).toBe(200);
    expect(dataOf(reader).incidents.totalCount).toBeGreaterThan(0);
  });
});

// ---- graphql-ws ----------------------------------------------------------------------------------------

/** Opens a raw graphql-transport-ws socket, sends connection_init and resolves with the close code. */
function rawInitCloseCode(httpUrl: string, payload: Record<string, unknown>): Promise<{ code: number; acked: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    let acked = false;
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
    socket.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') {
        acked = true;
        // Acknowledged: nothing more to learn, close it ourselves.
        socket.close(1000);
      }
    });
    socket.on('close', (code) => resolve({ code, acked }));
    socket.on('error', reject);
  });
}

const ISSUE_TOPIC = `
  mutation ($input: UpsertPolicyTopicInput!) {
    upsertPolicyTopic(input: $input) { __typename ... on PolicyTopic { slug name } ... on UserError { message } }
  }
`;

describe('graphql-ws', () => {
  it('closes a socket that presents a bad key with 4403', async () => {
    expect(await rawInitCloseCode(server.url, { authorization: 'Bearer fl_bad' })).toEqual({ code: 4403, acked: false });
    expect(await rawInitCloseCode(server.url, { apiKey: `fl_${'B'.repeat(43)}` })).toEqual({ code: 4403, acked: false });
    // The same socket with a good key is acknowledged, so the 4403 above was about the key.
    expect(await rawInitCloseCode(server.url, { authorization: `Bearer ${keys.reader}` })).toEqual({ code: 1000, acked: true });
  });

  it('reports the 4403 close to a graphql-ws client', async () => {
    const client = wsClient(server.url, { apiKey: 'fl_bad' });
    const closed = new Promise<number>((resolve) => client.on('closed', (event) => resolve((event as { code: number }).code)));
    const subscription = collect(client, '{ incidents(first: 1) { totalCount } }');
    expect(await closed).toBe(4403);
    await expect(subscription.failed).rejects.toBeDefined();
    await client.dispose();
  });

  it('closes an anonymous socket with 4403 when reads need a key', async () => {
    expect(await rawInitCloseCode(lockedServer.url, {})).toEqual({ code: 4403, acked: false });
    expect(await rawInitCloseCode(lockedServer.url, { authorization: `Bearer ${keys.reader}` })).toEqual({ code: 1000, acked: true });
  });

  it('runs a mutation for an editor key and refuses it anonymously', async () => {
    const editor = wsClient(server.url, { authorization: `Bearer ${keys.editor}` });
    const run = collect(editor, ISSUE_TOPIC, { input: { name: 'Over the socket' } });
    const [result] = await run.until(1);
    expect(result!.errors).toBeUndefined();
    expect(result!.data).toEqual({ upsertPolicyTopic: { __typename: 'PolicyTopic', slug: 'over-the-socket', name: 'Over the socket' } });
    await editor.dispose();

    const anonymous = wsClient(server.url);
    const refused = collect(anonymous, ISSUE_TOPIC, { input: { name: 'Not over the socket' } });
    const [denied] = await refused.until(1);
    expect(denied!.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await anonymous.dispose();
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from policy_topics where slug = 'not-over-the-socket'`;
    expect(row!.n).toBe(0);
  });

  it('delivers a subscription to an anonymous client while reads are open', async () => {
    const client = wsClient(server.url);
    const registered = nextSubscription(server.events);
    const subscription = collect(client, 'subscription { reportAdded { report { url } } }');
    await registered;
    const url = 'https://auth-walk.example.com/anonymous-subscriber';
    const submitted = await graphql(
      server.url,
      'mutation ($input: SubmitReportInput!) { submitReport(input: $input) { __typename } }',
      { input: { url, title: 'For an anonymous subscriber', publisher: 'Example' } },
      bearer(keys.editor),
    );
    expect(dataOf(submitted)).toEqual({ submitReport: { __typename: 'SubmitReportPayload' } });
    const [event] = await subscription.until(1);
    expect(event!.data).toEqual({ reportAdded: { report: { url } } });
    subscription.dispose();
    await client.dispose();
  });
});

// ---- Key management over GraphQL -----------------------------------------------------------------------

const API_KEYS = '{ apiKeys { id name role prefix revokedAt } }';
const CREATE_KEY = `
  mutation ($name: String!, $role: Role!) {
    createApiKey(name: $name, role: $role) {
      __typename
      ... on CreateApiKeyPayload { secret apiKey { id name role prefix revokedAt } }
      ... on UserError { message }
    }
  }
`;
const REVOKE_KEY = `
  mutation ($id: ID!) {
    revokeApiKey(id: $id) { __typename ... on ApiKey { id revokedAt } ... on UserError { message } }
  }
`;

type ApiKeyShape = { id: string; name: string; role: string; prefix: string; revokedAt: string | null };

describe('key management', () => {
  it('lists keys only for an admin, without their secrets', async () => {
    expect((await graphql(server.url, API_KEYS)).status).toBe(401);
    for (const key of [keys.reader, keys.editor]) {
      const response = await graphql(server.url, API_KEYS, {}, bearer(key));
      expect(response.status).toBe(403);
      expect(codeOf(response)).toBe('FORBIDDEN');
    }
    const response = await graphql<{ apiKeys: ApiKeyShape[] }>(server.url, API_KEYS, {}, bearer(keys.admin));
    const listed = dataOf(response).apiKeys;
    expect(listed.map((key) => key.name)).toEqual(expect.arrayContaining(['auth reader', 'auth editor', 'auth admin']));
    const text = JSON.stringify(response.body);
    for (const secret of Object.values(keys)) {
      expect(text).not.toContain(secret);
      expect(listed.some((key) => secret.startsWith(key.prefix))).toBe(true);
    }
  });

  it('creates a key whose secret works as a Bearer key until it is revoked', async () => {
    const created = dataOf(
      await graphql<{ createApiKey: { __typename: string; secret: string; apiKey: ApiKeyShape } }>(
        server.url,
        CREATE_KEY,
        { name: 'made over graphql', role: 'EDITOR' },
        bearer(keys.admin),
      ),
    ).createApiKey;
    expect(created.__typename).toBe('CreateApiKeyPayload');
    expect(created.secret).toMatch(/^fl_[A-Za-z0-9_-]{43}$/);
    expect(created.apiKey).toMatchObject({ name: 'made over graphql', role: 'EDITOR', revokedAt: null });
    expect(created.secret.startsWith(created.apiKey.prefix)).toBe(true);

    // An editor key: it may write, and it still may not manage keys.
    const write = await graphql(server.url, ISSUE_TOPIC, { input: { name: 'Written with a new key' } }, bearer(created.secret));
    expect(dataOf(write)).toMatchObject({ upsertPolicyTopic: { __typename: 'PolicyTopic', slug: 'written-with-a-new-key' } });
    expect((await graphql(server.url, API_KEYS, {}, bearer(created.secret))).status).toBe(403);

    const revoked = dataOf(
      await graphql<{ revokeApiKey: { __typename: string; id: string; revokedAt: string | null } }>(
        server.url,
        REVOKE_KEY,
        { id: created.apiKey.id },
        bearer(keys.admin),
      ),
    ).revokeApiKey;
    expect(revoked).toMatchObject({ __typename: 'ApiKey', id: created.apiKey.id });
    expect(revoked.revokedAt).not.toBeNull();

    for (const query of [READ, API_KEYS]) {
      const response = await graphql(server.url, query, {}, bearer(created.secret));
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0]?.message).toMatch(/not valid or has been revoked/);
    }
    const refusedWrite = await graphql(server.url, ISSUE_TOPIC, { input: { name: 'After revocation' } }, bearer(created.secret));
    expect(refusedWrite.status).toBe(401);
  });

  it('answers NotFoundError for revoking a key that does not exist', async () => {
    const response = await graphql<{ revokeApiKey: { __typename: string } }>(
      server.url,
      REVOKE_KEY,
      { id: encodeGlobalId('ApiKey', '987654321') },
      bearer(keys.admin),
    );
    expect(dataOf(response).revokeApiKey.__typename).toBe('NotFoundError');
  });
});
