import { GraphQLError } from 'graphql';
import postgres from 'postgres';
import type { Sql } from '../db/index.js';
import type { Logger } from '../logger.js';
import { loadEventEntities, type LoadedEvent } from './entities.js';
import { EventStream, subscriberTooSlow } from './stream.js';
import {
  EVENTS_CHANNEL,
  LOG_START,
  comparePositions,
  eventPosition,
  positionOf,
  readEventsAfter,
  readSettledEvents,
  settledEnd,
  type EventKind,
  type EventPosition,
  type EventRow,
} from './log.js';

const BATCH = 500;

/** An event as subscribers receive it: the log row, the record it concerns, and its cursor. */
export interface DeliveredEvent extends LoadedEvent {
  cursor: string;
  /** Where the event sits in the log, computed once for every subscriber it is offered to. */
  position: EventPosition;
}

/** Subscription cursors are opaque: base64url of "event:<id>". */
export function encodeEventCursor(id: string): string {
  return Buffer.from(`event:${id}`, 'utf8').toString('base64url');
}

function badCursor(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argument: 'after', http: { status: 400 } } });
}

/** Decodes a subscription cursor; a malformed one is a BAD_USER_INPUT error. */
export function decodeEventCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^event:(0|[1-9][0-9]{0,18})$/.exec(text);
  if (!match) throw badCursor('after is not a subscription cursor: pass the `cursor` of an event you received');
  return match[1]!;
}

function delivered(event: LoadedEvent): DeliveredEvent {
  return { ...event, cursor: encodeEventCursor(event.id), position: positionOf(event) };
}

interface Subscriber {
  kinds: readonly EventKind[];
  matches: (event: EventRow) => boolean;
  /** Position of the last event handed to this subscriber (replayed or live): the boundary that prevents duplicates. */
  delivered: EventPosition;
  /** Live events that arrived while the replay ran; drained in order once it finishes. */
  buffer: DeliveredEvent[] | undefined;
  push: (event: DeliveredEvent) => void;
  fail: (error: Error) => void;
  end: () => void;
}

export interface EventHubOptions {
  sql: Sql;
  /** Connection URL for the dedicated LISTEN connection. */
  url: string;
  logger: Logger;
  /** Safety net: read the log this often even without a NOTIFY (ms). */
  pollIntervalMs?: number;
  /**
   * Events one subscription may have waiting for its client before it is ended as too slow (10,000 by
   * default). The client resumes from its last cursor; until then the server does not hold its backlog.
   */
  maxQueuedEvents?: number;
}

/**
 * One per process: a LISTEN connection turns NOTIFYs into reads of the event log after the last id seen,
 * and fans each event out to in-process subscribers. Subscribers that resume from a cursor replay the log
 * first, then continue live with no gap and no duplicate at the boundary.
 */
export class EventHub {
  private readonly sql: Sql;
  private readonly url: string;
  private readonly logger: Logger;
  private readonly pollIntervalMs: number;
  private readonly maxQueuedEvents: number;
  private listenSql: postgres.Sql | undefined;
  private poll: NodeJS.Timeout | undefined;
  /** The last event fanned out: every event up to here has been handed to the subscribers. */
  private last: EventPosition = LOG_START;
  private draining: Promise<void> | undefined;
  private drainAgain = false;
  private stopped = false;
  private readonly subscribers = new Set<Subscriber>();
  private registered = 0;

  constructor(options: EventHubOptions) {
    this.sql = options.sql;
    this.url = options.url;
    this.logger = options.logger;
    this.pollIntervalMs = options.pollIntervalMs ?? 5_000;
    this.maxQueuedEvents = options.maxQueuedEvents ?? 10_000;
  }

  /** Starts listening from the current end of the log. */
  async start(): Promise<void> {
    this.last = await settledEnd(this.sql);
    this.listenSql = postgres(this.url, { max: 1, onnotice: () => {}, connection: { application_name: 'faultline-listen' } });
    // postgres.js re-runs LISTEN after a lost connection and calls onlisten again: that is the moment to
    // catch up on whatever committed while we were deaf.
    await this.listenSql.listen(
      EVENTS_CHANNEL,
      () => this.scheduleDrain(),
      () => this.scheduleDrain(),
    );
    this.poll = setInterval(() => this.scheduleDrain(), this.pollIntervalMs);
    this.poll.unref();
  }

  /** Stops listening and ends every subscription. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    await this.draining?.catch(() => {});
    await this.listenSql?.end({ timeout: 2 }).catch(() => {});
    for (const subscriber of [...this.subscribers]) subscriber.end();
    this.subscribers.clear();
  }

  /** The id of the last event this process has fanned out ('0' before the first). */
  get position(): string {
    return this.last.id.toString();
  }

  /** Number of live subscriptions in this process. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Subscriptions ever registered in this process: tests wait on it to know a subscription is live. */
  get registrations(): number {
    return this.registered;
  }

