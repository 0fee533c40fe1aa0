// The event log's SQL: write transactions that may append events, appends, settled reads, snapshots, cursor
// lookups, retention and the LISTEN connection. The hub (src/events/hub.ts) reaches all of it through the
// `EventLog` port that `eventLog` implements; writes reach it through src/live/topic.ts.
import postgres, { type Fragment } from 'postgres';
import type { Queryable, Sql } from '../db/index.js';
import { reserveConnection } from '../db/reserved.js';
import {
  EVENTS_CHANNEL,
  LOG_START,
  positionOf,
  type CursorLookup,
  type EventLog,
  type EventPosition,
  type LogListener,
  type LoggedEvent,
  type RetentionBounds,
} from '../events/log.js';

type ReservedSql = postgres.ReservedSql<Record<string, never>>;

/** SQL for a jsonb value about one record (its filter attributes, its snapshot), given an expression for its id. */
export type RecordSql = (sql: Queryable, id: Fragment) => Fragment;

/** How a record type's events capture it: the attributes filters match on, and the snapshot of the record. */
export interface RecordCapture {
  attributes: RecordSql;
  snapshot: RecordSql;
}

// Every transaction that may append events holds this advisory lock in SHARED mode from its first
// statement on: writers never wait for each other, but readers can list them in pg_locks. Two int4 keys
// appear in pg_locks as classid, objid and objsubid = 2. One constant for every instance.
const WRITER_LOCK_CLASS = 7_215_017;
const WRITER_LOCK_OBJECT = 3;
// Held (try-lock, per transaction) by whoever prunes: several instances never prune at once.
const PRUNE_LOCK_OBJECT = 4;

/** Open write transactions, and the last event id each appended (for the NOTIFY sent after it ends). */
const writers = new WeakMap<object, { lastEvent: string }>();

/**
 * Runs `work` in a transaction that may append events, and wakes every process's event hub once it has
 * ended. Writes that never append (catalog upserts) use `sql.begin` instead: they neither register nor wake
 * anyone. The transaction first registers as a writer (a shared advisory lock; it must come before the
 * transaction takes an xid, see `safeHorizon`). The NOTIFY goes out after COMMIT, not inside the
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
export async function eventTransaction<T>(sql: Sql, work: (tx: Queryable) => Promise<T>): Promise<T> {
  // Guarded: postgres.js can write to a closed socket from a reserved connection (src/db/reserved.ts).
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

/** From this many records in one append, the write is a bulk load (see appendEvents). */
const BULK_RECORDS = 1_000;

/** One event to append: the record it announces and, for changes, the record's attributes before. */
export interface AppendedRecord {
  id: string;
  /** The record's filter attributes before the change, as `captureAttributes` read them. */
  previous?: unknown;
  /** Its attributes now, when the writer knows them without asking (a report linked to nothing, say). */
  attributes?: unknown;
}

/**
 * Appends one event of `kind` per record, in the order given, inside a transaction opened by
 * `eventTransaction`. The attributes and the snapshot (the record as announced, so a replay shows what was
 * true then) are read by `capture`'s SQL in the same statement, so they are exactly what the transaction
 * sees after its change; the rows carry the transaction's id, which orders them in the log. Returns the
 * event ids.
 */
export async function appendEvents(
  tx: Queryable,
  kind: string,
  capture: RecordCapture,
  records: readonly AppendedRecord[],
): Promise<string[]> {
  if (records.length === 0) return [];
  const writer = writers.get(tx);
  // An unregistered writer could commit an event below a horizon a reader has passed: refuse it loudly.
  if (!writer) throw new Error('appendEvents needs a transaction opened by eventTransaction');
  const items = records.map((record) => ({ id: record.id, previous: record.previous ?? null, attributes: record.attributes ?? null }));
  const id = tx`item.entity_id`;
  // Attributes the writer gave are used as they are: the statement then reads only what the snapshot needs.
  const attributes = records.every((record) => record.attributes !== undefined) ? tx`item.attributes` : capture.attributes(tx, id);
  // A bulk load's append is thousands of tiny index lookups, which PostgreSQL's cost estimate mistakes for a
  // query worth compiling: with JIT, announcing an import of 10,000 reports cost about twice as much as with
  // it off (bench/import-events.ts). Off for the rest of this transaction, which is the bulk load's own.
  if (records.length >= BULK_RECORDS) await tx`set local jit = off`;
  // nextval in the outer query, over the ordered items: ids follow the order given.
  const rows = await tx<{ id: string }[]>`
    insert into events (id, kind, entity_id, attributes, previous, snapshot, xact_id)
    select nextval('events_id_seq'), ${kind}, item.entity_id, ${attributes}, item.previous,
           ${capture.snapshot(tx, id)}, pg_current_xact_id()
    from (
      select (value ->> 'id')::bigint as entity_id, nullif(value -> 'previous', 'null'::jsonb) as previous,
             value -> 'attributes' as attributes
      from jsonb_array_elements(${tx.json(items as never)}) with ordinality as given(value, n)
      order by n
    ) item
    returning id::text as id
  `;
  writer.lastEvent = rows[rows.length - 1]!.id;
  return rows.map((row) => row.id);
}

