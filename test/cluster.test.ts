// WORKERS=2: the service as a cluster of two server processes on one port (src/cluster.ts). Subscribers on
// both workers receive every report written through either, once and in order; a worker killed under its
// subscribers is replaced, and they resume from their cursor on whichever worker takes them, with no gap and
// no duplicate; SIGTERM to the primary stops everything; a cluster that cannot start exits non-zero.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../src/auth/keys.js';
import { collect, wsClient, type ExecutionResultLike } from './helpers/clients.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { EXIT_WITHIN_MS, environment, killLaunched, launch, logged, serving, within, type Launched } from './helpers/process.js';
import { graphql } from './helpers/server.js';

let database: TestDatabase;
let editorKey: string;
let sequence = 0;

const REPORT_ADDED = `
  subscription ($after: String) {
    reportAdded(after: $after) { cursor report { url } }
  }
`;

const SUBMIT = `
  mutation ($input: SubmitReportInput!) {
    submitReport(input: $input) { __typename ... on SubmitReportPayload { report { url } } ... on UserError { message } }
  }
`;

beforeAll(async () => {
  database = await createTestDatabase();
  editorKey = (await issueKey(database.sql, 'cluster tests', 'editor')).key;
});

afterAll(async () => {
  await killLaunched();
  await database?.drop();
});

async function submit(url: string): Promise<string> {
  sequence += 1;
  const reportUrl = `https://news.example.org/cluster/${sequence}`;
  const response = await graphql(
    url,
    SUBMIT,
    { input: { url: reportUrl, title: `Cluster report ${sequence}`, publisher: 'Example News' } },
    { authorization: `Bearer ${editorKey}` },
  );
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data).toMatchObject({ submitReport: { __typename: 'SubmitReportPayload' } });
  return reportUrl;
}

type ReportEvent = { reportAdded: { cursor: string; report: { url: string } } };
const urlsOf = (results: ExecutionResultLike[]) => results.map((result) => (result.data as ReportEvent).reportAdded.report.url);
const lastCursor = (results: ExecutionResultLike[]) => (results.at(-1)!.data as ReportEvent).reportAdded.cursor;

/** The cursor of the newest event, read from the log as a subscriber would have received it. */
async function newestCursor(): Promise<string> {
  const [row] = await database.sql<{ id: string }[]>`select max(id)::text as id from events`;
  return Buffer.from(`event:${row!.id}`, 'utf8').toString('base64url');
}

/** The pids of the workers, from the primary's "worker N (pid P) is listening" lines, latest per worker. */
function workerPids(service: Launched): Map<number, number> {
  const pids = new Map<number, number>();
  for (const match of service.stderr().matchAll(/worker (\d+) \(pid (\d+)\) is listening/g)) pids.set(Number(match[1]), Number(match[2]));
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('WORKERS=2', () => {
  it('fans out across workers, survives a killed worker, resumes across workers and stops on SIGTERM', { timeout: 180_000 }, async () => {
    const service = launch(environment({ DATABASE_URL: database.url, WORKERS: '2' }), { direct: true });
    const { url } = await serving(service);
    expect(service.stdout()).toMatch(/with 2 workers/);
    const pids = workerPids(service);
    expect([...pids.keys()].sort()).toEqual([1, 2]);
    // The database is a clone of a migrated template, so only the seed is left to do: the primary does it once.
    expect(service.stderr().match(/loaded the seed dataset/g) ?? []).toHaveLength(1);

    // Subscribing after a known cursor makes every later report reach the subscriber whenever its
    // registration lands: replayed if it committed first, pushed live otherwise.
    await submit(url);
    const start = await newestCursor();
    const clients = Array.from({ length: 4 }, () => wsClient(url));
    const subscribers = clients.map((client) => collect(client, REPORT_ADDED, { after: start }));

    const first = await submit(url);
    for (const subscriber of subscribers) expect(urlsOf(await subscriber.until(1))).toEqual([first]);

    // Worker 1 crashes. Connections are handed to the workers in turn, so some subscribers were on it (their
    // sockets close) and some on worker 2 (they keep receiving).
    process.kill(pids.get(1)!, 'SIGKILL');
    await logged(service, /worker 1 \(pid \d+\) exited unexpectedly \(SIGKILL\); restarting it/, 'the crash being noticed');
    const second = await submit(url);
    const outcomes = await Promise.all(
      subscribers.map((subscriber) =>
        subscriber.until(2).then(
          () => 'served' as const,
          () => 'closed' as const,
        ),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 'closed').length, `outcomes ${outcomes.join(', ')}`).toBeGreaterThan(0);
    expect(outcomes.filter((outcome) => outcome === 'served').length, `outcomes ${outcomes.join(', ')}`).toBeGreaterThan(0);

    // The closed ones resume from the last cursor they saw, on a new connection, so on another process than
    // the one that served them; the report they missed is replayed, then they continue live.
    const resumed = subscribers.map((subscriber, index) => {
      if (outcomes[index] === 'served') return { subscriber, client: clients[index]!, before: [] as string[] };
      expect(urlsOf(subscriber.results)).toEqual([first]);
      const client = wsClient(url);
      return { subscriber: collect(client, REPORT_ADDED, { after: lastCursor(subscriber.results) }), client, before: [first] };
    });
    await logged(service, /worker 1 \(pid \d+\) is listening[\s\S]*worker 1 \(pid \d+\) is listening/, 'worker 1 restarted');
    const replacement = workerPids(service).get(1)!;
    expect(replacement).not.toBe(pids.get(1));
    const third = await submit(url);
    const fourth = await submit(url);
    for (const { subscriber, before } of resumed) {
      const seen = [...before, ...urlsOf(await subscriber.until(4 - before.length))];
      expect(seen).toEqual([first, second, third, fourth]);
    }

    for (const { subscriber, client } of resumed) {
      subscriber.dispose();
      await client.dispose();
    }
    for (const client of clients) await client.dispose();

    // SIGTERM to the primary alone, as a container runtime sends it: workers are stopped, then the primary.
    service.child.kill('SIGTERM');
    expect(await within(service.exited, EXIT_WITHIN_MS, 'exit after SIGTERM', service)).toBe(0);
    expect(service.stderr().match(/ info +stopped$/gm) ?? []).toHaveLength(3);
    expect(alive(replacement) || alive(pids.get(2)!)).toBe(false);
  });

  it('exits non-zero when its workers cannot listen, and leaves no worker behind', { timeout: 120_000 }, async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const service = launch(environment({ DATABASE_URL: database.url, WORKERS: '2', PORT: String(port) }), { direct: true });
      expect(await within(service.exited, EXIT_WITHIN_MS * 2, 'exit', service)).toBe(1);
      expect(service.stderr()).toMatch(/could not start: worker \d exited \(code 1\) before it was listening/);
      expect(service.stderr()).toMatch(/already in use/);
      expect(service.stdout()).toBe('');
      for (const match of service.stderr().matchAll(/pid (\d+)/g)) expect(alive(Number(match[1]))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});
