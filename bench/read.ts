// Read benchmark: `incidents(first: 20)` with actors and AI systems, the same page from five endpoints on one
// database in one run: a raw node:http endpoint that runs one hand-written SQL statement and returns the same
// JSON (the floor), PostGraphile v4 (the peer a team would pick instead), and the real Faultline server as one
// process, as one process with its response cache on (the hot page, "graphql cached"), and as a cluster of
// two (WORKERS=2). Not a test: run it with `npm run bench:read`; see bench/README.md.
//
//   npx tsx bench/read.ts [--duration 10] [--connections 10] [--pool 10] [--rounds 3] [--warmup 2]
//                         [--incidents 20000] [--workers 2] [--peer 1]
//   env: BENCH_DURATION, BENCH_CONNECTIONS, BENCH_POOL, BENCH_ROUNDS, BENCH_WARMUP, BENCH_INCIDENTS,
//        BENCH_WORKERS, BENCH_PEER, BENCH_DATABASE_URL (a server where it may create and drop a database),
//        BENCH_NODE_ENV (default production), BENCH_CPU_PROF=<dir> (V8 CPU profiles of every server)
//
// Process layout: this process seeds the database and drives autocannon; each server runs in its own
// child process. No server shares an event loop with the load generator (autocannon in the same process
// would steal the server's event loop and bias the result against whichever server lived there), and the
// servers are placed identically, so the ratios compare only what they do per request. Only one of them is
// under load at a time; the idle ones cost nothing.
import { isDeepStrictEqual } from 'node:util';
import { commonFromFaultline, commonFromPeer, ensurePostGraphile, peerQuery } from './peers/postgraphile.js';
import { FIRST, QUERY } from './queries.js';
import {
  CONNECTIONS,
  DURATION,
  NODE_ENV,
  POOL,
  SYNTHETIC_INCIDENTS,
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
  type Child,
  type Measurement,
  type Target,
} from './support.js';

