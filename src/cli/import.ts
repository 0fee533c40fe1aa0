// npm run import -- FILE.jsonl [--dry-run] [--batch N]   (in the image: faultline import FILE.jsonl)
// Imports incidents in the `faultline.incident/1` JSONL shape (what `npm run export -- --format jsonl` writes).
// Output: one line per rejected input line on stdout ("line 12: actors[0].kind: one-of: ..."), a progress
// indicator on stderr when it is a terminal, and a summary line on stderr. Exits 1 when any line was
// rejected (the good lines are imported all the same), 2 on bad arguments.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadTechniques } from '../data/seed.js';
import { importJsonl } from '../import/jsonl.js';
import { runCommand } from './run.js';

const USAGE = 'usage: npm run import -- FILE.jsonl [--dry-run] [--batch N]';

function parseArgs(argv: string[]): { file: string; dryRun: boolean; batch: number } {
  let file: string | undefined;
  let dryRun = false;
  let batch = 500;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--dry-run') dryRun = true;
    else if (arg === '--batch') {
      batch = Number(argv[++i]);
      if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw new Error(`--batch must be a whole number from 1 to 10000\n${USAGE}`);
    } else if (arg.startsWith('--') || file !== undefined) throw new Error(`unexpected argument "${arg}"\n${USAGE}`);
    else file = arg;
  }
  if (!file) throw new Error(USAGE);
  return { file: path.resolve(file), dryRun, batch };
}

let args: ReturnType<typeof parseArgs>;
try {
  args = parseArgs(process.argv.slice(2));
  await fs.access(args.file);
} catch (error) {
  console.error(`faultline import: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? `cannot read ${(error as { path?: string }).path}` : (error as Error).message}`);
  process.exit(2);
}

await runCommand('import', async ({ db }) => {
  const started = performance.now();
  // Incidents name ATLAS techniques: an empty database first gets the taxonomy the repository ships, as
  // `npm start` and `npm run seed` give it (a dry run writes nothing, so it says so instead).
  const [taxonomy] = await db.sql<{ present: boolean }[]>`select exists(select 1 from techniques) as present`;
  if (!taxonomy?.present) {
    if (args.dryRun) process.stderr.write('note: the database has no ATLAS techniques yet; a real run loads the shipped taxonomy first\n');
    else await loadTechniques(db.sql);
  }
  const tty = process.stderr.isTTY === true;
  const summary = await importJsonl(db.sql, createReadStream(args.file), {
    dryRun: args.dryRun,
    batchSize: args.batch,
    onRejected: ({ line, issues }) => {
      for (const issue of issues) process.stdout.write(`line ${line}: ${issue.field}: ${issue.rule}: ${issue.message}\n`);
    },
    onProgress: (lines) => {
      if (!tty) return;
      const seconds = (performance.now() - started) / 1000;
      process.stderr.write(`\r${lines} lines read, ${Math.round(lines / Math.max(seconds, 0.001))} lines/s `);
    },
  });
  if (tty) process.stderr.write('\n');
  const seconds = (performance.now() - started) / 1000;
  const w = summary.written;
  process.stderr.write(
    `${summary.dryRun ? 'dry run: ' : ''}${summary.lines} lines, ${summary.accepted} accepted, ${summary.rejected.length} rejected` +
      (summary.dryRun
        ? ' (nothing written)'
        : `; incidents ${w.incidentsCreated} created, ${w.incidentsExisting} already on record (${w.incidentsUpdated} gained links); ` +
          `actors ${w.actorsCreated}, AI systems ${w.aiSystemsCreated}, reports ${w.reportsCreated} created; ` +
          `${w.linksAdded} links, ${w.citationsAdded} citations added; ${w.eventsAppended} events`) +
      ` in ${seconds.toFixed(1)} s\n`,
  );
  // runCommand then exits 1: a caller (a pipeline, CI) must notice that lines were left out.
  if (summary.rejected.length > 0) throw new Error(`${summary.rejected.length} line(s) rejected; the report above lists them`);
});
