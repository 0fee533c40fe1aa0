// Retention: the service prunes events older than EVENT_RETENTION or beyond EVENT_RETENTION_COUNT, from the
// start of the log, in small batches, one process at a time, never past a writer still open; a cursor older
// than what is kept is refused as expired (over graphql-ws and SSE), and a replay that loses its cursor to
// pruning ends with the same error instead of skipping events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventLog } from '../src/data/event-log.js';
import { submitReport } from '../src/data/report-changes.js';
import { writeTransaction } from '../src/data/transactions.js';
import { encodeEventCursor } from '../src/events/cursor.js';
import { positionOf } from '../src/events/log.js';
import { createEventHub } from '../src/live/index.js';
import { announce } from '../src/live/topic.js';
import { reportTopic } from '../src/live/topics/report.js';
import { createLogger } from '../src/logger.js';
import { collect, sseSubscribe, wsClient } from './helpers/clients.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const DAY = 86_400_000;
const REPORT_ADDED = 'subscription ($after: String) { reportAdded(after: $after) { cursor report { title } } }';

let db: TestDatabase;
let server: TestServer;
let sequence = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  // Pruning only when asked (the interval is long), in batches of 3 to see batching at work.
  server = await startTestServer(db.url, { retention: { maxAgeMs: 30 * DAY, maxCount: 1_000_000, minAgeMs: 0, batch: 3, intervalMs: DAY } });
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

/** Writes `count` reports and returns the ids of their events, oldest first. */
async function write(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    sequence += 1;
    const { report } = await submitReport(db.sql, { url: `https://retention.example.org/${sequence}`, title: `Report ${sequence}`, publisher: 'p' });
    const [event] = await db.sql<{ id: string }[]>`select id::text as id from events where kind = 'report_added' and entity_id = ${report.id}`;
    ids.push(event!.id);
  }
  return ids;
}

/** Makes these events look `days` old. */
async function age(ids: string[], days: number): Promise<void> {
  await db.sql`update events set created_at = now() - make_interval(days => ${days}) where id = any(${ids}::bigint[])`;
}

/** Makes every event in the log look `days` old. */
async function ageAll(days: number): Promise<number> {
  const aged = await db.sql`update events set created_at = now() - make_interval(days => ${days})`;
  return aged.count;
}

async function kept(ids: string[]): Promise<string[]> {
  const rows = await db.sql<{ id: string }[]>`select id::text as id from events where id = any(${ids}::bigint[]) order by id`;
  return rows.map((row) => row.id);
}

/** The first result of subscribing after `cursor` over graphql-ws. */
async function resumeOverWebSocket(cursor: string) {
  const client = wsClient(server.url);
  try {
    const [result] = await collect(client, REPORT_ADDED, { after: cursor }).until(1);
    return result!;
  } finally {
    await client.dispose();
  }
}

