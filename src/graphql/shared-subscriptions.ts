// Subscriptions executed once per event, not once per subscriber. Each subscription still has its own
// event stream (its own filter, replay and cursor), but the hub hands every subscriber the same object for a
// live event, and subscriptions with the same document, operation, variables and viewer get the same result
// for it. Executing `reportAdded { cursor report { id title } }` for each of 10,000 subscribers dominated the
// fan-out before (bench/README.md). Source streams and per-event results are built as graphql-js
// `subscribe` builds them; request errors carry BAD_USER_INPUT and HTTP 400 as Yoga's executor marks them,
// and a failing stream ends with the error located at the operation, as there.
import {
  GraphQLError,
  createSourceEventStream,
  execute,
  getOperationAST,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import { complexityFromQuery } from '@pothos/plugin-complexity';
import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
import { isPushSource, type PushSource, type StreamSink } from '../events/stream.js';
import { OPERATION_LIMITS, tooLarge } from './builder.js';
import type { GraphQLContext } from './context.js';
import { liveError } from './live.js';

type Shared = ExecutionResult | Promise<ExecutionResult>;

/** A subscription that started: its source events, and the (shared) result each one produces. */
export interface SharedSubscription {
  source: AsyncIterableIterator<unknown>;
  resultFor(event: unknown): Shared;
  /** The error a failing source ends with, located at the operation. */
  streamError(error: unknown): GraphQLError;
}

/** Per event object, per document: the result of each (operation, variables, viewer) seen. */
const sharedResults = new WeakMap<object, WeakMap<DocumentNode, Map<string, Shared>>>();

/**
 * Starts a subscription: checks its size, creates its source stream, and returns how to turn each event into
 * its result, or the errors that refused it. `finish` is applied once to each result (Yoga's error masking on
 * the WebSocket path, which bypasses Yoga's per-result hooks); a shared result is finished once for all.
 */
export async function subscribeShared(
  args: ExecutionArgs,
  finish: (result: ExecutionResult) => ExecutionResult = (result) => result,
): Promise<SharedSubscription | ExecutionResult> {
  // The complexity plugin checks operations when a root field resolves, which for a subscription is its
  // first event: check the shape now, so an oversized subscription is refused at once.
  const shape = complexityFromQuery(args.document, {
    schema: args.schema,
    ctx: args.contextValue as object,
    variables: (args.variableValues ?? {}) as Record<string, unknown>,
  });
  const over = (['depth', 'breadth', 'complexity'] as const).find((measure) => shape[measure] > OPERATION_LIMITS[measure]);
  if (over) return finish({ errors: [tooLarge(over, shape)] });
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) {
    for (const error of source.errors ?? []) {
      if (error.path !== undefined) continue;
      const extensions = error.extensions as Record<string, unknown>;
      const http = (extensions.http ??= {}) as Record<string, unknown>;
      http.status = 400;
      extensions.code = 'BAD_USER_INPUT';
    }
    return finish(source);
  }
  const viewer = (args.contextValue as GraphQLContext).viewer;
  const key = JSON.stringify([args.operationName ?? null, args.variableValues ?? null, viewer.role, viewer.keyId ?? null]);
  const operation = getOperationAST(args.document, args.operationName);
  const run = (event: unknown): Shared => {
    const result = execute({ ...args, rootValue: event });
    return result instanceof Promise ? result.then(finish) : finish(result);
  };
  return {
    source: source as AsyncIterableIterator<unknown>,
    resultFor: (event) => {
      if (typeof event !== 'object' || event === null) return run(event);
      let byDocument = sharedResults.get(event);
      if (!byDocument) sharedResults.set(event, (byDocument = new WeakMap()));
      let byKey = byDocument.get(args.document);
      if (!byKey) byDocument.set(args.document, (byKey = new Map()));
      let result = byKey.get(key);
      if (!result) byKey.set(key, (result = run(event)));
      return result;
    },
    streamError: (failure) => {
      // The live core's own failures (a client too slow, say) carry their GraphQL code from here on.
      const error = liveError(failure);
      return new GraphQLError(error instanceof Error ? error.message : String(error), {
        nodes: operation ? [operation] : undefined,
        originalError: error instanceof Error ? error : undefined,
      });
    },
  };
}

/** Takes a subscription's results as they are pushed (see PushSubscription). */
export interface ResultSink {
  /** The next result, in order; a promise while it is still being computed (later results wait behind it). */
  next(result: ExecutionResult | Promise<ExecutionResult>): void;
  /** The subscription ended: normally, or with the error located at its operation. */
  end(error?: GraphQLError): void;
}

