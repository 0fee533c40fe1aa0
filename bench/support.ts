// Shared machinery of the read benchmarks (bench/read.ts, bench/read-breakdown.ts): options, a throwaway
// database filled deterministically, the server child processes, autocannon runs, and a harness that
// always stops by itself and cleans up (servers stopped, bench database dropped, embedded server stopped).
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { createSql, type Sql } from '../src/db/connection.js';
import { startEmbedded, type EmbeddedDatabase } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { loadSeed } from '../src/data/seed.js';
import { loadSynthetic } from '../src/data/synthetic.js';
import { createLogger } from '../src/logger.js';
import type { Command, Report, Role } from './read-server.js';

// ---------------------------------------------------------------------------------------------- options

/** A non-negative integer from `--name N`, `--name=N` or the environment variable, else the fallback. */
export function option(name: string, env: string, fallback: number): number {
  const args = process.argv.slice(2);
  let raw: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === `--${name}`) raw = args[i + 1];
    else if (arg.startsWith(`--${name}=`)) raw = arg.slice(name.length + 3);
  }
  raw ??= process.env[env];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`bench: --${name} / ${env} must be a non-negative integer, got "${raw}"`);
    process.exit(2);
  }
  return value;
}


export const DURATION = option('duration', 'BENCH_DURATION', 10);
export const CONNECTIONS = option('connections', 'BENCH_CONNECTIONS', 10);
export const POOL = option('pool', 'BENCH_POOL', 10);
export const WARMUP = option('warmup', 'BENCH_WARMUP', 2);
const CPU_PROF = process.env.BENCH_CPU_PROF;
/**
 * The servers run as the Dockerfile runs the service, with NODE_ENV=production (graphql-js skips its
 * development-mode checks then). BENCH_NODE_ENV overrides it, e.g. BENCH_NODE_ENV=development.
 */
export const NODE_ENV = process.env.BENCH_NODE_ENV ?? 'production';
const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const EXTRA_INCIDENTS = 500;
/** Incidents of the synthetic corpus (src/data/synthetic.ts) loaded besides the seed and the extras above. */
export const SYNTHETIC_INCIDENTS = option('incidents', 'BENCH_INCIDENTS', 20_000);

