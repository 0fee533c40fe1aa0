// Child process of bench/live.ts: the real Faultline server (createSql + EventHub + buildServer + listen, as
// src/main.ts starts it) on 127.0.0.1 with a free port, against the database in BENCH_DB_URL. Prints
// "listening <url>" and reports the URL over IPC; answers 'stats' (memory after an optional forced GC,
// subscription count, CPU time), 'profile' (a V8 CPU profile of just the measured window) and 'stop'. Run by the parent as `node --expose-gc --import tsx`.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { createSql } from '../../src/db/connection.js';
import { EventHub } from '../../src/events/hub.js';
import { createLogger } from '../../src/logger.js';
import { buildServer, listen } from '../../src/server.js';
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

  let profiler: Session | undefined;
  const profile = async (message: Extract<ServerCommand, { type: 'profile' }>) => {
    if (message.action === 'start') {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
      await profiler.post('Profiler.start');
      // Allocations too (sampled every 16 KB): what each delivery allocates drives the GC share of the profile.
      await profiler.post('HeapProfiler.enable');
      await profiler.post('HeapProfiler.startSampling', {
        samplingInterval: 16_384,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      } as never);
    } else if (profiler) {
      const { profile: result } = await profiler.post('Profiler.stop');
      await writeFile(message.file, JSON.stringify(result));
      const { profile: heap } = await profiler.post('HeapProfiler.stopSampling');
      await writeFile(message.file.replace(/\.cpuprofile$/, '.heapprofile'), JSON.stringify(heap));
      profiler.disconnect();
      profiler = undefined;
    }
    send({ type: 'profile', action: message.action });
  };

  process.on('message', (message: ServerCommand) => {
    if (message.type === 'profile') {
      void profile(message).catch((error: unknown) => send({ type: 'failed', error: String(error) }));
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
