// Live benchmark: graphql-ws fan-out, commit-to-client latency and mutation ingest with subscribers attached,
// through the real Faultline server. Not a test: run it with `npm run bench:live` (or `npx tsx bench/live.ts`);
// see bench/README.md, section "Live: fan-out, latency, ingest".
//
//   npx tsx bench/live.ts [--phases fanout,latency,ingest] [--sizes 1000,5000,10000] [--events 6]
//       [--latency-subscribers 1000] [--rate 100 | --rate 10,25,100] [--latency-duration 10]
//       [--ingest-subscribers 1000] [--ingest-duration 10] [--concurrency 20]
//       [--client-procs 1] [--open-concurrency 100] [--timeout 1200] [--cpu-prof <dir>] [--server-flags="<node flags>"]
//       [--synchronous-commit off]   (diagnostic: see SYNCHRONOUS_COMMIT)
//       [--baseline]   (each measurement first against bench/live/bare-server.ts)
//       [--workers 1,2]   (the real server as one process, then as a cluster of two: src/cluster.ts)
//   env: BENCH_DATABASE_URL (a PostgreSQL where it may create and drop a database; default
//        postgres://postgres@127.0.0.1:5432/postgres), BENCH_NODE_ENV (default production), BENCH_POOL (10)
//
// Process layout (everything on 127.0.0.1):
//   - this process: creates, migrates and seeds its own database `faultline_bench_live_<random>` (dropped at
//     the end), issues an editor key, writes the reports and drives the HTTP mutations;
//   - the server: bench/live/server.ts, `node --expose-gc --import tsx`, a fresh one per measurement so each
//     starts from the same heap;
//   - the subscribers: bench/live/subscribers.ts in one or more processes (--client-procs), each holding its
//     share of the graphql-ws connections (one subscription per connection);
//   - with --baseline, before each measurement, the same measurement against bench/live/bare-server.ts (a bare
//     `ws` server that reads each event in one query and writes each socket its frame, and a bare node:http
//     POST endpoint that calls submitReport for the ingest phase), started and placed the same way; the report
//     gives both and real / bare.
// Commit time: the writer here calls submitReport (the mutation's own data function and transaction) and
// stamps CLOCK_MONOTONIC the moment it returns, i.e. right after COMMIT; subscribers stamp the same clock when
// graphql-ws hands them the event. Everything is bounded: every wait has a deadline, a watchdog ends the run,
// and children exit when this process goes away.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueKey } from '../src/auth/keys.js';
import { submitReport } from '../src/data/report-changes.js';
import { loadSeed } from '../src/data/seed.js';
import { createSql, type Sql } from '../src/db/connection.js';
import { migrate } from '../src/db/migrate.js';
import { encodeGlobalId } from '../src/graphql/errors.js';
import {
  TITLE_PREFIX,
  monotonicMs,
  type ServerCommand,
  type ServerReport,
  type ServerStats,
  type SubscriberCommand,
  type SubscriberReport,
} from './live/protocol.js';

// ---------------------------------------------------------------------------------------------- options

function rawOption(name: string): string | undefined {
  const args = process.argv.slice(2);
  let raw: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === `--${name}`) raw = args[i + 1];
    else if (arg.startsWith(`--${name}=`)) raw = arg.slice(name.length + 3);
  }
  return raw;
}

function intOption(name: string, fallback: number): number {
  const raw = rawOption(name);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`bench:live: --${name} must be a non-negative integer, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

/** `--name` alone is on; `--name=on|off|true|false|1|0` sets it. */
function flagOption(name: string): boolean {
  const arg = process.argv.slice(2).findLast((item) => item === `--${name}` || item.startsWith(`--${name}=`));
  if (arg === undefined) return false;
  if (arg === `--${name}`) return true;
  const value = arg.slice(name.length + 3);
  if (['on', 'true', '1'].includes(value)) return true;
  if (['off', 'false', '0'].includes(value)) return false;
  console.error(`bench:live: --${name} takes no value (or on/off), got "${value}"`);
  process.exit(2);
}

function listOption(name: string, fallback: string): string[] {
  return (rawOption(name) ?? fallback).split(',').map((item) => item.trim()).filter(Boolean);
}

const PHASES = new Set(listOption('phases', 'fanout,latency,ingest'));
const SIZES = listOption('sizes', '1000,5000,10000').map(Number);
const FANOUT_EVENTS = intOption('events', 6);
const LATENCY_SUBSCRIBERS = intOption('latency-subscribers', 1000);
const RATES = listOption('rate', '100').map(Number);
const LATENCY_DURATION = intOption('latency-duration', 10);
const INGEST_SUBSCRIBERS = intOption('ingest-subscribers', 1000);
const INGEST_DURATION = intOption('ingest-duration', 10);
const CONCURRENCY = intOption('concurrency', 20);
/** Each phase runs against the real server as a cluster of each of these sizes in turn (1: no cluster). */
const WORKER_COUNTS = listOption('workers', '1,2').map(Number);
const CLIENT_PROCS = Math.max(1, intOption('client-procs', 1));
const OPEN_CONCURRENCY = Math.max(1, intOption('open-concurrency', 100));
const TIMEOUT = intOption('timeout', 1200);
const CPU_PROF = rawOption('cpu-prof') ?? process.env.BENCH_CPU_PROF;
/** Every phase: measure against bench/live/bare-server.ts first, and report real / bare. */
const BASELINE = flagOption('baseline');
const NODE_ENV = process.env.BENCH_NODE_ENV ?? 'production';
/**
 * Diagnostic only: `--synchronous-commit off` sets it on the benchmark's own database, so a commit does not
 * wait for the WAL flush. Shows how much of the ingest ceiling is the disk's fsync; not how to run Faultline.
 */
const SYNCHRONOUS_COMMIT = rawOption('synchronous-commit') ?? 'on';
if (SYNCHRONOUS_COMMIT !== 'on' && SYNCHRONOUS_COMMIT !== 'off') {
  console.error('bench:live: --synchronous-commit must be on or off');
  process.exit(2);
}
/** Extra V8/Node flags for the server only, e.g. "--max-semi-space-size=32" (space-separated). */
const SERVER_FLAGS = (rawOption('server-flags') ?? process.env.BENCH_SERVER_FLAGS ?? '').split(/\s+/).filter(Boolean);
const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

for (const phase of PHASES) {
  if (!['fanout', 'latency', 'ingest'].includes(phase)) {
    console.error(`bench:live: unknown phase "${phase}" (fanout, latency, ingest)`);
    process.exit(2);
  }
}
if (RATES.some((rate) => !Number.isInteger(rate) || rate <= 0)) {
  console.error('bench:live: --rate must be positive integers (events per second), e.g. 100 or 10,25,100');
  process.exit(2);
}
if (WORKER_COUNTS.some((count) => !Number.isInteger(count) || count <= 0)) {
  console.error('bench:live: --workers must be positive integers, e.g. 1 or 1,2');
  process.exit(2);
}
if (SIZES.some((size) => !Number.isInteger(size) || size <= 0)) {
  console.error('bench:live: --sizes must be positive integers, e.g. 1000,5000,10000');
  process.exit(2);
}

const log = (message: string) => console.log(`[bench:live] ${message}`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const MB = 1024 * 1024;
/** The machine is shared: every phase logs the load around it, so a noisy figure can be told apart. */
const load = () => `load average ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`;

// ---------------------------------------------------------------------------------------------- statistics

function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

function sortedOf(values: Iterable<number>): Float64Array {
  return Float64Array.from(values).sort();
}

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ms` : 'n/a');
const median = (values: number[]) => quantile(sortedOf(values), 0.5);
/** real / bare, e.g. "3.2×"; n/a when the baseline figure is missing, zero or negative (memory of a few subscribers). */
function ratio(real: number, bare: number): string {
  if (!Number.isFinite(real) || !Number.isFinite(bare) || bare <= 0 || real < 0) return 'n/a';
  const value = real / bare;
  return `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)}×`;
}

