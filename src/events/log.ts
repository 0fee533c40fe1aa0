import type postgres from 'postgres';
import type { Queryable, Sql } from '../db/index.js';
import { reserveConnection } from '../db/reserved.js';

type ReservedSql = postgres.ReservedSql<Record<string, never>>;

export const EVENT_KINDS = [
  'report_added',
  'incident_created',
  'incident_updated',
  'incident_merged',
  'position_recorded',
  'position_retracted',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** What subscription filters match on, captured when the event is written. */
export interface EventAttributes {
  incidentIds?: string[];
  actorIds?: string[];
  aiSystemIds?: string[];
  countries?: string[];
  language?: string;
  severityRank?: number;
  topicId?: string;
  stance?: string;
}

/** One row of the append-only event log. */
export interface EventRow {
  id: string;
  /** The writing transaction's id (xid8): the first half of the event's position in the log. */
  xact_id: string;
  kind: EventKind;
  entity_id: string;
  attributes: EventAttributes;
  created_at: Date;
}

/**
 * Where an event sits in the log: the log is ordered by the writing transaction's id, then the event id.
 * Every reader sees the same total order, and an event that commits later never sorts before one a reader
 * could already have read (see `readSettledEvents`).
 */
export interface EventPosition {
  xact: bigint;
  id: bigint;
}

/** Before every event. */
export const LOG_START: EventPosition = { xact: 0n, id: 0n };

/** The position of a log row. */
export function positionOf(event: Pick<EventRow, 'xact_id' | 'id'>): EventPosition {
  return { xact: BigInt(event.xact_id), id: BigInt(event.id) };
}

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export function comparePositions(a: EventPosition, b: EventPosition): number {
  if (a.xact !== b.xact) return a.xact < b.xact ? -1 : 1;
  return a.id === b.id ? 0 : a.id < b.id ? -1 : 1;
}

/** The channel NOTIFY uses; the payload is the last event id written, or empty (NOTIFY payloads are capped at 8000 bytes). */
export const EVENTS_CHANNEL = 'faultline_events';

// Every transaction that may append events holds this advisory lock in SHARED mode from its first
// statement on: writers never wait for each other, but readers can list them in pg_locks. Two int4 keys
// appear in pg_locks as classid, objid and objsubid = 2. One constant for every instance.
const WRITER_LOCK_CLASS = 7_215_017;
const WRITER_LOCK_OBJECT = 3;

/** Open write transactions, and the last event id each appended (for the NOTIFY sent after it ends). */
const writers = new WeakMap<object, { lastEvent: string }>();

/**
 * Runs `work` in a transaction that may append events, and wakes every process's event hub once it has
 * ended. The transaction first registers as a writer (a shared advisory lock; it must come before the
 * transaction takes an xid, see `readSettledEvents`). The NOTIFY goes out after COMMIT, not inside the
 * transaction: PostgreSQL serialises the commits of notifying transactions, WAL flush included, which
 * capped writes at one flush each. It is sent after a rollback too, because while this transaction ran it
 * held readers back, and nothing else would tell them it is over. A NOTIFY lost to a crash here is made up
 * by the hub's poll.
 *
 * It runs on a reserved connection rather than `sql.begin` so that statements whose results nothing waits
 * for travel together: BEGIN and the registration go out with the work's first statement, and the NOTIFY
 * with COMMIT. PostgreSQL runs them in order on the one connection. Each round trip saved is a write to the
 * socket, which bench/README.md found to be the largest single cost of a mutation.
 */
export async function writeTransaction<T>(sql: Sql, work: (tx: Queryable) => Promise<T>): Promise<T> {
  const connection = await reserveConnection(sql);
  const writer = { lastEvent: '' };
  writers.set(connection, writer);
  // Awaited below; the catch only keeps a failure from counting as unhandled before that.
  const begun = connection.unsafe('begin').execute();
  const registered = connection`select pg_advisory_xact_lock_shared(${WRITER_LOCK_CLASS}, ${WRITER_LOCK_OBJECT})`.execute();
  begun.catch(() => {});
  registered.catch(() => {});
  let ended = false;
  try {
    const result = await work(connection);
    await begun;
    await registered;
    const committed = connection.unsafe('commit').execute();
    ended = true;
    wake(connection, writer.lastEvent);
    await committed;
    return result;
  } catch (error) {
    if (!ended) {
      ended = true;
      const rolledBack = connection.unsafe('rollback').execute();
      wake(connection, '');
      // A rollback that fails (the connection is gone) rolls back all the same; the work's error is the news.
      await rolledBack.catch(() => {});
    }
    throw error;
  }
}

/**
 * Sends the wake-up NOTIFY right behind COMMIT or ROLLBACK on the same connection and gives the connection
 * back once it has run. Nobody waits for it; a failure (the database went away) is covered by the hub's poll.
 */
function wake(connection: ReservedSql, lastEvent: string): void {
  // The transaction is over: this connection no longer takes appends.
  writers.delete(connection);
  void connection`select pg_notify(${EVENTS_CHANNEL}, ${lastEvent})`
    .execute()
    .catch(() => {})
    .finally(() => connection.release());
}

/**
 * Appends an event inside a transaction opened by `writeTransaction`. The row carries the transaction's
 * id, which orders it in the log; readers learn of it from the NOTIFY `writeTransaction` sends after commit.
 */
export async function appendEvent(
  tx: Queryable,
  event: { kind: EventKind; entityId: string; attributes: EventAttributes },
): Promise<string> {
  const writer = writers.get(tx);
  // An unregistered writer could commit an event below a horizon a reader has passed: refuse it loudly.
  if (!writer) throw new Error('appendEvent needs a transaction opened by writeTransaction');
  const [row] = await tx<{ id: string }[]>`
    insert into events (id, kind, entity_id, attributes, xact_id)
    values (nextval('events_id_seq'), ${event.kind}, ${event.entityId},
            ${tx.json(event.attributes as Record<string, never>)}, pg_current_xact_id())
    returning id::text as id
  `;
  writer.lastEvent = row!.id;
  return row!.id;
}

/**
 * The safe horizon: the oldest transaction id that may still commit an event. Every event whose xact_id is
 * below it has committed (or never will), and every event committed from now on has an xact_id at or above
 * it, so a reader that stays below it never passes an event that commits later.
 *
 * Why this holds: a writer registers (shared lock) before it takes an xid. Each still-registered writer
 * with an xid bounds the horizon by that xid; a registered writer without one, or one that registers
 * later, will get an xid at or above the snapshot's xmax, which bounds it too. A transaction below the
 * horizon that is not registered has finished or never appends events. pg_locks is read after this
 * statement's snapshot is taken, so a writer that ends in between is seen in neither (its xid is then in
 * the snapshot's in-progress list only if it was running at the snapshot, and it counts there): the
 * events must therefore be read by a later statement, with a later snapshot. pg_locks holds 32-bit xids;
 * they are matched against the snapshot's 64-bit in-progress list. Unlike the snapshot's own xmin, this
 * ignores other transactions in the cluster, so a long transaction elsewhere does not stall the log.
 */
export async function safeHorizon(sql: Queryable): Promise<bigint> {
  const [row] = await sql<{ horizon: string }[]>`
    with snapshot as (select pg_current_snapshot() as s),
    locks as materialized (select pid, locktype, database, classid, objid, objsubid, mode, granted, transactionid from pg_locks),
    writer_xids as (
      select own.transactionid::text::bigint as xid32
      from locks writer
      join locks own on own.pid = writer.pid and own.locktype = 'transactionid' and own.mode = 'ExclusiveLock' and own.granted
      where writer.locktype = 'advisory' and writer.classid = ${WRITER_LOCK_CLASS}
        and writer.objid = ${WRITER_LOCK_OBJECT} and writer.objsubid = 2
        -- Advisory locks belong to a database; pg_locks shows the whole cluster's. Writers of other
        -- databases (another Faultline on the same server) append to other logs and must not hold this back.
        and writer.database = (select oid from pg_database where datname = current_database())
    )
    select least(
      pg_snapshot_xmax(s),
      (select min(running) from pg_snapshot_xip(s) running
       where running::text::bigint % 4294967296 in (select xid32 from writer_xids))
    )::text as horizon
    from snapshot
  `;
  return BigInt(row!.horizon);
}

/**
 * Events after `after`, in log order, at most `limit`: only kinds in `kinds` if given, only positions up
 * to `upTo` if given, only transactions below `below` if given. Without `below` or `upTo` the result may
 * pass an event that commits later; use `readSettledEvents` for a moving cursor.
 */
export async function readEventsAfter(
  sql: Queryable,
  after: EventPosition,
  limit: number,
  bounds: { kinds?: readonly EventKind[]; below?: bigint; upTo?: EventPosition } = {},
): Promise<EventRow[]> {
  const { kinds, below, upTo } = bounds;
  return sql<EventRow[]>`
    select id::text as id, xact_id::text as xact_id, kind, entity_id, attributes, created_at
    from events
    where (xact_id, id) > (${after.xact.toString()}::xid8, ${after.id.toString()}::bigint)
      ${kinds ? sql`and kind = any(${kinds as EventKind[]})` : sql``}
      ${below !== undefined ? sql`and xact_id < ${below.toString()}::xid8` : sql``}
      ${upTo ? sql`and (xact_id, id) <= (${upTo.xact.toString()}::xid8, ${upTo.id.toString()}::bigint)` : sql``}
    -- Qualified: unqualified, ORDER BY would sort by the text columns of the select list.
    order by events.xact_id, events.id
    limit ${limit}
  `;
}

/**
 * Events after `after` that no later commit can sort before: two statements, the horizon first, then the
 * events below it with a newer snapshot. This is how a reader with a moving cursor reads the log.
 */
export async function readSettledEvents(
  sql: Queryable,
  after: EventPosition,
  limit: number,
  kinds?: readonly EventKind[],
): Promise<EventRow[]> {
  const below = await safeHorizon(sql);
  return readEventsAfter(sql, after, limit, { kinds, below });
}

/** The last settled position in the log: where a reader that wants only new events starts. */
export async function settledEnd(sql: Queryable): Promise<EventPosition> {
  const below = await safeHorizon(sql);
  const [row] = await sql<{ id: string; xact_id: string }[]>`
    select id::text as id, xact_id::text as xact_id from events
    where xact_id < ${below.toString()}::xid8
    order by events.xact_id desc, events.id desc
    limit 1
  `;
  return row ? positionOf(row) : LOG_START;
}

/**
 * The position of the event with this id, or why there is none: 'expired' when the id was issued and is older
 * than every event kept (the log was pruned past it, possibly to nothing), 'unknown' otherwise (never issued,
 * or its transaction rolled back).
 */
export async function eventPosition(sql: Queryable, id: string): Promise<EventPosition | 'expired' | 'unknown'> {
  const [row] = await sql<{ xact_id: string | null; oldest: string | null; issued: string }[]>`
    select (select xact_id::text from events where id = ${id}) as xact_id,
           (select min(id)::text from events) as oldest,
           (select case when is_called then last_value else 0 end::text from events_id_seq) as issued
  `;
  if (row?.xact_id) return { xact: BigInt(row.xact_id), id: BigInt(id) };
  const wanted = BigInt(id);
  const olderThanKept = row?.oldest == null || wanted < BigInt(row.oldest);
  return row && wanted <= BigInt(row.issued) && olderThanKept ? 'expired' : 'unknown';
}
