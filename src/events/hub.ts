import { EventEmitter } from 'node:events';
import type { Logger } from '../logger.js';
import { decodeEventCursor, encodeEventCursor } from './cursor.js';
import { ExpiredCursorError, ReplayFailedError, SubscriberTooSlowError, UnknownCursorError } from './errors.js';
import type { LiveEventMap } from './lifecycle.js';
import { EVENTS_CHANNEL, LOG_START, comparePositions, positionOf, type EventLog, type EventPosition, type LogListener, type LoggedEvent } from './log.js';
import { EventStream } from './stream.js';
import type { Delivered, Topic } from './topic.js';

const BATCH = 500;
const NO_SNAPSHOTS: ReadonlyMap<string, unknown> = new Map();

interface Subscriber {
  topic: Topic;
  /** The change an event presents to this subscriber, or undefined when it does not concern it. */
  concerns: (event: LoggedEvent) => string | undefined;
  /** Position of the last event handed to this subscriber (replayed or live): the boundary that prevents duplicates. */
  delivered: EventPosition;
  /** Live events that concern it and arrived while its replay ran; drained in order once the replay finishes. */
  buffer: Delivered[] | undefined;
  stream: EventStream<Delivered>;
}

/** How the hub keeps the log from growing without bound (see EventLog.prune). */
export interface RetentionOptions {
  /** Events older than this are pruned. */
  maxAgeMs: number;
  /** Beyond about this many of the newest events, older ones are pruned. */
  maxCount: number;
  /** How often to prune (10 minutes by default); each round deletes batch after batch until nothing is left. */
  intervalMs?: number;
  /** Never prune events younger than this (1 minute by default): another process's hub may still be reading them. */
  minAgeMs?: number;
  /** Events deleted per transaction (1,000 by default), so no writer or reader waits on a long delete. */
  batch?: number;
}

/** What a channel other than the event log's brings to its listener (see EventHub.listenTo). */
export interface ChannelHandler {
  /** A notification on the channel, with its payload. */
  notified(payload: string): void;
  /**
   * The LISTEN connection is (re)established. After a loss, notifications sent while it was down are gone:
   * whoever relies on them re-checks or forgets what they may have changed.
   */
  connected?(): void;
}

export interface EventHubOptions {
  /** The log's storage: `eventLog(sql, url)` from src/data/event-log.ts. */
  log: EventLog;
  /** Every topic subscribers may ask for: src/live/topics. An event kind belongs to one topic. */
  topics: readonly Topic[];
  logger: Logger;
  /** Safety net: read the log this often even without a NOTIFY (ms). */
  pollIntervalMs?: number;
  /**
   * Events one subscription may have waiting for its client before it is ended as too slow (10,000 by
   * default). The client resumes from its last cursor; until then the server does not hold its backlog.
   */
  maxQueuedEvents?: number;
  /** Delays between attempts to reopen a lost LISTEN connection: doubling from `initialMs` up to `maxMs`, jittered. */
  listenBackoff?: { initialMs?: number; maxMs?: number };
  /** Prune the log; off when absent. */
  retention?: RetentionOptions | undefined;
}

/**
 * One per process: a LISTEN connection turns NOTIFYs into reads of the event log after the last position
 * seen, and fans each event out to the subscribers of its topic that it concerns. Subscribers that resume from
 * a cursor replay the log first, then continue live with no gap and no duplicate at the boundary. Lifecycle
 * events (LiveEventMap) say what it is doing.
 */
export class EventHub extends EventEmitter<LiveEventMap> {
  private readonly log: EventLog;
  private readonly logger: Logger;
  private readonly pollIntervalMs: number;
  private readonly maxQueuedEvents: number;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly retention: Required<RetentionOptions> | undefined;
  private readonly topicOfKind = new Map<string, Topic>();
  private poll: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private pruning: Promise<number> | undefined;
  /** The last event fanned out: every event up to here has been handed to the subscribers. */
  private last: EventPosition = LOG_START;
  private draining: Promise<void> | undefined;
  private drainAgain = false;
  private stopped = false;
  private readonly subscribers = new Set<Subscriber>();
  /** Bumped on every registration: a drain that sees it change re-checks who wants an event it passed over. */
  private registrations = 0;

