// npm run export -- --format csv|jsonl|stix --out FILE [--status confirmed --country MX --actor anthropic ...]
// Writes the incidents matching the filter (the parameters of the HTTP routes, as --name value options) to
// FILE, or to stdout with --out -. Streamed: memory stays flat however many incidents there are.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EXPORT_FORMATS, exportChunks, type ExportFormat } from '../export/formats.js';
import { ExportParamError, INCIDENT_PARAMS, Params, incidentFilterFromParams } from '../export/params.js';
import { runCommand } from './run.js';

const USAGE = `usage: npm run export -- --format ${EXPORT_FORMATS.join('|')} --out FILE|- [--${INCIDENT_PARAMS.join(' V] [--')} V]`;

function fail(message: string): never {
  console.error(`faultline export: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv: string[]): { format: ExportFormat; out: string; params: URLSearchParams } {
  let format: string | undefined;
  let out: string | undefined;
  const params = new URLSearchParams();
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([A-Za-z]+)(?:=(.*))?$/.exec(argv[i]!);
    if (!match) fail(`unexpected argument "${argv[i]}"`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) fail(`--${match[1]} needs a value`);
    if (match[1] === 'format') format = value;
    else if (match[1] === 'out') out = value;
    else params.append(match[1]!, value);
  }
  if (!format || !(EXPORT_FORMATS as readonly string[]).includes(format)) fail(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
  if (!out) fail('--out FILE is required (- for stdout)');
  return { format: format as ExportFormat, out, params };
}

const args = parseArgs(process.argv.slice(2));

await runCommand('export', async ({ db }) => {
  const params = new Params(args.params);
  let filter;
  try {
    filter = await incidentFilterFromParams(db.sql, params);
    params.rejectUnknown();
  } catch (error) {
    if (error instanceof ExportParamError) throw new Error(`--${error.message}`);
    throw error;
  }
  const target = args.out === '-' ? process.stdout : createWriteStream(args.out);
  await pipeline(Readable.from(exportChunks(db.sql, filter, args.format)), target);
});