const logger = createLogger(process.env.BENCH_LOG_LEVEL === 'debug' ? 'debug' : 'warn');
export const log = (message: string) => console.log(`[bench] ${message}`);

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}, Node ${process.version}`;
}

// ---------------------------------------------------------------------------------------------- database

export interface BenchDatabase {
  url: string;
  where: string;
  drop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const probe = createSql(url, { max: 1, applicationName: 'faultline-bench' });
  try {
    await probe`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await probe.end({ timeout: 1 }).catch(() => {});
  }
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** A fresh database of its own on BENCH_DATABASE_URL's server, the local PostgreSQL, or an embedded one. */
export async function openBenchDatabase(): Promise<BenchDatabase> {
  let adminUrl: string | undefined;
  // BENCH_EMBEDDED=1 skips both and always uses a throwaway embedded PostgreSQL.
  const candidates = process.env.BENCH_EMBEDDED === '1' ? [] : [process.env.BENCH_DATABASE_URL, DEFAULT_ADMIN_URL];
  for (const candidate of candidates) {
    if (!candidate) continue;
    if (await answers(candidate)) {
      adminUrl = candidate;
      break;
    }
    log(`no PostgreSQL answers at ${redacted(candidate)}`);
  }
  let embedded: EmbeddedDatabase | undefined;
  let tempDir: string | undefined;
  if (!adminUrl) {
    tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'faultline-bench-'));
    // PostgreSQL runs as the postgres user when we are root: it must be able to enter the folder.
    await fs.chmod(tempDir, 0o755);
    log(`starting an embedded PostgreSQL in ${tempDir}`);
    try {
      embedded = await startEmbedded({ dataDir: tempDir, logger, ephemeral: true });
    } catch (error) {
      await fs.rm(tempDir, { recursive: true, force: true });
      throw error;
    }
    adminUrl = embedded.adminUrl;
  }
  const name = `faultline_bench_${randomBytes(5).toString('hex')}`;
  const releaseServer = async () => {
    await embedded?.stop();
    if (tempDir) await fs.rm(tempDir, { recursive: true, force: true });
  };
  const admin = createSql(adminUrl, { max: 1, applicationName: 'faultline-bench' });
  try {
    await admin`create database ${admin(name)}`;
  } catch (error) {
    await releaseServer();
    throw error;
  } finally {
    await admin.end({ timeout: 2 });
  }
  const where = embedded ? `embedded PostgreSQL, database ${name}` : `${redacted(withDatabase(adminUrl, name))}`;
  const serverUrl = adminUrl;
  return {
    url: withDatabase(adminUrl, name),
    where,
    drop: async () => {
      const cleanup = createSql(serverUrl, { max: 1, applicationName: 'faultline-bench' });
      try {
        await cleanup`drop database if exists ${cleanup(name)} with (force)`;
      } finally {
        await cleanup.end({ timeout: 2 });
        await releaseServer();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------- data

/** mulberry32: a small seeded generator, so every run inserts the same rows. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/**
 * Adds 60 actors, 12 AI systems and EXTRA_INCIDENTS incidents, each with 2-3 actors and 1-2 AI systems,
 * deterministically. Dates mix every precision and some ranges so `occurred.display` takes all its
 * forms; some titles carry quotes, a backslash and non-ASCII letters to exercise JSON escaping.
 */
async function insertExtras(sql: Sql): Promise<void> {
  const next = random(20_260_301);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const pickDistinct = <T>(items: readonly T[], count: number): T[] => {
    const chosen = new Set<T>();
    while (chosen.size < count) chosen.add(pick(items));
    return [...chosen];
  };

  const kinds = ['ai_developer', 'government', 'military', 'criminal', 'state_actor', 'security_firm', 'think_tank', 'media', 'other'];
  const countries = ['US', 'GB', 'FR', 'DE', 'MX', 'BR', 'IN', 'JP', 'KR', 'NG', null];
  const actorRows = Array.from({ length: 60 }, (_, index) => {
    const kind = kinds[index % kinds.length]!;
    return {
      slug: `bench-actor-${pad(index + 1, 3)}`,
      name: `Bench ${kind.replace('_', ' ')} ${pad(index + 1, 3)}${index % 7 === 0 ? ' — Société Générale d’Études' : ''}`,
      kind,
      country: pick(countries),
      description: 'Benchmark fixture.',
    };
  });
  await sql`insert into actors ${sql(actorRows, 'slug', 'name', 'kind', 'country', 'description')}`;
  const actorIds = (await sql<{ id: string }[]>`select id from actors order by id`).map((row) => row.id);

  const developers = await sql<{ id: string }[]>`select id from actors where kind = 'ai_developer' order by id`;
  const systemRows = Array.from({ length: 12 }, (_, index) => ({
    slug: `bench-system-${pad(index + 1)}`,
    name: `Bench Model ${index + 1}${index % 4 === 0 ? ' "Turbo"' : ''}`,
    kind: index % 3 === 0 ? 'product' : 'model',
    developer_id: pick(developers).id,
    description: 'Benchmark fixture.',
  }));
  await sql`insert into ai_systems ${sql(systemRows, 'slug', 'name', 'kind', 'developer_id', 'description')}`;
  const systemIds = (await sql<{ id: string }[]>`select id from ai_systems order by id`).map((row) => row.id);

  const subjects = ['Prompt-injection', 'Model-assisted phishing', 'Data poisoning', 'Deepfake fraud', 'Agent misuse', 'Jailbreak'];
  const targets = ['municipal records', 'a hospital network', 'an election office', 'a bank\'s "help" bot', 'a C:\\ drive share', 'the Zürich tax office'];
  const incidentRows = Array.from({ length: EXTRA_INCIDENTS }, (_, index) => {
    const precision = pick(['day', 'day', 'month', 'month', 'year', 'unknown'] as const);
    const year = 2019 + Math.floor(next() * 8);
    const month = 1 + Math.floor(next() * 12);
    const day = 1 + Math.floor(next() * 28);
    let start: string | null = null;
    let end: string | null = null;
    if (precision === 'day') start = `${year}-${pad(month)}-${pad(day)}`;
    if (precision === 'month') start = `${year}-${pad(month)}-01`;
    if (precision === 'year') start = `${year}-01-01`;
    if (start && next() < 0.25) {
      if (precision === 'day') end = `${year + 1}-${pad(month)}-${pad(day)}`;
      if (precision === 'month') end = `${year + 1}-${pad(month)}-01`;
      if (precision === 'year') end = `${year + 1}-01-01`;
    }
    return {
      slug: `bench-incident-${pad(index + 1, 4)}`,
      title: `${pick(subjects)} against ${pick(targets)} (#${index + 1})`,
      summary: 'Benchmark fixture.',
      status: pick(['reported', 'confirmed', 'disputed', 'disrupted', 'resolved']),
      severity: pick(['low', 'medium', 'high', 'critical']),
      occurred_start: start,
      occurred_end: end,
      occurred_precision: precision,
    };
  });
  const inserted: Array<{ id: string }> = await sql`
    insert into incidents ${sql(incidentRows, 'slug', 'title', 'summary', 'status', 'severity', 'occurred_start', 'occurred_end', 'occurred_precision')}
    returning id
  `;

  const actorRoles = ['attacker', 'victim', 'developer', 'deployer', 'researcher', 'responder'];
  const systemRoles = ['primary_tool', 'supplementary_tool', 'safeguard'];
  const actorLinks: { incident_id: string; actor_id: string; role: string }[] = [];
  const systemLinks: { incident_id: string; ai_system_id: string; role: string; usage: string }[] = [];
  for (const { id } of inserted) {
    for (const actor of pickDistinct(actorIds, 2 + Math.floor(next() * 2))) {
      actorLinks.push({ incident_id: id, actor_id: actor, role: pick(actorRoles) });
    }
    for (const system of pickDistinct(systemIds, 1 + Math.floor(next() * 2))) {
      systemLinks.push({ incident_id: id, ai_system_id: system, role: pick(systemRoles), usage: 'Benchmark fixture.' });
    }
  }
  await sql`insert into incident_actors ${sql(actorLinks, 'incident_id', 'actor_id', 'role')}`;
  await sql`insert into incident_ai_systems ${sql(systemLinks, 'incident_id', 'ai_system_id', 'role', 'usage')}`;
  await sql`analyze`;
}

/** Migrates, loads the seed dataset and the extra incidents; returns a one-line description of the data. */
export async function prepareBenchDatabase(url: string): Promise<string> {
  const sql = createSql(url, { max: 2, applicationName: 'faultline-bench' });
  try {
    await migrate(sql);
    await loadSeed(sql);
    await insertExtras(sql);
    // The corpus a deployment grows into: the page is then read from a table of realistic size, with links
    // to actors that appear in thousands of incidents.
    if (SYNTHETIC_INCIDENTS > 0) {
      await loadSynthetic(sql, { incidents: SYNTHETIC_INCIDENTS, reports: SYNTHETIC_INCIDENTS, positions: Math.ceil(SYNTHETIC_INCIDENTS / 10), seed: 42 });
    }
    const [counts] = await sql<{ incidents: number; actor_links: number; system_links: number }[]>`
      select (select count(*)::int from incidents) as incidents,
        (select count(*)::int from incident_actors) as actor_links,
        (select count(*)::int from incident_ai_systems) as system_links
    `;
    const [version] = await sql<{ version: string }[]>`select current_setting('server_version') as version`;
    return `PostgreSQL ${version?.version}: ${counts?.incidents} incidents, ${counts?.actor_links} actor links, ${counts?.system_links} AI system links`;
  } finally {
    await sql.end({ timeout: 2 });
  }
}

// ---------------------------------------------------------------------------------------------- servers

/** What one endpoint is sent: autocannon and the equality check send exactly the same request. */
export interface Target {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Child {
  role: Role;
  /** Label in the results, and the server's application_name (faultline-bench-<name>). */
  name: string;
  process: ChildProcess;
  port: number;
  /** Process CPU time (user + system) so far, in ms. */
  cpu(): Promise<number>;
  /** Starts a V8 CPU profile of the server's main thread, or stops it and writes it to `file`. */
  profile(action: 'start' | 'stop', file?: string): Promise<void>;
  stop(): Promise<void>;
}

const children: Child[] = [];
const starting = new Set<ChildProcess>();

/**
 * Starts one server in a child process (bench/read-server.ts) on 127.0.0.1 and waits until it listens.
 * `workers` > 1 runs the graphql server as a cluster of that many processes behind the child.
 */
export async function startChild(
  role: Role,
  databaseUrl: string,
  options: {
    name?: string;
    workers?: number;
    /** A program to run node under, with its arguments (bench/read-instructions.ts: valgrind). */
    wrapper?: string[];
    startTimeoutMs?: number;
    /** More environment for the child. */
    env?: Record<string, string>;
  } = {},
): Promise<Child> {
  const name = options.name ?? role;
  const entry = fileURLToPath(new URL('./read-server.ts', import.meta.url));
  const nodeArgs = ['--import', import.meta.resolve('tsx')];
  const [wrapper, ...wrapperArgs] = options.wrapper ?? [];
  // fork() runs `execPath ...execArgv entry role`: a wrapper becomes the program, node its first argument.
  // The IPC channel's descriptor and NODE_CHANNEL_FD pass through the wrapper to node.
  const child = fork(entry, [role], {
    ...(wrapper ? { execPath: wrapper, execArgv: [...wrapperArgs, process.execPath, ...nodeArgs] } : { execArgv: nodeArgs }),
    env: {
      ...process.env,
      NODE_ENV,
      BENCH_DB_URL: databaseUrl,
      BENCH_POOL: String(POOL),
      BENCH_NAME: name,
      BENCH_WORKERS: String(options.workers ?? 1),
      ...options.env,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  starting.add(child);
  const ready = await new Promise<Extract<Report, { type: 'ready' }>>((resolve, reject) => {
    const startTimeoutMs = options.startTimeoutMs ?? 60_000;
    const timer = setTimeout(() => reject(new Error(`the ${role} server did not start within ${startTimeoutMs / 1000} s`)), startTimeoutMs);
    child.on('message', (message: Report) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message);
      } else if (message.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`the ${role} server failed to start: ${message.error}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the ${role} server exited (code ${code}) before it was ready`));
    });
  });
  starting.delete(child);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const result: Child = {
    role,
    name,
    process: child,
    port: ready.port,
    cpu: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the ${role} server did not report its CPU time`)), 10_000);
        const listener = (message: Report) => {
          if (message.type !== 'cpu') return;
          clearTimeout(timer);
          child.off('message', listener);
          resolve((message.user + message.system) / 1000);
        };
        child.on('message', listener);
        child.send({ type: 'cpu' } satisfies Command);
      }),
    profile: (action, file) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the ${role} server did not answer the profiler command`)), 60_000);
        const listener = (message: Report) => {
          if (message.type !== 'profile' && message.type !== 'failed') return;
          clearTimeout(timer);
          child.off('message', listener);
          if (message.type === 'failed') reject(new Error(`profiling the ${role} server failed: ${message.error}`));
          else resolve();
        };
        child.on('message', listener);
        child.send((action === 'start' ? { type: 'profile', action } : { type: 'profile', action, file: file! }) satisfies Command);
      }),
    stop: async () => {
      if (child.connected) child.send({ type: 'stop' } satisfies Command);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  children.push(result);
  return result;
}

