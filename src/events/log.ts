// The event log as the hub sees it: positions, the stored shape of an event, and the port through which the
// hub reads and prunes the log. The SQL behind the port is in src/data/event-log.ts; nothing here knows it.

/**
 * Where an event sits in the log: the log is ordered by the writing transaction's id, then the event id.
 * Every reader sees the same total order, and an event that commits later never sorts before one a reader
 * could already have read (src/data/event-log.ts has the argument).
 */
export interface EventPosition {
  xact: bigint;
  id: bigint;
}

/** Before every event. */
export const LOG_START: EventPosition = { xact: 0n, id: 0n };

/** The position of a log row. */
export function positionOf(event: Pick<LoggedEvent, 'xact_id' | 'id'>): EventPosition {
  return { xact: BigInt(event.xact_id), id: BigInt(event.id) };
}

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export function comparePositions(a: EventPosition, b: EventPosition): number {
  if (a.xact !== b.xact) return a.xact < b.xact ? -1 : 1;
  return a.id === b.id ? 0 : a.id < b.id ? -1 : 1;
}

/** The channel writers NOTIFY after they end; the payload is the last event id written, or empty. */
export const EVENTS_CHANNEL = 'faultline_events';

/**
 * One row of the append-only event log, as read for fan-out: everything but the snapshot, which is read
 * only for the events some subscriber takes (see `EventLog.snapshots`). A topic narrows `kind`,
 * `attributes` and `previous` to its own discriminated union.
 */
export interface LoggedEvent<Kind extends string = string, Attributes = unknown, Previous = Attributes | null> {
  id: string;
  /** The writing transaction's id (xid8): the first half of the event's position in the log. */
  xact_id: string;
  kind: Kind;
  /** The record the event is about. */
  entity_id: string;
  /** What subscription filters match on, captured inside the writing transaction after the change. */
  attributes: Attributes;
  /** The same attributes before the change, where a change can move a record out of (or into) a filter. */
  previous: Previous;
  created_at: Date;
}

/** Where a cursor's event is, or why it cannot be resumed from. */
export type CursorLookup = EventPosition | 'expired' | 'unknown';

/** How much of the log to keep; older events are pruned. */
export interface RetentionBounds {
  /** Events committed before this moment are pruned. */
  olderThan: Date;
  /** At most about this many of the newest events are kept. */
  keepNewest: number;
  /** Never prune an event younger than this many milliseconds, whatever the bounds: hubs may still be reading it. */
  minAgeMs: number;
  /** Events deleted per transaction. */
  batch: number;
}

/**
 * What the hub needs from the log's storage. Implemented over PostgreSQL by `eventLog` in
 * src/data/event-log.ts; `main.ts` wires it in.
 */
export interface EventLog {
  /** The last settled position: where a reader that wants only new events starts. */
  settledEnd(): Promise<EventPosition>;
  /** Events after `after` that no later commit can sort before, in log order, at most `limit`. */
  readSettled(after: EventPosition, limit: number): Promise<LoggedEvent[]>;
  /**
   * Events of `kinds` after `after` up to `upTo` (already settled), in log order, at most `limit`; 'expired'
   * when the event at `after` has been pruned meanwhile (the events right after it may be gone too).
   */
  readRange(after: EventPosition, upTo: EventPosition, kinds: readonly string[], limit: number): Promise<LoggedEvent[] | 'expired'>;
  /** The position of the event with this id, or why there is none. */
  locate(id: string): Promise<CursorLookup>;
  /** The snapshots of these events (the records as they announced them), by event id; null where none was kept. */
  snapshots(ids: readonly string[]): Promise<Map<string, unknown>>;
  /** Deletes one batch of events beyond the bounds, oldest first; 'busy' when another process is pruning. */
  prune(bounds: RetentionBounds): Promise<number | 'busy'>;
  /**
   * Opens a dedicated connection that LISTENs for writers' wake-ups (EVENTS_CHANNEL) and on `channels`;
   * rejects if it cannot. `notified` gets each notification's channel and payload. `lost` is called once if
   * the connection goes away later; reopening it is the caller's decision.
   */
  listen(handlers: {
    channels?: readonly string[];
    notified(channel: string, payload: string): void;
    lost(error: Error): void;
  }): Promise<LogListener>;
}

/** An open LISTEN connection. */
export interface LogListener {
  /** LISTENs on one more channel on this connection. */
  add?(channel: string): Promise<void>;
  close(): Promise<void>;
}
