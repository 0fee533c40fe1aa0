// Child process of bench/live.ts: the real Faultline server (bench/faultline-server.ts, as src/main.ts starts
// it) on 127.0.0.1 with a free port, against the database in BENCH_DB_URL; with
// BENCH_WORKERS > 1, a cluster of that many such servers on one port (src/cluster.ts's WorkerPool, as main.ts
// runs WORKERS > 1). Prints "listening <url>" and reports the URL over IPC; answers 'stats' (memory after an
// optional forced GC, subscription count, CPU time; summed over the workers of a cluster), 'profile' (a V8 CPU
// profile of just the measured window; one process only) and 'stop'. Run by the parent as
// `node --expose-gc --import tsx`.
import cluster from 'node:cluster';
import { WorkerPool } from '../../src/cluster.js';
import { createSql } from '../../src/db/connection.js';
import { createLogger } from '../../src/logger.js';
import { startFaultline } from '../faultline-server.js';
import { answerParent, failed, localStats, type ChildCounts } from './child.js';
import type { ServerStats } from './protocol.js';

const url = process.env.BENCH_DB_URL;
const pool = Number(process.env.BENCH_POOL ?? 10);
const workers = Number(process.env.BENCH_WORKERS ?? 1);
const logger = createLogger(process.env.BENCH_LOG_LEVEL === 'debug' ? 'debug' : 'warn');

/** Between a cluster primary and its workers: the primary asks, each worker answers with its own figures. */
type WorkerMessage = { type: 'stats'; gc: boolean } | ({ type: 'stats-reply' } & ServerStats);

async function serve(): Promise<{ url: string; counts: () => Promise<ChildCounts>; teardown: () => Promise<void> }> {
  const sql = createSql(url!, { max: pool, applicationName: 'faultline-bench-live' });
  const { server, events, stop } = await startFaultline(sql, url!, logger);
  return {
    url: server.url,
    counts: () =>
      new Promise((resolve) =>
        server.httpServer.getConnections((_error, sockets) =>
          resolve({ subscribers: events.subscriberCount, sockets, position: events.position }),
        ),
      ),
    teardown: async () => {
      await stop();
      await sql.end({ timeout: 2 }).catch(() => {});
    },
  };
}

/** The sum of every worker's figures; the position is the one furthest behind. */
async function clusterStats(gc: boolean): Promise<ServerStats> {
  const replies = await Promise.all(
    Object.values(cluster.workers ?? {}).map(
      (worker) =>
        new Promise<ServerStats>((resolve) => {
          const listener = (message: WorkerMessage) => {
            if (message.type !== 'stats-reply') return;
            worker!.off('message', listener);
            resolve(message);
          };
          worker!.on('message', listener);
          worker!.send({ type: 'stats', gc } satisfies WorkerMessage);
        }),
    ),
  );
  const own = await localStats(async () => ({ subscribers: 0, sockets: 0, position: '0' }), false);
  const sum = (pick: (stats: ServerStats) => number) => replies.reduce((total, stats) => total + pick(stats), pick(own));
  return {
    rss: sum((s) => s.rss),
    heapUsed: sum((s) => s.heapUsed),
    heapTotal: sum((s) => s.heapTotal),
    external: sum((s) => s.external),
    arrayBuffers: sum((s) => s.arrayBuffers),
    subscribers: sum((s) => s.subscribers),
    sockets: sum((s) => s.sockets),
    position: replies.map((s) => BigInt(s.position)).reduce((a, b) => (a < b ? a : b)).toString(),
    cpuUserMs: sum((s) => s.cpuUserMs),
    cpuSystemMs: sum((s) => s.cpuSystemMs),
  };
}

async function main(): Promise<void> {
  if (!url) throw new Error('BENCH_DB_URL is not set');
  if (workers > 1 && cluster.isPrimary) {
    const workerPool = new WorkerPool({ workers, logger });
    const port = await workerPool.start();
    answerParent({
      url: `http://127.0.0.1:${port}/graphql`,
      label: `${workers} workers`,
      counts: async () => ({ subscribers: 0, sockets: 0, position: '0' }),
      stats: clusterStats,
      teardown: () => workerPool.stop(),
    });
    return;
  }
  const served = await serve();
  if (cluster.isWorker) {
    process.on('message', (message: WorkerMessage) => {
      if (message.type === 'stats') void localStats(served.counts, message.gc).then((stats) => process.send?.({ type: 'stats-reply', ...stats } satisfies WorkerMessage));
    });
    process.on('SIGTERM', () => void served.teardown().finally(() => process.exit(0)));
    return;
  }
  answerParent({ url: served.url, counts: served.counts, teardown: served.teardown });
}

main().catch(failed);