const ROUNDS = option('rounds', 'BENCH_ROUNDS', 3);
/** Workers of the clustered Faultline endpoint; 0 or 1 leaves it out. */
const WORKERS = option('workers', 'BENCH_WORKERS', 2);
/** 0 leaves PostGraphile out (it is installed from the npm registry on first use). */
const PEER = option('peer', 'BENCH_PEER', 1) > 0;
function firstDifference(a: unknown, b: unknown, at = '$'): string {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || a === null || b === null || typeof a !== 'object') {
    return `${at}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
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

interface Endpoint {
  /** Label in the results; also the child's name. */
  label: string;
  child: Child;
  target: Target;
}

function sameDocument(label: string, text: string, reference: string, referenceLabel: string): void {
  if (JSON.stringify(JSON.parse(text)) !== JSON.stringify(JSON.parse(reference))) {
    throw new Error(`${label} and ${referenceLabel} disagree, first difference at ${firstDifference(JSON.parse(text), JSON.parse(reference))}`);
  }
}

/**
 * Every endpoint must return the same page before timing. Faultline (one process or a cluster) and the raw
 * endpoint must return the same document: same keys in the same order and the same values (compared after
 * parsing, so only insignificant whitespace may differ). PostGraphile answers its own query in its own
 * naming; mapped to a common form (row ids, upper-case enums, date display, links in role order), its page
 * must equal Faultline's: the same incidents in the same order with the same actors and AI systems. Fails
 * loudly otherwise.
 */
async function verify(graphql: Endpoint, others: Endpoint[]): Promise<Record<string, number>> {
  const graphqlText = await fetchBody(graphql.target);
  const graphqlBody = JSON.parse(graphqlText) as { data?: { incidents: { edges: Edge[] } }; errors?: unknown };
  if (graphqlBody.errors) throw new Error(`the GraphQL query returned errors: ${JSON.stringify(graphqlBody.errors)}`);
  const edges = graphqlBody.data?.incidents.edges ?? [];
  if (edges.length !== FIRST) throw new Error(`expected ${FIRST} incidents, got ${edges.length}`);
  const links = edges.reduce((sum, edge) => sum + edge.node.actors.length + edge.node.aiSystems.length, 0);
  if (links < FIRST * 2) throw new Error(`the page has too few actors and AI systems (${links}) to be a fair test`);
  const common = commonFromFaultline(graphqlBody);
  const bytes: Record<string, number> = { [graphql.label]: Buffer.byteLength(graphqlText) };
  for (const other of others) {
    const text = await fetchBody(other.target);
    bytes[other.label] = Buffer.byteLength(text);
    if (other.child.role === 'postgraphile') {
      const peer = commonFromPeer(JSON.parse(text));
      if (!isDeepStrictEqual(peer, common)) throw new Error(`${other.label} and ${graphql.label} disagree, first difference at ${firstDifference(peer, common)}`);
    } else {
      sameDocument(other.label, text, graphqlText, graphql.label);
    }
  }
  return bytes;
}

interface Summary {
  rps: number;
  p50: number;
  p99: number;
  cpu: number;
  pg: number | undefined;
}

function summarise(measurements: Measurement[], label: string): Summary {
  const mine = measurements.filter((m) => m.label === label);
  return {
    rps: mean(mine.map((m) => m.requestsPerSecond)),
    p50: mean(mine.map((m) => m.p50)),
    p99: mean(mine.map((m) => m.p99)),
    cpu: mean(mine.map((m) => m.cpuMsPerRequest)),
    pg: mine.every((m) => m.pgCpuMsPerRequest !== undefined) ? mean(mine.map((m) => m.pgCpuMsPerRequest!)) : undefined,
  };
}

function report(measurements: Measurement[], labels: string[]): string {
  const rows: string[][] = [['', 'round', 'req/s', 'p50 ms', 'p99 ms', 'server CPU ms/req', 'PG CPU ms/req']];
  for (const m of measurements) {
    rows.push([m.label, String(m.round), m.requestsPerSecond.toFixed(0), String(m.p50), String(m.p99), m.cpuMsPerRequest.toFixed(2), m.pgCpuMsPerRequest?.toFixed(2) ?? '-']);
  }
  const summaries = new Map(labels.map((label) => [label, summarise(measurements, label)]));
  const firstSummary = rows.length;
  for (const [label, s] of summaries) {
    rows.push([label, 'mean', s.rps.toFixed(0), s.p50.toFixed(1), s.p99.toFixed(1), s.cpu.toFixed(2), s.pg?.toFixed(2) ?? '-']);
  }
  const table = formatTable(rows, [firstSummary]);

  // Ratios of throughput (higher is better) and of p99 (lower is better) against the floor and the peer.
  const raw = summaries.get('raw')!;
  const peer = summaries.get('postgraphile');
  const ratioRows: string[][] = [['', 'req/s / raw', 'req/s / postgraphile', 'p99 / raw', 'p99 / postgraphile']];
  for (const [label, s] of summaries) {
    if (label === 'raw') continue;
    ratioRows.push([
      label,
      (s.rps / raw.rps).toFixed(2),
      peer ? (s.rps / peer.rps).toFixed(2) : '-',
      (s.p99 / raw.p99).toFixed(2),
      peer ? (s.p99 / peer.p99).toFixed(2) : '-',
    ]);
  }
  const lines = [table, '', formatTable(ratioRows), ''];
  const one = summaries.get('graphql')!;
  const verdict = (met: boolean) => (met ? 'MET' : 'NOT MET');
  if (peer) {
    lines.push(`graphql / postgraphile throughput = ${(one.rps / peer.rps).toFixed(2)}: target >= 1.0 (aim 1.3) ${verdict(one.rps >= peer.rps)}`);
    lines.push(`graphql p99 ${one.p99.toFixed(1)} ms vs postgraphile ${peer.p99.toFixed(1)} ms: target no worse ${verdict(one.p99 <= peer.p99)}`);
  }
  lines.push(`graphql / raw throughput = ${(one.rps / raw.rps).toFixed(2)}: target >= 0.6 ${verdict(one.rps >= 0.6 * raw.rps)}`);
  const cached = summaries.get('graphql cached');
  if (cached) lines.push(`graphql cached / raw throughput = ${(cached.rps / raw.rps).toFixed(2)}: target >= 2 ${verdict(cached.rps >= 2 * raw.rps)}`);
  const cluster = [...summaries].find(([label]) => label.startsWith('graphql x'));
  if (cluster) {
    const gain = cluster[1].rps / one.rps;
    lines.push(`${cluster[0]} / graphql throughput = ${gain.toFixed(2)}: target >= 1.6 ${verdict(gain >= 1.6)}`);
  }
  return lines.join('\n');
}

// setup ~120 s at most (PostGraphile's install on a first run, the synthetic corpus) + each run's warm-up and
// measurement + slack for the servers and the checks.
const ENDPOINTS = 3 + (PEER ? 1 : 0) + (WORKERS > 1 ? 1 : 0);
runBenchmark(240 + ROUNDS * ENDPOINTS * (WARMUP + DURATION + 5), async (databaseUrl) => {
  log(
    `duration ${DURATION} s, warm-up ${WARMUP} s, ${CONNECTIONS} connections, pool ${POOL} per server process, ${ROUNDS} rounds, ` +
      `NODE_ENV=${NODE_ENV}, ${SYNTHETIC_INCIDENTS} synthetic incidents`,
  );
  if (PEER) log(`PostGraphile ${await ensurePostGraphile(log)}`);
  const starts: Array<Promise<Endpoint>> = [
    startChild('raw', databaseUrl).then((child) => ({ label: 'raw', child, target: target(child, `/incidents?first=${FIRST}`, { method: 'GET', headers: {} }) })),
  ];
  if (PEER) {
    starts.push(startChild('postgraphile', databaseUrl).then((child) => ({ label: 'postgraphile', child, target: graphqlTarget(child, peerQuery(FIRST)) })));
  }
  starts.push(startChild('graphql', databaseUrl).then((child) => ({ label: 'graphql', child, target: graphqlTarget(child, QUERY) })));
  // The hot page: the same anonymous query answered from the response cache (RESPONSE_CACHE=true).
  starts.push(
    startChild('graphql', databaseUrl, { name: 'graphql-cached', env: { BENCH_RESPONSE_CACHE: '1' } }).then((child) => ({
      label: 'graphql cached',
      child,
      target: graphqlTarget(child, QUERY),
    })),
  );
  if (WORKERS > 1) {
    const label = `graphql x${WORKERS}`;
    starts.push(
      startChild('graphql', databaseUrl, { name: `graphql-x${WORKERS}`, workers: WORKERS }).then((child) => ({ label, child, target: graphqlTarget(child, QUERY) })),
    );
  }
  const endpoints = await Promise.all(starts);
  for (const { label, child, target: to } of endpoints) log(`${label}: ${to.url} (pid ${child.process.pid})`);
  const graphql = endpoints.find((endpoint) => endpoint.label === 'graphql')!;
  const others = endpoints.filter((endpoint) => endpoint !== graphql);

  const bytes = await verify(graphql, others);
  log(`every endpoint returns the same ${FIRST} incidents (bytes: ${Object.entries(bytes).map(([label, n]) => `${label} ${n}`).join(', ')})`);

  // Interleaved rounds, each starting one endpoint further on, so no endpoint always runs first or last.
  const measurements: Measurement[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (let i = 0; i < endpoints.length; i++) {
      const { label, child, target: to } = endpoints[(i + round - 1) % endpoints.length]!;
      measurements.push(await measure(child, to, label, round));
    }
  }
  // The answers must still agree after the load (nothing drifted, no error path taken).
  await verify(graphql, others);

  console.log('');
  console.log(`Faultline read benchmark, ${new Date().toISOString()}: incidents(first: ${FIRST}) with actors and AI systems`);
  console.log(`${CONNECTIONS} connections, ${DURATION} s per run after ${WARMUP} s warm-up, pool ${POOL} per server process, NODE_ENV=${NODE_ENV}`);
  console.log('');
  console.log(report(measurements, endpoints.map((endpoint) => endpoint.label)));
  console.log('');
});
