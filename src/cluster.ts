// The service on every core: with WORKERS > 1 the process started by `npm start` becomes a node:cluster
// primary that does what must happen once (start the embedded PostgreSQL, migrate, seed), then forks that many
// workers sharing one port, replaces a worker that crashes (with backoff) and stops them all on a signal.
// Each worker is a whole server (src/main.ts) with its own pool, LISTEN connection and event hub. Nothing is
// shared between workers but the database: the hub already keeps every live guarantee (order, no gap, no
// duplicate, resume from a cursor) across instances on one database, and a worker is just such an instance.
import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { graphqlUrl, type Config } from './config.js';
import { openDatabase, type Database, type Sql } from './db/index.js';
import { migrate } from './db/migrate.js';
import { loadSeed } from './data/seed.js';
import type { Logger } from './logger.js';

/**
 * Time a stopping server needs beyond SHUTDOWN_GRACE_MS: closing its sockets (up to 1 s for the close
 * handshake), stopping the event hub and closing its pool (up to 5 s), with room to spare.
 */
export const SHUTDOWN_MARGIN_MS = 10_000;

/**
 * How long the primary lets a worker stop before it kills it: the worker's whole shutdown, so that its
 * requests in flight get their grace period. Whatever stops the primary (docker's stop_grace_period, a
 * systemd TimeoutStopSec) must allow more than this.
 */
export function workerStopTimeoutMs(config: Pick<Config, 'shutdownGraceMs'>): number {
  return config.shutdownGraceMs + SHUTDOWN_MARGIN_MS;
}

/** True in a process forked by a WorkerPool: the primary has already migrated and seeded. */
export function isWorker(): boolean {
  return cluster.isWorker;
}

/** Migrations and, when asked, the seed: once per start, in the primary or the only process. */
export async function prepareDatabase(sql: Sql, config: Pick<Config, 'seedOnEmpty'>, logger: Logger): Promise<void> {
  const applied = await migrate(sql);
  if (applied.length > 0) logger.info(`applied migrations: ${applied.join(', ')}`);
  if (config.seedOnEmpty) {
    const { loaded } = await loadSeed(sql);
    if (loaded) logger.info('loaded the seed dataset into the empty database');
  }
}

/** What a WorkerPool tells its listeners (the primary's log, tests, benchmarks). */
export interface WorkerPoolEvents {
  /** A worker (numbered from 1; a replacement keeps its number) is accepting connections on `port`. */
  listening: [{ worker: number; pid: number; port: number }];
  /** A worker exited; `restartInMs` is set when a replacement is on its way. */
  exit: [{ worker: number; pid: number; code: number | null; signal: string | null; restartInMs: number | undefined }];
}

export interface WorkerPoolOptions {
  workers: number;
  logger: Logger;
  /** Added to every worker's environment (which is otherwise the primary's). */
  env?: Record<string, string>;
  /** How long a worker may take to stop after SIGTERM before it is killed. */
  stopTimeoutMs?: number;
  /** Delay before the first restart of a crashed worker; doubled for each further crash, up to `maxRestartDelayMs`. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** A worker that served at least this long before it crashed is restarted after the first delay again. */
  stableAfterMs?: number;
}

interface Slot {
  number: number;
  worker: Worker | undefined;
  /** Crashes in a row without a stable run between them. */
  crashes: number;
  listeningSince: number | undefined;
  restart: NodeJS.Timeout | undefined;
}

