// The real Faultline server as src/main.ts starts it (the live event hub on the pool, then buildServer + listen), on
// 127.0.0.1 and a free port: what the read and live benchmarks' server children run.
import type { Sql } from '../src/db/connection.js';
import type { EventHub } from '../src/events/hub.js';
import { createEventHub } from '../src/live/index.js';
import type { Logger } from '../src/logger.js';
import { buildServer, listen, type FaultlineServer } from '../src/server.js';

export async function startFaultline(sql: Sql, url: string, logger: Logger): Promise<{ server: FaultlineServer; events: EventHub; stop(): Promise<void> }> {
  const events = createEventHub({ sql, url, logger });
  await events.start();
  const server = buildServer({
    sql,
    events,
    logger,
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
