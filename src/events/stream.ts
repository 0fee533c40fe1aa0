// The queue between the event hub and one subscription: an async iterator that the hub pushes into and the
// subscription's consumer (graphql-ws, Yoga's SSE) pulls from, bounded so a client that stops reading cannot
// make the server hold its backlog.
import { GraphQLError } from 'graphql';
import type { DeliveredEvent } from './hub.js';

/** The error that ends a subscription whose client fell too far behind. */
export function subscriberTooSlow(limit: number): GraphQLError {
  return new GraphQLError(
    `This subscription fell more than ${limit} events behind its client and was ended; resubscribe with the cursor of the last event you received`,
    { extensions: { code: SUBSCRIBER_TOO_SLOW } },
  );
}

/** The error code of `subscriberTooSlow`. */
export const SUBSCRIBER_TOO_SLOW = 'SUBSCRIBER_TOO_SLOW';

/**
 * The async iterator a subscription returns. Unlike an async generator, `return()` takes effect at once even
 * while waiting for the next event, so a client that leaves is forgotten immediately.
 */
export class EventStream implements AsyncIterableIterator<DeliveredEvent> {
  private readonly queue: DeliveredEvent[] = [];
  private waiting: ((result: IteratorResult<DeliveredEvent>) => void) | undefined;
  private failed: ((error: Error) => void) | undefined;
  private error: Error | undefined;
  private drainWaiters: Array<{ below: number; resolve: () => void }> = [];
  closed = false;

  constructor(
    private readonly onClose: () => void,
    private readonly maxQueued: number,
    /** Called once the queue is full; ends the stream with the error it is given. */
    private readonly onOverflow: (fail: (error: Error) => void) => void,
  ) {}

  push(event: DeliveredEvent): void {
    if (this.closed) return;
    if (this.queue.length >= this.maxQueued) {
      this.onOverflow((error) => this.fail(error));
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

  /** Resolves once fewer than `below` events wait in the queue. */
  drained(below: number): Promise<void> {
    if (this.queue.length < below || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push({ below, resolve }));
  }

  next(): Promise<IteratorResult<DeliveredEvent>> {
    const event = this.queue.shift();
    if (this.drainWaiters.length > 0) {
      this.drainWaiters = this.drainWaiters.filter((waiter) => (this.queue.length < waiter.below ? (waiter.resolve(), false) : true));
    }
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

  return(): Promise<IteratorResult<DeliveredEvent>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<DeliveredEvent>> {
    this.close();
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<DeliveredEvent> {
    return this;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    for (const waiter of this.drainWaiters) waiter.resolve();
    this.drainWaiters = [];
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
    this.failed = undefined;
    this.onClose();
  }
}
