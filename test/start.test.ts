import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { graphql } from './helpers/server.js';
import { environment, interrupt, killLaunched, launch, serving, within, EXIT_WITHIN_MS } from './helpers/process.js';

const run = promisify(execFile);
let database: TestDatabase;
let tempRoot: string;

async function postgresProcessesFor(dir: string): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'pid,args']);
  return stdout.split('\n').filter((line) => line.includes(dir) && /postgres/.test(line));
}

const INCIDENT = '{ incident(slug: "mexico-government-ai-assisted-breach") { title } }';

async function seededTitle(url: string): Promise<unknown> {
  const response = await graphql<{ incident: { title: string } | null }>(url, INCIDENT);
  expect(response.body.errors).toBeUndefined();
  return response.body.data?.incident?.title;
}

beforeAll(async () => {
  tempRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'faultline-start-'));
  // As root, the embedded PostgreSQL runs as the postgres user: it must be able to enter the folders.
  await fs.chmod(tempRoot, 0o755);
  database = await createTestDatabase();
});

afterAll(async () => {
  // A failed test may leave a process running: end its whole group (the service and its PostgreSQL).
  await killLaunched();
  await database?.drop();
  if (tempRoot) await fs.rm(tempRoot, { recursive: true, force: true });
});

describe('npm start', () => {
  it('serves the seeded database at DATABASE_URL and stops cleanly on SIGINT', { timeout: 150_000 }, async () => {
    const service = launch(environment({ DATABASE_URL: database.url }));
    const { url, port } = await serving(service);
    expect(port).toBeGreaterThan(0);

    expect(await seededTitle(url)).toBe('AI-assisted breach of Mexican government networks');

    expect(await interrupt(service)).toBe(0);
    expect(service.stderr()).toMatch(/ info +stopped$/m);
    // A clean stop prints no stack trace or error on the way out.
    expect(service.stderr()).not.toMatch(/ error |Error:|at .*\.(js|ts):\d+/);
  });

  it('exits with code 2 and one line naming the variable on a bad configuration', { timeout: 60_000 }, async () => {
    const service = launch(environment({ DATABASE_URL: database.url, PORT: 'abc' }));
    expect(await within(service.exited, EXIT_WITHIN_MS, 'exit', service)).toBe(2);
    const lines = service.stderr().split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\bPORT\b/);
    expect(service.stdout()).toBe('');
  });

  it('without DATABASE_URL creates an embedded cluster, serves it, stops it, and reuses it', { timeout: 300_000 }, async () => {
    const dataDir = path.join(tempRoot, 'data');
    await fs.mkdir(dataDir, { mode: 0o755 });
    await fs.chmod(dataDir, 0o755);
    const env = environment({ FAULTLINE_DATA_DIR: dataDir });

    const first = launch(env);
    const { url } = await serving(first);
    expect(first.stderr()).toContain('creating an embedded PostgreSQL cluster');
    expect(await seededTitle(url)).toBe('AI-assisted breach of Mexican government networks');
    expect(await postgresProcessesFor(dataDir)).toHaveLength(1);

    expect(await interrupt(first)).toBe(0);
    expect(first.stderr()).toMatch(/ info +stopped$/m);
    expect(await postgresProcessesFor(dataDir)).toEqual([]);

    const spawnedAt = performance.now();
    const second = launch(env);
    const again = await serving(second);
    const readyMs = Math.round(performance.now() - spawnedAt);
    // Reported, not asserted: timings on this shared machine are too noisy to fail a build on.
    console.log(`second start on an existing embedded cluster: serving ${readyMs} ms after spawn`);
    expect(second.stderr()).not.toContain('creating an embedded PostgreSQL cluster');
    expect(second.stderr()).not.toContain('loaded the seed dataset');
    expect(await seededTitle(again.url)).toBe('AI-assisted breach of Mexican government networks');

    expect(await interrupt(second)).toBe(0);
    expect(second.stderr()).toMatch(/ info +stopped$/m);
    expect(await postgresProcessesFor(dataDir)).toEqual([]);
  });
});