  private scheduleDrain(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = this.drain()
      .catch((error) => this.logger.warn('reading the event log failed; will retry', { error: String(error) }))
      .finally(() => {
        this.draining = undefined;
        if (this.drainAgain) {
          this.drainAgain = false;
          this.scheduleDrain();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const rows = await readSettledEvents(this.sql, this.last, BATCH);
      // Only events some subscriber may take cost a read of their record: with every subscriber filtering
      // an event out, it is passed over. Only a subscriber that arrives during the read can change that, and
      // it is still served below.
      const registrations = this.registered;
      const loaded = new Map((await loadEventEntities(this.sql, rows.filter((row) => this.wanted(row)))).map((event) => [event.id, event]));
      for (const row of rows) {
        let record = loaded.get(row.id);
        if (!record && this.registered !== registrations && this.wanted(row)) [record] = await loadEventEntities(this.sql, [row]);
        if (!record) {
          this.last = positionOf(row);
          continue;
        }
        // One object per event for every subscriber: its cursor is encoded once, and the server can recognise
        // the same event across subscriptions (it shares their execution results, see
        // src/graphql/shared-subscriptions.ts).
        const event = delivered(record);
        this.last = event.position;
        for (const subscriber of this.subscribers) {
          if (!subscriber.kinds.includes(event.kind)) continue;
          if (!subscriber.buffer) this.deliver(subscriber, event);
          else if (subscriber.buffer.length < this.maxQueuedEvents) subscriber.buffer.push(event);
          else this.endTooSlow(subscriber.fail);
        }
      }
      if (rows.length < BATCH) return;
    }
  }

  /** Whether any subscriber may take this event: one that matches it, or one still replaying (it buffers all). */
  private wanted(row: EventRow): boolean {
    for (const subscriber of this.subscribers) {
      if (subscriber.kinds.includes(row.kind) && (subscriber.buffer !== undefined || subscriber.matches(row))) return true;
    }
    return false;
  }

  /** Ends a subscription whose client fell too far behind, and says so in the log (operators see who lags). */
  private endTooSlow(fail: (error: Error) => void): void {
    this.logger.warn('ending a subscription whose client fell too far behind', { queued: this.maxQueuedEvents });
    fail(subscriberTooSlow(this.maxQueuedEvents));
  }

  private deliver(subscriber: Subscriber, event: DeliveredEvent): void {
    if (comparePositions(event.position, subscriber.delivered) <= 0) return;
    subscriber.delivered = event.position;
    if (subscriber.matches(event)) subscriber.push(event);
  }

  /**
   * Subscribes to events of `kinds` that pass `matches`. With `after`, replays every matching event after
   * that cursor from the log before going live. An unknown or expired cursor is a clear error, thrown
   * before anything is delivered.
   */
  async subscribe(options: {
    kinds: readonly EventKind[];
    matches: (event: EventRow) => boolean;
    after?: string | null | undefined;
  }): Promise<AsyncIterableIterator<DeliveredEvent>> {
    let after: EventPosition | undefined;
    if (options.after != null) {
      const id = decodeEventCursor(options.after);
      const found = id === '0' ? LOG_START : await eventPosition(this.sql, id);
      if (found === 'unknown') throw badCursor('after is a cursor this server does not know: pass the `cursor` of an event you received');
      if (found === 'expired') throw badCursor('after has expired: the events after it were pruned; resubscribe without it and refetch');
      after = found;
    }

    const stream = new EventStream(
      () => this.subscribers.delete(subscriber),
      this.maxQueuedEvents,
      (fail) => this.endTooSlow(fail),
    );
    const subscriber: Subscriber = {
      kinds: options.kinds,
      matches: options.matches,
      // Live only: everything this process already fanned out counts as delivered.
      delivered: after ?? this.last,
      buffer: after === undefined ? undefined : [],
      push: (event) => stream.push(event),
      fail: (error) => stream.fail(error),
      end: () => void stream.return(),
    };
    this.subscribers.add(subscriber);
    this.registered += 1;
    if (after !== undefined) void this.replay(subscriber, stream);
    return stream;
  }

  /**
   * Reads the log after the subscriber's cursor, then hands over to live delivery with no gap. It reads no
   * further than the hub has fanned out: that part of the log is settled, and everything after it reaches
   * the subscriber's buffer, which began collecting before the first read.
   */
  private async replay(subscriber: Subscriber, stream: EventStream): Promise<void> {
    const buffer = subscriber.buffer!;
    try {
      for (;;) {
        const upTo = this.last;
        const events = await readEventsAfter(this.sql, subscriber.delivered, BATCH, { kinds: subscriber.kinds, upTo });
        const matching = events.filter((event) => subscriber.matches(event));
        const loaded = new Map((await loadEventEntities(this.sql, matching)).map((event) => [event.id, event]));
        for (const event of events) {
          // Never more than the bound waiting for the client: a slow client slows the replay down instead.
          await stream.drained(this.maxQueuedEvents);
          if (stream.closed) return;
          this.deliver(subscriber, delivered(loaded.get(event.id) ?? { ...event, entity: null }));
        }
        // Live events up to `upTo` were in this read's range: the buffer need only keep what came after.
        while (buffer.length > 0 && comparePositions(buffer[0]!.position, upTo) <= 0) buffer.shift();
        if (events.length < BATCH || stream.closed) break;
      }
      // Hand over to live delivery: the buffer keeps collecting while it drains, and live delivery takes over
      // in the same turn as it empties.
      while (buffer.length > 0 && !stream.closed) {
        await stream.drained(this.maxQueuedEvents);
        const next = buffer.shift();
        if (next) this.deliver(subscriber, next);
      }
      subscriber.buffer = undefined;
    } catch (error) {
      this.logger.warn('replaying the event log failed', { error: String(error) });
      stream.fail(new GraphQLError('Replaying missed events failed; resubscribe with your last cursor'));
    }
  }
}
