// Where an ingest mutation's CPU goes, measured in one process with no HTTP and no subscribers: the same
// `submitReport` called as a data function, then through Yoga (`yoga.fetch`, no socket) as the mutation, with
// `{ __typename }` with and without an API key for Yoga's fixed cost and the key lookup. Each mode runs
// `--concurrency` callers for `--seconds`, twice, in turns; the figure is the process's CPU time
// (user + system) per call. bench/live.ts measures the whole thing over HTTP with subscribers attached.
//
//   npx tsx bench/ingest-breakdown.ts [--seconds 5] [--concurrency 20] [--pool 10]
//   env: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres: a database
//        faultline_bench_ingest_<random> is created there and dropped at the end)
import { randomBytes } from 'node:crypto';
import { issueKey } from '../src/auth/keys.js';
import { submitReport } from '../src/data/report-changes.js';
import { createSql } from '../src/db/connection.js';
import { migrate } from '../src/db/migrate.js';
import { createEventHub } from '../src/live/index.js';
import { createLogger } from '../src/logger.js';
import { buildServer } from '../src/server.js';
import { option } from './support.js';

const SECONDS = option('seconds', 'BENCH_SECONDS', 5);
const CONCURRENCY = option('concurrency', 'BENCH_CONCURRENCY', 20);
const POOL = option('pool', 'BENCH_POOL', 10);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MUTATION = `mutation ($input: SubmitReportInput!) {
  submitReport(input: $input) { __typename ... on SubmitReportPayload { created report { id } } }
}`;

async function main(): Promise<void> {
  const name = `faultline_bench_ingest_${randomBytes(4).toString('hex')}`;
  const admin = createSql(ADMIN_URL, { max: 1, applicationName: 'faultline-bench-admin' });
  await admin`create database ${admin(name)}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const sql = createSql(url.toString(), { max: POOL, applicationName: 'faultline-bench-ingest' });
  const logger = createLogger('warn');
  const events = createEventHub({ sql, url: url.toString(), logger });
  const server = buildServer({ sql, events, logger, config: { port: 0, host: '127.0.0.1', requireReadKey: false, graphiql: false } });
  try {
    await migrate(sql);
    await events.start();
    const key = (await issueKey(sql, 'ingest breakdown', 'editor')).key;
    let sequence = 0;
    const input = () => ({ url: `https://ingest.example.org/${sequence++}`, title: 'Ingest breakdown', publisher: 'Bench' });
    const post = async (body: object, headers: Record<string, string>) => {
      const response = await server.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      const result = (await response.json()) as { errors?: unknown };
      if (result.errors) throw new Error(JSON.stringify(result.errors));
    };
    const modes: Array<[string, () => Promise<unknown>]> = [
      ['submitReport (data function)', () => submitReport(sql, input())],
      ['{ __typename } through Yoga', () => post({ query: '{ __typename }' }, {})],
      ['{ __typename } with an API key', () => post({ query: '{ __typename }' }, { authorization: `Bearer ${key}` })],
      ['submitReport mutation through Yoga', () => post({ query: MUTATION, variables: { input: input() } }, { authorization: `Bearer ${key}` })],
    ];
    const rows: string[][] = [];
    for (let round = 1; round <= 2; round++) {
      for (const [label, call] of modes) {
        const end = Date.now() + SECONDS * 1000;
        let calls = 0;
        const cpu = process.cpuUsage();
        const started = performance.now();
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (Date.now() < end) {
              await call();
              calls += 1;
            }
          }),
        );
        const used = process.cpuUsage(cpu);
        const perSecond = (calls / (performance.now() - started)) * 1000;
        rows.push([String(round), label, perSecond.toFixed(0), ((used.user + used.system) / 1000 / calls).toFixed(3)]);
      }
    }
    console.log(`\ningest breakdown, ${new Date().toISOString()}, concurrency ${CONCURRENCY}, pool ${POOL}, ${SECONDS} s per mode, NODE_ENV=${process.env.NODE_ENV ?? ''}\n`);
    console.log('| round | mode | calls/s | CPU ms per call |\n|---:|---|---:|---:|');
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  } finally {
    await server.stop().catch(() => {});
    await events.stop().catch(() => {});
    await sql.end({ timeout: 2 }).catch(() => {});
    await admin`drop database if exists ${admin(name)} with (force)`.catch(() => {});
    await admin.end();
  }
}

const watchdog = setTimeout(() => {
  console.error('ingest breakdown: still running after its budget; giving up');
  process.exit(1);
}, (SECONDS * 8 + 120) * 1000);
watchdog.unref();
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`ingest breakdown failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