  // The LISTEN connection. Each opening gets a new generation; callbacks of an older one are ignored.
  private listener: LogListener | undefined;
  private listenGeneration = 0;
  private listenAttempt = 0;
  private downSince: number | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Set on (re)connection: the next drain that completes has caught up with everything committed before it. */
  private catchUpPending = false;
  /** Channels carried by the same LISTEN connection as the log's, and who hears them. */
  private readonly channels = new Map<string, ChannelHandler>();
  /** Called with every event read from the log, whether or not a subscriber takes it. */
  private readonly observers = new Set<(event: LoggedEvent) => void>();

  constructor(options: EventHubOptions) {
    super();
    this.log = options.log;
    this.logger = options.logger;
    this.pollIntervalMs = options.pollIntervalMs ?? 5_000;
    this.maxQueuedEvents = options.maxQueuedEvents ?? 10_000;
    this.backoff = { initialMs: options.listenBackoff?.initialMs ?? 100, maxMs: options.listenBackoff?.maxMs ?? 30_000 };
    this.retention = options.retention && {
      intervalMs: 600_000,
      minAgeMs: 60_000,
      batch: 1_000,
      ...options.retention,
    };
    for (const topic of options.topics) {
      for (const kind of topic.kinds) {
        const other = this.topicOfKind.get(kind);
        if (other) throw new Error(`event kind ${kind} belongs to both ${other.name} and ${topic.name}`);
        this.topicOfKind.set(kind, topic);
      }
    }
  }

  /** Starts listening from the current end of the log; fails if the LISTEN connection cannot be opened. */
  async start(): Promise<void> {
    this.last = await this.log.settledEnd();
    await this.connect();
    this.poll = setInterval(() => this.scheduleDrain(), this.pollIntervalMs);
    this.poll.unref();
    if (this.retention) {
      this.pruneTimer = setInterval(() => void this.prune(), this.retention.intervalMs);
      this.pruneTimer.unref();
      // The first round soon after start, not at once: start-up has enough to do.
      setTimeout(() => void this.prune(), Math.min(5_000, this.retention.intervalMs)).unref();
    }
  }

  /** Stops listening and pruning, and ends every subscription. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.listenGeneration += 1;
    clearInterval(this.poll);
    clearInterval(this.pruneTimer);
    clearTimeout(this.retryTimer);
    await this.draining?.catch(() => {});
    await this.pruning?.catch(() => {});
    await this.listener?.close().catch(() => {});
    for (const subscriber of [...this.subscribers]) void subscriber.stream.return();
    this.subscribers.clear();
  }

  /** The id of the last event this process has fanned out ('0' before the first). */
  get position(): string {
    return this.last.id.toString();
  }

  /** Events waiting per subscription: queued for its client, or buffered behind its replay. */
  get queueDepths(): number[] {
    return [...this.subscribers].map((subscriber) => subscriber.stream.queued + (subscriber.buffer?.length ?? 0));
  }

  /** Number of live subscriptions in this process. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * Carries `channel` on this process's one LISTEN connection: `handler` hears its notifications, and is
   * told each time the connection is (re)established (notifications sent while it was down are lost).
   * Resolves once the channel is listened to, or at once while the connection is down (it is then
   * listened to on reconnection). One handler per channel.
   */
  async listenTo(channel: string, handler: ChannelHandler): Promise<void> {
    if (channel === EVENTS_CHANNEL || this.channels.has(channel)) throw new Error(`channel ${channel} already has a listener`);
    this.channels.set(channel, handler);
    await this.listener?.add?.(channel);
  }

