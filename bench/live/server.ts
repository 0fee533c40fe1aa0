// Child process of bench/live.ts: the real Faultline server (createSql + EventHub + buildServer + listen, as
// src/main.ts starts it) on 127.0.0.1 with a free port, against the database in BENCH_DB_URL. Prints
// "listening <url>" and reports the URL over IPC; answers 'stats' (memory after an optional forced GC,
// subscription count, CPU time), 'profile' (a V8 CPU profile of just the measured window) and 'stop'. Run by the parent as `node --expose-gc --import tsx`.
import { createSql } from '../../src/db/connection.js';
import { createEventHub } from '../../src/live/index.js';
import { createLogger } from '../../src/logger.js';
import { buildServer, listen } from '../../src/server.js';
import { answerParent, failed } from './child.js';

const url = process.env.BENCH_DB_URL;
const pool = Number(process.env.BENCH_POOL ?? 10);

async function main(): Promise<void> {
  if (!url) throw new Error('BENCH_DB_URL is not set');
  const logger = createLogger(process.env.BENCH_LOG_LEVEL === 'debug' ? 'debug' : 'warn');
  const sql = createSql(url, { max: pool, applicationName: 'faultline-bench-live' });
  const events = createEventHub({ sql, url, logger });
  await events.start();
  const server = buildServer({
    sql,
    events,
    logger,
    config: { port: 0, host: '127.0.0.1', requireReadKey: false, graphiql: false },
  });
  await listen(server, '127.0.0.1', 0);

  answerParent({
    url: server.url,
    counts: () =>
      new Promise((resolve) =>
        server.httpServer.getConnections((_error, sockets) =>
          resolve({ subscribers: events.subscriberCount, sockets, position: events.position }),
        ),
      ),
    teardown: async () => {
      await server.stop().catch(() => {});
      await events.stop().catch(() => {});
      await sql.end({ timeout: 2 }).catch(() => {});
    },
  });
}

main().catch(failed);
