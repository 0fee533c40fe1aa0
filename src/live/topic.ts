// A live topic: what the hub needs to fan its events out (src/events/topic.ts) plus what a write needs to
// append them: the SQL of its filter attributes. `announce` is how src/data's writes append events.
import type { Queryable } from '../db/index.js';
import { appendEvents, captureAttributes, type RecordCapture } from '../data/event-log.js';
import type { LoggedEvent } from '../events/log.js';
import type { Topic } from '../events/topic.js';

/** A subscription topic: its events, filter, changes and payload, and how its events capture their record. */
export interface LiveTopic<Event extends LoggedEvent, Filter, Change extends string, Payload> extends Topic<Event, Filter, Change, Payload> {
  /** The SQL of the attributes `concerns` matches on and of the snapshot `payload` reads, run inside the writing transaction. */
  readonly capture: RecordCapture;
}

/** The `previous` attributes an event of kind `Kind` of this topic carries. */
type PreviousOf<Event extends LoggedEvent, Kind extends Event['kind']> = Extract<Event, { kind: Kind }>['previous'];

/**
 * A record to announce: its id, its attributes before the change where the kind carries them, and its
 * attributes now when the writer knows them without asking the database (otherwise the topic's SQL reads them).
 */
export type Announced<Event extends LoggedEvent, Kind extends Event['kind']> = {
  id: string;
  attributes?: Extract<Event, { kind: Kind }>['attributes'];
} & (null extends PreviousOf<Event, Kind>
  ? { previous?: PreviousOf<Event, Kind> }
  : { previous: PreviousOf<Event, Kind> });

/**
 * Appends one event of `kind` per record inside a transaction opened by `eventTransaction` (src/data/event-log.ts):
 * the attributes and the snapshot are read in the same statement, after the change.
 */
export function announce<Event extends LoggedEvent, Kind extends Event['kind']>(
  tx: Queryable,
  topic: LiveTopic<Event, never, string, unknown>,
  kind: Kind,
  records: ReadonlyArray<Announced<Event, Kind>>,
): Promise<string[]> {
  return appendEvents(tx, kind, topic.capture, records);
}

/** The topic's attributes of these records as they are now, by id: call before a change whose events carry `previous`. */
export async function attributesBefore<Event extends LoggedEvent>(
  tx: Queryable,
  topic: LiveTopic<Event, never, string, unknown>,
  ids: readonly string[],
): Promise<Map<string, NonNullable<Event['previous']>>> {
  // The SQL is the topic's own attribute SQL, so the rows have its attribute shape.
  return (await captureAttributes(tx, topic.capture.attributes, ids)) as Map<string, NonNullable<Event['previous']>>;
}
