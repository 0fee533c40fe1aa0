// What happens inside the live core, as typed events on the hub (an EventEmitter), for operators, metrics and
// tests alike: `hub.on('listen:lost', ({ error, retryInMs }) => ...)`. In the spirit of graphile-worker's
// WorkerEventMap: listeners observe, they never steer, and nothing is counted for tests' sake alone.

/** Every lifecycle event of an EventHub and what it carries. */
export interface LiveEventMap {
  /** The LISTEN connection is being opened; `attempt` counts from 1 since it was last up. */
  'listen:connecting': [{ attempt: number }];
  /** LISTEN is active; a catch-up read of everything committed meanwhile follows. */
  'listen:connected': [{ attempt: number; downMs: number }];
  /** The LISTEN connection was lost or could not be opened; the next attempt is in `retryInMs`. */
  'listen:lost': [{ attempt: number; error: string; retryInMs: number }];
  /** Every event committed before the last (re)connection has been fanned out. */
  'listen:caughtUp': [{ position: string }];
  /**
   * A subscription was registered: it receives every event committed from now on (after its replay, if any).
   * `transport` is how its client is served (websocket, sse, http), as the caller said.
   */
  'subscriber:subscribed': [{ topic: string; transport: string; replay: boolean }];
  /** A subscription ended (its client left, it failed, or the hub stopped). */
  'subscriber:unsubscribed': [{ topic: string; transport: string }];
  /**
   * An event was handed to the live subscribers it concerns (replays are not counted). `createdAt` is when
   * its writing transaction appended it (the database's clock).
   */
  'event:fannedOut': [{ topic: string; createdAt: Date }];
  /** A subscription fell `queued` events behind its client and was ended. */
  'subscriber:tooSlow': [{ topic: string; queued: number }];
  /** One batch of events beyond the retention bounds was deleted. */
  'retention:pruned': [{ deleted: number }];
}
