// The live side end to end: mutations commit events, one LISTEN connection per process fans them out, and
// subscribers over graphql-ws and SSE receive every event once, in order, through reconnects, restarts,
// a killed LISTEN connection and several server instances on one database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../src/auth/keys.js';
import { submitReport } from '../src/data/report-changes.js';
import { loadSeed } from '../src/data/seed.js';
import { readEventsAfter, readSettledEvents, settledEnd } from '../src/data/event-log.js';
import { writeTransaction } from '../src/data/transactions.js';
import type { Queryable } from '../src/db/index.js';
import { positionOf, type EventPosition } from '../src/events/log.js';
import { announce } from '../src/live/topic.js';
import { reportTopic } from '../src/live/topics/report.js';
import { collect, sseSubscribe, wsClient } from './helpers/clients.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { graphql, nextSubscription, startTestServer, type TestServer } from './helpers/server.js';

let db: TestDatabase;
let server: TestServer;
let editorKey: string;
let sequence = 0;

const REPORT_ADDED = `
  subscription ($after: String, $filter: ReportAddedFilter) {
    reportAdded(after: $after, filter: $filter) {
      cursor
      report { url title language incidents { slug } }
    }
  }
`;

const SUBMIT = `
  mutation ($input: SubmitReportInput!) {
    submitReport(input: $input) {
      __typename
      ... on SubmitReportPayload { created report { id url } }
      ... on UserError { message }
    }
  }
`;

function nextUrl(): string {
  sequence += 1;
  return `https://news.example.org/live/${sequence}`;
}

async function submit(target: TestServer, input: Partial<Record<string, unknown>> = {}) {
  const url = nextUrl();
  const response = await graphql(
    target.url,
    SUBMIT,
    { input: { url, title: `Report ${sequence}`, publisher: 'Example News', language: 'en', ...input } },
    { authorization: `Bearer ${editorKey}` },
  );
  expect(response.body.errors).toBeUndefined();
  return url;
}

type ReportEvent = { reportAdded: { cursor: string; report: { url: string; language: string; incidents: Array<{ slug: string }> } } };

function urlsOf(results: Array<{ data?: Record<string, unknown> | null }>): string[] {
  return results.map((result) => (result.data as ReportEvent).reportAdded.report.url);
}

