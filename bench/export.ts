// npm run bench:export: time and peak memory of each export (CSV, JSONL, STIX) at 100,000 synthetic incidents
// (default; --incidents N). Each export runs in a child process of its own, so its RSS high-water mark
// (process.resourceUsage().maxRSS) is its own; a child that only connects gives the baseline. Each export
// also runs on a fifth of the corpus (status=reported) in the same run: memory that stayed flat is the same
// there as on the whole corpus. Creates its own database and drops it at the end.
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createSql } from '../src/db/connection.js';
import { migrate } from '../src/db/migrate.js';
import { loadSynthetic } from '../src/data/synthetic.js';
import type { IncidentFilter } from '../src/data/incidents.js';
import { EXPORT_FORMATS, exportChunks, type ExportFormat } from '../src/export/formats.js';
import { log, machine, openBenchDatabase, option } from './support.js';

interface ChildResult {
  format: ExportFormat | 'baseline';
  filter: string;
  seconds: number;
  bytes: number;
  maxRssMiB: number;
}

async function child(url: string, format: ExportFormat | 'baseline', filterName: string): Promise<void> {
  const sql = createSql(url, { max: 6, applicationName: 'faultline-bench-export' });
  const filter: IncidentFilter = filterName === 'reported' ? { statuses: ['reported'] } : {};
  let bytes = 0;
  const started = performance.now();
  await sql`select 1`;
  if (format !== 'baseline') {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done();
      },
    });
    await pipeline(Readable.from(exportChunks(sql, filter, format)), sink);
  }
  const seconds = (performance.now() - started) / 1000;
  await sql.end({ timeout: 5 });
  const result: ChildResult = { format, filter: filterName, seconds, bytes, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(url: string, format: ExportFormat | 'baseline', filter: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', url, format, filter], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`child ${format} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult);
    });
  });
}

async function main(): Promise<void> {
  const incidents = option('incidents', 'BENCH_INCIDENTS', 100_000);
  log(machine());
  const database = await openBenchDatabase();
  log(`database: ${database.where}`);
  const sql = createSql(database.url, { max: 4, applicationName: 'faultline-bench' });
  try {
    await migrate(sql);
    log(`loading ${incidents} incidents, ${incidents * 5} reports, ${incidents / 2} positions (seed 42)…`);
    const loaded = await loadSynthetic(sql, { incidents, reports: incidents * 5, positions: Math.floor(incidents / 2), seed: 42 });
    log(`loaded in ${(loaded.milliseconds / 1000).toFixed(1)} s`);
    const rows: string[] = [];
    const baseline = await runChild(database.url, 'baseline', 'all');
    log(`baseline child (connect only): max RSS ${baseline.maxRssMiB.toFixed(0)} MiB`);
    for (const filter of ['reported', 'all']) {
      for (const format of EXPORT_FORMATS) {
        const r = await runChild(database.url, format, filter);
        const row = `| ${format} | ${filter === 'all' ? `all ${incidents}` : 'status=reported'} | ${r.seconds.toFixed(1)} | ${(r.bytes / 1_048_576).toFixed(1)} | ${r.maxRssMiB.toFixed(0)} | ${(r.maxRssMiB - baseline.maxRssMiB).toFixed(0)} |`;
        log(row);
        rows.push(row);
      }
    }
    console.log(
      [
        '',
        `baseline (child that only connects): max RSS ${baseline.maxRssMiB.toFixed(0)} MiB; ${machine()}`,
        '| format | incidents | seconds | MiB written | max RSS MiB | over baseline MiB |',
        '|---|---|---|---|---|---|',
        ...rows,
      ].join('\n'),
    );
  } finally {
    await sql.end({ timeout: 5 });
    await database.drop();
  }
}

const at = process.argv.indexOf('--child');
if (at >= 0) await child(process.argv[at + 1]!, process.argv[at + 2] as ExportFormat | 'baseline', process.argv[at + 3]!);
else await main();
