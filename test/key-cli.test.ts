// `npm run key` as an operator runs it: a real child process against DATABASE_URL. The key it prints
// authenticates, `list` never shows a secret, `revoke` takes effect at once, and bad usage exits 2.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '../src/auth/authenticate.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { graphql, startTestServer, type TestServer } from './helpers/server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const KEY_PATTERN = /^fl_[A-Za-z0-9_-]{43}$/;

let db: TestDatabase;
let server: TestServer;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tsx src/cli/key.ts ...args` against the test database; never throws on a non-zero exit. */
function runKey(args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url };
  delete env.LOG_LEVEL;
  return new Promise((resolve, reject) => {
    execFile(TSX, ['src/cli/key.ts', ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`key ${args.join(' ')} did not finish (${error.message}); stderr: ${stderr}`));
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines[lines.length - 1]!.trim();
}

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db.url);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

describe('npm run key', () => {
  let key = '';
  let id = '';

  it('create prints the key on its last line, and the key authenticates', async () => {
    const run = await runKey(['create', '--role', 'editor', '--name', 'ci']);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    key = lastLine(run.stdout);
    expect(key).toMatch(KEY_PATTERN);
    const viewer = await authenticate(db.sql, key);
    expect(viewer).toMatchObject({ role: 'editor', keyName: 'ci' });
    id = viewer.keyId!;
    // Only the hash is stored.
    const [row] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from api_keys
      where id = ${id} and length(key_hash) = 32 and position(convert_to(${key}, 'UTF8') in key_hash) = 0
    `;
    expect(row!.n).toBe(1);

    // And through the server: an editor key may write.
    const response = await graphql<{ upsertPolicyTopic: { __typename: string } }>(
      server.url,
      'mutation { upsertPolicyTopic(input: { name: "Made with a CLI key" }) { __typename } }',
      {},
      { authorization: `Bearer ${key}` },
    );
    expect(response.body).toEqual({ data: { upsertPolicyTopic: { __typename: 'PolicyTopic' } } });
  });

  it('list shows the key by id, prefix, role and state, never the secret', async () => {
    const run = await runKey(['list']);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout).not.toContain(key);
    const line = run.stdout.split('\n').find((text) => text.startsWith(`${id}\t`));
    expect(line).toBeDefined();
    const [listedId, prefix, role, state, name] = line!.split('\t');
    expect({ listedId, role, state, name }).toEqual({ listedId: id, role: 'editor', state: 'active', name: 'ci' });
    const shown = prefix!.replace(/…$/, '');
    expect(key.startsWith(shown)).toBe(true);
    expect(shown.length).toBeLessThan(12);
  });

  it('revoke makes the key fail at once, and list shows it revoked', async () => {
    const run = await runKey(['revoke', id]);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    await expect(authenticate(db.sql, key)).rejects.toThrow(/not valid or has been revoked/);
    const response = await graphql(server.url, '{ incidents(first: 1) { totalCount } }', {}, { authorization: `Bearer ${key}` });
    expect(response.status).toBe(401);
    const list = await runKey(['list']);
    const line = list.stdout.split('\n').find((text) => text.startsWith(`${id}\t`));
    expect(line?.split('\t')[3]).toMatch(/^revoked \d{4}-\d\d-\d\dT/);
  });

  it('revoke of an id no key has exits 1 with a message', async () => {
    const run = await runKey(['revoke', '987654321']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no key has id 987654321/);
  });

  // Six CLI processes at once on a busy machine: give them more than the default 30 s.
  it('exits 2 with the usage line on bad usage, writing nothing', { timeout: 120_000 }, async () => {
    const [before] = await db.sql<{ n: number }[]>`select count(*)::int as n from api_keys`;
    const cases = [
      [],
      ['create', '--role', 'owner', '--name', 'x'],
      ['create', '--role', 'reader'],
      ['list', '--all'],
      ['revoke', 'abc'],
      ['rotate'],
    ];
    const runs = await Promise.all(cases.map((args) => runKey(args)));
    cases.forEach((args, i) => {
      const run = runs[i]!;
      expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(run.stderr).toMatch(/^usage: npm run key -- create --role reader\|editor\|admin --name NAME \| list \| revoke ID$/m);
    });
    const [after] = await db.sql<{ n: number }[]>`select count(*)::int as n from api_keys`;
    expect(after!.n).toBe(before!.n);
  });
});