beforeAll(async () => {
  db = await createTestDatabase();
  await loadSeed(db.sql);
  editorKey = (await issueKey(db.sql, 'live tests', 'editor')).key;
  server = await startTestServer(db.url);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

describe('reportAdded', () => {
  it('reaches a graphql-ws subscriber with nested fields resolved', async () => {
    const client = wsClient(server.url);
    const subscription = collect(client, REPORT_ADDED);
    // The subscription is registered once the server acknowledges it; a first event proves that.
    const first = await submit(server);
    await subscription.until(1);
    const [incident] = await db.sql<{ id: string }[]>`select id from incidents where slug = 'mexico-government-ai-assisted-breach'`;
    const globalId = Buffer.from(`Incident:${incident!.id}`).toString('base64url');
    const second = await submit(server, { incidentIds: [globalId] });
    const results = await subscription.until(2);
    expect(urlsOf(results)).toEqual([first, second]);
    expect((results[1]!.data as ReportEvent).reportAdded.report.incidents).toEqual([{ slug: 'mexico-government-ai-assisted-breach' }]);
    subscription.dispose();
    await client.dispose();
  });

  it('reaches an SSE subscriber', async () => {
    const registered = nextSubscription(server.events);
    const stream = sseSubscribe(server.url, REPORT_ADDED);
    await stream.open;
    await registered;
    const url = await submit(server);
    const results = await stream.until(1);
    expect(urlsOf(results)).toEqual([url]);
    await stream.close();
  });

  it('applies filters on the server', async () => {
    const client = wsClient(server.url);
    const registered = nextSubscription(server.events);
    const spanish = collect(client, REPORT_ADDED, { filter: { language: 'es' } });
    await registered;
    await submit(server, { language: 'en' });
    const wanted = await submit(server, { language: 'es' });
    const results = await spanish.until(1);
    expect(urlsOf(results)).toEqual([wanted]);
    // The English report was committed before the Spanish one, so had it passed the filter it would be first.
    expect(results.every((result) => (result.data as ReportEvent).reportAdded.report.language === 'es')).toBe(true);
    spanish.dispose();
    await client.dispose();
  });

  it('reads the record of an event only when some subscriber takes it', async () => {
    const client = wsClient(server.url);
    const registered = nextSubscription(server.events);
    const spanish = collect(client, REPORT_ADDED, { filter: { language: 'es' } });
    await registered;
    // The record an event announced is stored with it (its snapshot), and read from there.
    const readsOfReports = () => server.statements.filter((statement) => /snapshot from events where id = any/.test(statement)).length;
    /** Writes on the test's own pool, so the server's pool sends only what its hub reads; waits for the hub. */
    const write = async (language: string) => {
      const { report } = await submitReport(db.sql, { url: nextUrl(), title: language, publisher: 'p', language });
      const [event] = await db.sql<{ id: string }[]>`select id::text as id from events where kind = 'report_added' and entity_id = ${report.id}`;
      await waitFor(() => server.events.position === event!.id);
    };
    server.statements.length = 0;
    await write('en');
    expect(readsOfReports()).toBe(0);
    await write('es');
    expect(readsOfReports()).toBe(1);
    expect(urlsOf(await spanish.until(1))).toHaveLength(1);
    spanish.dispose();
    await client.dispose();
  });

  it('does not announce a report submitted twice', async () => {
    const url = await submit(server);
    const before = await db.sql<{ n: number }[]>`select count(*)::int as n from events where kind = 'report_added'`;
    const again = await graphql(server.url, SUBMIT, { input: { url: url.replace('https://news', 'HTTPS://NEWS') + '#top', title: 'x', publisher: 'y' } }, {
      authorization: `Bearer ${editorKey}`,
    });
    expect(again.body.data).toMatchObject({ submitReport: { created: false, report: { url } } });
    const after = await db.sql<{ n: number }[]>`select count(*)::int as n from events where kind = 'report_added'`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('resumes from a cursor with exactly the missed events, in order, then continues live', async () => {
    const client = wsClient(server.url);
    const registered = nextSubscription(server.events);
    const live = collect(client, REPORT_ADDED);
    await registered;
    await submit(server);
    const [event] = await live.until(1);
    const cursor = (event!.data as ReportEvent).reportAdded.cursor;
    live.dispose();
    await client.dispose();

    const missed: string[] = [];
    for (let i = 0; i < 100; i++) missed.push(await submit(server));

    const resumedClient = wsClient(server.url);
    const resumed = collect(resumedClient, REPORT_ADDED, { after: cursor });
    const replayed = await resumed.until(100);
    expect(urlsOf(replayed)).toEqual(missed);
    const liveAfter = await submit(server);
    const all = await resumed.until(101);
    expect(urlsOf(all)).toEqual([...missed, liveAfter]);
    resumed.dispose();
    await resumedClient.dispose();
  });

  it('refuses an unknown or malformed cursor with a clear error', async () => {
    const client = wsClient(server.url);
    const unknown = collect(client, REPORT_ADDED, { after: Buffer.from('event:999999999').toString('base64url') });
    const [unknownResult] = await unknown.until(1);
    expect(unknownResult!.errors?.[0]).toMatchObject({ message: expect.stringContaining('does not know'), extensions: { code: 'BAD_USER_INPUT' } });
    const malformed = collect(client, REPORT_ADDED, { after: 'not-a-cursor' });
    const [malformedResult] = await malformed.until(1);
    expect(malformedResult!.errors?.[0]?.message).toContain('not a subscription cursor');
    await client.dispose();
  });
});

describe('an unexpected error in a live event', () => {
  it('reaches a graphql-ws subscriber masked, with a request id the log carries too', async () => {
    const client = wsClient(server.url);
    const registered = nextSubscription(server.events);
    const subscription = collect(client, REPORT_ADDED);
    await registered;
    // The report itself loads, its incidents cannot: the nested field fails the way a database fault would.
    await db.sql`alter table incident_reports rename to incident_reports_away`;
    try {
      await submit(server);
      const [result] = await subscription.until(1);
      const error = result!.errors?.[0];
      const match = /^Internal server error \(request id ([A-Za-z0-9._-]+)\)$/.exec(error?.message ?? '');
      expect(match, `unmasked: ${error?.message}`).not.toBeNull();
      expect(error?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(JSON.stringify(result)).not.toMatch(/incident_reports/);
      expect(server.logs.some((line) => line.includes(match![1]!) && line.includes('incident_reports'))).toBe(true);
    } finally {
      await db.sql`alter table incident_reports_away rename to incident_reports`;
    }
    subscription.dispose();
    await client.dispose();
  });
});

describe('across processes and failures', () => {
  it('delivers a mutation sent to one instance to a subscriber of another', async () => {
    const other = await startTestServer(db.url);
    try {
      const client = wsClient(other.url);
      const subscription = collect(client, REPORT_ADDED);
      await waitFor(() => other.events.subscriberCount > 0);
      const url = await submit(server);
      expect(urlsOf(await subscription.until(1))).toEqual([url]);
      subscription.dispose();
      await client.dispose();
    } finally {
      await other.stop();
    }
  });

  it('loses nothing when the server restarts under a subscribed client', async () => {
    let first = await startTestServer(db.url);
    const client = wsClient(first.url);
    const registered = nextSubscription(first.events);
    const subscription = collect(client, REPORT_ADDED);
    await registered;
    await submit(first);
    const [event] = await subscription.until(1);
    const cursor = (event!.data as ReportEvent).reportAdded.cursor;
    await first.stop();
    await client.dispose();

    // Written while no server runs at all.
    const whileDown: string[] = [];
    for (let i = 0; i < 5; i++) {
      const url = nextUrl();
      await submitReport(db.sql, { url, title: `offline ${i}`, publisher: 'Example News' });
      whileDown.push(url);
    }
    first = await startTestServer(db.url);
    try {
      const again = wsClient(first.url);
      const resumed = collect(again, REPORT_ADDED, { after: cursor });
      expect(urlsOf(await resumed.until(5))).toEqual(whileDown);
      resumed.dispose();
      await again.dispose();
    } finally {
      await first.stop();
    }
  });

  it('catches up after its LISTEN connection is killed', async () => {
    const client = wsClient(server.url);
    const registered = nextSubscription(server.events);
    const subscription = collect(client, REPORT_ADDED);
    await registered;
    const terminated = await db.sql<{ ok: boolean }[]>`
      select pg_terminate_backend(pid) as ok from pg_stat_activity
      where application_name = 'faultline-listen' and datname = current_database()
    `;
    expect(terminated.length).toBeGreaterThan(0);
    // Written while the LISTEN connection is down: the NOTIFYs are lost, the events are not.
    const urls = [await submit(server), await submit(server), await submit(server)];
    expect(urlsOf(await subscription.until(3))).toEqual(urls);
    subscription.dispose();
    await client.dispose();
  });
});

describe('event log ordering', () => {
  /** Appends one report_added event for a seeded report, as submitReport would. */
  async function appendEvent(tx: Queryable): Promise<string> {
    const [report] = await tx<{ id: string }[]>`select min(id)::text as id from reports`;
    const [id] = await announce(tx, reportTopic, 'report_added', [{ id: report!.id }]);
    return id!;
  }

  /** Every event after `start` in log order, as a reader that started there must see them. */
  async function logAfter(start: EventPosition): Promise<string[]> {
    return (await readEventsAfter(db.sql, start, 100_000)).map((row) => row.id);
  }

  /** A writer that appends one event, then waits for `release` before it commits. */
  function heldWriter(release: Promise<void>): { appended: Promise<string>; done: Promise<void> } {
    let appended!: (id: string) => void;
    const id = new Promise<string>((resolve) => (appended = resolve));
    const done = writeTransaction(db.sql, async (tx) => {
      appended(await appendEvent(tx));
      await release;
    });
    return { appended: id, done };
  }

  it('holds readers below a writer that has not committed, then shows both in log order', async () => {
    const start = await settledEnd(db.sql);
    let releaseFirst!: () => void;
    const first = heldWriter(new Promise((resolve) => (releaseFirst = resolve)));
    const firstId = await first.appended;
    // A second writer starts later and commits first.
    const secondId = await writeTransaction(db.sql, (tx) => appendEvent(tx));
    expect(BigInt(secondId)).toBeGreaterThan(BigInt(firstId));
    // Without the horizon a reader would take the second event now and move its cursor past the first.
    expect((await readEventsAfter(db.sql, start, 10)).map((row) => row.id)).toEqual([secondId]);
    expect(await readSettledEvents(db.sql, start, 10)).toEqual([]);
    releaseFirst();
    await first.done;
    expect((await readSettledEvents(db.sql, start, 10)).map((row) => row.id)).toEqual([firstId, secondId]);
  });

  it('is not held back by transactions that write no events', async () => {
    const start = await settledEnd(db.sql);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    // An ordinary transaction elsewhere in the database, with an xid, open for as long as the test needs.
    const other = db.sql.begin(async (tx) => {
      await tx`select pg_current_xact_id()`;
      holding();
      await gate;
    });
    await held;
    try {
      const id = await writeTransaction(db.sql, (tx) => appendEvent(tx));
      expect((await readSettledEvents(db.sql, start, 10)).map((row) => row.id)).toEqual([id]);
    } finally {
      release();
      await other;
    }
  });

  it('is not held back by writers of another database on the same server', async () => {
    const other = await createTestDatabase();
    await submitReport(other.sql, { url: 'https://other.example.org/1', title: 'Elsewhere', publisher: 'p' });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    // A registered writer of another Faultline database, open with an xid for as long as the test needs.
    const elsewhere = writeTransaction(other.sql, async (tx) => {
      await appendEvent(tx);
      holding();
      await gate;
    });
    try {
      await held;
      const start = await settledEnd(db.sql);
      const id = await writeTransaction(db.sql, (tx) => appendEvent(tx));
      expect((await readSettledEvents(db.sql, start, 10)).map((row) => row.id)).toEqual([id]);
    } finally {
      release();
      await elsewhere;
      await other.drop();
    }
  });

  it('never lets a reader skip an event under concurrent writers that commit out of id order', async () => {
    const start = await settledEnd(db.sql);
    const seen: string[] = [];
    let cursor = start;
    let writing = true;
    const reader = (async () => {
      // Read with a moving cursor while writers commit, exactly as the hub does.
      while (writing) {
        const rows = await readSettledEvents(db.sql, cursor, 1000);
        for (const row of rows) seen.push(row.id);
        if (rows.length > 0) cursor = positionOf(rows[rows.length - 1]!);
      }
      for (const row of await readSettledEvents(db.sql, cursor, 100_000)) seen.push(row.id);
    })();
    const writers = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 25; i++) {
          if (i % 5 === w % 5) {
            // Draw an id, then hold the commit back a little while other writers commit later ids.
            await writeTransaction(db.sql, async (tx) => {
              await appendEvent(tx);
              await tx`select pg_sleep(${(((w * 7 + i * 3) % 10) + 1) / 1000})`;
            });
          } else {
            await submitReport(db.sql, { url: `https://concurrency.example.org/${w}/${i}`, title: 't', publisher: 'p' });
          }
        }
      })(),
    );
    await Promise.all(writers);
    writing = false;
    await reader;
    const all = await logAfter(start);
    expect(all).toHaveLength(200);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(all);
  });
});

/** Polls a condition on the event loop (no fixed sleeps): resolves as soon as it holds, fails after 10 s. */
async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
