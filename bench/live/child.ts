// What both server children of bench/live.ts (bench/live/server.ts and bench/live/bare-server.ts) do for their
// parent: answer 'stats', 'profile' and 'stop' over IPC, stop when the parent goes away, and report 'ready'.
import { createProfiler } from './profiler.js';
import type { ServerCommand, ServerReport, ServerStats } from './protocol.js';

/** Sends a report to the parent (a no-op when run without one). */
export function send(message: ServerReport): void {
  process.send?.(message);
}

/** What only the child itself can count for 'stats'; memory and CPU are read here. */
export type ChildCounts = Pick<ServerStats, 'subscribers' | 'sockets' | 'position'>;

/** The child's own figures for 'stats': memory (after a forced GC when asked and exposed), CPU time, counts. */
export async function localStats(counts: () => Promise<ChildCounts>, gc: boolean): Promise<ServerStats> {
  if (gc && typeof globalThis.gc === 'function') {
    // Twice: the first pass can leave finalizer-held objects for the second.
    globalThis.gc();
    globalThis.gc();
  }
  const counted = await counts();
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    ...counted,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
  };
}

/**
 * Serves the parent's commands for a server child listening on `url`, then reports it ready. `teardown` closes
 * the child's server and database; it runs once, on 'stop', SIGTERM or a vanished parent, and the process exits
 * after it (process.exit, not a natural end: --cpu-prof writes its profile on exit either way). `stats`
 * replaces the child's own figures (a cluster primary sums its workers').
 */
export function answerParent(options: {
  url: string;
  label?: string;
  counts: () => Promise<ChildCounts>;
  stats?: (gc: boolean) => Promise<ServerStats>;
  teardown: () => Promise<void>;
}): void {
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await options.teardown().catch(() => {});
    send({ type: 'stopped' });
    setTimeout(() => process.exit(code), 50);
  };
  const profile = createProfiler(send);
  const stats = options.stats ?? ((gc: boolean) => localStats(options.counts, gc));

  process.on('message', (message: ServerCommand) => {
    if (message.type === 'profile') profile(message);
    else if (message.type === 'stop') void stop(0);
    else if (message.type === 'stats') void stats(message.gc).then((figures) => send({ type: 'stats', ...figures }));
  });
  // The parent gone (finished, crashed or killed): stop rather than linger.
  process.on('disconnect', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  console.log(`listening ${options.url}${options.label ? ` (${options.label})` : ''}`);
  send({ type: 'ready', url: options.url, pid: process.pid });
}

/** Reports a child that failed to start, and exits. */
export function failed(error: unknown): never {
  send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}
