// The service outlives its database: PostgreSQL killed under concurrent writes leaves the process running,
// the requests in flight get a clear 503, the service serves again once PostgreSQL is back, and every write
// it acknowledged is there. Runs the service as `npm start` does, in a process of its own, against an
// embedded PostgreSQL of its own (the suite's shared one must not be killed).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../src/auth/keys.js';
import { createSql } from '../src/db/connection.js';
import { startEmbedded, type EmbeddedDatabase } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { createLogger } from '../src/logger.js';
import { environment, killLaunched, launch, serving, type Launched } from './helpers/process.js';

const WRITERS = 8;

let tempRoot: string;
let dataDir: string;
const databases: EmbeddedDatabase[] = [];
let key: string;
let service: Launched;
let url: string;

beforeAll(async () => {
  tempRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'faultline-availability-'));
  // As root, the embedded PostgreSQL runs as the postgres user: it must be able to enter the folders.
  await fs.chmod(tempRoot, 0o755);
  dataDir = path.join(tempRoot, 'data');
  databases.push(await startEmbedded({ dataDir, logger: createLogger('warn'), ephemeral: true }));
  const sql = createSql(databases[0]!.url, { max: 1 });
  try {
    await migrate(sql);
    ({ key } = await issueKey(sql, 'availability writer', 'editor'));
  } finally {
    await sql.end();
  }
  service = launch(environment({ DATABASE_URL: databases[0]!.url, SEED_ON_EMPTY: 'false' }));
  ({ url } = await serving(service));
}, 120_000);

afterAll(async () => {
  await killLaunched();
  // Newest first: the restarted server owns the cluster's files now.
  for (const database of [...databases].reverse()) await database.stop().catch(() => {});
  if (tempRoot) await fs.rm(tempRoot, { recursive: true, force: true });
});

interface Outcomes {
  acknowledged: Set<string>;
  unavailable: number;
  /** Responses that were neither a success nor the documented 503, with what they said. */
  unexpected: string[];
}

/** Resolves once `condition` holds, checking after every response the writers get. */
function waiter(outcomes: Outcomes) {
  const waiting: Array<{ condition: () => boolean; resolve: () => void }> = [];
  return {
    changed: () => {
      for (const entry of [...waiting]) {
        if (entry.condition()) {
          waiting.splice(waiting.indexOf(entry), 1);
          entry.resolve();
        }
      }
    },
    until: (condition: (outcomes: Outcomes) => boolean) =>
      condition(outcomes) ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ condition: () => condition(outcomes), resolve })),
  };
}

const CREATE = /* GraphQL */ `
  mutation ($title: String!) {
    createIncident(input: { title: $title }) { __typename ... on Incident { title } ... on UserError { message } }
  }
`;

describe('PostgreSQL killed under concurrent writes', () => {
  it('keeps serving: clear 503s while it is away, writes again once it is back, no acknowledged write lost', { timeout: 240_000 }, async () => {
    const outcomes: Outcomes = { acknowledged: new Set(), unavailable: 0, unexpected: [] };
    const progress = waiter(outcomes);
    let stop = false;
    let sequence = 0;

    const writer = async (index: number) => {
      while (!stop) {
        const title = `availability ${index}-${(sequence += 1)}`;
        let status: number;
        let body: { data?: { createIncident?: { __typename: string } } | null; errors?: Array<{ extensions?: { code?: string } }> };
        let retryAfter: string | null;
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            body: JSON.stringify({ query: CREATE, variables: { title } }),
            // A bound, not an expectation: a request left hanging is a failure to report, not to wait out.
            signal: AbortSignal.timeout(30_000),
          });
          status = response.status;
          retryAfter = response.headers.get('retry-after');
          body = (await response.json()) as typeof body;
        } catch (error) {
          // The process is gone, reset the connection or left the request hanging: what must not happen.
          outcomes.unexpected.push(`request failed: ${String(error)}`);
          stop = true;
          progress.changed();
          return;
        }
        if (status === 200 && body.data?.createIncident?.__typename === 'Incident') outcomes.acknowledged.add(title);
        else if (status === 503 && body.errors?.[0]?.extensions?.code === 'DATABASE_UNAVAILABLE' && retryAfter) outcomes.unavailable += 1;
        else outcomes.unexpected.push(`${status} ${JSON.stringify(body)}`);
        progress.changed();
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, index) => writer(index));
    const failedOrReached = (condition: (o: Outcomes) => boolean) => progress.until((o) => o.unexpected.length > 0 || condition(o));

    await failedOrReached((o) => o.acknowledged.size >= 4 * WRITERS);
    const postmaster = Number((await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const port = Number(new URL(databases[0]!.url).port);
    process.kill(postmaster, 'SIGKILL');

    await failedOrReached((o) => o.unavailable >= 2 * WRITERS);
    const before = outcomes.acknowledged.size;
    databases.push(await startEmbedded({ dataDir, logger: createLogger('warn'), ephemeral: true, port }));

    await failedOrReached((o) => o.acknowledged.size >= before + 4 * WRITERS);
    stop = true;
    await Promise.all(writers);

    expect(outcomes.unexpected, outcomes.unexpected.slice(0, 5).join('\n')).toEqual([]);
    expect(service.child.exitCode, service.stderr()).toBeNull();
    expect(service.stderr()).not.toMatch(/uncaught exception|unhandled rejection/);

    const sql = createSql(databases.at(-1)!.url, { max: 1 });
    try {
      const rows = await sql<{ title: string }[]>`select title from incidents where title = any(${[...outcomes.acknowledged]})`;
      const stored = new Set(rows.map((row) => row.title));
      expect([...outcomes.acknowledged].filter((title) => !stored.has(title))).toEqual([]);
    } finally {
      await sql.end();
    }
  });
});
