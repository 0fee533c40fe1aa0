import { SubscriberTooSlowError } from './errors.js';

// The queue between the event hub and one subscription: an async iterator that the hub pushes into and the
// subscription's consumer (graphql-ws, Yoga's SSE) pulls from, or a push source a consumer attaches a sink
// to. Bounded, so a client that stops reading cannot make the server hold its backlog.

/** A consumer that takes items as they come, without a promise per item (see `EventStream.attach`). */
export interface StreamSink<T> {
  event(item: T): void;
  /** The stream ended, with the error it failed with if it did. */
  end(error?: Error): void;
}

/**
 * A stream that can push instead of being pulled: a consumer attaches a sink, detaches it while its client
 * is behind (items then wait in the stream's bounded queue) and attaches it again once the client caught
 * up; `return()` ends the stream at once.
 */
export interface PushSource<T> {
  attach(sink: StreamSink<T>): void;
  detach(): void;
  return(): Promise<IteratorResult<T>>;
}

/** Whether `source` can push (see PushSource). */
export function isPushSource(source: unknown): source is PushSource<unknown> {
  const candidate = source as Partial<PushSource<unknown>> | null;
  return typeof candidate?.attach === 'function' && typeof candidate.detach === 'function' && typeof candidate.return === 'function';
}

/**
 * The async iterator a subscription returns. Unlike an async generator, `return()` takes effect at once even
 * while waiting for the next item, so a client that leaves is forgotten immediately.
 */
export class EventStream<T> implements AsyncIterableIterator<T>, PushSource<T> {
  private readonly queue: T[] = [];
  private sink: StreamSink<T> | undefined;
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private failed: ((error: Error) => void) | undefined;
  private error: Error | undefined;
  private drainWaiters: Array<{ below: number; resolve: () => void }> = [];
  closed = false;

  constructor(
    private readonly onClose: () => void,
    private readonly maxQueued: number,
    /** Called once the queue is full; the stream then fails with SubscriberTooSlowError. */
    private readonly onOverflow: () => void,
  ) {}

  /** Events waiting for the consumer. */
  get queued(): number {
    return this.queue.length;
  }

  /** Queues `event` for the consumer, or hands it straight to an attached sink. */
  push(event: T): void {
    if (this.closed) return;
    if (this.sink) {
      this.sink.event(event);
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.onOverflow();
      this.fail(new SubscriberTooSlowError(this.maxQueued));
      return;
    }
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      this.failed = undefined;
      resolve({ value: event, done: false });
    } else {
      this.queue.push(event);
    }
  }

  fail(error: Error): void {
    if (this.closed) return;
    if (this.sink) {
      const sink = this.sink;
      this.sink = undefined;
      this.close();
      sink.end(error);
      return;
    }
    if (this.failed) {
      const reject = this.failed;
      this.waiting = undefined;
      this.failed = undefined;
      reject(error);
    } else {
      this.error = error;
    }
    this.close();
  }

  /**
   * Hands events to `sink` as they are pushed instead of queueing them for `next()`, after the ones already
   * queued, in order. The sink may `detach()` at any point (its client is behind); events then queue again,
   * under the same bound, until it attaches once more.
   */
  attach(sink: StreamSink<T>): void {
    if (this.closed) {
      const error = this.error;
      this.error = undefined;
      sink.end(error);
      return;
    }
    this.sink = sink;
    while (this.sink === sink && this.queue.length > 0) sink.event(this.queue.shift()!);
    this.releaseDrainWaiters();
  }

  /** Stops handing events to the sink; they queue until it attaches again. */
  detach(): void {
    this.sink = undefined;
  }

  /** Resolves once fewer than `below` events wait in the queue. */
  drained(below: number): Promise<void> {
    if (this.queue.length < below || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push({ below, resolve }));
  }

  next(): Promise<IteratorResult<T>> {
    const event = this.queue.shift();
    this.releaseDrainWaiters();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.error) {
      const error = this.error;
      this.error = undefined;
      return Promise.reject(error);
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failed = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.close();
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private releaseDrainWaiters(): void {
    if (this.drainWaiters.length === 0) return;
    this.drainWaiters = this.drainWaiters.filter((waiter) => (this.queue.length < waiter.below ? (waiter.resolve(), false) : true));
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    const sink = this.sink;
    this.sink = undefined;
    this.queue.length = 0;
    for (const waiter of this.drainWaiters) waiter.resolve();
    this.drainWaiters = [];
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
    this.failed = undefined;
    this.onClose();
    // A failure tells its sink itself (see fail): here the stream ends without an error.
    sink?.end();
  }
}