/** The filter attributes of these records as the transaction sees them now, by record id (before a change). */
export async function captureAttributes(tx: Queryable, attributes: RecordSql, ids: readonly string[]): Promise<Map<string, unknown>> {
  if (ids.length === 0) return new Map();
  const rows = await tx<{ id: string; attributes: unknown }[]>`
    select record.id::text as id, ${attributes(tx, tx`record.id`)} as attributes
    from unnest(${ids as string[]}::bigint[]) as record(id)
  `;
  return new Map(rows.map((row) => [row.id, row.attributes]));
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

const eventColumns = (sql: Queryable) => sql`
  id::text as id, xact_id::text as xact_id, kind, entity_id::text as entity_id, attributes, previous, created_at
`;

/**
 * Events after `after`, in log order, at most `limit`: only kinds in `kinds` if given, only positions up
 * to `upTo` if given, only transactions below `below` if given. Without `below` or `upTo` the result may
 * pass an event that commits later; use `readSettledEvents` for a moving cursor.
 */
export async function readEventsAfter(
  sql: Queryable,
  after: EventPosition,
  limit: number,
  bounds: { kinds?: readonly string[]; below?: bigint; upTo?: EventPosition } = {},
): Promise<LoggedEvent[]> {
  const { kinds, below, upTo } = bounds;
  return sql<LoggedEvent[]>`
    select ${eventColumns(sql)}
    from events
    where (xact_id, id) > (${after.xact.toString()}::xid8, ${after.id.toString()}::bigint)
      ${kinds ? sql`and kind = any(${kinds as string[]})` : sql``}
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
export async function readSettledEvents(sql: Queryable, after: EventPosition, limit: number, kinds?: readonly string[]): Promise<LoggedEvent[]> {
  const below = await safeHorizon(sql);
  return readEventsAfter(sql, after, limit, { kinds, below });
}

/**
 * Like `readEventsAfter` up to `upTo`, but 'expired' when the event at `after` is gone: retention deletes
 * the log from its start in log order, so while that event is there, every event after it is too. The
 * check and the read share one statement, hence one snapshot.
 */
async function readRange(
  sql: Queryable,
  after: EventPosition,
  upTo: EventPosition,
  kinds: readonly string[],
  limit: number,
): Promise<LoggedEvent[] | 'expired'> {
  if (after.id === 0n) return readEventsAfter(sql, after, limit, { kinds, upTo });
  const rows = await sql<RangeRow[]>`
    select e.*, kept_check.kept
    from (select exists(select 1 from events where id = ${after.id.toString()}::bigint) as kept) kept_check
    left join lateral (
      select ${eventColumns(sql)}, xact_id as sort_xact, events.id as sort_id
      from events
      where (xact_id, id) > (${after.xact.toString()}::xid8, ${after.id.toString()}::bigint)
        and (xact_id, id) <= (${upTo.xact.toString()}::xid8, ${upTo.id.toString()}::bigint)
        and kind = any(${kinds as string[]})
      order by events.xact_id, events.id
      limit ${limit}
    ) e on kept_check.kept
    order by e.sort_xact, e.sort_id
  `;
  if (rows[0] && !rows[0].kept) return 'expired';
  return rows.filter((row) => row.id !== null).map(({ kept: _kept, sort_xact: _xact, sort_id: _id, ...event }) => event);
}

type RangeRow = LoggedEvent & { kept: boolean; sort_xact: unknown; sort_id: unknown };

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
 * The position of the event with this id, or why there is none: 'expired' when the id was issued and is at
 * or below what retention pruned, or older than every event kept (the log was cleaned by hand, possibly to
 * nothing); 'unknown' otherwise (never issued, or its transaction rolled back).
 */
export async function eventPosition(sql: Queryable, id: string): Promise<CursorLookup> {
  const [row] = await sql<{ xact_id: string | null; oldest: string | null; issued: string; pruned: string }[]>`
    select (select xact_id::text from events where id = ${id}) as xact_id,
           (select min(id)::text from events) as oldest,
           (select case when is_called then last_value else 0 end::text from events_id_seq) as issued,
           (select pruned_through::text from event_retention) as pruned
  `;
  if (row?.xact_id) return { xact: BigInt(row.xact_id), id: BigInt(id) };
  const wanted = BigInt(id);
  const olderThanKept = row?.oldest == null || wanted < BigInt(row.oldest) || wanted <= BigInt(row.pruned ?? '0');
  return row && wanted <= BigInt(row.issued) && olderThanKept ? 'expired' : 'unknown';
}

/** The snapshots stored with these events, by event id (null where none was stored); read only for events someone takes. */
export async function eventSnapshots(sql: Queryable, ids: readonly string[]): Promise<Map<string, unknown>> {
  const rows = await sql<{ id: string; snapshot: unknown }[]>`
    select id::text as id, snapshot from events where id = any(${ids as string[]}::bigint[])
  `;
  const found = new Map<string, unknown>(ids.map((id) => [id, null]));
  for (const row of rows) found.set(row.id, row.snapshot);
  return found;
}

/**
 * Deletes one batch of events beyond the retention bounds and returns how many, or 'busy' when another
 * process holds the pruning lock. It deletes from the start of the log in log order and stops at the first
 * event it must keep, so what remains is always a suffix of the log: while a cursor's event exists, nothing
 * after it is gone (`readRange` relies on that). Only settled events older than `minAgeMs` qualify, so no hub
 * still reading them loses one. Writers are never blocked: the batch is small, and appends touch other rows.
 */
export async function pruneEvents(sql: Sql, bounds: RetentionBounds): Promise<number | 'busy'> {
  return sql.begin(async (tx) => {
    const [lock] = await tx<{ ok: boolean }[]>`select pg_try_advisory_xact_lock(${WRITER_LOCK_CLASS}, ${PRUNE_LOCK_OBJECT}) as ok`;
    if (!lock?.ok) return 'busy' as const;
    const below = await safeHorizon(tx);
    const [row] = await tx<{ deleted: number }[]>`
      with head as (
        select xact_id, id,
          (created_at < ${bounds.olderThan} or id <= (select max(id) from events) - ${bounds.keepNewest})
            and created_at < now() - make_interval(secs => ${bounds.minAgeMs / 1000})
            and xact_id < ${below.toString()}::xid8 as prunable
        from events
        order by xact_id, id
        limit ${bounds.batch}
      ),
      prefix as (
        select xact_id, id, bool_and(prunable) over (order by xact_id, id) as all_before from head
      ),
      deleted as (
        delete from events e using prefix p
        where e.xact_id = p.xact_id and e.id = p.id and p.all_before
        returning e.id
      ),
      horizon as (
        update event_retention set pruned_through = greatest(pruned_through, (select max(id) from deleted))
        where exists (select 1 from deleted)
      )
      select count(*)::int as deleted from deleted
    `;
    return row?.deleted ?? 0;
  });
}

/**
 * Opens the LISTEN connection, named 'faultline-listen' in pg_stat_activity. A connection of its own
 * (postgres.js delivers notifications only to the connection that listens); its loss is reported once, and
 * the caller decides when to try again.
 */
async function listenForEvents(
  url: string,
  handlers: { channels?: readonly string[]; notified(channel: string, payload: string): void; lost(error: Error): void },
): Promise<LogListener> {
  let open = false;
  let closing = false;
  const options = {
    max: 1,
    idle_timeout: undefined,
    max_lifetime: null,
    onnotice: () => {},
    connection: { application_name: 'faultline-listen' },
    // postgres.js hands notifications of the connection to `onnotify` (what its own listen() builds on).
    onnotify: (channel: string, payload: string) => handlers.notified(channel, payload),
    onclose: () => {
      if (!open || closing) return;
      open = false;
      handlers.lost(new Error('the LISTEN connection closed'));
    },
  };
  const client = postgres(url, options as postgres.Options<Record<string, never>>);
  try {
    // One round trip for every channel: the statements travel together on the one connection.
    await Promise.all([EVENTS_CHANNEL, ...(handlers.channels ?? [])].map((channel) => client`listen ${client(channel)}`));
  } catch (error) {
    closing = true;
    await client.end({ timeout: 0 }).catch(() => {});
    throw error;
  }
  open = true;
  return {
    add: async (channel) => {
      await client`listen ${client(channel)}`;
    },
    close: async () => {
      closing = true;
      await client.end({ timeout: 2 });
    },
  };
}

/** The event log of the database behind `sql`, as the hub reads it; `url` opens its LISTEN connection. */
export function eventLog(sql: Sql, url: string): EventLog {
  return {
    settledEnd: () => settledEnd(sql),
    readSettled: (after, limit) => readSettledEvents(sql, after, limit),
    readRange: (after, upTo, kinds, limit) => readRange(sql, after, upTo, kinds, limit),
    locate: (id) => eventPosition(sql, id),
    snapshots: (ids) => eventSnapshots(sql, ids),
    prune: (bounds) => pruneEvents(sql, bounds),
    listen: (handlers) => listenForEvents(url, handlers),
  };
}