/**
 * A subscription whose results can be pushed rather than pulled: what `resultsOf` returns when the source is
 * the hub's (a PushSource). A transport attaches a sink and receives each result as its event is fanned out,
 * with no promise per event; it detaches while its client is behind (events then wait in the hub's bounded
 * queue, and a client that falls too far behind is ended with SUBSCRIBER_TOO_SLOW) and attaches again once
 * the client caught up; `return()` ends the subscription at once. Consumers that pull use it as the async
 * iterator it also is. src/websocket.ts takes it through graphql-ws's onOperation hook.
 */
export interface PushSubscription extends AsyncIterableIterator<ExecutionResult> {
  attach(sink: ResultSink): void;
  detach(): void;
}

/** Whether a subscription's result can be pushed (see PushSubscription). */
export function isPushSubscription(value: unknown): value is PushSubscription {
  const candidate = value as Partial<PushSubscription> | null;
  return typeof candidate?.attach === 'function' && typeof candidate.detach === 'function' && typeof candidate.next === 'function';
}

type Tag = (result: ExecutionResult, event: unknown) => ExecutionResult;

const untagged: Tag = (result) => result;

/** A shared result, decorated by `tag` once it is there. */
function taggedResult(started: SharedSubscription, tag: Tag, event: unknown): Shared {
  const result = started.resultFor(event);
  return result instanceof Promise ? result.then((value) => tag(value, event)) : tag(result, event);
}

/**
 * A push subscription over the hub's stream. One lives as long as its subscription, and a server holds one
 * per subscriber: its behaviour is on the prototype, not in closures made for each subscription, and the
 * iterator for consumers that pull is only built when one pulls (the WebSocket transport never does).
 */
class PushResults implements PushSubscription, StreamSink<unknown> {
  private pulledIterator: AsyncIterableIterator<ExecutionResult> | undefined;
  private sink: ResultSink | undefined;

  constructor(
    private readonly started: SharedSubscription,
    private readonly source: PushSource<unknown>,
    private readonly tag: Tag,
  ) {}

  private pulled(): AsyncIterableIterator<ExecutionResult> {
    return (this.pulledIterator ??= pulledResults(this.started, this.tag));
  }

  attach(sink: ResultSink): void {
    this.sink = sink;
    this.source.attach(this);
  }

  detach(): void {
    this.source.detach();
  }

  /** StreamSink: the stream's next event, to the attached sink. */
  event(event: unknown): void {
    this.sink?.next(taggedResult(this.started, this.tag, event));
  }

  /** StreamSink: the stream ended. */
  end(error?: Error): void {
    this.sink?.end(error === undefined ? undefined : this.started.streamError(error));
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.pulled().next();
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    return this.pulled().return?.() ?? Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    return this.pulled().throw?.(error) ?? Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}

function pulledResults(started: SharedSubscription, tag: Tag): AsyncIterableIterator<ExecutionResult> {
  return mapAsyncIterator(
    started.source,
    (event: unknown) => taggedResult(started, tag, event),
    (error: unknown) => {
      throw started.streamError(error);
    },
  );
}

/**
 * The subscription's results, one per event: an async iterator for consumers that pull, which is also a
 * PushSubscription when the source can push. `tag` may decorate each result with its event (SSE's message id).
 */
export function resultsOf(started: SharedSubscription, tag: Tag = untagged): AsyncIterableIterator<ExecutionResult> | PushSubscription {
  const { source } = started;
  return isPushSource(source) ? new PushResults(started, source, tag) : pulledResults(started, tag);
}

/** Where the SSE transport finds a result's message id: the cursor of the event it was computed for. */
export const EVENT_ID = Symbol('faultline.eventId');

/** A result with the cursor of its event, for SSE's `id:` field (a copy: shared results are not touched). */
function withEventId(result: ExecutionResult, event: unknown): ExecutionResult {
  const cursor = (event as { cursor?: unknown } | null)?.cursor;
  return typeof cursor === 'string' ? Object.assign({ ...result }, { [EVENT_ID]: cursor }) : result;
}

/**
 * Yoga plugin: subscriptions over HTTP (SSE) use the shared results too; Yoga masks each result as usual, and
 * each result carries its event's cursor (EVENT_ID) for the SSE transport (src/sse.ts).
 */
export function useSharedSubscriptionResults(): Plugin<GraphQLContext> {
  return {
    onSubscribe: ({ setSubscribeFn }) => {
      setSubscribeFn(async (args: ExecutionArgs) => {
        const started = await subscribeShared(args);
        return 'source' in started ? resultsOf(started, withEventId) : started;
      });
    },
  };
}
