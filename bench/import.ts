// Bulk import speed: `npm run import` of a JSONL export of N synthetic incidents (10,000 by default) into an
// empty database, timed end to end (reading and validating the file, the batches, the events). Target: at
// least 1,000 incidents/s. The baseline measured in the same run is the JSONL export of the same set, so the
// ratio import/export says how the import compares with a read of the same data on this machine at this
// moment. Each round imports into emptied tables; the first is an untimed warm-up. The last round's database
// is exported again and compared with the file (the round trip at scale). Each round imports twice, with one
// batch written at a time and with two in flight (`inFlight`, on two connections), alternating which goes
// first, so the two are compared in the same run under the same load (`npm run import` writes one at a time).
//
//   npm run bench:import -- [--incidents 10000] [--rounds 3] [--batch 500]
//   env: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres: databases
//        faultline_bench_bulk_<random>_{source,target} are created there and dropped at the end)
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadSynthetic } from '../src/data/synthetic.js';
import { loadTechniques } from '../src/data/seed.js';
import { createSql } from '../src/db/connection.js';
import type { Sql } from '../src/db/index.js';
import { migrate } from '../src/db/migrate.js';
import { exportChunks } from '../src/export/formats.js';
import { importJsonl } from '../src/import/jsonl.js';
import { formatTable, log, machine, option } from './support.js';

const INCIDENTS = option('incidents', 'BENCH_INCIDENTS', 10_000);
const ROUNDS = option('rounds', 'BENCH_ROUNDS', 3);
const BATCH = option('batch', 'BENCH_BATCH', 500);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const now = () => Number(process.hrtime.bigint()) / 1e6;

async function exportTo(sql: Sql, file: string): Promise<number> {
  const started = now();
  const handle = await fs.open(file, 'w');
  try {
    for await (const chunk of exportChunks(sql, {}, 'jsonl')) await handle.write(chunk);
  } finally {
    await handle.close();
  }
  return now() - started;
}

async function main(): Promise<void> {
  log(`machine: ${machine()}`);
  const base = `faultline_bench_bulk_${randomBytes(4).toString('hex')}`;
  const admin = createSql(ADMIN_URL, { max: 1, applicationName: 'faultline-bench-admin' });
  const open = async (suffix: string) => {
    await admin`create database ${admin(`${base}_${suffix}`)}`;
    const url = new URL(ADMIN_URL);
    url.pathname = `/${base}_${suffix}`;
    const sql = createSql(url.toString(), { max: 4, applicationName: 'faultline-bench-bulk' });
    await migrate(sql);
    return sql;
  };
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'faultline-bench-import-'));
  const source = await open('source');
  const target = await open('target');
  try {
    log(`loading ${INCIDENTS} synthetic incidents`);
    const copyStarted = now();
    const loaded = await loadSynthetic(source, { incidents: INCIDENTS, reports: Math.round(INCIDENTS * 1.5), positions: Math.round(INCIDENTS / 10), seed: 7 });
    // A floor of sorts: the synthetic loader writes the same kinds of rows with COPY, and no events.
    log(`synthetic load (COPY, no events, positions included): ${(now() - copyStarted).toFixed(0)} ms, ${JSON.stringify(loaded.rows)}`);
    await loadTechniques(target);
    const file = path.join(dir, 'incidents.jsonl');
    const exportTimes: number[] = [];
    const pipedTimes: number[] = [];
    const importTimes: number[] = [];
    const importOnce = async (inFlight: number) => {
      await target`truncate incidents, actors, ai_systems, reports, citations, events restart identity cascade`;
      const started = now();
      const summary = await importJsonl(target, createReadStream(file), { batchSize: BATCH, inFlight });
      const importMs = now() - started;
      if (summary.rejected.length > 0 || summary.written.incidentsCreated !== INCIDENTS) {
        throw new Error(`expected ${INCIDENTS} incidents created and no line rejected, got ${summary.written.incidentsCreated} and ${summary.rejected.length}`);
      }
      return { importMs, events: summary.written.eventsAppended };
    };
    for (let round = 0; round <= ROUNDS; round++) {
      const exportMs = await exportTo(source, file);
      // Alternating which goes first; the round trip below exports whichever wrote last (either must match).
      const first = round % 2 === 0 ? 1 : 2;
      const a = await importOnce(first);
      const b = await importOnce(3 - first);
      const [serialAfter, piped] = first === 1 ? [a, b] : [b, a];
      log(
        `${round === 0 ? 'warm-up' : 'run'}: export ${exportMs.toFixed(0)} ms, import ${piped.importMs.toFixed(0)} ms with 2 batches in flight, ` +
          `${serialAfter.importMs.toFixed(0)} ms with 1 (${piped.events} events)`,
      );
      if (round > 0) {
        exportTimes.push(exportMs);
        pipedTimes.push(piped.importMs);
        importTimes.push(serialAfter.importMs);
      }
    }
    const again = path.join(dir, 'again.jsonl');
    await exportTo(target, again);
    const same = (await fs.readFile(file)).equals(await fs.readFile(again));
    const importMs = median(importTimes);
    const exportMs = median(exportTimes);
    const rate = INCIDENTS / (importMs / 1000);
    console.log(
      formatTable([
        ['step', 'incidents', 'runs', 'median ms', 'min ms', 'max ms', 'incidents/s'],
        ...([['export (baseline)', exportTimes], ['import (1 batch in flight, the default)', importTimes], ['import, 2 in flight', pipedTimes]] as const).map(([label, times]) => [
          label,
          String(INCIDENTS),
          String(times.length),
          median(times).toFixed(0),
          Math.min(...times).toFixed(0),
          Math.max(...times).toFixed(0),
          (INCIDENTS / (median(times) / 1000)).toFixed(0),
        ]),
      ]),
    );
    log(`import: ${rate.toFixed(0)} incidents/s (target at least 1,000: ${rate >= 1000 ? 'met' : 'NOT met'}); import/export ${(importMs / exportMs).toFixed(2)} ×; ` +
      `2 in flight / 1: ${(median(pipedTimes) / importMs).toFixed(2)} ×`);
    log(`round trip at ${INCIDENTS}: ${same ? 'byte-identical' : 'DIFFERENT'}; ${machine()}`);
    if (!same) process.exitCode = 1;
  } finally {
    await source.end({ timeout: 5 });
    await target.end({ timeout: 5 });
    await admin`drop database if exists ${admin(`${base}_source`)} with (force)`;
    await admin`drop database if exists ${admin(`${base}_target`)} with (force)`;
    await admin.end();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`[bench] failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
