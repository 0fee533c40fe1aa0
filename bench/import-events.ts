// What announcing costs a bulk load of 10,000 reports, for each bulk loader: import:atlas (500 case studies
// citing 20 references each, by default) and seed:synthetic (the same numbers of incidents and reports, COPY),
// each with its events against the same load with announcing switched off. Runs alternate (off, on, on,
// off, ...) on emptied tables, so neither mode always runs on a warmer cache; the figure is the median wall
// time of each mode and their ratio. Target: with events at most 2 × without.
//
//   npx tsx bench/import-events.ts [--studies 500] [--references 20] [--rounds 3] [--loader atlas|synthetic|both]
//   env: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres: a database
//        faultline_bench_import_<random> is created there and dropped at the end)
import { randomBytes } from 'node:crypto';
import type { AtlasData } from '../src/data/atlas.js';
import { importAtlas } from '../src/data/atlas-import.js';
import { loadSynthetic } from '../src/data/synthetic.js';
import { createSql } from '../src/db/connection.js';
import { migrate } from '../src/db/migrate.js';
import { formatTable, log, machine, option } from './support.js';

const STUDIES = option('studies', 'BENCH_STUDIES', 500);
const REFERENCES = option('references', 'BENCH_REFERENCES', 20);
const ROUNDS = option('rounds', 'BENCH_ROUNDS', 3);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const LOADER_ARG = process.argv.indexOf('--loader');
const LOADER = (LOADER_ARG >= 0 ? process.argv[LOADER_ARG + 1] : process.env.BENCH_LOADER) ?? 'both';
if (!['atlas', 'synthetic', 'both'].includes(LOADER)) throw new Error(`--loader must be atlas, synthetic or both, got "${LOADER}"`);

type Sql = ReturnType<typeof createSql>;

/** A bulk loader as measured: empties what it fills, loads with or without events, and says how many it should append. */
interface Loader {
  name: string;
  reset(sql: Sql): Promise<unknown>;
  load(sql: Sql, announce: boolean): Promise<void>;
  events: number;
}

const atlasLoader = (data: AtlasData): Loader => ({
  name: 'import:atlas',
  reset: (sql) => sql`truncate incidents, reports, incident_reports, incident_techniques, events restart identity cascade`,
  load: async (sql, announce) => {
    const summary = await importAtlas(sql, data, { announce });
    if (summary.reports.inserted !== STUDIES * REFERENCES) throw new Error(`expected ${STUDIES * REFERENCES} new reports, got ${summary.reports.inserted}`);
  },
  events: STUDIES + STUDIES * REFERENCES,
});

const syntheticLoader: Loader = {
  name: 'seed:synthetic',
  reset: (sql) => sql`
    truncate actors, ai_systems, incidents, reports, incident_reports, incident_actors, incident_ai_systems, incident_techniques,
      citations, policy_topics, policy_positions, events restart identity cascade`,
  load: async (sql, announce) => {
    await loadSynthetic(sql, { incidents: STUDIES, reports: STUDIES * REFERENCES, positions: 0, seed: 42, announce });
  },
  events: STUDIES + STUDIES * REFERENCES,
};

/** An ATLAS file's worth of case studies, each citing its own references (every one a new report). */
function atlas(): AtlasData {
  return {
    version: 'bench',
    techniques: [],
    caseStudies: Array.from({ length: STUDIES }, (_, s) => ({
      id: `AML.CS${String(s).padStart(5, '0')}`,
      name: `Bench case study ${s}`,
      type: 'incident' as const,
      date: '2025-01-01',
      precision: 'month' as const,
      target: `Target ${s}`,
      actor: null,
      techniqueIds: [],
      references: Array.from({ length: REFERENCES }, (_, r) => ({
        title: `Bench reference ${s}.${r}`,
        url: `https://bench.example.org/${s}/${r}`,
      })),
    })),
  } as AtlasData;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  log(`machine: ${machine()}`);
  const name = `faultline_bench_import_${randomBytes(4).toString('hex')}`;
  const admin = createSql(ADMIN_URL, { max: 1, applicationName: 'faultline-bench-admin' });
  await admin`create database ${admin(name)}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const sql = createSql(url.toString(), { max: 4, applicationName: 'faultline-bench-import' });
  try {
    await migrate(sql);
    const loaders = [
      ...(LOADER === 'synthetic' ? [] : [atlasLoader(atlas())]),
      ...(LOADER === 'atlas' ? [] : [syntheticLoader]),
    ];
    const table: string[][] = [['load of', 'loader', 'events', 'runs', 'median ms', 'min ms', 'max ms']];
    const ratios: string[] = [];
    for (const loader of loaders) {
      const times: Record<'off' | 'on', number[]> = { off: [], on: [] };
      const modes: Array<'off' | 'on'> = [];
      // One untimed warm-up of each, then off, on, on, off, ...
      for (let round = 0; round < ROUNDS; round++) modes.push(...(round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)));
      for (const [i, mode] of [...(['off', 'on'] as const), ...modes].entries()) {
        await loader.reset(sql);
        const started = process.hrtime.bigint();
        await loader.load(sql, mode === 'on');
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const [row] = await sql<{ count: number }[]>`select count(*)::int as count from events`;
        if (mode === 'on' && row!.count !== loader.events) throw new Error(`${loader.name}: expected ${loader.events} events, got ${row!.count}`);
        const warmUp = i < 2;
        log(`${loader.name} ${warmUp ? 'warm-up' : 'run'} events ${mode}: ${ms.toFixed(0)} ms, ${row!.count} events`);
        if (!warmUp) times[mode].push(ms);
      }
      for (const mode of ['off', 'on'] as const) {
        table.push([
          `${STUDIES * REFERENCES} reports, ${STUDIES} incidents`,
          loader.name,
          mode,
          String(times[mode].length),
          median(times[mode]).toFixed(0),
          Math.min(...times[mode]).toFixed(0),
          Math.max(...times[mode]).toFixed(0),
        ]);
      }
      const off = median(times.off);
      const on = median(times.on);
      ratios.push(`${loader.name} with events / without: ${(on / off).toFixed(2)} × (target at most 2 ×: ${on <= 2 * off ? 'met' : 'NOT met'})`);
    }
    console.log(formatTable(table));
    for (const ratio of ratios) log(`${ratio}; ${machine()}`);
  } finally {
    await sql.end({ timeout: 5 });
    await admin`drop database if exists ${admin(name)} with (force)`;
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(`[bench] failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
