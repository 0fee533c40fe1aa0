// npm run bench:search: latency of the "finding things" reads over HTTP on a large synthetic corpus
// (default 100,000 incidents, 500,000 reports, 50,000 positions). One request at a time, so the figures are
// per-request latency (p50/p95), not throughput. Creates its own database and drops it at the end.
import { createSql } from '../src/db/connection.js';
import { migrate } from '../src/db/migrate.js';
import { loadSynthetic } from '../src/data/synthetic.js';
import { createEventHub } from '../src/live/index.js';
import { createLogger } from '../src/logger.js';
import { buildServer, listen } from '../src/server.js';
import { log, machine, openBenchDatabase, option } from './support.js';

const INCIDENTS = option('incidents', 'BENCH_INCIDENTS', 100_000);
const REPORTS = option('reports', 'BENCH_REPORTS', 500_000);
const POSITIONS = option('positions', 'BENCH_POSITIONS', 50_000);
const REQUESTS = option('requests', 'BENCH_REQUESTS', 200);
const WARMUP = option('warmup-requests', 'BENCH_WARMUP_REQUESTS', 20);

// Rotated per request so one cached plan or one hot page does not stand for all.
const TERMS = ['ransomware', 'phishing OR credenciales', '"bug bounty"', 'espionage -hospital', 'vulnerar'];
const COUNTRIES = ['MX', 'US', 'BR', 'ES'];

const FILTERED_PAGE = `query ($filter: IncidentFilter) {
  incidents(filter: $filter, first: 20) { edges { cursor node { id slug title severity countries occurred { display } } } }
}`;
const SEARCH_PAGE = `query ($q: String!) {
  search(query: $q, first: 20) { edges { node { score snippet type node { __typename ... on Node { id } } } } }
}`;
const FACETS = `query ($filter: IncidentFilter) {
  incidentFacets(filter: $filter) {
    severity { severity count } status { status count } country { value count } sector { value count }
    aiSystem { aiSystem { name } count } actor { actor { name } role count } technique { technique { atlasId } count }
    month { value count }
  }
}`;
const TIMELINE = `query ($filter: TimelineFilter, $after: String) {
  timeline(filter: $filter, first: 20, after: $after) {
    pageInfo { endCursor } edges { node { type date { display } node { __typename ... on Node { id } } } }
  }
}`;

interface Case {
  name: string;
  query: string;
  variables: (i: number) => Record<string, unknown>;
}

const filter = (i: number) => ({ search: TERMS[i % TERMS.length], severityAtLeast: 'HIGH', country: COUNTRIES[i % COUNTRIES.length] });

const CASES: Case[] = [
  { name: 'incidents page: search + severity + country, first 20', query: FILTERED_PAGE, variables: (i) => ({ filter: filter(i) }) },
  { name: 'search (all types), first 20', query: SEARCH_PAGE, variables: (i) => ({ q: TERMS[i % TERMS.length] }) },
  { name: 'incidentFacets: search + severity + country', query: FACETS, variables: (i) => ({ filter: filter(i) }) },
  { name: 'incidentFacets: severity + country (no search)', query: FACETS, variables: (i) => ({ filter: { severityAtLeast: 'HIGH', country: COUNTRIES[i % COUNTRIES.length] } }) },
  { name: 'incidentFacets: no filter (whole corpus)', query: FACETS, variables: () => ({}) },
  { name: 'timeline: first page', query: TIMELINE, variables: () => ({}) },
  { name: 'timeline: searched page', query: TIMELINE, variables: (i) => ({ filter: { search: TERMS[i % TERMS.length] } }) },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  log(machine());
  const database = await openBenchDatabase();
  log(`database: ${database.where}`);
  const logger = createLogger('warn');
  const sql = createSql(database.url, { max: 10, applicationName: 'faultline-bench' });
  let stop = async () => {};
  try {
    await migrate(sql);
    log(`loading ${INCIDENTS} incidents, ${REPORTS} reports, ${POSITIONS} positions (seed 42)…`);
    const loaded = await loadSynthetic(sql, { incidents: INCIDENTS, reports: REPORTS, positions: POSITIONS, seed: 42 });
    log(`loaded in ${(loaded.milliseconds / 1000).toFixed(1)} s`);
    const events = createEventHub({ sql, url: database.url, logger, pollIntervalMs: 5_000 });
    await events.start();
    const server = buildServer({ sql, events, logger, config: { port: 0, host: '127.0.0.1', requireReadKey: false, graphiql: false } });
    await listen(server, '127.0.0.1', 0);
    stop = async () => {
      await server.stop();
      await events.stop();
    };
    const request = async (query: string, variables: Record<string, unknown>) => {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { errors?: unknown[] };
      if (body.errors) throw new Error(`bench query failed: ${JSON.stringify(body.errors)}`);
    };
    const rows: string[] = [];
    for (const c of CASES) {
      for (let i = 0; i < WARMUP; i++) await request(c.query, c.variables(i));
      const times: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const started = performance.now();
        await request(c.query, c.variables(i));
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      const row = `| ${c.name} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 95).toFixed(1)} | ${times.at(-1)!.toFixed(1)} |`;
      log(row);
      rows.push(row);
    }
    console.log(['', '| query (HTTP, one at a time) | p50 ms | p95 ms | max ms |', '|---|---|---|---|', ...rows].join('\n'));
  } finally {
    await stop();
    await sql.end({ timeout: 5 });
    await database.drop();
  }
}

await main();
