// The response cache on two instances over one database: anonymous reads are served from it, and a write
// on one instance is seen on the other once that instance has read the write's event (or, for catalog
// edits, heard its notice); keyed requests never touch it; a LISTEN reconnect clears it; no client is served
// what another's key let it see. Staleness is shown by changing rows behind the service's back (plain SQL,
// no event, no notice), which only a cache can hide.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { issueKey } from '../src/auth/keys.js';
import { loadSeed } from '../src/data/seed.js';
import type { LoggedEvent } from '../src/events/log.js';
import { schema } from '../src/graphql/index.js';
import { ResponseCache, SchemaShape, eventEntities, type CacheEntity } from '../src/http/response-cache.js';
import { TOPICS } from '../src/live/topics/index.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { dataOf } from './helpers/factories.js';
import { environment, interrupt, killLaunched, launch, serving } from './helpers/process.js';
import { graphql, mutateWith, startTestServer, type TestServer } from './helpers/server.js';
import { localId } from './helpers/writes.js';

let db: TestDatabase;
/** Writes go to `a`; cached reads are made on `b`. */
let a: TestServer;
let b: TestServer;
let editorKey: string;
let adminKey: string;

// Long enough that nothing in a test run expires: every fresh read below comes from an invalidation.
const TTL_MS = 600_000;

beforeAll(async () => {
  db = await createTestDatabase();
  await loadSeed(db.sql);
  editorKey = (await issueKey(db.sql, 'cache tests editor', 'editor')).key;
  adminKey = (await issueKey(db.sql, 'cache tests admin', 'admin')).key;
  a = await startTestServer(db.url, { responseCacheTtlMs: TTL_MS });
  b = await startTestServer(db.url, { responseCacheTtlMs: TTL_MS });
});