// ---------------------------------------------------------------------------------------------- harness

const children = new Set<ChildProcess>();
const cleanups: Array<() => Promise<void>> = [];
let finishing = false;

async function cleanup(): Promise<void> {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const step of cleanups.reverse()) await step().catch((error) => log(`cleanup failed: ${String(error)}`));
}

async function finish(code: number): Promise<never> {
  if (!finishing) {
    finishing = true;
    await cleanup();
  }
  process.exit(code);
}

/** Waits for `predicate` on the messages of `child`, or fails after `timeoutMs`. */
function waitFor<T>(child: ChildProcess, what: string, timeoutMs: number, pick: (message: unknown) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      let value: T | undefined;
      try {
        value = pick(message);
      } catch (error) {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        reject(error as Error);
        return;
      }
      if (value === undefined) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(value);
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      reject(new Error(`child ${child.pid} exited (${code}) while waiting for ${what}`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function ulimitN(): number {
  const result = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const value = Number(result.stdout.trim());
  return Number.isFinite(value) ? value : Number.POSITIVE_INFINITY;
}

// ---------------------------------------------------------------------------------------------- database

async function openDatabase(): Promise<{ url: string; sql: Sql; editorKey: string; incidentId: string }> {
  const adminUrl = process.env.BENCH_DATABASE_URL || DEFAULT_ADMIN_URL;
  const admin = createSql(adminUrl, { max: 1, applicationName: 'faultline-bench-live' });
  const name = `faultline_bench_live_${randomBytes(5).toString('hex')}`;
  try {
    await admin`create database ${admin(name)}`;
    if (SYNCHRONOUS_COMMIT === 'off') await admin`alter database ${admin(name)} set synchronous_commit = off`;
  } catch (error) {
    await admin.end({ timeout: 1 }).catch(() => {});
    throw new Error(`cannot create a database on ${redacted(adminUrl)} (set BENCH_DATABASE_URL): ${(error as Error).message}`);
  }
  await admin.end({ timeout: 2 });
  cleanups.push(async () => {
    const drop = createSql(adminUrl, { max: 1, applicationName: 'faultline-bench-live' });
    try {
      await drop`drop database if exists ${drop(name)} with (force)`;
      log(`dropped database ${name}`);
    } finally {
      await drop.end({ timeout: 2 });
    }
  });
  const parsed = new URL(adminUrl);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  const sql = createSql(url, { max: 10, applicationName: 'faultline-bench-live-writer' });
  cleanups.push(() => sql.end({ timeout: 2 }));
  await migrate(sql);
  await loadSeed(sql);
  const editorKey = (await issueKey(sql, 'live benchmark', 'editor')).key;
  const [incident] = await sql<{ id: string }[]>`select id from incidents order by id limit 1`;
  log(`database ${redacted(url)} migrated and seeded`);
  return { url, sql, editorKey, incidentId: incident!.id };
}

function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

// ---------------------------------------------------------------------------------------------- children

/** `real`: bench/live/server.ts, the Faultline server. `bare`: bench/live/bare-server.ts, the baseline. */
type ServerKind = 'real' | 'bare';
/** How a measurement's log lines name the server it ran against (its profiles are live-bare-*). */
const tag = (kind: ServerKind, workers = 1) => (kind === 'bare' ? ' [bare baseline]' : workers > 1 ? ` [${workers} workers]` : '');

interface ServerHandle {
  kind: ServerKind;
  url: string;
  pid: number;
  stats(gc: boolean): Promise<ServerStats>;
  /** With --cpu-prof: profiles the server's main thread from start to stop, written as <dir>/live-<name>.cpuprofile. */
  profile(action: 'start' | 'stop', name?: string): Promise<void>;
  stop(): Promise<void>;
}

const SERVER_SCRIPT = fileURLToPath(new URL('./live/server.ts', import.meta.url));
const BARE_SERVER_SCRIPT = fileURLToPath(new URL('./live/bare-server.ts', import.meta.url));
const SUBSCRIBER_SCRIPT = fileURLToPath(new URL('./live/subscribers.ts', import.meta.url));

async function startServer(setup: Setup, kind: ServerKind): Promise<ServerHandle> {
  const execArgv = ['--expose-gc', ...SERVER_FLAGS, '--import', 'tsx'];
  const child = fork(kind === 'bare' ? BARE_SERVER_SCRIPT : SERVER_SCRIPT, [], {
    execArgv,
    env: { ...process.env, BENCH_DB_URL: setup.databaseUrl, NODE_ENV, BENCH_WORKERS: String(kind === 'real' ? setup.workers : 1) },
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const ready = await waitFor(child, `the ${kind === 'bare' ? 'bare baseline ' : ''}server to start`, 60_000, (message) => {
    const report = message as ServerReport;
    if (report.type === 'failed') throw new Error(`${kind === 'bare' ? 'bare baseline ' : ''}server failed to start: ${report.error}`);
    return report.type === 'ready' ? report : undefined;
  });
  const command = (message: ServerCommand) => child.send(message);
  return {
    kind,
    url: ready.url,
    pid: ready.pid,
    stats: (gc) => {
      const reply = waitFor(child, 'server stats', 30_000, (message) => {
        const report = message as ServerReport;
        return report.type === 'stats' ? (report as ServerStats) : undefined;
      });
      command({ type: 'stats', gc });
      return reply;
    },
    profile: async (action, name) => {
      if (!CPU_PROF) return;
      const reply = waitFor(child, 'the profiler', 60_000, (message) => {
        const report = message as ServerReport;
        if (report.type === 'failed') throw new Error(`profiling failed: ${report.error}`);
        return report.type === 'profile' ? true : undefined;
      });
      if (action === 'start') command({ type: 'profile', action });
      else {
        const file = path.resolve(CPU_PROF, `live-${kind === 'bare' ? 'bare-' : ''}${name ?? 'server'}.cpuprofile`);
        command({ type: 'profile', action, file });
        await reply;
        log(`CPU profile of the server: ${file}`);
        return;
      }
      await reply;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      command({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface SubscriberProc {
  child: ChildProcess;
  /** Connections it holds now. */
  count: number;
}

/** The subscriber processes and what they report. */
class Subscribers {
  private readonly procs: SubscriberProc[] = [];
  /** seq → processes (of those holding connections) that reported every subscription received it. */
  private readonly completes = new Map<number, { procs: number; last: number }>();
  private readonly waiters = new Map<number, () => void>();

  static async start(count: number): Promise<Subscribers> {
    const subscribers = new Subscribers();
    for (let i = 0; i < count; i++) {
      const child = fork(SUBSCRIBER_SCRIPT, [], {
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, NODE_ENV },
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.add(child);
      child.once('exit', () => children.delete(child));
      child.on('message', (message: SubscriberReport) => {
        if (message.type === 'complete') subscribers.noteComplete(message.seq, message.last);
      });
      subscribers.procs.push({ child, count: 0 });
    }
    return subscribers;
  }

  get total(): number {
    return this.procs.reduce((sum, proc) => sum + proc.count, 0);
  }

  private get active(): SubscriberProc[] {
    return this.procs.filter((proc) => proc.count > 0);
  }

  private noteComplete(seq: number, last: number): void {
    const entry = this.completes.get(seq) ?? { procs: 0, last: 0 };
    entry.procs += 1;
    entry.last = Math.max(entry.last, last);
    this.completes.set(seq, entry);
    if (entry.procs >= this.active.length) this.waiters.get(seq)?.();
  }

  /** Opens `total` connections spread evenly over the processes; returns the time it took and any failures. */
  async open(url: string, total: number, filter: Record<string, string> | null, procs = this.procs.length) {
    const started = monotonicMs();
    const used = this.procs.slice(0, Math.min(procs, this.procs.length));
    const results = await Promise.all(
      used.map((proc, index) => {
        const share = Math.floor(total / used.length) + (index < total % used.length ? 1 : 0);
        const reply = waitFor(proc.child, 'subscribers to connect', 600_000, (message) => {
          const report = message as SubscriberReport;
          return report.type === 'opened' ? report : undefined;
        });
        proc.child.send({ type: 'open', url, count: share, concurrency: OPEN_CONCURRENCY, filter } satisfies SubscriberCommand);
        return reply.then((report) => {
          proc.count = report.count;
          return report;
        });
      }),
    );
    const failed = results.reduce((sum, report) => sum + report.failed, 0);
    const firstError = results.find((report) => report.firstError)?.firstError ?? null;
    return { ms: monotonicMs() - started, failed, firstError };
  }

  /** Resolves with the time the last subscription received `seq`, or undefined after `timeoutMs`. */
  waitComplete(seq: number, timeoutMs: number): Promise<number | undefined> {
    const done = () => {
      const entry = this.completes.get(seq);
      return entry && entry.procs >= this.active.length ? entry.last : undefined;
    };
    const now = done();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(seq);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.set(seq, () => {
        clearTimeout(timer);
        this.waiters.delete(seq);
        resolve(done());
      });
    });
  }

  /** Every receive time recorded since the last dump, per event, across processes. */
  async dump(): Promise<{ times: Map<number, number[]>; received: number; errors: number; firstError: string | null; cpuMs: number[] }> {
    const times = new Map<number, number[]>();
    const cpuMs: number[] = [];
    let received = 0;
    let errors = 0;
    let firstError: string | null = null;
    for (const proc of this.procs) {
      const reply = waitFor(proc.child, 'receive times', 60_000, (message) => {
        const report = message as SubscriberReport;
        return report.type === 'dump' ? report : undefined;
      });
      proc.child.send({ type: 'dump' } satisfies SubscriberCommand);
      const report = await reply;
      received += report.received;
      errors += report.errors;
      firstError ??= report.firstError;
      cpuMs.push(report.cpuMs);
      report.seqs.forEach((seq, index) => {
        const list = times.get(seq) ?? [];
        for (const value of report.times[index]!) list.push(value);
        times.set(seq, list);
      });
    }
    this.completes.clear();
    return { times, received, errors, firstError, cpuMs };
  }

  async close(): Promise<void> {
    await Promise.all(
      this.procs.map((proc) => {
        const reply = waitFor(proc.child, 'subscribers to close', 30_000, (message) =>
          (message as SubscriberReport).type === 'closed' ? true : undefined,
        );
        proc.child.send({ type: 'close' } satisfies SubscriberCommand);
        proc.count = 0;
        return reply;
      }),
    );
  }

  async exit(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (proc) =>
          new Promise<void>((resolve) => {
            if (proc.child.exitCode !== null) return resolve();
            proc.child.once('exit', () => resolve());
            proc.child.disconnect();
            setTimeout(() => {
              proc.child.kill('SIGKILL');
              resolve();
            }, 10_000).unref();
          }),
      ),
    );
  }
}

async function waitForSubscriptions(server: ServerHandle, count: number, timeoutMs: number): Promise<ServerStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await server.stats(false);
    if (stats.subscribers >= count) return stats;
    if (Date.now() > deadline) throw new Error(`only ${stats.subscribers} of ${count} subscriptions registered after ${timeoutMs} ms`);
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------- writers

let seqCounter = 0;
const runId = randomBytes(4).toString('hex');

function nextReport(): { seq: number; url: string; title: string } {
  seqCounter += 1;
  return { seq: seqCounter, url: `https://bench.example.org/live/${runId}/${seqCounter}`, title: `${TITLE_PREFIX}${seqCounter}` };
}

/** Commits one report (the mutation's own transaction); returns its seq and the monotonic time of the commit. */
async function commitReport(sql: Sql): Promise<{ seq: number; committed: number }> {
  const report = nextReport();
  const { created } = await submitReport(sql, { url: report.url, title: report.title, publisher: 'Live Bench', language: 'en' });
  const committed = monotonicMs();
  if (!created) throw new Error(`report ${report.seq} was not created`);
  return { seq: report.seq, committed };
}

const SUBMIT = /* GraphQL */ `
  mutation LiveBenchSubmit($input: SubmitReportInput!) {
    submitReport(input: $input) {
      __typename
      ... on SubmitReportPayload { created report { id } }
      ... on UserError { message }
    }
  }
`;

function post(agent: http.Agent, url: URL, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.setTimeout(30_000, () => request.destroy(new Error('request timed out after 30 s')));
    request.on('error', reject);
    request.end(body);
  });
}

interface IngestResult {
  ok: number;
  failed: number;
  firstError: string | null;
  seconds: number;
  latencies: Float64Array;
  /** seq → monotonic time the request was sent (an upper bound on how long delivery took after commit). */
  sent: Map<number, number>;
  lastResponse: number;
}

/** `concurrency` loops, each POSTing submitReport mutations back to back for `seconds`. */
async function runMutations(serverUrl: string, editorKey: string, seconds: number, concurrency: number): Promise<IngestResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL(serverUrl);
  const headers = { authorization: `Bearer ${editorKey}`, accept: 'application/graphql-response+json' };
  const latencies: number[] = [];
  const sent = new Map<number, number>();
  let ok = 0;
  let failed = 0;
  let firstError: string | null = null;
  let lastResponse = 0;
  const started = monotonicMs();
  const end = started + seconds * 1000;
  const loop = async () => {
    while (monotonicMs() < end) {
      const report = nextReport();
      const body = JSON.stringify({ query: SUBMIT, variables: { input: { url: report.url, title: report.title, publisher: 'Live Bench', language: 'en' } } });
      const at = monotonicMs();
      sent.set(report.seq, at);
      try {
        const response = await post(agent, url, body, headers);
        lastResponse = monotonicMs();
        const parsed = JSON.parse(response.text) as { data?: { submitReport?: { __typename: string; created?: boolean } }; errors?: unknown };
        if (response.status === 200 && parsed.data?.submitReport?.__typename === 'SubmitReportPayload' && parsed.data.submitReport.created) {
          ok += 1;
          latencies.push(lastResponse - at);
        } else {
          failed += 1;
          sent.delete(report.seq);
          firstError ??= `${response.status} ${response.text.slice(0, 300)}`;
        }
      } catch (error) {
        failed += 1;
        sent.delete(report.seq);
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds_ = (monotonicMs() - started) / 1000;
  agent.destroy();
  return { ok, failed, firstError, seconds: seconds_, latencies: sortedOf(latencies), sent, lastResponse };
}

// ---------------------------------------------------------------------------------------------- phases

interface Setup {
  databaseUrl: string;
  sql: Sql;
  editorKey: string;
  incidentGlobalId: string;
  /** Processes of the real server (a cluster when above 1). */
  workers: number;
}

/** JIT-warms the server's paths (connect, subscribe, fan-out, the mutation over HTTP) before anything is measured. */
async function warmUp(server: ServerHandle, subscribers: Subscribers, setup: Setup, withMutations: boolean): Promise<void> {
  await subscribers.open(server.url, 20, null, 1);
  await waitForSubscriptions(server, 20, 30_000);
  for (let i = 0; i < 20; i++) {
    const { seq } = await commitReport(setup.sql);
    if ((await subscribers.waitComplete(seq, 10_000)) === undefined) throw new Error('warm-up event not delivered within 10 s');
  }
  if (withMutations) await runMutations(server.url, setup.editorKey, 2, Math.min(CONCURRENCY, 5));
  await sleep(500);
  await subscribers.dump();
  await subscribers.close();
  const deadline = Date.now() + 10_000;
  while ((await server.stats(false)).subscribers > 0 && Date.now() < deadline) await sleep(50);
}

interface FanoutResult {
  kind: ServerKind;
  size: number;
  procs: number;
  openMs: number;
  failedToOpen: number;
  before: ServerStats;
  after: ServerStats;
  /** Commit → last subscriber, per event, in order (the first is the first event after subscribing). */
  lastMs: number[];
  /** Commit → median subscriber, per event. */
  medianMs: number[];
  /** Events each subscriber should have received vs. deliveries seen. */
  expected: number;
  delivered: number;
  errors: number;
  firstError: string | null;
  serverCpuMsPerEvent: number;
  /** With --baseline: the same measurement against the bare server, run just before. */
  baseline?: FanoutResult;
}

async function fanout(setup: Setup, size: number, kind: ServerKind): Promise<FanoutResult> {
  const procs = Math.max(CLIENT_PROCS, Math.ceil(size / Math.max(1, FD_BUDGET)));
  const name = `fan-out ${size}${tag(kind, setup.workers)}`;
  log(`${name}: starting a fresh server and ${procs} subscriber process(es); ${load()}`);
  const server = await startServer(setup, kind);
  const subscribers = await Subscribers.start(procs);
  try {
    await warmUp(server, subscribers, setup, false);
    await sleep(500);
    const before = await server.stats(true);
    const opened = await subscribers.open(server.url, size, null);
    if (opened.failed > 0) log(`${name}: ${opened.failed} connections failed: ${opened.firstError}`);
    const count = subscribers.total;
    await waitForSubscriptions(server, count, 120_000);
    log(`${name}: ${count} subscriptions open in ${ms(opened.ms)}; idling 2 s`);
    await sleep(2_000);
    const after = await server.stats(true);
    const lastMs: number[] = [];
    const committedAt = new Map<number, number>();
    const cpuBefore = await server.stats(false);
    await server.profile('start');
    for (let i = 0; i < FANOUT_EVENTS; i++) {
      const { seq, committed } = await commitReport(setup.sql);
      committedAt.set(seq, committed);
      const last = await subscribers.waitComplete(seq, 60_000);
      if (last === undefined) {
        log(`${name}: event ${seq} did not reach every subscriber within 60 s`);
        lastMs.push(Number.NaN);
      } else {
        lastMs.push(last - committed);
      }
      await sleep(300);
    }
    await server.profile('stop', `fanout-${count}`);
    const cpuAfter = await server.stats(false);
    const dump = await subscribers.dump();
    const medianMs = [...committedAt].map(([seq, committed]) => median((dump.times.get(seq) ?? []).map((t) => t - committed)));
    const result: FanoutResult = {
      kind,
      size: count,
      procs,
      openMs: opened.ms,
      failedToOpen: opened.failed,
      before,
      after,
      lastMs,
      medianMs,
      expected: count * FANOUT_EVENTS,
      delivered: dump.received,
      errors: dump.errors,
      firstError: dump.firstError,
      serverCpuMsPerEvent:
        (cpuAfter.cpuUserMs + cpuAfter.cpuSystemMs - cpuBefore.cpuUserMs - cpuBefore.cpuSystemMs) / FANOUT_EVENTS,
    };
    log(
      `fan-out ${count}${tag(kind)}: commit → last subscriber ${lastMs.map(ms).join(', ')}; ` +
        `server RSS +${((after.rss - before.rss) / MB).toFixed(1)} MB (${((after.rss - before.rss) / count / 1024).toFixed(1)} KB/subscriber), ` +
        `heap +${((after.heapUsed - before.heapUsed) / count / 1024).toFixed(1)} KB/subscriber`,
    );
    await subscribers.close();
    return result;
  } finally {
    await subscribers.exit();
    await server.stop();
  }
}

interface LatencyResult {
  kind: ServerKind;
  rate: number;
  subscribers: number;
  events: number;
  achievedRate: number;
  samples: number;
  expectedSamples: number;
  all: Float64Array;
  last: Float64Array;
  undelivered: number;
  errors: number;
  firstError: string | null;
  commitMs: Float64Array;
  serverCpu: number;
  /** Busiest subscriber process's CPU over the same window, as a share of one core. */
  clientCpu: number;
  /** With --baseline: the same measurement against the bare server, run just before. */
  baseline?: LatencyResult;
}

async function latency(setup: Setup, rate: number, kind: ServerKind): Promise<LatencyResult> {
  const name = `latency${tag(kind, setup.workers)}`;
  log(`${name}: ${LATENCY_SUBSCRIBERS} subscribers, ${rate} events/s for ${LATENCY_DURATION} s; ${load()}`);
  const server = await startServer(setup, kind);
  const subscribers = await Subscribers.start(CLIENT_PROCS);
  try {
    await warmUp(server, subscribers, setup, false);
    const opened = await subscribers.open(server.url, LATENCY_SUBSCRIBERS, null);
    if (opened.failed > 0) log(`${name}: ${opened.failed} connections failed: ${opened.firstError}`);
    const count = subscribers.total;
    await waitForSubscriptions(server, count, 120_000);
    await sleep(1_000);
    const total = rate * LATENCY_DURATION;
    const interval = 1000 / rate;
    const committed = new Map<number, number>();
    const commitMs: number[] = [];
    const writes: Array<Promise<void>> = [];
    let lastBegun = 0;
    await subscribers.dump();
    const cpuBefore = await server.stats(false);
    const cpuStarted = monotonicMs();
    await server.profile('start', `latency-${rate}`);
    const started = monotonicMs();
    // Open loop: each write starts on schedule whether or not the previous one has finished.
    for (let i = 0; i < total; i++) {
      const due = started + i * interval;
      const wait = due - monotonicMs();
      if (wait > 1) await sleep(wait);
      const begun = monotonicMs();
      lastBegun = begun;
      writes.push(
        commitReport(setup.sql).then(({ seq, committed: at }) => {
          committed.set(seq, at);
          commitMs.push(at - begun);
        }),
      );
    }
    await Promise.all(writes);
    // Writes started per second: the schedule as kept, one interval per write.
    const elapsed = (lastBegun - started + interval) / 1000;
    const seqs = [...committed.keys()];
    let undelivered = 0;
    const deadline = monotonicMs() + 30_000;
    for (const seq of seqs) {
      if ((await subscribers.waitComplete(seq, Math.max(1, deadline - monotonicMs()))) === undefined) undelivered += 1;
    }
    await server.profile('stop', `latency-${rate}`);
    const cpuAfter = await server.stats(false);
    const cpuEnded = monotonicMs();
    const dump = await subscribers.dump();
    const all: number[] = [];
    const last: number[] = [];
    for (const seq of seqs) {
      const at = committed.get(seq)!;
      const times = dump.times.get(seq) ?? [];
      let max = Number.NEGATIVE_INFINITY;
      for (const t of times) {
        all.push(t - at);
        if (t > max) max = t;
      }
      if (times.length === count) last.push(max - at);
    }
    const result: LatencyResult = {
      kind,
      rate: rate,
      subscribers: count,
      events: seqs.length,
      achievedRate: seqs.length / elapsed,
      samples: all.length,
      expectedSamples: seqs.length * count,
      all: sortedOf(all),
      last: sortedOf(last),
      undelivered,
      errors: dump.errors,
      firstError: dump.firstError,
      commitMs: sortedOf(commitMs),
      serverCpu: (cpuAfter.cpuUserMs + cpuAfter.cpuSystemMs - cpuBefore.cpuUserMs - cpuBefore.cpuSystemMs) / (cpuEnded - cpuStarted),
      clientCpu: Math.max(...dump.cpuMs) / (monotonicMs() - cpuStarted),
    };
    if (dump.firstError) log(`${name}: ${dump.errors} subscriber errors, first: ${dump.firstError}`);
    log(
      `${name}: p50 ${ms(quantile(result.all, 0.5))}, p99 ${ms(quantile(result.all, 0.99))}, max ${ms(quantile(result.all, 1))} ` +
        `over ${result.samples} deliveries (${result.achievedRate.toFixed(1)} events/s)`,
    );
    await subscribers.close();
    return result;
  } finally {
    await subscribers.exit();
    await server.stop();
  }
}

interface IngestRun {
  kind: ServerKind;
  mode: 'every event' | 'filtered out';
  subscribers: number;
  result: IngestResult;
  /** After the last mutation response: until every subscriber had every event (every-event mode only). */
  drainMs: number;
  undelivered: number;
  delivered: number;
  expectedDeliveries: number;
  /** Request sent → subscriber received: an upper bound on commit-to-client under this load. */
  deliveryP50: number;
  deliveryP99: number;
  serverCpu: number;
  clientCpu: number;
  errors: number;
  /** With --baseline: the same measurement against the bare server, run just before. */
  baseline?: IngestRun;
}

async function ingest(setup: Setup, mode: IngestRun['mode'], kind: ServerKind): Promise<IngestRun> {
  const name = `ingest (${mode})${tag(kind, setup.workers)}`;
  log(`${name}: ${INGEST_SUBSCRIBERS} subscribers, ${CONCURRENCY} concurrent HTTP mutations for ${INGEST_DURATION} s; ${load()}`);
  const server = await startServer(setup, kind);
  const subscribers = await Subscribers.start(CLIENT_PROCS);
  try {
    await warmUp(server, subscribers, setup, true);
    // Filtered out: every subscriber watches one incident; the benchmark's reports link none, so the hub
    // runs each subscriber's filter and delivers nothing (the bare server sends nothing to a subscription
    // with a filter).
    const filter = mode === 'filtered out' ? { incident: setup.incidentGlobalId } : null;
    const opened = await subscribers.open(server.url, INGEST_SUBSCRIBERS, filter);
    if (opened.failed > 0) log(`${name}: ${opened.failed} connections failed: ${opened.firstError}`);
    const count = subscribers.total;
    await waitForSubscriptions(server, count, 120_000);
    await sleep(1_000);
    await subscribers.dump();
    const cpuBefore = await server.stats(false);
    const windowStarted = monotonicMs();
    await server.profile('start');
    const result = await runMutations(server.url, setup.editorKey, INGEST_DURATION, CONCURRENCY);
    await server.profile('stop', `ingest-${mode === 'every event' ? 'every' : 'filtered'}`);
    const cpuAfter = await server.stats(false);
    let undelivered = 0;
    let drainMs = 0;
    const delivery: number[] = [];
    let delivered = 0;
    let errors = 0;
    if (mode === 'every event') {
      const deadline = monotonicMs() + 60_000;
      let lastComplete = 0;
      for (const seq of result.sent.keys()) {
        const at = await subscribers.waitComplete(seq, Math.max(1, deadline - monotonicMs()));
        if (at === undefined) undelivered += 1;
        else lastComplete = Math.max(lastComplete, at);
      }
      drainMs = Math.max(0, lastComplete - result.lastResponse);
    } else {
      await sleep(1_000);
    }
    const dump = await subscribers.dump();
    delivered = dump.received;
    errors = dump.errors;
    for (const [seq, times] of dump.times) {
      const at = result.sent.get(seq);
      if (at === undefined) continue;
      for (const t of times) delivery.push(t - at);
    }
    const sortedDelivery = sortedOf(delivery);
    const run: IngestRun = {
      kind,
      mode,
      subscribers: count,
      result,
      drainMs,
      undelivered,
      delivered,
      expectedDeliveries: mode === 'every event' ? result.ok * count : 0,
      deliveryP50: quantile(sortedDelivery, 0.5),
      deliveryP99: quantile(sortedDelivery, 0.99),
      serverCpu: (cpuAfter.cpuUserMs + cpuAfter.cpuSystemMs - cpuBefore.cpuUserMs - cpuBefore.cpuSystemMs) / (result.seconds * 1000),
      clientCpu: Math.max(...dump.cpuMs) / (monotonicMs() - windowStarted),
      errors,
    };
    log(
      `${name}: ${(result.ok / result.seconds).toFixed(0)} mutations/s (${result.ok} ok, ${result.failed} failed), ` +
        `mutation p50 ${ms(quantile(result.latencies, 0.5))} p99 ${ms(quantile(result.latencies, 0.99))}` +
        (mode === 'every event' ? `; subscribers caught up ${ms(drainMs)} after the last response` : ''),
    );
    if (result.firstError) log(`${name}: first failure: ${result.firstError}`);
    if (dump.firstError) log(`${name}: ${dump.errors} subscriber errors, first: ${dump.firstError}`);
    await subscribers.close();
    return run;
  } finally {
    await subscribers.exit();
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------- report

/** Per-event fan-out figures as the report shows them: first event, the following ones, median subscriber. */
function fanoutFigures(f: FanoutResult) {
  const following = f.lastMs.slice(1);
  return {
    first: f.lastMs[0] ?? Number.NaN,
    followingMedian: median(following),
    followingMax: following.length > 0 ? Math.max(...following) : Number.NaN,
    medianSubscriber: median(f.medianMs),
    rssPerSubscriber: (f.after.rss - f.before.rss) / f.size / 1024,
    heapPerSubscriber: (f.after.heapUsed - f.before.heapUsed) / f.size / 1024,
  };
}

/** Runs a measurement on the real server, after the bare floor with --baseline (attached to the result). */
async function withBaseline<R extends { baseline?: R }>(measure: (kind: ServerKind) => Promise<R>, logRatio: (real: R, bare: R) => void): Promise<R> {
  const bare = BASELINE ? await measure('bare') : undefined;
  const real = await measure('real');
  if (bare) {
    real.baseline = bare;
    logRatio(real, bare);
  }
  return real;
}

function logFanoutRatio(real: FanoutResult, bare: FanoutResult): void {
  const r = fanoutFigures(real);
  const b = fanoutFigures(bare);
  log(
    `fan-out ${real.size}: real / bare: commit → last subscriber, first event ${ratio(r.first, b.first)}, ` +
      `following median ${ratio(r.followingMedian, b.followingMedian)} / max ${ratio(r.followingMax, b.followingMax)}; ` +
      `commit → median subscriber ${ratio(r.medianSubscriber, b.medianSubscriber)}; server CPU / event ${ratio(real.serverCpuMsPerEvent, bare.serverCpuMsPerEvent)}` +
      (real.size !== bare.size ? ` (unequal: ${real.size} vs ${bare.size} subscribers)` : ''),
  );
}

function logLatencyRatio(real: LatencyResult, bare: LatencyResult): void {
  const q = (lat: LatencyResult, p: number) => quantile(lat.all, p);
  log(
    `latency ${real.rate}/s: real / bare: p50 ${ratio(q(real, 0.5), q(bare, 0.5))}, p99 ${ratio(q(real, 0.99), q(bare, 0.99))}, ` +
      `max ${ratio(q(real, 1), q(bare, 1))}, last subscriber p99 ${ratio(quantile(real.last, 0.99), quantile(bare.last, 0.99))}, ` +
      `server CPU ${ratio(real.serverCpu, bare.serverCpu)}` +
      (real.subscribers !== bare.subscribers ? ` (unequal: ${real.subscribers} vs ${bare.subscribers} subscribers)` : ''),
  );
}

/** Ingest figures as the report shows them; mutations/s is a rate, so its real / bare is below 1 when real is slower. */
function ingestFigures(run: IngestRun) {
  const r = run.result;
  return {
    rate: r.ok / r.seconds,
    p50: quantile(r.latencies, 0.5),
    p99: quantile(r.latencies, 0.99),
  };
}

function logIngestRatio(real: IngestRun, bare: IngestRun): void {
  const r = ingestFigures(real);
  const b = ingestFigures(bare);
  log(
    `ingest (${real.mode}): real / bare: mutations/s ${ratio(r.rate, b.rate)}, mutation p50 ${ratio(r.p50, b.p50)} / p99 ${ratio(r.p99, b.p99)}, ` +
      `server CPU ${ratio(real.serverCpu, bare.serverCpu)}` +
      (real.mode === 'every event' ? `, sent → delivered p50 ${ratio(real.deliveryP50, bare.deliveryP50)} / p99 ${ratio(real.deliveryP99, bare.deliveryP99)}` : '') +
      (real.subscribers !== bare.subscribers ? ` (unequal: ${real.subscribers} vs ${bare.subscribers} subscribers)` : ''),
  );
}

function verdict(met: boolean): string {
  return met ? '**met**' : '**missed**';
}

function printReport(fanouts: FanoutResult[], lats: LatencyResult[], ingests: IngestRun[], fdLimit: number, workers: number): void {
  const cpus = os.cpus();
  const lines: string[] = [];
  lines.push(`**Server: ${workers === 1 ? 'one process' : `${workers} workers (WORKERS=${workers})`}.** Run ${new Date().toISOString()} on ${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GB, ${load()} at the end, ` +
    `Node ${process.version}, NODE_ENV=${NODE_ENV}${SERVER_FLAGS.length ? `, server flags ${SERVER_FLAGS.join(' ')}` : ''}${SYNCHRONOUS_COMMIT !== 'on' ? `, **synchronous_commit=${SYNCHRONOUS_COMMIT} (diagnostic)**` : ''}, ulimit -n ${fdLimit}, subscriber processes: ${CLIENT_PROCS}+` +
    (BASELINE ? '; with --baseline: "bare baseline" rows are bench/live/bare-server.ts (ws + one query per notification; ingest: node:http + submitReport), run just before, same parameters; "real / bare" divides each figure' : ''));
  if (fanouts.length > 0) {
    lines.push('');
    lines.push('| subscribers | open all | commit → last subscriber, first event | following events (median / max) | commit → median subscriber | server RSS / subscriber | heap / subscriber | server CPU / event | delivered |');
    lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    const row = (label: string, f: FanoutResult) => {
      const warm = f.lastMs.slice(1);
      return (
        `| ${label} | ${(f.openMs / 1000).toFixed(1)} s | ${ms(f.lastMs[0] ?? Number.NaN)} | ${ms(median(warm))} / ${ms(Math.max(...warm))} | ` +
        `${ms(median(f.medianMs))} | ${((f.after.rss - f.before.rss) / f.size / 1024).toFixed(1)} KB | ` +
        `${((f.after.heapUsed - f.before.heapUsed) / f.size / 1024).toFixed(1)} KB | ${ms(f.serverCpuMsPerEvent)} | ` +
        `${f.delivered}/${f.expected}${f.errors ? `, ${f.errors} errors (${f.firstError})` : ''} |`
      );
    };
    for (const f of fanouts) {
      lines.push(row(`${f.size}`, f));
      if (!f.baseline) continue;
      // The baseline's row in the same columns, then real / bare for each time (and memory, CPU).
      const bare = f.baseline;
      lines.push(row(`${bare.size} bare baseline`, bare));
      const r = fanoutFigures(f);
      const b = fanoutFigures(bare);
      lines.push(
        `| real / bare | ${ratio(f.openMs, bare.openMs)} | ${ratio(r.first, b.first)} | ${ratio(r.followingMedian, b.followingMedian)} / ${ratio(r.followingMax, b.followingMax)} | ` +
          `${ratio(r.medianSubscriber, b.medianSubscriber)} | ${ratio(r.rssPerSubscriber, b.rssPerSubscriber)} | ${ratio(r.heapPerSubscriber, b.heapPerSubscriber)} | ` +
          `${ratio(f.serverCpuMsPerEvent, bare.serverCpuMsPerEvent)} | – |`,
      );
    }
    const big = fanouts.find((f) => f.size >= 10_000);
    if (big) {
      const worst = Math.max(...big.lastMs);
      const perSub = (big.after.rss - big.before.rss) / big.size / 1024;
      lines.push('');
      lines.push(`Target: 10,000 subscribers served within 500 ms: worst ${ms(worst)} → ${verdict(worst < 500 && big.delivered === big.expected)}; ` +
        `under 40 KB server memory per idle subscriber: ${perSub.toFixed(1)} KB → ${verdict(perSub < 40)}`);
    }
  }
  if (lats.length > 0) {
    const subscribers = lats[0]!.subscribers;
    lines.push('');
    lines.push(`| commit → client, ${subscribers} subscribers | events/s | deliveries | p50 | p90 | p99 | p99.9 | max | last subscriber p99 | server CPU | subscriber process CPU | writer commit p50 |`);
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    const row = (label: string, lat: LatencyResult) => {
      const q = (p: number) => ms(quantile(lat.all, p));
      return (
        `| ${label} | ${lat.achievedRate.toFixed(1)} | ${lat.samples}/${lat.expectedSamples}` +
        `${lat.errors ? `, ${lat.errors} errors (${lat.firstError})` : ''} | ${q(0.5)} | ${q(0.9)} | ${q(0.99)} | ${q(0.999)} | ${q(1)} | ` +
        `${ms(quantile(lat.last, 0.99))} | ${(lat.serverCpu * 100).toFixed(0)} % | ${(lat.clientCpu * 100).toFixed(0)} % | ${ms(quantile(lat.commitMs, 0.5))} |`
      );
    };
    for (const lat of lats) {
      lines.push(row(`${lat.rate}/s for ${LATENCY_DURATION} s`, lat));
      if (!lat.baseline) continue;
      const bare = lat.baseline;
      lines.push(row(`${bare.rate}/s for ${LATENCY_DURATION} s, bare baseline${bare.subscribers !== lat.subscribers ? ` (${bare.subscribers} subscribers)` : ''}`, bare));
      const q = (p: number) => ratio(quantile(lat.all, p), quantile(bare.all, p));
      lines.push(
        `| real / bare | – | – | ${q(0.5)} | ${q(0.9)} | ${q(0.99)} | ${q(0.999)} | ${q(1)} | ${ratio(quantile(lat.last, 0.99), quantile(bare.last, 0.99))} | ` +
          `${ratio(lat.serverCpu, bare.serverCpu)} | ${ratio(lat.clientCpu, bare.clientCpu)} | – |`,
      );
    }
    const target = lats.find((lat) => lat.rate === 100);
    if (target) {
      const p99 = quantile(target.all, 0.99);
      lines.push('');
      lines.push(`Target: p99 under 50 ms at 100 events/s with ${target.subscribers} subscribers: ${ms(p99)} → ${verdict(p99 < 50 && target.undelivered === 0)}`);
    }
  }
  if (ingests.length > 0) {
    lines.push('');
    lines.push(`| ingest, ${CONCURRENCY} concurrent mutations | subscribers | mutations/s | ok / failed | mutation p50 / p99 | server CPU | subscriber process CPU | deliveries | sent → delivered p50 / p99 | caught up after last response |`);
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    const row = (label: string, run: IngestRun) => {
      const r = run.result;
      return (
        `| ${label} | ${run.subscribers} | ${(r.ok / r.seconds).toFixed(0)} | ${r.ok} / ${r.failed} | ${ms(quantile(r.latencies, 0.5))} / ${ms(quantile(r.latencies, 0.99))} | ` +
        `${(run.serverCpu * 100).toFixed(0)} % | ${(run.clientCpu * 100).toFixed(0)} % | ${run.delivered}/${run.expectedDeliveries}${run.errors ? `, ${run.errors} errors` : ''} | ` +
        `${run.mode === 'every event' ? `${ms(run.deliveryP50)} / ${ms(run.deliveryP99)}` : '–'} | ${run.mode === 'every event' ? ms(run.drainMs) : '–'} |`
      );
    };
    for (const run of ingests) {
      lines.push(row(run.mode, run));
      if (!run.baseline) continue;
      const bare = run.baseline;
      lines.push(row(`${bare.mode}, bare baseline`, bare));
      const r = ingestFigures(run);
      const b = ingestFigures(bare);
      const every = run.mode === 'every event';
      lines.push(
        `| real / bare | – | ${ratio(r.rate, b.rate)} | – | ${ratio(r.p50, b.p50)} / ${ratio(r.p99, b.p99)} | ${ratio(run.serverCpu, bare.serverCpu)} | ` +
          `${ratio(run.clientCpu, bare.clientCpu)} | – | ${every ? `${ratio(run.deliveryP50, bare.deliveryP50)} / ${ratio(run.deliveryP99, bare.deliveryP99)}` : '–'} | ` +
          `${every ? ratio(run.drainMs, bare.drainMs) : '–'} |`,
      );
    }
    lines.push('');
    lines.push(`Target: at least 1,000 mutations/s with 1,000 subscribers attached (here ${ingests[0]!.subscribers}): ` +
      ingests.map((run) => `${run.mode} ${(run.result.ok / run.result.seconds).toFixed(0)}/s → ${verdict(run.result.ok / run.result.seconds >= 1000)}`).join('; '));
  }
  console.log('\n' + lines.join('\n') + '\n');
}

/** The headline figure of each measurement for every worker count, and each against one process. */
function printWorkerComparison(runs: Array<{ workers: number; fanouts: FanoutResult[]; lats: LatencyResult[]; ingests: IngestRun[] }>): void {
  const one = runs.find((run) => run.workers === 1) ?? runs[0]!;
  const lines = ['| measurement | ' + runs.map((run) => `${run.workers} worker${run.workers > 1 ? 's' : ''}`).join(' | ') + ' | ' +
    runs.filter((run) => run !== one).map((run) => `${run.workers} / ${one.workers}`).join(' | ') + ' |'];
  lines.push('|---|' + runs.map(() => '---:|').join('') + runs.filter((run) => run !== one).map(() => '---:|').join(''));
  const row = (label: string, figure: (run: (typeof runs)[number]) => number | undefined, format: (value: number) => string) => {
    const values = runs.map(figure);
    const base = figure(one);
    lines.push(`| ${label} | ${values.map((value) => (value === undefined ? '–' : format(value))).join(' | ')} | ` +
      runs.filter((run) => run !== one).map((run) => { const value = figure(run); return value === undefined || base === undefined ? '–' : ratio(value, base); }).join(' | ') + ' |');
  };
  for (const [index, f] of one.fanouts.entries()) {
    row(`fan-out ${f.size}: following events, median commit → last`, (run) => median(run.fanouts[index]?.lastMs.slice(1) ?? []), ms);
  }
  for (const [index, lat] of one.lats.entries()) {
    row(`latency ${lat.rate}/s: commit → client p99`, (run) => (run.lats[index] ? quantile(run.lats[index].all, 0.99) : undefined), ms);
  }
  for (const [index, ingest] of one.ingests.entries()) {
    row(`ingest (${ingest.mode}): mutations/s`, (run) => { const r = run.ingests[index]?.result; return r ? r.ok / r.seconds : undefined; }, (value) => value.toFixed(0));
  }
  console.log('\nOne process against a cluster (WORKERS), same parameters:\n\n' + lines.join('\n') + '\n');
}

// ---------------------------------------------------------------------------------------------- main

const FD_LIMIT = ulimitN();
/** Connections one process may hold: its descriptor limit less a margin for the runtime, pipes and the pool. */
const FD_BUDGET = Number.isFinite(FD_LIMIT) ? FD_LIMIT - 200 : Number.POSITIVE_INFINITY;

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    log(`gave up after the ${TIMEOUT} s time limit`);
    void finish(1);
  }, TIMEOUT * 1000);
  watchdog.unref();
  process.on('SIGINT', () => void finish(130));
  process.on('SIGTERM', () => void finish(143));

  log(`ulimit -n ${FD_LIMIT}: each process holds one descriptor per WebSocket, so the server needs ~N + 200 and ` +
    `each subscriber process its share; ephemeral ports ${spawnSync('cat', ['/proc/sys/net/ipv4/ip_local_port_range'], { encoding: 'utf8' }).stdout.trim().replace(/\s+/, '-') || 'unknown'}`);
  const largest = Math.max(...(PHASES.has('fanout') ? SIZES : [0]), PHASES.has('latency') ? LATENCY_SUBSCRIBERS : 0, PHASES.has('ingest') ? INGEST_SUBSCRIBERS : 0);
  if (largest > FD_BUDGET) {
    console.error(`bench:live: the server would need ${largest} sockets but ulimit -n is ${FD_LIMIT}; raise it (ulimit -n ${largest + 1000}) first`);
    process.exit(2);
  }

  if (CPU_PROF && WORKER_COUNTS.some((count) => count > 1)) {
    console.error('bench:live: --cpu-prof profiles one server process: use it with --workers 1');
    process.exit(2);
  }
  if (CPU_PROF) mkdirSync(CPU_PROF, { recursive: true });
  const db = await openDatabase();
  const runs: Array<{ workers: number; fanouts: FanoutResult[]; lats: LatencyResult[]; ingests: IngestRun[] }> = [];
  for (const workers of WORKER_COUNTS) {
    const setup: Setup = { databaseUrl: db.url, sql: db.sql, editorKey: db.editorKey, incidentGlobalId: encodeGlobalId('Incident', db.incidentId), workers };
    const run = { workers, fanouts: [] as FanoutResult[], lats: [] as LatencyResult[], ingests: [] as IngestRun[] };
    if (PHASES.has('fanout')) for (const size of SIZES) run.fanouts.push(await withBaseline((kind) => fanout(setup, size, kind), logFanoutRatio));
    if (PHASES.has('latency')) for (const rate of RATES) run.lats.push(await withBaseline((kind) => latency(setup, rate, kind), logLatencyRatio));
    if (PHASES.has('ingest')) {
      for (const mode of ['every event', 'filtered out'] as const) run.ingests.push(await withBaseline((kind) => ingest(setup, mode, kind), logIngestRatio));
    }
    runs.push(run);
  }
  for (const run of runs) printReport(run.fanouts, run.lats, run.ingests, FD_LIMIT, run.workers);
  if (runs.length > 1) printWorkerComparison(runs);
  clearTimeout(watchdog);
  await finish(0);
}

main().catch(async (error: unknown) => {
  console.error(`bench:live failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await finish(1);
});
