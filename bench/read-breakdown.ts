// Where the GraphQL read's time goes: the same server loaded with queries that grow from `{ __typename }`
// (HTTP + Yoga + envelop, no SQL) to the full bench/read.ts query, one layer at a time, with the raw
// endpoint for reference. Same options and clean-up as bench/read.ts; see bench/README.md.
//
//   npx tsx bench/read-breakdown.ts [--duration 5] [--connections 10] [--pool 10] [--warmup 2]
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
  measure,
  runBenchmark,
  startChild,
  target,
  type Measurement,
} from './support.js';

const VARIANTS: Array<{ label: string; statements: string; query: string }> = [
  { label: 'typename', statements: '0', query: '{ __typename }' },
  { label: 'ids', statements: '1', query: `{ incidents(first: ${FIRST}) { edges { node { id } } } }` },
  {
    label: 'scalars',
    statements: '1',
    query: `{ incidents(first: ${FIRST}) { edges { node { id title severity occurred { display } } } } }`,
  },
  {
    label: '+actors',
    statements: '3',
    query: `{ incidents(first: ${FIRST}) { edges { node { id title severity occurred { display } actors { role actor { name } } } } } }`,
  },
  { label: 'full', statements: '5', query: QUERY },
];

runBenchmark(120 + (VARIANTS.length + 1) * (WARMUP + DURATION + 5), async (databaseUrl) => {
  log(`duration ${DURATION} s, warm-up ${WARMUP} s, ${CONNECTIONS} connections, pool ${POOL} per server, NODE_ENV=${NODE_ENV}`);
  const [graphqlServer, rawServer] = await Promise.all([startChild('graphql', databaseUrl), startChild('raw', databaseUrl)]);
  const measurements: Array<Measurement & { statements: string }> = [];
  const raw = target(rawServer, `/incidents?first=${FIRST}`, { method: 'GET', headers: {} });
  measurements.push({ ...(await measure(rawServer, raw, 'raw', 1)), statements: '1' });
  for (const variant of VARIANTS) {
    const to = graphqlTarget(graphqlServer, variant.query);
    const body = JSON.parse(await fetchBody(to)) as { errors?: unknown };
    if (body.errors) throw new Error(`${variant.label}: ${JSON.stringify(body.errors)}`);
    measurements.push({ ...(await measure(graphqlServer, to, variant.label, 1)), statements: variant.statements });
  }
  const rows = [['', 'SQL stmts', 'req/s', 'p50 ms', 'p99 ms', 'server CPU ms/req', 'PG CPU ms/req']];
  for (const m of measurements) {
    rows.push([
      m.label,
      m.statements,
      m.requestsPerSecond.toFixed(0),
      String(m.p50),
      String(m.p99),
      m.cpuMsPerRequest.toFixed(2),
      m.pgCpuMsPerRequest?.toFixed(2) ?? '-',
    ]);
  }
  console.log('');
  console.log(`Faultline read breakdown, ${new Date().toISOString()}: ${CONNECTIONS} connections, ${DURATION} s per run, NODE_ENV=${NODE_ENV}`);
  console.log('');
  console.log(formatTable(rows, [2]));
  console.log('');
});
