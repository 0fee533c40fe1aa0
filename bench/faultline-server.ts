// The real Faultline server as src/main.ts starts it (the live event hub on the pool, then buildServer + listen), on
// 127.0.0.1 and a free port: what the read and live benchmarks' server children run.
import type { Sql } from '../src/db/connection.js';
import type { EventHub } from '../src/events/hub.js';
import { createEventHub } from '../src/live/index.js';
import { schema } from '../src/graphql/index.js';
import { ResponseCache } from '../src/http/response-cache.js';
import type { Logger } from '../src/logger.js';
import { buildServer, listen, type FaultlineServer } from '../src/server.js';

/** With `responseCacheTtlMs`, anonymous reads are cached as RESPONSE_CACHE=true caches them. */
export async function startFaultline(
  sql: Sql,
  url: string,
  logger: Logger,
  options: { responseCacheTtlMs?: number } = {},
): Promise<{ server: FaultlineServer; events: EventHub; stop(): Promise<void> }> {
  const events = createEventHub({ sql, url, logger });
  await events.start();
  let responseCache: ResponseCache | undefined;
  if (options.responseCacheTtlMs !== undefined) {
    responseCache = new ResponseCache({ schema, ttlMs: options.responseCacheTtlMs, logger });
    await responseCache.attach(events);
  }
  const server = buildServer({
    sql,
    events,
    logger,
    responseCache,
    config: { port: 0, host: '127.0.0.1', requireReadKey: false, graphiql: false },
  });
  await listen(server, '127.0.0.1', 0);
  return {
    server,
    events,
    stop: async () => {
      await server.stop().catch(() => {});
      await events.stop().catch(() => {});
    },
  };
}
