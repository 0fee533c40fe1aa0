// Read benchmark: `incidents(first: 20)` with actors and AI systems through the real Faultline server,
// against a raw node:http endpoint that runs one hand-written SQL statement and returns the same JSON.
// Not a test: run it with `npm run bench:read` (or `npx tsx bench/read.ts`); see bench/README.md.
//
//   npx tsx bench/read.ts [--duration 10] [--connections 10] [--pool 10] [--rounds 2] [--warmup 2]
//   env: BENCH_DURATION, BENCH_CONNECTIONS, BENCH_POOL, BENCH_ROUNDS, BENCH_WARMUP,
//        BENCH_DATABASE_URL (a server where it may create and drop a database),
//        BENCH_NODE_ENV (default production), BENCH_CPU_PROF=<dir> (V8 CPU profiles of both servers)
//
// Process layout: this process seeds the database and drives autocannon; each server runs in its own
// child process. Neither server shares an event loop with the load generator (autocannon in the same
// process would steal the server's event loop and bias the result against whichever server lived
// there), and the two servers are placed identically, so the ratio compares only what they do per
// request. Only one of them is under load at a time; the idle one costs nothing.
import { isDeepStrictEqual } from 'node:util';
import { encodeGlobalId } from '../src/graphql/errors.js';
import { FIRST, QUERY } from './queries.js';
import {
  CONNECTIONS,
  DURATION,
  NODE_ENV,
  POOL,
  WARMUP,
  fetchBody,
  formatTable,
  graphqlTarget,
  log,
  mean,
  measure,
  option,
  runBenchmark,
  startChild,
  target,
  type Measurement,
  type Target,
} from './support.js';

const ROUNDS = option('rounds', 'BENCH_ROUNDS', 2);
function firstDifference(a: unknown, b: unknown, at = '$'): string {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || a === null || b === null || typeof a !== 'object') {
    return `${at}: graphql ${JSON.stringify(a)} vs raw ${JSON.stringify(b)}`;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keysA = Object.keys(left);
  const keysB = Object.keys(right);
  if (keysA.join() !== keysB.join()) return `${at}: keys [${keysA.join(', ')}] vs [${keysB.join(', ')}]`;
  for (const key of keysA) {
    if (!isDeepStrictEqual(left[key], right[key])) return firstDifference(left[key], right[key], `${at}.${key}`);
  }
  return `${at}: key order`;
}

interface Edge {
  node: { id: string; actors: unknown[]; aiSystems: unknown[] };
}

/**
 * Both endpoints must return the same document before timing: same keys in the same order and the same
 * values (compared after parsing, so only insignificant whitespace may differ). Fails loudly otherwise.
 */
async function verify(graphql: Target, raw: Target): Promise<{ bytesGraphql: number; bytesRaw: number }> {
  const graphqlText = await fetchBody(graphql);
  const rawText = await fetchBody(raw);
  const graphqlBody = JSON.parse(graphqlText) as { data?: { incidents: { edges: Edge[] } }; errors?: unknown };
  const rawBody = JSON.parse(rawText) as unknown;
  if (graphqlBody.errors) throw new Error(`the GraphQL query returned errors: ${JSON.stringify(graphqlBody.errors)}`);
  if (JSON.stringify(graphqlBody) !== JSON.stringify(rawBody)) {
    throw new Error(`the two endpoints disagree, first difference at ${firstDifference(graphqlBody, rawBody)}`);
  }
  const edges = graphqlBody.data?.incidents.edges ?? [];
  if (edges.length !== FIRST) throw new Error(`expected ${FIRST} incidents, got ${edges.length}`);
  for (const { node } of edges) {
    const local = /^Incident:(\d+)$/.exec(Buffer.from(node.id, 'base64url').toString('utf8'))?.[1];
    if (!local || encodeGlobalId('Incident', local) !== node.id) throw new Error(`"${node.id}" is not an Incident global id`);
  }
  const links = edges.reduce((sum, edge) => sum + edge.node.actors.length + edge.node.aiSystems.length, 0);
  if (links < FIRST * 3) throw new Error(`the page has too few actors and AI systems (${links}) to be a fair test`);
  return { bytesGraphql: Buffer.byteLength(graphqlText), bytesRaw: Buffer.byteLength(rawText) };
}

