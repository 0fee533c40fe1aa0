import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface ExecutionResultLike {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** A graphql-ws client for tests: no retries, so failures surface at once. */
export function wsClient(httpUrl: string, connectionParams: Record<string, unknown> = {}): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
}

/**
 * Subscribes and collects results; `next(n)` resolves once n results (in total) arrived, so tests wait on
 * deliveries instead of sleeping.
 */
export function collect(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const results: ExecutionResultLike[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let failure: unknown;
  let completed = false;
  let onFailure: ((error: unknown) => void) | undefined;
  const failed = new Promise<never>((_, reject) => {
    onFailure = reject;
  });
  failed.catch(() => {});
  const dispose = client.subscribe<Record<string, unknown>>(
    { query, variables },
    {
      next: (value) => {
        results.push(value as ExecutionResultLike);
        for (const waiter of [...waiters]) if (results.length >= waiter.count) waiter.resolve();
      },
      error: (error) => {
        failure = error;
        onFailure?.(error);
      },
      complete: () => {
        completed = true;
      },
    },
  );
  return {
    results,
    get failure() {
      return failure;
    },
    get completed() {
      return completed;
    },
    failed,
    /** Resolves when at least `count` results arrived; rejects if the subscription fails first. */
    until(count: number): Promise<ExecutionResultLike[]> {
      if (results.length >= count) return Promise.resolve(results);
      return Promise.race([
        new Promise<ExecutionResultLike[]>((resolve) => waiters.push({ count, resolve: () => resolve(results) })),
        failed,
      ]);
    },
    dispose,
  };
}

/**
 * Opens an SSE subscription (Yoga's GraphQL over SSE, distinct connections mode) and collects results, with
 * the `id:` of each message in `ids`. With `get`, it asks as a browser's EventSource does: a GET with the
 * operation in the query string (and, to resume, the last id received as the Last-Event-ID header).
 */
export function sseSubscribe(
  httpUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  options: { get?: boolean } = {},
) {
  const controller = new AbortController();
  const results: ExecutionResultLike[] = [];
  const ids: Array<string | undefined> = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let opened: (response: Response) => void = () => {};
  const open = new Promise<Response>((resolve) => {
    opened = resolve;
  });
  const done = (async () => {
    const url = new URL(httpUrl);
    if (options.get) {
      url.searchParams.set('query', query);
      url.searchParams.set('variables', JSON.stringify(variables));
    }
    const response = await fetch(url, {
      method: options.get ? 'GET' : 'POST',
      headers: { ...(options.get ? {} : { 'content-type': 'application/json' }), accept: 'text/event-stream', ...headers },
      body: options.get ? undefined : JSON.stringify({ query, variables }),
      signal: controller.signal,
    });
    opened(response);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done: finished } = await reader.read();
      if (finished) return;
      buffer += value;
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const lines = message.split('\n');
        const data = lines
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('\n');
        if (data && message.includes('event: next')) {
          results.push(JSON.parse(data) as ExecutionResultLike);
          ids.push(lines.find((line) => line.startsWith('id:'))?.slice(3).trim());
          for (const waiter of [...waiters]) if (results.length >= waiter.count) waiter.resolve();
        }
      }
    }
  })().catch((error: unknown) => {
    if ((error as Error).name !== 'AbortError') throw error;
  });
  // Settles when the server ends the stream, with the error the read failed with, if any.
  const ended = done.then(
    () => undefined,
    (error: unknown) => error,
  );
  return {
    results,
    ids,
    /** Resolves with the response once its headers arrived. */
    open,
    ended,
    until(count: number): Promise<ExecutionResultLike[]> {
      if (results.length >= count) return Promise.resolve(results);
      return new Promise((resolve) => waiters.push({ count, resolve: () => resolve(results) }));
    },
    close: async () => {
      controller.abort();
      await done;
    },
  };
}