afterAll(async () => {
  await killLaunched();
  for (const server of [a, b]) await server?.stop();
  await db?.drop();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/**
 * Resolves once `server`'s hub has read an event that `matches` (its cache heard it first: it observes from
 * before this). Take it before the write.
 */
function eventRead(server: TestServer, matches: (event: LoggedEvent) => boolean): Promise<LoggedEvent> {
  return new Promise((resolve) => {
    const stop = server.events.observe((event) => {
      if (matches(event)) {
        stop();
        resolve(event);
      }
    });
  });
}

/** Reads until `done` holds; fails after `ms`. For notices, which no hook announces; the bound is a bound. */
async function readUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not fresh within ${ms} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const INCIDENT = 'query ($id: ID!) { incident: node(id: $id) { id ... on Incident { title version } } }';
const PAGE = 'query { incidents(first: 100) { totalCount edges { node { id title actors { actor { name } } } } } }';
type IncidentData = { incident: { id: string; title: string; version: number } };
type PageData = { incidents: { totalCount: number; edges: Array<{ node: { id: string; title: string } }> } };

async function anyIncident(): Promise<{ id: string; rowId: string }> {
  const page = dataOf(await graphql<PageData>(b.url, PAGE));
  const id = page.incidents.edges[0]!.node.id;
  return { id, rowId: localId(id) };
}

async function titleOn(server: TestServer, id: string, headers: Record<string, string> = {}): Promise<string> {
  return dataOf(await graphql<IncidentData>(server.url, INCIDENT, { id }, headers)).incident.title;
}

describe('response cache', () => {
  it('serves anonymous reads from the cache, and keyed reads past it', async () => {
    const { id, rowId } = await anyIncident();
    const title = await titleOn(b, id);
    // The plugin's ETag and Last-Modified go out as headers, not in the body.
    const cached = await graphql(b.url, INCIDENT, { id });
    expect((cached.body as { extensions?: unknown }).extensions).toBeUndefined();
    await db.sql`update incidents set title = ${`${title} (changed quietly)`} where id = ${rowId}`;
    try {
      // The quiet change announced nothing: the anonymous read is the cached one.
      expect(await titleOn(b, id)).toBe(title);
      // A keyed request never reads (nor fills) the cache.
      expect(await titleOn(b, id, bearer(editorKey))).toBe(`${title} (changed quietly)`);
    } finally {
      await db.sql`update incidents set title = ${title} where id = ${rowId}`;
    }
  });

  it("shows a write made on one instance on the other once that one has read the write's event", async () => {
    const { id } = await anyIncident();
    const before = dataOf(await graphql<IncidentData>(b.url, INCIDENT, { id })).incident;
    const pageBefore = dataOf(await graphql<PageData>(b.url, PAGE));
    // Cached on b (a second read is served from the cache; the first test shows that).
    expect(await titleOn(b, id)).toBe(before.title);

    const updated = eventRead(b, (event) => event.entity_id === localId(id));
    const newTitle = `${before.title} (revised on a)`;
    await mutateWith(a, editorKey, 'mutation ($id: ID!, $v: Int!, $patch: IncidentPatch!) { updateIncident(id: $id, expectedVersion: $v, patch: $patch) { __typename } }', {
      id,
      v: before.version,
      patch: { title: newTitle },
    });
    await updated;
    expect(await titleOn(b, id)).toBe(newTitle);
    // The cached page showed the incident too.
    const page = dataOf(await graphql<PageData>(b.url, PAGE));
    expect(page.incidents.edges.find((edge) => edge.node.id === id)?.node.title).toBe(newTitle);
    expect(page.incidents.totalCount).toBe(pageBefore.incidents.totalCount);
  });

  it('shows a new incident in a cached list page once its event is read', async () => {
    const before = dataOf(await graphql<PageData>(b.url, PAGE));
    expect(dataOf(await graphql<PageData>(b.url, PAGE))).toEqual(before);
    const createdEvent = eventRead(b, (event) => event.kind === 'incident_created');
    const created = await mutateWith<{ __typename: string; id: string }>(
      a,
      editorKey,
      'mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { __typename ... on Incident { id } } }',
      { input: { title: 'A new incident the cached page must show' } },
    );
    expect((await createdEvent).entity_id).toBe(localId(created.id));
    const after = dataOf(await graphql<PageData>(b.url, PAGE));
    expect(after.incidents.totalCount).toBe(before.incidents.totalCount + 1);
    expect(after.incidents.edges.map((edge) => edge.node.title)).toContain('A new incident the cached page must show');
  });

  it('forgets a catalog record edited on the other instance, which appends no event', async () => {
    const actor = dataOf(
      await graphql<{ actors: { edges: Array<{ node: { id: string; slug: string; name: string; kind: string } }> } }>(
        b.url,
        'query { actors(first: 1) { edges { node { id slug name kind } } } }',
      ),
    ).actors.edges[0]!.node;
    const read = async () =>
      dataOf(await graphql<{ actor: { name: string } }>(b.url, 'query ($id: ID!) { actor: node(id: $id) { ... on Actor { name } } }', { id: actor.id })).actor.name;
    expect(await read()).toBe(actor.name);
    // Cached: a quiet change does not show.
    await db.sql`update actors set name = ${`${actor.name} (quiet)`} where id = ${localId(actor.id)}`;
    expect(await read()).toBe(actor.name);

    await mutateWith(a, editorKey, 'mutation ($input: UpsertActorInput!) { upsertActor(input: $input) { __typename } }', {
      input: { slug: actor.slug, name: `${actor.name} (renamed on a)`, kind: actor.kind },
    });
    expect(await readUntil(read, (name) => name !== actor.name)).toBe(`${actor.name} (renamed on a)`);
  });

  it.each([
    ['no Accept', undefined],
    ['application/json', 'application/json'],
    ['GraphQL over HTTP first', 'application/graphql-response+json, application/json'],
    ['JSON first, with a charset', 'application/json; charset=utf-8, application/graphql-response+json'],
    ['anything', '*/*'],
  ])('answers a cached read (%s) without Yoga exactly as Yoga answers it', async (_label, accept) => {
    const query = `query Hot${Math.random().toString(36).slice(2)}($first: Int!) { incidents(first: $first) { edges { node { id title } } } }`;
    const send = async (variables: Record<string, unknown>) => {
      const response = await fetch(b.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, type: response.headers.get('content-type'), etag: response.headers.get('etag'), body: await response.text() };
    };
    const serve = vi.spyOn(ResponseCache.prototype, 'serve');
    let fromYoga;
    let cached;
    try {
      fromYoga = await send({ first: 3 });
      cached = await send({ first: 3 });
      // The first went on to Yoga (a miss), the second was answered from the cache without it.
      expect(serve.mock.results.map((result) => result.value)).toEqual([false, true]);
    } finally {
      serve.mockRestore();
    }
    expect(fromYoga.status).toBe(200);
    expect(cached).toEqual(fromYoga);
    expect(fromYoga.etag).toMatch(/^[0-9a-f]{64}$/);
  });

  it('listens for events, catalog notices and revocations on one connection per process', async () => {
    const rows = await db.sql<{ name: string; count: number }[]>`
      select application_name as name, count(*)::int as count from pg_stat_activity
      where datname = current_database() and application_name in ('faultline-listen', 'faultline-keys')
      group by application_name
    `;
    expect(rows).toEqual([{ name: 'faultline-listen', count: 2 }]);
  });

  it('clears everything when the LISTEN connection comes back: notices may have been missed', async () => {
    const { id, rowId } = await anyIncident();
    const title = await titleOn(b, id);
    await db.sql`update incidents set title = ${`${title} (while deaf)`} where id = ${rowId}`;
    try {
      expect(await titleOn(b, id)).toBe(title);
      const reconnected = new Promise<void>((resolve) => b.events.once('listen:connected', () => resolve()));
      await db.sql`
        select pg_terminate_backend(pid) from pg_stat_activity
        where application_name = 'faultline-listen' and datname = current_database()
      `;
      await reconnected;
      expect(await titleOn(b, id)).toBe(`${title} (while deaf)`);
    } finally {
      await db.sql`update incidents set title = ${title} where id = ${rowId}`;
    }
  });

  it("never serves one client's authorised data to another", async () => {
    const KEYS = 'query { apiKeys { name } }';
    const admin = await graphql<{ apiKeys: Array<{ name: string }> }>(b.url, KEYS, {}, bearer(adminKey));
    expect(dataOf(admin).apiKeys.map((key) => key.name)).toContain('cache tests admin');
    for (let i = 0; i < 2; i++) {
      const anonymous = await graphql(b.url, KEYS);
      expect(anonymous.body.data?.apiKeys ?? null).toBeNull();
      expect(anonymous.body.errors?.length).toBeGreaterThan(0);
    }
    // An anonymous read cached first is not what a key is served, nor a wrong key.
    const { id, rowId } = await anyIncident();
    const title = await titleOn(b, id);
    await db.sql`update incidents set title = ${`${title} (keyed)`} where id = ${rowId}`;
    try {
      expect(await titleOn(b, id, bearer(adminKey))).toBe(`${title} (keyed)`);
      const wrong = await graphql(b.url, INCIDENT, { id }, bearer('fl_not_a_real_key_0000000000000000'));
      expect(wrong.status).toBe(401);
      expect(wrong.body.data ?? null).toBeNull();
    } finally {
      await db.sql`update incidents set title = ${title} where id = ${rowId}`;
    }
  });
});

describe('RESPONSE_CACHE=true', () => {
  it('caches anonymous reads in the service as started, and forgets them on a write made elsewhere', { timeout: 150_000 }, async () => {
    const service = launch(environment({ DATABASE_URL: db.url, RESPONSE_CACHE: 'true', RESPONSE_CACHE_TTL_MS: String(TTL_MS) }));
    const { url } = await serving(service);
    const read = async () => dataOf(await graphql<IncidentData>(url, INCIDENT, { id })).incident;
    const { id, rowId } = await anyIncident();
    const before = await read();
    await db.sql`update incidents set title = ${`${before.title} (quiet)`} where id = ${rowId}`;
    // Cached: the quiet change does not show.
    expect((await read()).title).toBe(before.title);
    await mutateWith(a, editorKey, 'mutation ($id: ID!, $v: Int!, $patch: IncidentPatch!) { updateIncident(id: $id, expectedVersion: $v, patch: $patch) { __typename } }', {
      id,
      v: before.version,
      patch: { title: `${before.title} (from another instance)` },
    });
    // The launched service reads the event on its own schedule; no hook reaches into another process.
    expect((await readUntil(read, (incident) => incident.title !== before.title)).title).toBe(`${before.title} (from another instance)`);
    expect(await interrupt(service)).toBe(0);
  });
});

describe('response cache rules', () => {
  const shape = new SchemaShape(schema);

  it('knows every event kind of every topic', () => {
    for (const topic of TOPICS) {
      for (const kind of topic.kinds) {
        const event = { id: '1', xact_id: '1', kind, entity_id: '7', attributes: {}, previous: null, created_at: new Date() };
        expect(eventEntities(shape, event), kind).toBeDefined();
      }
    }
  });

  it('forgets the root lists, the records an event names, and on creation every response with its type', () => {
    const names = (entities: CacheEntity[] | undefined) => new Set(entities?.map((entity) => (entity.id ? `${entity.typename}:${entity.id}` : entity.typename)));
    const base = { id: '1', xact_id: '1', entity_id: '7', created_at: new Date() };
    const attributes = { incidentIds: ['7'], actorIds: ['3'], aiSystemIds: [], severityRank: 1, countries: [] };
    const updated = names(eventEntities(shape, { ...base, kind: 'incident_updated', attributes, previous: { ...attributes, actorIds: ['4'] } }));
    expect(shape.rootAggregates).toEqual(expect.arrayContaining(['QueryIncidentsConnection', 'IncidentFacets', 'QuerySearchConnection']));
    for (const root of shape.rootAggregates) expect(updated.has(root)).toBe(true);
    // Global ids, as the plugin reads them from `id` fields; the actor linked before the change too.
    for (const [type, id] of [['Incident', '7'], ['Actor', '3'], ['Actor', '4']] as const) {
      expect(updated.has(`${type}:${Buffer.from(`${type}:${id}`).toString('base64url')}`)).toBe(true);
    }
    expect(updated.has('Incident')).toBe(false);
    const created = names(eventEntities(shape, { ...base, kind: 'incident_created', attributes, previous: null }));
    // Any response showing an incident, an empty list of them (filed under the edge type), or a lookup that found none.
    for (const type of ['Incident', 'Node', 'ActorIncidentsEdge', 'QueryIncidentsConnectionEdge']) expect(created.has(type), type).toBe(true);
    expect(created.has('Query')).toBe(false);
  });

  it('does not store a result whose execution overlapped an invalidation', () => {
    const cache = new ResponseCache({ schema, ttlMs: TTL_MS, logger: createLogger('silent') });
    const result = { data: { ok: true } };
    expect(cache.get('k')).toBeNull();
    void cache.invalidate([{ typename: 'Incident' }]);
    void cache.set('k', result, [{ typename: 'Incident' }], TTL_MS);
    expect(cache.get('k')).toBeNull();
    // Without an invalidation in between, it is stored, and an invalidation by type removes it.
    void cache.set('k', result, [{ typename: 'Incident' }], TTL_MS);
    expect(cache.get('k')).toEqual(result);
    void cache.invalidate([{ typename: 'Incident' }]);
    expect(cache.get('k')).toBeNull();
  });
});