/**
 * Forks and supervises the workers of the calling process, which must be the cluster primary. Every worker
 * runs the primary's entry module again (node:cluster); `listen()` there shares the primary's port, and
 * connections are handed to the workers in turn.
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #options: Required<Omit<WorkerPoolOptions, 'env'>> & { env: Record<string, string> };
  readonly #slots: Slot[];
  #started = false;
  #stopping: Promise<void> | undefined;

  constructor(options: WorkerPoolOptions) {
    super();
    if (!cluster.isPrimary) throw new Error('a WorkerPool runs in the cluster primary only');
    this.#options = {
      env: {},
      stopTimeoutMs: 30_000,
      restartDelayMs: 250,
      maxRestartDelayMs: 30_000,
      stableAfterMs: 30_000,
      ...options,
    };
    this.#slots = Array.from({ length: options.workers }, (_, index) => ({
      number: index + 1,
      worker: undefined,
      crashes: 0,
      listeningSince: undefined,
      restart: undefined,
    }));
  }

  /** Process ids of the running workers. */
  get pids(): number[] {
    return this.#slots.flatMap((slot) => (slot.worker?.process.pid === undefined ? [] : [slot.worker.process.pid]));
  }

  /**
   * Forks every worker and resolves with the shared port once all of them listen. If one exits first (a bad
   * database, a port in use), rejects with why: a service that cannot start is not restarted in a loop.
   */
  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      let waiting = this.#slots.length;
      const listening = ({ port }: { port: number }) => {
        if (--waiting > 0) return;
        done();
        this.#started = true;
        resolve(port);
      };
      const exit = ({ worker, code, signal }: { worker: number; code: number | null; signal: string | null }) => {
        done();
        reject(new Error(`worker ${worker} exited (${signal ?? `code ${code}`}) before it was listening`));
      };
      const done = () => {
        this.off('listening', listening);
        this.off('exit', exit);
      };
      this.on('listening', listening);
      this.on('exit', exit);
      for (const slot of this.#slots) this.#fork(slot);
    });
  }

  /** Stops every worker (SIGTERM, then SIGKILL after the timeout) and cancels pending restarts. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      for (const slot of this.#slots) clearTimeout(slot.restart);
      await Promise.all(this.#slots.map((slot) => (slot.worker ? this.#stopWorker(slot.number, slot.worker) : undefined)));
    })();
    return this.#stopping;
  }

  #fork(slot: Slot): void {
    const worker = cluster.fork(this.#options.env);
    slot.worker = worker;
    slot.listeningSince = undefined;
    worker.on('listening', (address) => {
      slot.listeningSince = Date.now();
      this.#options.logger.info(`worker ${slot.number} (pid ${worker.process.pid}) is listening`);
      this.emit('listening', { worker: slot.number, pid: worker.process.pid ?? 0, port: address.port });
    });
    worker.on('exit', (code, signal) => this.#exited(slot, worker, code, signal));
  }

  #exited(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    const pid = worker.process.pid ?? 0;
    const how = signal ?? `code ${code}`;
    if (this.#stopping || !this.#started) {
      if (!this.#stopping) this.#options.logger.error(`worker ${slot.number} (pid ${pid}) exited (${how}) while starting`);
      this.emit('exit', { worker: slot.number, pid, code, signal, restartInMs: undefined });
      return;
    }
    const served = slot.listeningSince === undefined ? 0 : Date.now() - slot.listeningSince;
    slot.crashes = served >= this.#options.stableAfterMs ? 1 : slot.crashes + 1;
    const delay = Math.min(this.#options.maxRestartDelayMs, this.#options.restartDelayMs * 2 ** (slot.crashes - 1));
    this.#options.logger.error(`worker ${slot.number} (pid ${pid}) exited unexpectedly (${how}); restarting it in ${delay} ms`);
    slot.restart = setTimeout(() => {
      slot.restart = undefined;
      if (!this.#stopping) this.#fork(slot);
    }, delay);
    this.emit('exit', { worker: slot.number, pid, code, signal, restartInMs: delay });
  }

  async #stopWorker(number: number, worker: Worker): Promise<void> {
    if (worker.isDead()) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.#options.logger.warn(`worker ${number} did not stop within ${this.#options.stopTimeoutMs} ms: killing it`);
      worker.process.kill('SIGKILL');
    }, this.#options.stopTimeoutMs);
    await exited;
    clearTimeout(timer);
  }
}

/** Warns when the workers' pools (plus a LISTEN connection each) may not all fit in the server's connections. */
async function checkConnectionBudget(sql: Sql, config: Pick<Config, 'workers' | 'poolSize'>, logger: Logger): Promise<void> {
  const [row] = await sql<{ available: number }[]>`
    select current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
      - (select count(*)::int from pg_stat_activity where backend_type = 'client backend') as available
  `;
  const needed = config.workers * (config.poolSize + 1);
  if (row && needed > row.available) {
    logger.warn(
      `${config.workers} workers may open ${needed} connections (DATABASE_POOL_SIZE ${config.poolSize} + 1 each), ` +
        `and PostgreSQL has ${row.available} left: lower WORKERS or DATABASE_POOL_SIZE, or raise max_connections`,
    );
  }
}

/**
 * The primary of a cluster of `config.workers` servers: opens the database (starting the embedded one when
 * there is no DATABASE_URL), migrates and seeds once, forks the workers with the database's URL, and on
 * SIGINT, SIGTERM or SIGHUP stops them before stopping the embedded database.
 */
export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  let db: Database | undefined;
  let pool: WorkerPool | undefined;
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason: string, code: number) => {
    shuttingDown ??= (async () => {
      logger.info(`shutting down (${reason})`);
      await pool?.stop().catch((error) => logger.error('stopping the workers failed', { error: String(error) }));
      await db?.close().catch((error) => logger.error('database close failed', { error: String(error) }));
      logger.info('stopped');
      process.exit(code);
    })();
    return shuttingDown;
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal, 0));
  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception', { error: error.stack ?? String(error) });
    void shutdown('uncaught exception', 1);
  });
  process.on('unhandledRejection', (error) => {
    logger.error('unhandled rejection', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    void shutdown('unhandled rejection', 1);
  });

  const started = Date.now();
  try {
    // Two connections are plenty for migrating and seeding; the workers bring their own pools.
    db = await openDatabase({ ...config, poolSize: 2 }, logger, 'faultline-primary');
    await prepareDatabase(db.sql, config, logger);
    await checkConnectionBudget(db.sql, config, logger);
    pool = new WorkerPool({ workers: config.workers, logger, env: { DATABASE_URL: db.url }, stopTimeoutMs: workerStopTimeoutMs(config) });
    const port = await pool.start();
    logger.info(`ready in ${Date.now() - started} ms with ${config.workers} workers`);
    console.log(`Faultline is serving ${graphqlUrl(config.host, port)} with ${config.workers} workers (GraphiQL: open it in a browser)`);
  } catch (error) {
    logger.error(`could not start: ${(error as Error).message}`);
    await shutdown('start-up failure', 1);
  }
}
