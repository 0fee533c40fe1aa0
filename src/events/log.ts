import type { Queryable } from '../db/index.js';

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
  kind: EventKind;
  entity_id: string;
  attributes: EventAttributes;
  created_at: Date;
}

/** The channel NOTIFY uses; the payload is only the event id (NOTIFY payloads are capped at 8000 bytes). */
export const EVENTS_CHANNEL = 'faultline_events';

// Held from the id assignment to the commit: ids are therefore taken and committed in one order, so a
// reader that has seen id n can never later find a committed id below n. One constant for every instance.
const EVENTS_APPEND_LOCK = 7_215_017_003;

/**
 * Appends an event inside the caller's transaction and queues a NOTIFY, which PostgreSQL delivers on
 * commit (and drops on rollback). Call it last in the transaction: the lock it takes serialises commits
 * of writers from here on, so lock, id, insert and NOTIFY go in one statement (one round trip inside the
 * critical section, which bounds how many writes per second the log takes).
 */
export async function appendEvent(
  tx: Queryable,
  event: { kind: EventKind; entityId: string; attributes: EventAttributes },
): Promise<string> {
  // The id is drawn while scanning `locked`, i.e. after the lock is granted.
  const [row] = await tx<{ id: string }[]>`
    with locked as (select pg_advisory_xact_lock(${EVENTS_APPEND_LOCK})),
    appended as (
      insert into events (id, kind, entity_id, attributes)
      select nextval('events_id_seq'), ${event.kind}, ${event.entityId}, ${tx.json(event.attributes as Record<string, never>)}
      from locked
      returning id
    )
    select id::text as id, pg_notify(${EVENTS_CHANNEL}, id::text) from appended
  `;
  return row!.id;
}

/** Events after `afterId`, oldest first, at most `limit`, optionally only some kinds. */
export async function readEventsAfter(
  sql: Queryable,
  afterId: string,
  limit: number,
  kinds?: readonly EventKind[],
): Promise<EventRow[]> {
  return sql<EventRow[]>`
    select id, kind, entity_id, attributes, created_at
    from events
    where id > ${afterId} ${kinds ? sql`and kind = any(${kinds as EventKind[]})` : sql``}
    order by id
    limit ${limit}
  `;
}

/** The newest event id, and the oldest still kept ('0' for an empty log). */
export async function eventLogBounds(sql: Queryable): Promise<{ newest: string; oldest: string }> {
  const [row] = await sql<{ newest: string; oldest: string }[]>`
    select coalesce(max(id), 0)::text as newest, coalesce(min(id), 0)::text as oldest from events
  `;
  return row ?? { newest: '0', oldest: '0' };
}