/** A target on one of our servers; anything but 127.0.0.1 is refused. */
export function target(child: Child, pathAndQuery: string, request: Omit<Target, 'url'>): Target {
  const url = `http://127.0.0.1:${child.port}${pathAndQuery}`;
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`refusing to load ${url}: only 127.0.0.1`);
  return { url, ...request };
}

/** The GraphQL POST request a client sends for `query`. */
export function graphqlTarget(child: Child, query: string): Target {
  return target(child, '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
}

export async function fetchBody(to: Target): Promise<string> {
  const response = await fetch(to.url, { method: to.method, headers: to.headers, body: to.body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${to.url} answered ${response.status}: ${text.slice(0, 500)}`);
  return text;
}

// ---------------------------------------------------------------------------------------------- measuring

export interface Measurement {
  label: string;
  round: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  /** Server process CPU time per request (ms): user + system over the measured run. */
  cpuMsPerRequest: number;
  /** CPU time of the server's PostgreSQL backends per request (ms); undefined when they cannot be read. */
  pgCpuMsPerRequest: number | undefined;
}

let monitor: Sql | undefined;
const CLOCK_TICK_MS = 10; // Linux USER_HZ is 100 on every common build (getconf CLK_TCK).

/**
 * CPU time (ms) of the PostgreSQL backends serving one server's pool, read from /proc/<pid>/stat; only
 * possible when PostgreSQL runs on this machine (the local or embedded server), else undefined.
 * Backends are identified by the pool's application_name.
 */
async function backendCpu(name: string): Promise<Map<number, number> | undefined> {
  if (!monitor || process.platform !== 'linux') return undefined;
  const rows = await monitor<{ pid: number }[]>`
    select pid from pg_stat_activity where application_name = ${`faultline-bench-${name}`}
  `;
  const times = new Map<number, number>();
  for (const { pid } of rows) {
    // A remote server's pids mean nothing here: the process must exist and be a postgres backend.
    const comm = await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (!stat || !comm.startsWith('postgres')) return undefined;
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    times.set(pid, (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS);
  }
  return times;
}

function backendCpuSpent(before: Map<number, number> | undefined, after: Map<number, number> | undefined): number | undefined {
  if (!before || !after) return undefined;
  let spent = 0;
  for (const [pid, time] of after) spent += time - (before.get(pid) ?? 0);
  return spent;
}

/** `seconds` of load, or exactly `{ amount }` requests; failures throw unless `tolerant` (a warm-up). */
export async function load(to: Target, length: number | { amount: number }, timeoutSeconds = 10, tolerant = false): Promise<Result> {
  const result = await autocannon({
    url: to.url,
    method: to.method,
    headers: to.headers,
    ...(to.body === undefined ? {} : { body: to.body }),
    connections: CONNECTIONS,
    ...(typeof length === 'number' ? { duration: length } : { amount: length.amount }),
    timeout: timeoutSeconds,
  });
  const failures = result.errors + result.timeouts + result.non2xx;
  if (failures > 0 && !tolerant) {
    throw new Error(`${to.url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses under load`);
  }
  return result;
}

/** Warm-up, then one measured autocannon run with the server's CPU time around it. */
export async function measure(child: Child, to: Target, label: string, round: number, seconds = DURATION): Promise<Measurement> {
  if (WARMUP > 0) await load(to, WARMUP);
  // A cluster's primary serves nothing: its profile would say nothing about its workers.
  const profiling = CPU_PROF !== undefined && !child.name.includes('-x');
  if (profiling) await child.profile('start');
  const cpuBefore = await child.cpu();
  const pgBefore = await backendCpu(child.name);
  const result = await load(to, seconds);
  if (profiling) {
    await fs.mkdir(path.resolve(CPU_PROF), { recursive: true });
    await child.profile('stop', path.resolve(CPU_PROF, `${child.name}-round${round}.cpuprofile`));
  }
  const cpuAfter = await child.cpu();
  const pgSpent = backendCpuSpent(pgBefore, await backendCpu(child.name));
  const total = result['2xx'];
  const measurement: Measurement = {
    label,
    round,
    requestsPerSecond: total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total,
    cpuMsPerRequest: (cpuAfter - cpuBefore) / Math.max(total, 1),
    pgCpuMsPerRequest: pgSpent === undefined ? undefined : pgSpent / Math.max(total, 1),
  };
  log(
    `round ${round} ${label.padEnd(10)} ${measurement.requestsPerSecond.toFixed(0).padStart(6)} req/s  ` +
      `p50 ${measurement.p50} ms  p99 ${measurement.p99} ms  (${total} requests; CPU per request: server ${measurement.cpuMsPerRequest.toFixed(2)} ms, ` +
      `PostgreSQL ${measurement.pgCpuMsPerRequest?.toFixed(2) ?? '?'} ms)`,
  );
  return measurement;
}

export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);

/** Right-aligned text table; `rules` are row indexes (in `rows`, header = 0) to draw a line above. */
export function formatTable(rows: string[][], rules: number[] = []): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const out: string[] = [];
  rows.forEach((row, index) => {
    if (index === 1 || rules.includes(index)) out.push(rule);
    out.push(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd());
  });
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------- harness

let database: BenchDatabase | undefined;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const child of starting) child.kill('SIGKILL');
    await monitor?.end({ timeout: 2 }).catch(() => {});
    await Promise.all(children.map((child) => child.stop().catch(() => {})));
    if (database) {
      await database.drop().then(
        () => log('dropped the bench database'),
        (error: unknown) => console.error(`[bench] could not drop the bench database: ${String(error)}`),
      );
    }
  })();
  return cleaning;
}

/**
 * Runs a benchmark against a fresh, filled database and always cleans up: on success, on failure, on
 * Ctrl-C, and when the run overstays `budgetSeconds` (the watchdog tears it down and exits non-zero).
 */
export function runBenchmark(budgetSeconds: number, body: (databaseUrl: string) => Promise<void>): void {
  const started = Date.now();
  const budgetMs = budgetSeconds * 1000;
  const watchdog = setTimeout(() => {
    console.error(`[bench] still running after ${budgetSeconds} s: giving up`);
    setTimeout(() => process.exit(1), 20_000).unref();
    void cleanup().finally(() => process.exit(1));
  }, budgetMs);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      console.error(`[bench] ${signal}: cleaning up`);
      setTimeout(() => process.exit(130), 20_000).unref();
      void cleanup().finally(() => process.exit(130));
    });
  }
  (async () => {
    log(`machine: ${machine()}`);
    database = await openBenchDatabase();
    log(`database: ${database.where}`);
    log(await prepareBenchDatabase(database.url));
    monitor = createSql(database.url, { max: 1, applicationName: 'faultline-bench-monitor' });
    await body(database.url);
    log(`finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (CPU_PROF) log(`CPU profiles of each measured run are in ${path.resolve(CPU_PROF)}/<server>-round<n>.cpuprofile`);
  })()
    .then(
      () => cleanup().then(() => 0),
      (error: unknown) => {
        console.error(`[bench] failed: ${error instanceof Error ? error.message : String(error)}`);
        return cleanup().then(() => 1);
      },
    )
    .then((code) => process.exit(code));
}