describe('retention', () => {
  it('prunes events older than the retention age in batches, and refuses their cursors as expired over graphql-ws and SSE', async () => {
    const ids = await write(5);
    await age(ids.slice(0, 4), 31);
    const batches: number[] = [];
    const onPruned = ({ deleted }: { deleted: number }) => batches.push(deleted);
    server.events.on('retention:pruned', onPruned);
    try {
      expect(await server.events.prune()).toBe(4);
    } finally {
      server.events.off('retention:pruned', onPruned);
    }
    expect(batches).toEqual([3, 1]);
    expect(await kept(ids)).toEqual([ids[4]]);
    expect(server.logs.some((line) => line.includes('pruned old events') && line.includes('"deleted":4'))).toBe(true);

    const expired = await resumeOverWebSocket(encodeEventCursor(ids[1]!));
    expect(expired.errors?.[0]).toMatchObject({ message: expect.stringContaining('after has expired'), extensions: { code: 'BAD_USER_INPUT' } });
    const overSse = sseSubscribe(server.url, REPORT_ADDED, { after: encodeEventCursor(ids[3]!) });
    expect((await overSse.open).status).toBe(400);
    const [sseResult] = await overSse.until(1);
    expect(sseResult!.errors?.[0]?.message).toContain('after has expired');
    await overSse.close();

    // The cursor of a kept event still resumes, with what came after it.
    const [later] = await write(1);
    const resumed = await resumeOverWebSocket(encodeEventCursor(ids[4]!));
    expect((resumed.data as { reportAdded: { cursor: string } }).reportAdded.cursor).toBe(encodeEventCursor(later!));
  });

  it('keeps about the newest EVENT_RETENTION_COUNT events, pruning the older ones', async () => {
    const ids = await write(6);
    const hub = createEventHub({ sql: db.sql, url: db.url, logger: createLogger('silent'), retention: { maxAgeMs: 30 * DAY, maxCount: 2, minAgeMs: 0 } });
    await hub.prune();
    expect(await kept(ids)).toEqual(ids.slice(4));
    const [row] = await db.sql<{ count: number }[]>`select count(*)::int as count from events`;
    expect(row!.count).toBe(2);
  });

  it('lets one process prune at a time, and several at once lose nothing and delete nothing twice', async () => {
    const ids = await write(7);
    // Pruning goes from the start of the log: everything before these must go too.
    const total = await ageAll(40);
    const hub = (batch: number) =>
      createEventHub({ sql: db.sql, url: db.url, logger: createLogger('silent'), retention: { maxAgeMs: 30 * DAY, maxCount: 1_000_000, minAgeMs: 0, batch } });

    // Another process holds the pruning lock: this one does not wait for it, it leaves the work to it.
    let release!: () => void;
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const other = db.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(7215017, 4)`;
      held();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await holding;
    expect(await hub(2).prune()).toBe(0);
    release();
    await other;

    const deleted = await Promise.all([hub(2).prune(), hub(3).prune(), hub(2).prune()]);
    expect(deleted.reduce((sum, n) => sum + n, 0)).toBe(total);
    expect(await kept(ids)).toEqual([]);
  });

  it('never prunes past a writer still open, and does not wait for it', async () => {
    const [reportRow] = await db.sql<{ id: string }[]>`select min(id)::text as id from reports`;
    let release!: () => void;
    let appended!: (id: string) => void;
    const pending = new Promise<string>((resolve) => (appended = resolve));
    const writer = writeTransaction(db.sql, async (tx) => {
      const [id] = await announce(tx, reportTopic, 'report_added', [{ id: reportRow!.id }]);
      appended(id!);
      await new Promise<void>((resolve) => (release = resolve));
    });
    const open = await pending;
    // Committed after the open writer took its place in the log, and old enough to prune (as is all before).
    const after = await write(2);
    const total = await ageAll(40);
    expect(await server.events.prune()).toBe(0);
    expect(await kept(after)).toEqual(after);
    release();
    await writer;
    // The open writer's event committed; it is young, so the prefix stops there and the old ones after it stay.
    expect(await kept([open])).toEqual([open]);
    await age([open], 40);
    expect(await server.events.prune()).toBe(total + 1);
    expect(await kept([open, ...after])).toEqual([]);
  });

  it('ends a replay whose cursor is pruned under it, rather than skipping what was pruned', async () => {
    const ids = await write(3);
    const log = eventLog(db.sql, db.url);
    const [first] = await db.sql<{ id: string; xact_id: string }[]>`select id::text as id, xact_id::text as xact_id from events where id = ${ids[0]!}`;
    const end = await log.settledEnd();
    expect((await log.readRange(positionOf(first!), end, ['report_added'], 10)) as unknown[]).toHaveLength(2);
    await db.sql`delete from events where id = ${ids[0]!}`;
    expect(await log.readRange(positionOf(first!), end, ['report_added'], 10)).toBe('expired');
  });
});
