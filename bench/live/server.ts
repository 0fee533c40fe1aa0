// Child process of bench/live.ts: the real Faultline server (createSql + EventHub + buildServer + listen, as
// src/main.ts starts it) on 127.0.0.1 with a free port, against the database in BENCH_DB_URL. Prints
// "listening <url>" and reports the URL over IPC; answers 'stats' (memory after an optional forced GC,
// subscription count, CPU time), 'profile' (a V8 CPU profile of just the measured window) and 'stop'. Run by the parent as `node --expose-gc --import tsx`.
import { createSql } from '../../src/db/connection.js';
import { EventHub } from '../../src/events/hub.js';
import { createLogger } from '../../src/logger.js';
import { buildServer, listen } from '../../src/server.js';
import { createProfiler } from './profiler.js';
import type { ServerCommand, ServerReport } from './protocol.js';

const url = process.env.BENCH_DB_URL;
const pool = Number(process.env.BENCH_POOL ?? 10);

function send(message: ServerReport): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (!url) throw new Error('BENCH_DB_URL is not set');
  const logger = createLogger(process.env.BENCH_LOG_LEVEL === 'debug' ? 'debug' : 'warn');
  const sql = createSql(url, { max: pool, applicationName: 'faultline-bench-live' });
  const events = new EventHub({ sql, url, logger });
  await events.start();
  const server = buildServer({
    sql,
    events,
    logger,
    config: { port: 0, host: '127.0.0.1', requireReadKey: false, graphiql: false },
  });
  await listen(server, '127.0.0.1', 0);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await server.stop().catch(() => {});
    await events.stop().catch(() => {});
    await sql.end({ timeout: 2 }).catch(() => {});
    send({ type: 'stopped' });
    // process.exit, not a natural end: --cpu-prof writes its profile on exit either way.
    setTimeout(() => process.exit(code), 50);
  };

  const profile = createProfiler(send);

  process.on('message', (message: ServerCommand) => {
    if (message.type === 'profile') {
      profile(message);
      return;
    }
    if (message.type === 'stop') {
      void stop(0);
      return;
    }
    if (message.type === 'stats') {
      if (message.gc && typeof globalThis.gc === 'function') {
        // Twice: the first pass can leave finalizer-held objects for the second.
        globalThis.gc();
        globalThis.gc();
      }
      server.httpServer.getConnections((_error, sockets) => {
        const memory = process.memoryUsage();
        const cpu = process.cpuUsage();
        send({
          type: 'stats',
          rss: memory.rss,
          heapUsed: memory.heapUsed,
          heapTotal: memory.heapTotal,
          external: memory.external,
          arrayBuffers: memory.arrayBuffers,
          subscribers: events.subscriberCount,
          sockets,
          position: events.position.toString(),
          cpuUserMs: cpu.user / 1000,
          cpuSystemMs: cpu.system / 1000,
        });
      });
    }
  });
  // The parent gone (finished, crashed or killed): stop rather than linger.
  process.on('disconnect', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  console.log(`listening ${server.url}`);
  send({ type: 'ready', url: server.url, pid: process.pid });
}

main().catch((error: unknown) => {
  send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