function report(measurements: Measurement[]): string {
  const rows: string[][] = [['', 'round', 'req/s', 'p50 ms', 'p99 ms', 'server CPU ms/req', 'PG CPU ms/req']];
  for (const m of measurements) {
    rows.push([
      m.label,
      String(m.round),
      m.requestsPerSecond.toFixed(0),
      String(m.p50),
      String(m.p99),
      m.cpuMsPerRequest.toFixed(2),
      m.pgCpuMsPerRequest?.toFixed(2) ?? '-',
    ]);
  }
  const summary = (label: string) => {
    const mine = measurements.filter((m) => m.label === label);
    return {
      rps: mean(mine.map((m) => m.requestsPerSecond)),
      p50: mean(mine.map((m) => m.p50)),
      p99: mean(mine.map((m) => m.p99)),
      cpu: mean(mine.map((m) => m.cpuMsPerRequest)),
      pg: mine.every((m) => m.pgCpuMsPerRequest !== undefined) ? mean(mine.map((m) => m.pgCpuMsPerRequest!)) : undefined,
    };
  };
  const raw = summary('raw');
  const graphql = summary('graphql');
  const firstSummary = rows.length;
  rows.push(['raw', 'mean', raw.rps.toFixed(0), raw.p50.toFixed(1), raw.p99.toFixed(1), raw.cpu.toFixed(2), raw.pg?.toFixed(2) ?? '-']);
  rows.push([
    'graphql',
    'mean',
    graphql.rps.toFixed(0),
    graphql.p50.toFixed(1),
    graphql.p99.toFixed(1),
    graphql.cpu.toFixed(2),
    graphql.pg?.toFixed(2) ?? '-',
  ]);
  rows.push([
    'graphql/raw',
    '',
    (graphql.rps / raw.rps).toFixed(2),
    (graphql.p50 / raw.p50).toFixed(2),
    (graphql.p99 / raw.p99).toFixed(2),
    (graphql.cpu / raw.cpu).toFixed(2),
    graphql.pg !== undefined && raw.pg ? (graphql.pg / raw.pg).toFixed(2) : '-',
  ]);
  const ratio = graphql.rps / raw.rps;
  return [
    formatTable(rows, [firstSummary]),
    '',
    `throughput ratio graphql/raw = ${ratio.toFixed(2)}: target >= 0.50 ${ratio >= 0.5 ? 'MET' : 'NOT MET'}`,
  ].join('\n');
}

// setup ~60 s at most + each run's warm-up and measurement + slack for the servers and the checks.
runBenchmark(120 + ROUNDS * 2 * (WARMUP + DURATION + 5), async (databaseUrl) => {
  log(`duration ${DURATION} s, warm-up ${WARMUP} s, ${CONNECTIONS} connections, pool ${POOL} per server, ${ROUNDS} rounds, NODE_ENV=${NODE_ENV}`);
  const [graphqlServer, rawServer] = await Promise.all([startChild('graphql', databaseUrl), startChild('raw', databaseUrl)]);
  const graphql = graphqlTarget(graphqlServer, QUERY);
  const raw = target(rawServer, `/incidents?first=${FIRST}`, { method: 'GET', headers: {} });
  log(`graphql: ${graphql.url} (pid ${graphqlServer.process.pid}); raw: ${raw.url} (pid ${rawServer.process.pid})`);

  const sizes = await verify(graphql, raw);
  log(`responses are equal (${FIRST} incidents; ${sizes.bytesGraphql} bytes from graphql, ${sizes.bytesRaw} from raw)`);

  const measurements: Measurement[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    measurements.push(await measure(rawServer, raw, 'raw', round));
    measurements.push(await measure(graphqlServer, graphql, 'graphql', round));
  }
  // The answers must still agree after the load (nothing drifted, no error path taken).
  await verify(graphql, raw);

  console.log('');
  console.log(`Faultline read benchmark, ${new Date().toISOString()}: incidents(first: ${FIRST}) with actors and AI systems`);
  console.log(`${CONNECTIONS} connections, ${DURATION} s per run after ${WARMUP} s warm-up, pool ${POOL} per server, NODE_ENV=${NODE_ENV}`);
  console.log('');
  console.log(report(measurements));
  console.log('');
});