  /** Calls `observer` with every event this process reads from the log, in log order; returns the way to stop. */
  observe(observer: (event: LoggedEvent) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  // ---- LISTEN -------------------------------------------------------------------------------------------

  private notified(channel: string, payload: string): void {
    if (channel === EVENTS_CHANNEL) return this.scheduleDrain();
    try {
      this.channels.get(channel)?.notified(payload);
    } catch (error) {
      this.logger.warn('a channel listener failed', { channel, error: String(error) });
    }
  }

  private async connect(): Promise<void> {
    const generation = ++this.listenGeneration;
    this.listenAttempt += 1;
    const attempt = this.listenAttempt;
    this.emit('listen:connecting', { attempt });
    const channels = [...this.channels.keys()];
    const listener = await this.log.listen({
      channels,
      notified: (channel, payload) => this.notified(channel, payload),
      lost: (error) => {
        if (generation === this.listenGeneration) this.listenLost(error);
      },
    });
    if (this.stopped || generation !== this.listenGeneration) {
      await listener.close().catch(() => {});
      return;
    }
    // Channels added while the connection was being opened.
    for (const channel of this.channels.keys()) if (!channels.includes(channel)) await listener.add?.(channel);
    this.listener = listener;
    this.listenAttempt = 0;
    const downMs = this.downSince === undefined ? 0 : Date.now() - this.downSince;
    if (this.downSince !== undefined) this.logger.info('LISTEN connection re-established', { attempt, downMs });
    this.downSince = undefined;
    this.emit('listen:connected', { attempt, downMs });
    for (const [channel, handler] of this.channels) {
      try {
        handler.connected?.();
      } catch (error) {
        this.logger.warn('a channel listener failed', { channel, error: String(error) });
      }
    }
    // Whatever committed while this process was deaf is read now; the NOTIFYs for it are gone.
    this.catchUpPending = true;
    this.scheduleDrain();
  }

  private listenLost(error: Error): void {
    if (this.stopped) return;
    // Callbacks of the lost connection are ignored from here on.
    this.listenGeneration += 1;
    const lost = this.listener;
    this.listener = undefined;
    void lost?.close().catch(() => {});
    this.downSince ??= Date.now();
    this.retryListen(error);
  }

  private retryListen(error: unknown): void {
    if (this.stopped) return;
    const attempt = this.listenAttempt;
    // Doubling delays, each drawn from its upper half: processes that lost the database together do not all
    // come back in the same millisecond.
    const ceiling = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(attempt, 30));
    const retryInMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn('LISTEN connection lost; reconnecting', { attempt, retryInMs, error: message });
    this.emit('listen:lost', { attempt, error: message, retryInMs });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().catch((failure: unknown) => this.retryListen(failure));
    }, retryInMs);
  }

  // ---- Fan-out ------------------------------------------------------------------------------------------

  private scheduleDrain(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    const catchingUp = this.catchUpPending;
    this.catchUpPending = false;
    this.draining = this.drain()
      .then(
        () => {
          if (catchingUp) this.emit('listen:caughtUp', { position: this.position });
        },
        (error: unknown) => {
          if (catchingUp) this.catchUpPending = true;
          this.logger.warn('reading the event log failed; will retry', { error: String(error) });
        },
      )
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
      const rows = await this.log.readSettled(this.last, BATCH);
      // Only events some subscriber takes cost a read of their snapshot: with every subscriber filtering an
      // event out, it is passed over. Only a subscriber that arrives during the read can change that, and it
      // is still served below.
      const registrations = this.registrations;
      const wanted = rows.filter((row) => this.wanted(row)).map((row) => row.id);
      let snapshots = wanted.length > 0 ? await this.log.snapshots(wanted) : NO_SNAPSHOTS;
      for (const row of rows) {
        if (!snapshots.has(row.id) && this.registrations !== registrations && this.wanted(row)) {
          snapshots = new Map([...snapshots, ...(await this.log.snapshots([row.id]))]);
        }
        const position = positionOf(row);
        this.last = position;
        for (const observer of this.observers) {
          try {
            observer(row);
          } catch (error) {
            this.logger.warn('an event observer failed', { error: String(error) });
          }
        }
        if (snapshots.has(row.id)) this.fanOut(row, position, snapshots.get(row.id));
      }
      if (rows.length < BATCH) return;
    }
  }

  /**
   * Hands one event to every subscriber it concerns. Subscribers it presents the same change to get the same
   * object: its cursor and payload are made once, and the server recognises the same event across
   * subscriptions (it shares their execution results, see src/graphql/shared-subscriptions.ts).
   */
  private fanOut(row: LoggedEvent, position: EventPosition, snapshot: unknown): void {
    const shared = new Map<string, Delivered>();
    let payload: unknown;
    let cursor: string | undefined;
    for (const subscriber of this.subscribers) {
      const change = subscriber.concerns(row);
      if (change === undefined) continue;
      let event = shared.get(change);
      if (!event) {
        if (cursor === undefined) {
          cursor = encodeEventCursor(row.id);
          payload = this.payloadOf(row, snapshot);
        }
        event = { event: row, change, payload, cursor, position };
        shared.set(change, event);
      }
      if (!subscriber.buffer) this.deliver(subscriber, event);
      else if (subscriber.buffer.length < this.maxQueuedEvents) subscriber.buffer.push(event);
      else this.endTooSlow(subscriber);
    }
    this.emit('event:fannedOut', { topic: this.topicOfKind.get(row.kind)?.name ?? row.kind, createdAt: row.created_at });
  }

  private payloadOf(row: LoggedEvent, snapshot: unknown): unknown {
    return snapshot == null ? null : (this.topicOfKind.get(row.kind)?.payload(snapshot) ?? null);
  }

  /** Whether any subscriber takes this event. */
  private wanted(row: LoggedEvent): boolean {
    for (const subscriber of this.subscribers) if (subscriber.concerns(row) !== undefined) return true;
    return false;
  }

  /** Ends a subscription whose client fell too far behind, and says so (operators see who lags). */
  private endTooSlow(subscriber: Subscriber): void {
    this.tooSlow(subscriber);
    subscriber.stream.fail(new SubscriberTooSlowError(this.maxQueuedEvents));
  }

  private tooSlow(subscriber: Subscriber): void {
    this.logger.warn('ending a subscription whose client fell too far behind', { topic: subscriber.topic.name, queued: this.maxQueuedEvents });
    this.emit('subscriber:tooSlow', { topic: subscriber.topic.name, queued: this.maxQueuedEvents });
  }

  private deliver(subscriber: Subscriber, event: Delivered): void {
    if (comparePositions(event.position, subscriber.delivered) <= 0) return;
    subscriber.delivered = event.position;
    subscriber.stream.push(event);
  }

  // ---- Subscribing --------------------------------------------------------------------------------------

  /**
   * Subscribes to the events of `topic` that concern a subscriber with `filter`. With `after` (a cursor),
   * replays every such event after it from the log before going live. A malformed, unknown or expired
   * cursor throws (MalformedCursorError, UnknownCursorError, ExpiredCursorError) before anything is delivered.
   */
  async subscribe<E extends LoggedEvent, F, C extends string, P>(
    topic: Topic<E, F, C, P>,
    filter: F,
    after?: string | null,
    /** How the subscriber is served (websocket, sse, ...): lifecycle events carry it, for metrics. */
    transport = 'unknown',
  ): Promise<EventStream<Delivered<C, P, E>>> {
    const registered = this.topicOfKind.get(topic.kinds[0] ?? '');
    if (registered !== topic) throw new Error(`topic ${topic.name} is not one this hub was given`);
    let from: EventPosition | undefined;
    if (after != null) {
      const id = decodeEventCursor(after);
      const found = id === '0' ? LOG_START : await this.log.locate(id);
      if (found === 'unknown') throw new UnknownCursorError('is a cursor this server does not know: pass the `cursor` of an event you received');
      if (found === 'expired') throw new ExpiredCursorError('has expired: the events after it were pruned; resubscribe without it and refetch');
      from = found;
    }
    const kinds: readonly string[] = topic.kinds;
    const stream: EventStream<Delivered> = new EventStream<Delivered>(
      () => this.subscribers.delete(subscriber) && this.emit('subscriber:unsubscribed', { topic: topic.name, transport }),
      this.maxQueuedEvents,
      () => this.tooSlow(subscriber),
    );
    const subscriber: Subscriber = {
      topic: registered,
      concerns: (event) => (kinds.includes(event.kind) ? topic.concerns(filter, event as E) : undefined),
      // Live only: everything this process already fanned out counts as delivered.
      delivered: from ?? this.last,
      buffer: from === undefined ? undefined : [],
      stream,
    };
    this.subscribers.add(subscriber);
    this.registrations += 1;
    this.emit('subscriber:subscribed', { topic: topic.name, transport, replay: from !== undefined });
    if (from !== undefined) void this.replay(subscriber, from);
    // The stream carries this topic's events only, each made by `fanOut` or `replay` from one of its kinds.
    return stream as unknown as EventStream<Delivered<C, P, E>>;
  }

  /**
   * Reads the log after the subscriber's cursor, then hands over to live delivery with no gap. It reads no
   * further than the hub has fanned out: that part of the log is settled, and everything after it reaches
   * the subscriber's buffer, which began collecting before the first read.
   */
  private async replay(subscriber: Subscriber, from: EventPosition): Promise<void> {
    const { stream } = subscriber;
    const buffer = subscriber.buffer!;
    let read = from;
    try {
      for (;;) {
        const upTo = this.last;
        const events = await this.log.readRange(read, upTo, subscriber.topic.kinds, BATCH);
        // Pruned under the replay: the events right after the cursor may be gone, so it cannot go on faithfully.
        if (events === 'expired') throw new ExpiredCursorError('has expired while its events were replayed: resubscribe without it and refetch');
        const concerning = events.filter((event) => subscriber.concerns(event) !== undefined);
        const snapshots = concerning.length > 0 ? await this.log.snapshots(concerning.map((event) => event.id)) : NO_SNAPSHOTS;
        for (const event of concerning) {
          // Never more than the bound waiting for the client: a slow client slows the replay down instead.
          await stream.drained(this.maxQueuedEvents);
          if (stream.closed) return;
          this.deliver(subscriber, {
            event,
            change: subscriber.concerns(event)!,
            payload: this.payloadOf(event, snapshots.get(event.id)),
            cursor: encodeEventCursor(event.id),
            position: positionOf(event),
          });
        }
        // Live events up to `upTo` were in this read's range: the buffer need only keep what came after.
        while (buffer.length > 0 && comparePositions(buffer[0]!.position, upTo) <= 0) buffer.shift();
        if (events.length < BATCH || stream.closed) break;
        read = positionOf(events[events.length - 1]!);
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
      if (error instanceof ExpiredCursorError) return stream.fail(error);
      this.logger.warn('replaying the event log failed', { topic: subscriber.topic.name, error: String(error) });
      stream.fail(new ReplayFailedError());
    }
  }

  // ---- Retention ----------------------------------------------------------------------------------------

  /**
   * Prunes the events beyond the retention bounds, one small transaction per batch, until none is left or
   * another process turns out to be pruning (it then finishes the job). Resolves to the number deleted.
   */
  prune(): Promise<number> {
    const retention = this.retention;
    if (!retention) return Promise.resolve(0);
    this.pruning ??= (async () => {
      let total = 0;
      try {
        while (!this.stopped) {
          const deleted = await this.log.prune({
            olderThan: new Date(Date.now() - retention.maxAgeMs),
            keepNewest: retention.maxCount,
            minAgeMs: retention.minAgeMs,
            batch: retention.batch,
          });
          if (deleted === 'busy' || deleted === 0) break;
          total += deleted;
          this.emit('retention:pruned', { deleted });
          if (deleted < retention.batch) break;
          // Let requests run between batches.
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (total > 0) this.logger.info('pruned old events', { deleted: total });
      } catch (error) {
        this.logger.warn('pruning old events failed; will retry', { error: String(error) });
      } finally {
        this.pruning = undefined;
      }
      return total;
    })();
    return this.pruning;
  }
}
