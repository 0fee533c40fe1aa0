// Query plans at scale: on a synthetic corpus (20,000 incidents, 60,000 reports) the filtered page, count,
// facet, search and timeline statements must reach incidents and reports through indexes. Each statement
// is captured as the data layer sends it (text and parameters) and EXPLAINed as is.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentFacets, incidentStats } from '../src/data/incident-facets.js';
import { countIncidents, listIncidents, type IncidentFilter } from '../src/data/incidents.js';
import { listReports } from '../src/data/reports.js';
import { SEARCH_TYPES, listTimeline, searchAll } from '../src/data/search.js';
import { loadSynthetic } from '../src/data/synthetic.js';
import type { Sql } from '../src/db/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

let database: TestDatabase;
let capturing: Sql;
const captured: Array<{ query: string; parameters: unknown[] }> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  // Query plans only: no events, which would only make the load slower.
  await loadSynthetic(database.sql, { incidents: 20_000, reports: 60_000, positions: 2_000, seed: 7, announce: false });
  capturing = postgres(database.url, {
    max: 1,
    onnotice: () => {},
    debug: (_connection, query, parameters) => captured.push({ query, parameters: [...parameters] }),
  }) as unknown as Sql;
}, 120_000);

afterAll(async () => {
  await capturing?.end({ timeout: 5 });
  await database?.drop();
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** Runs `run` through the capturing client, then EXPLAINs every statement it sent; returns their plans. */
async function plansOf(run: (sql: Sql) => Promise<unknown>): Promise<PlanNode[]> {
  captured.length = 0;
  await run(capturing);
  const statements = [...captured];
  expect(statements.length).toBeGreaterThan(0);
  const plans: PlanNode[] = [];
  for (const { query, parameters } of statements) {
    // The data layer's own statement text and parameters, replayed under EXPLAIN: nothing user-supplied.
    const [row] = await database.sql.unsafe(`explain (format json) ${query}`, parameters as never[]);
    const json = (row as Record<string, unknown>)['QUERY PLAN'];
    const parsed = (typeof json === 'string' ? JSON.parse(json) : json) as Array<{ Plan: PlanNode }>;
    plans.push(parsed[0]!.Plan);
  }
  return plans;
}

function seqScansOfBigTables(plans: PlanNode[]): string[] {
  return plans
    .flatMap(nodes)
    .filter((node) => node['Node Type'] === 'Seq Scan' && ['incidents', 'reports'].includes(node['Relation Name'] ?? ''))
    .map((node) => node['Relation Name']!);
}

const filter: IncidentFilter = { search: 'ransomware', severityAtLeast: 'high', country: 'MX' };
const page = { limit: 21, inverted: false };

describe('query plans on 20,000 incidents and 60,000 reports', () => {
  it('has enough matching rows for the plans to mean something', async () => {
    expect(await countIncidents(database.sql, filter)).toBeGreaterThan(20);
    expect(await countIncidents(database.sql, { search: 'ransomware' })).toBeGreaterThan(1000);
  });

  const cases: Array<[string, (sql: Sql) => Promise<unknown>]> = [
    ['incidents page: search + severity + country', (sql) => listIncidents(sql, filter, { field: 'occurred', direction: 'desc' }, page)],
    ['incidents page: search only, by severity', (sql) => listIncidents(sql, { search: 'vulnerar' }, { field: 'severity', direction: 'desc' }, page)],
    ['incidents count: search + severity + country', (sql) => countIncidents(sql, filter)],
    ['reports page: search', (sql) => listReports(sql, { search: 'ransomware' }, page)],
    ['reports page: Spanish search + language', (sql) => listReports(sql, { search: 'contraseñas', language: 'es' }, page)],
    ['facets: search + severity + country', (sql) => incidentFacets(sql, filter, 20)],
    ['stats: search + severity + country', (sql) => incidentStats(sql, filter)],
    ['search: all types', (sql) => searchAll(sql, 'ransomware hospital', SEARCH_TYPES, page)],
    ['timeline: first page', (sql) => listTimeline(sql, {}, 'desc', page)],
    ['timeline: searched', (sql) => listTimeline(sql, { search: 'espionaje' }, 'asc', page)],
  ];
  for (const [name, run] of cases) {
    it(`${name}: no sequential scan of incidents or reports`, async () => {
      const plans = await plansOf(run);
      expect(seqScansOfBigTables(plans), JSON.stringify(plans)).toEqual([]);
      if (process.env.SHOW_PLANS) console.log(name, JSON.stringify(plans.flatMap(nodes).map((n) => `${n['Node Type']} ${n['Relation Name'] ?? ''}${(n as { 'Index Name'?: string })['Index Name'] ? ' ' + (n as { 'Index Name'?: string })['Index Name'] : ''}`)));
    });
  }
});
