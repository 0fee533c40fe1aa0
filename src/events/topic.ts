import type { EventPosition, LoggedEvent } from './log.js';

/**
 * A subscription topic as the hub needs it: the event kinds that belong to it, whether an event concerns a
 * subscriber with a given filter (and as which change), and how the snapshot stored with an event becomes
 * the payload subscribers receive. Topics are declared in src/live/topics/, one module each.
 */
export interface Topic<Event extends LoggedEvent = LoggedEvent, Filter = unknown, Change extends string = string, Payload = unknown> {
  /** The subscription field it serves, for logs and lifecycle events. */
  readonly name: string;
  readonly kinds: readonly Event['kind'][];
  /**
   * The change this event presents to a subscriber with `filter` (an incident that left the filter, say), or
   * undefined when it does not concern that subscriber. Called for every subscriber of the topic on every
   * event, so it must be cheap and must not touch the database.
   */
  concerns(filter: Filter, event: Event): Change | undefined;
  /** The payload from the event's stored snapshot (the record as the event announced it). */
  payload(snapshot: unknown): Payload;
}

/**
 * An event as a subscriber receives it. The hub makes one per event and change and hands the same object to
 * every subscriber it goes to, so per-event work (the cursor, the payload, execution results keyed on it) is
 * done once, not once per subscriber.
 */
export interface Delivered<Change extends string = string, Payload = unknown, Event extends LoggedEvent = LoggedEvent> {
  readonly event: Event;
  readonly change: Change;
  /** The record as the event announced it; null for events logged before snapshots were kept. */
  readonly payload: Payload | null;
  /** Opaque: pass it back as `after` (or as SSE's Last-Event-ID) to resume right after this event. */
  readonly cursor: string;
  readonly position: EventPosition;
}
