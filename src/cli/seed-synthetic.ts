// npm run seed:synthetic -- --incidents 100000 --reports 500000 --positions 50000 --seed 42
// Adds a deterministic synthetic corpus (for benchmarks and query-plan checks) to the configured database.
import { loadSynthetic, type SyntheticOptions } from '../data/synthetic.js';
import { runCommand } from './run.js';

const DEFAULTS: SyntheticOptions = { incidents: 10_000, reports: 50_000, positions: 5_000, seed: 42 };

function parseArgs(argv: string[]): SyntheticOptions {
  const options = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const match = /^--(incidents|reports|positions|seed|actors)(?:=(.*))?$/.exec(argv[i]!);
    if (!match) {
      console.error(`faultline seed:synthetic: unknown argument "${argv[i]}"; use --incidents N --reports N --positions N --seed N [--actors N]`);
      process.exit(2);
    }
    const raw = match[2] ?? argv[++i];
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < 0) {
      console.error(`faultline seed:synthetic: --${match[1]} must be a whole number, got "${raw}"`);
      process.exit(2);
    }
    options[match[1] as 'incidents' | 'reports' | 'positions' | 'seed' | 'actors'] = value;
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));

// One line on stderr, redrawn in place: stdout stays for the summary.
let lastDraw = 0;
let tableStarted = Date.now();
let current = '';
function draw(table: string, done: number, total: number): void {
  const now = Date.now();
  if (table !== current) {
    current = table;
    tableStarted = now;
  }
  if (done !== total && now - lastDraw < 100) return;
  lastDraw = now;
  const width = 30;
  const filled = Math.round((done / total) * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  process.stderr.write(`\r${table.padEnd(20)} ${bar} ${String(Math.round((done / total) * 100)).padStart(3)}% ${done}/${total}`);
  if (done === total) process.stderr.write(` ${((now - tableStarted) / 1000).toFixed(1)} s\n`);
}

await runCommand('seed:synthetic', async ({ db }) => {
  const summary = await loadSynthetic(db.sql, options, draw);
  const rows = Object.entries(summary.rows).map(([table, count]) => `${table} ${count}`).join(', ');
  console.log(`synthetic data (seed ${options.seed}) loaded in ${(summary.milliseconds / 1000).toFixed(1)} s: ${rows}`);
});
