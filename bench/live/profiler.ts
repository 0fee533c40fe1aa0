// The 'profile' command of the benchmarks' server children (bench/live/server.ts, bench/live/bare-server.ts,
// bench/read-server.ts): a V8 CPU profile and sampled allocations of just the measured window, through the
// inspector of the child's own main thread.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import type { ServerCommand, ServerReport } from './protocol.js';

/** Returns the handler for 'profile' commands; it answers `{ type: 'profile' }` (or 'failed') through `send`. */
export function createProfiler(
  send: (message: Extract<ServerReport, { type: 'profile' | 'failed' }>) => void,
  /** Sampling interval in µs; allocation sampling on or off. Both cost throughput while profiling. */
  options: { intervalMicros?: number; allocations?: boolean } = {},
): (message: Extract<ServerCommand, { type: 'profile' }>) => void {
  const { intervalMicros = 100, allocations = true } = options;
  let profiler: Session | undefined;
  const profile = async (message: Extract<ServerCommand, { type: 'profile' }>) => {
    if (message.action === 'start') {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: intervalMicros });
      await profiler.post('Profiler.start');
      if (allocations) {
        // Allocations too (sampled every 16 KB): what each delivery allocates drives the GC share of the profile.
        await profiler.post('HeapProfiler.enable');
        await profiler.post('HeapProfiler.startSampling', {
          samplingInterval: 16_384,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        } as never);
      }
    } else if (profiler) {
      const { profile: result } = await profiler.post('Profiler.stop');
      await writeFile(message.file, JSON.stringify(result));
      if (allocations) {
        const { profile: heap } = await profiler.post('HeapProfiler.stopSampling');
        await writeFile(message.file.replace(/\.cpuprofile$/, '.heapprofile'), JSON.stringify(heap));
      }
      profiler.disconnect();
      profiler = undefined;
    }
    send({ type: 'profile', action: message.action });
  };
  return (message) => void profile(message).catch((error: unknown) => send({ type: 'failed', error: String(error) }));
}
