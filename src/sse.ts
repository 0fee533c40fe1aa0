// Subscriptions over Server-Sent Events with message ids. Yoga speaks GraphQL over SSE ("distinct
// connections": `event: next` per result, `event: complete` at the end) but sends no `id:` field, so an
// EventSource that reconnects cannot say where it was. This plugin takes over writing subscription streams
// and puts each event's cursor in `id:`; the browser sends it back as the Last-Event-ID header when it
// reconnects, and the subscription resumes from there exactly as with `after` (see src/graphql/live.ts).
import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './graphql/context.js';
import { EVENT_ID } from './graphql/shared-subscriptions.js';

/** Comment lines keep idle connections (and the proxies in between) from timing out. */
const KEEP_ALIVE_MS = 12_000;

const MEDIA_TYPE = 'text/event-stream';

type FetchApi = { ReadableStream: typeof ReadableStream; Response: typeof Response; TextEncoder: typeof TextEncoder };

/** The result as clients see it: without the `http` (status, headers) and `unexpected` extensions Yoga uses internally. */
function publicJson(result: ExecutionResult): string {
  if (!result.errors?.length && !result.extensions?.http) return JSON.stringify(result);
  const errors = result.errors?.map((error): GraphQLFormattedError => {
    const formatted = error.toJSON();
    const { http: _http, unexpected: _unexpected, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions: Object.keys(extensions).length > 0 ? extensions : undefined };
  });
  const { http: _http, ...extensions } = result.extensions ?? {};
  return JSON.stringify({ ...result, errors, extensions: Object.keys(extensions).length > 0 ? extensions : undefined });
}

/** One SSE message for a result: its event's cursor as `id:` when it has one. */
function message(result: ExecutionResult): string {
  const id = (result as { [EVENT_ID]?: string })[EVENT_ID];
  return `${id ? `id: ${id}\n` : ''}event: next\ndata: ${publicJson(result)}\n\n`;
}

/**
 * Writes a subscription's results as an SSE stream, pulling the next result only when the client has taken
 * the previous one (the stream's own backpressure: a client that stops reading leaves its events in the
 * hub's bounded queue, and is ended with SUBSCRIBER_TOO_SLOW when it falls too far behind).
 */
function eventStream(results: AsyncIterable<ExecutionResult>, fetchApi: FetchApi): Response {
  const iterator = results[Symbol.asyncIterator]();
  const encoder = new fetchApi.TextEncoder();
  let keepAlive: NodeJS.Timeout | undefined;
  const body = new fetchApi.ReadableStream<Uint8Array>({
    start(controller) {
      // A first byte at once: some clients wait for one before they report the response as open.
      controller.enqueue(encoder.encode(':\n\n'));
      keepAlive = setInterval(() => {
        if ((controller.desiredSize ?? 0) > 0) controller.enqueue(encoder.encode(':\n\n'));
      }, KEEP_ALIVE_MS);
      // A stream nobody reads must not keep the process alive on its own.
      keepAlive.unref();
    },
    async pull(controller) {
      try {
        const { value, done } = await iterator.next();
        if (value != null) controller.enqueue(encoder.encode(message(value)));
        if (done) {
          clearInterval(keepAlive);
          controller.enqueue(encoder.encode('event: complete\ndata:\n\n'));
          controller.close();
        }
      } catch (error) {
        clearInterval(keepAlive);
        controller.error(error);
      }
    },
    async cancel() {
      clearInterval(keepAlive);
      await iterator.return?.();
    },
  });
  return new fetchApi.Response(body, {
    status: 200,
    headers: { 'Content-Type': MEDIA_TYPE, Connection: 'keep-alive', 'Cache-Control': 'no-cache', 'Content-Encoding': 'none' },
  });
}

/** Yoga plugin: subscription streams over SSE carry each event's cursor as the message `id:`. */
export function useSseEventIds(): Plugin<GraphQLContext> {
  return {
    onResultProcess: ({ request, result, setResultProcessor }) => {
      // Only streams: a single result (a subscription refused with an error, say) is written by Yoga as usual.
      if (!isAsyncIterable(result) || !request.headers.get('accept')?.includes(MEDIA_TYPE)) return;
      setResultProcessor((stream, fetchApi) => eventStream(stream as AsyncIterable<ExecutionResult>, fetchApi as FetchApi), MEDIA_TYPE);
    },
  };
}
