// The GraphQL side of the live core: subscribing a resolver to a topic, and the codes its failures carry.
// The core (src/events) throws domain errors; this is the one place they become GraphQL errors.
import { GraphQLError } from 'graphql';
import { aiSystemRollUp } from '../data/ai-systems.js';
import {
  ExpiredCursorError,
  InvalidFilterError,
  MalformedCursorError,
  SubscriberTooSlowError,
  UnknownCursorError,
} from '../events/errors.js';
import type { LoggedEvent } from '../events/log.js';
import type { Delivered, Topic } from '../events/topic.js';
import type { RolledUp } from '../live/topics/report.js';
import type { GraphQLContext } from './context.js';
import { badInput, parseId } from './errors.js';
import { freshLoaders } from './loaders.js';

/** The code of the error that ends a subscription whose client fell too far behind. */
export const SUBSCRIBER_TOO_SLOW = 'SUBSCRIBER_TOO_SLOW';

/**
 * The GraphQL error for a failure of the live core; anything else is returned as it is. Cursor and filter
 * problems are the client's (BAD_USER_INPUT, naming what carried the cursor: `after`, or SSE's
 * Last-Event-ID); a client too slow gets SUBSCRIBER_TOO_SLOW.
 */
export function liveError(error: unknown, cursorFrom = 'after'): unknown {
  if (error instanceof MalformedCursorError || error instanceof UnknownCursorError || error instanceof ExpiredCursorError) {
    return badInput(`${cursorFrom} ${error.message}`, cursorFrom);
  }
  if (error instanceof InvalidFilterError) return badInput(`filter.${error.field} ${error.message}`, `filter.${error.field}`);
  if (error instanceof SubscriberTooSlowError) return new GraphQLError(error.message, { extensions: { code: SUBSCRIBER_TOO_SLOW } });
  return error;
}

/**
 * A subscription resolver's source stream: `filter()` parses the field's filter (its errors reach the client
 * as BAD_USER_INPUT naming the field), then the hub subscribes to `topic`. The cursor is SSE's Last-Event-ID
 * when a client reconnects with one (an EventSource does), else `after`.
 */
export async function subscribeTopic<E extends LoggedEvent, F, C extends string, P>(
  context: GraphQLContext,
  topic: Topic<E, F, C, P>,
  filter: () => F | Promise<F>,
  after: string | null | undefined,
): Promise<AsyncIterable<Delivered<C, P, E>>> {
  const cursorFrom = context.lastEventId !== undefined ? 'Last-Event-ID' : 'after';
  try {
    return await context.events.subscribe(topic, await filter(), context.lastEventId ?? after, context.transport);
  } catch (error) {
    throw liveError(error, cursorFrom);
  }
}

/**
 * A subscription field's resolve: the event itself, with the context's loaders emptied, because one
 * subscription keeps one context for its whole life and each event must read current data.
 */
export function liveEvent<T>(event: T, _args: unknown, context: GraphQLContext): T {
  freshLoaders(context);
  return event;
}

/**
 * A subscription filter's AI system (a global id) with the ids that count as it: its versions too unless
 * `exact`, read once when subscribing, so matching each event stays a set lookup.
 */
export async function rolledUpAiSystem(
  context: GraphQLContext,
  globalId: string | null | undefined,
  exact: boolean | null | undefined,
): Promise<RolledUp | undefined> {
  if (!globalId) return undefined;
  const id = parseId(globalId, 'AiSystem', 'filter.aiSystem');
  return { id, ids: new Set(await aiSystemRollUp(context.sql, id, exact ?? false)) };
}
