// Messages between bench/live.ts (the parent) and its children: the server (bench/live/server.ts) and the
// subscriber processes (bench/live/subscribers.ts). Every child is forked with `serialization: 'advanced'`,
// so typed arrays cross the IPC channel as binary, not JSON.

/** Times are milliseconds of CLOCK_MONOTONIC (process.hrtime), which every process on the machine shares. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

// ---- server child

export type ServerCommand =
  | { type: 'stats'; gc: boolean }
  /** Starts the V8 CPU profiler (inspector), or stops it and writes the profile to `file`. */
  | { type: 'profile'; action: 'start' }
  | { type: 'profile'; action: 'stop'; file: string }
  | { type: 'stop' };

export interface ServerStats {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Live subscriptions in the server's event hub. */
  subscribers: number;
  /** WebSocket connections the server holds. */
  sockets: number;
  /** Id of the last event the hub fanned out. */
  position: string;
  cpuUserMs: number;
  cpuSystemMs: number;
}

export type ServerReport =
  | { type: 'ready'; url: string; pid: number }
  | ({ type: 'stats' } & ServerStats)
  | { type: 'profile'; action: 'start' | 'stop' }
  | { type: 'stopped' }
  | { type: 'failed'; error: string };

// ---- subscriber children

export type SubscriberCommand =
  /** Opens `count` graphql-ws connections, one reportAdded subscription each. */
  | { type: 'open'; url: string; count: number; concurrency: number; filter: Record<string, string> | null }
  /** Sends back every receive time recorded so far and forgets them. */
  | { type: 'dump' }
  /** Closes every connection. */
  | { type: 'close' };

export type SubscriberReport =
  | { type: 'opened'; count: number; failed: number; ms: number; firstError: string | null }
  /** Every subscription of this process received event `seq`; `last` is when the last one did. */
  | { type: 'complete'; seq: number; last: number }
  /** Per event: its sequence number and the receive times of every subscription that got it. */
  | {
      type: 'dump';
      seqs: number[];
      times: Float64Array[];
      received: number;
      errors: number;
      firstError: string | null;
      /** CPU time (user + system) the process used since the previous dump. */
      cpuMs: number;
    }
  | { type: 'closed' };

/** The reports the benchmark writes carry their sequence number in the title: "live bench <seq>". */
export const TITLE_PREFIX = 'live bench ';

/** What every subscriber selects: a small payload. */
export const SUBSCRIPTION = /* GraphQL */ `
  subscription LiveBench($filter: ReportAddedFilter) {
    reportAdded(filter: $filter) { cursor report { id title } }
  }
`;
