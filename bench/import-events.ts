// What announcing costs a bulk load: import:atlas of 10,000 reports (500 case studies citing 20 references
// each, by default) with its events, against the same import with announcing switched off. Runs alternate
// (off, on, on, off, ...) on emptied tables, so neither mode always runs on a warmer cache; the figure is
// the median wall time of each mode and their ratio. Target: with events at most 2 × without.
//
//   npx tsx bench/import-events.ts [--studies 500] [--references 20] [--rounds 3]
//   env: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres: a database
//        faultline_bench_import_<random> is created there and dropped at the end)
import { randomBytes } from 'node:crypto';
import type { AtlasData } from '../src/data/atlas.js';
import { importAtlas } from '../src/data/atlas-import.js';
import { createSql } from '../src/db/connection.js';
import { migrate } from '../src/db/migrate.js';
import { formatTable, log, machine, option } from './support.js';

const STUDIES = option('studies', 'BENCH_STUDIES', 500);
const REFERENCES = option('references', 'BENCH_REFERENCES', 20);
const ROUNDS = option('rounds', 'BENCH_ROUNDS', 3);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

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
    const data = atlas();
    const times: Record<'off' | 'on', number[]> = { off: [], on: [] };
    const modes: Array<'off' | 'on'> = [];
    // One untimed warm-up of each, then off, on, on, off, ...
    for (let round = 0; round < ROUNDS; round++) modes.push(...(round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)));
    for (const [i, mode] of [...(['off', 'on'] as const), ...modes].entries()) {
      await sql`truncate incidents, reports, incident_reports, incident_techniques, events restart identity cascade`;
      const started = process.hrtime.bigint();
      const summary = await importAtlas(sql, data, { announce: mode === 'on' });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const [row] = await sql<{ count: number }[]>`select count(*)::int as count from events`;
      if (summary.reports.inserted !== STUDIES * REFERENCES) throw new Error(`expected ${STUDIES * REFERENCES} new reports, got ${summary.reports.inserted}`);
      if (mode === 'on' && row!.count !== STUDIES + STUDIES * REFERENCES) throw new Error(`expected ${STUDIES + STUDIES * REFERENCES} events, got ${row!.count}`);
      const warmUp = i < 2;
      log(`${warmUp ? 'warm-up' : 'run'} events ${mode}: ${ms.toFixed(0)} ms, ${row!.count} events`);
      if (!warmUp) times[mode].push(ms);
    }
    const off = median(times.off);
    const on = median(times.on);
    console.log(
      formatTable([
        ['import of', 'events', 'runs', 'median ms', 'min ms', 'max ms'],
        ...(['off', 'on'] as const).map((mode) => [
          `${STUDIES * REFERENCES} reports, ${STUDIES} incidents`,
          mode,
          String(times[mode].length),
          median(times[mode]).toFixed(0),
          Math.min(...times[mode]).toFixed(0),
          Math.max(...times[mode]).toFixed(0),
        ]),
      ]),
    );
    log(`with events / without: ${(on / off).toFixed(2)} × (target at most 2 ×: ${on <= 2 * off ? 'met' : 'NOT met'}); ${machine()}`);
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
