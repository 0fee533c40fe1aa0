import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../src/db/index.js';
import { reportCapture } from '../src/data/event-capture.js';
import { captureAttributes } from '../src/data/event-log.js';
import { loadSeed, loadTechniques } from '../src/data/seed.js';
import { loadSynthetic } from '../src/data/synthetic.js';
import { exportChunks } from '../src/export/formats.js';
import { importJsonl, type ImportSummary } from '../src/import/jsonl.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

const databases: TestDatabase[] = [];

async function database(): Promise<Sql> {
  const db = await createTestDatabase();
  databases.push(db);
  return db.sql;
}

/** An empty database with the ATLAS taxonomy, which every import needs. */
async function emptyDatabase(): Promise<Sql> {
  const sql = await database();
  await loadTechniques(sql);
  return sql;
}

async function exportJsonl(sql: Sql): Promise<string> {
  let text = '';
  for await (const chunk of exportChunks(sql, {}, 'jsonl')) text += chunk;
  return text;
}

function importText(sql: Sql, text: string, options: Parameters<typeof importJsonl>[2] = {}): Promise<ImportSummary> {
  // Small batches, so that a test of a few dozen lines still crosses batch boundaries.
  return importJsonl(sql, Readable.from([text]), { batchSize: 7, ...options });
}

async function tableCounts(sql: Sql) {
  const [row] = await sql<Record<string, number>[]>`
    select
      (select count(*)::int from incidents) as incidents,
      (select count(*)::int from actors) as actors,
      (select count(*)::int from ai_systems) as "aiSystems",
      (select count(*)::int from reports) as reports,
      (select count(*)::int from citations) as citations,
      (select count(*)::int from incident_actors) as "actorLinks",
      (select count(*)::int from incident_ai_systems) as "systemLinks",
      (select count(*)::int from incident_techniques) as "techniqueLinks",
      (select count(*)::int from incident_reports) as "reportLinks",
      (select count(*)::int from events) as events,
      (select coalesce(sum(version), 0)::int from incidents) as versions
  `;
  return row!;
}

afterAll(async () => {
  for (const db of databases) await db.drop();
});

describe('npm run import: the seed', () => {
  let source: Sql;
  let target: Sql;
  let exported: string;
  let first: ImportSummary;

  beforeAll(async () => {
    source = await database();
    await loadSeed(source);
    exported = await exportJsonl(source);
    target = await emptyDatabase();
    first = await importText(target, exported);
  });

  it('imports every line of an export into an empty database', async () => {
    const lines = exported.split('\n').filter((line) => line !== '').length;
    expect(lines).toBeGreaterThan(0);
    expect(first.rejected).toEqual([]);
    expect(first.accepted).toBe(lines);
    expect(first.written.incidentsCreated).toBe(lines);
  });

  it('exports again the same bytes (round trip)', async () => {
    expect(await exportJsonl(target)).toBe(exported);
  });

  it('appends an event for each incident and report it created, which the event log shows', async () => {
    const events = await target<{ kind: string; n: number }[]>`select kind, count(*)::int as n from events group by kind order by kind`;
    const counts = Object.fromEntries(events.map((row) => [row.kind, row.n]));
    const [created] = await target<{ incidents: number; reports: number }[]>`
      select (select count(*)::int from incidents) as incidents, (select count(*)::int from reports) as reports
    `;
    expect(counts.incident_created).toBe(created!.incidents);
    expect(counts.report_added).toBe(created!.reports);
    expect(first.written.eventsAppended).toBe(created!.incidents + created!.reports);
  });

  it('gives new reports the attributes their own capture reads (the bulk read is the same rule)', async () => {
    const events = await target<{ entity_id: string; attributes: unknown }[]>`
      select entity_id::text as entity_id, attributes from events e
      where kind = 'report_added'
        -- A report a later batch linked to more incidents has other attributes now.
        and not exists (select 1 from events later where later.kind = 'report_attached' and later.entity_id = e.entity_id)
      order by id
    `;
    expect(events.length).toBeGreaterThan(0);
    const now = await captureAttributes(target, reportCapture.attributes, events.map((event) => event.entity_id));
    // Nothing changed the reports since, so what the event carries is what the capture reads now.
    for (const event of events) expect(event.attributes).toEqual(now.get(event.entity_id));
  });

  it('changes nothing when the same file is imported again', async () => {
    const before = await tableCounts(target);
    const again = await importText(target, exported);
    expect(again.written).toEqual({
      incidentsCreated: 0, incidentsExisting: again.lines, incidentsUpdated: 0, actorsCreated: 0, aiSystemsCreated: 0,
      reportsCreated: 0, linksAdded: 0, citationsAdded: 0, eventsAppended: 0,
    });
    expect(await tableCounts(target)).toEqual(before);
  });
});

describe('npm run import: a synthetic set', () => {
  it.each([1, 2])('round-trips byte for byte, and a second import changes nothing (%i batches in flight)', async (inFlight) => {
    const source = await database();
    await loadSynthetic(source, { incidents: 300, reports: 400, positions: 20, seed: 11, actors: 60 });
    const exported = await exportJsonl(source);
    expect(exported.split('\n').filter(Boolean)).toHaveLength(300);
    const target = await emptyDatabase();
    // Batches share actors, AI systems and reports: written at once, they meet on the same new keys.
    const summary = await importText(target, exported, { batchSize: 64, inFlight });
    expect(summary.rejected).toEqual([]);
    expect(summary.written.incidentsCreated).toBe(300);
    expect(await exportJsonl(target)).toBe(exported);
    const before = await tableCounts(target);
    await importText(target, exported, { batchSize: 64, inFlight });
    expect(await tableCounts(target)).toEqual(before);
  });
});

describe('npm run import: the report of bad lines', () => {
  let good: string[];

  beforeAll(async () => {
    const source = await database();
    await loadSeed(source);
    good = (await exportJsonl(source)).split('\n').filter(Boolean);
  });

  function badLines(): string[] {
    const record = (i: number) => JSON.parse(good[i % good.length]!) as Record<string, unknown>;
    const wrongKind = record(1) as { slug: string; actors: Array<Record<string, unknown>> };
    wrongKind.slug = 'bad-actor-kind';
    wrongKind.actors = [{ slug: 'someone', name: 'Someone', kind: 'wizard', country: null, importedFrom: null, role: 'attacker', note: '' }];
    const unknownTechnique = { ...record(2), slug: 'bad-technique', techniques: ['AML.T9999'] };
    const monthNotFirst = { ...record(0), slug: 'bad-date', occurred: { start: '2025-03-15', end: null, precision: 'month' } };
    return [
      good[0]!,
      '{"schema": "faultline.incident/1", "slug": ',
      JSON.stringify(wrongKind),
      '',
      JSON.stringify(unknownTechnique),
      good[1]!,
      JSON.stringify(monthNotFirst),
      JSON.stringify({ ...record(0), schema: 'faultline.incident/2', slug: 'future-shape' }),
      // What the record is and where it came from are checked too, not written as whatever the line says.
      JSON.stringify({ ...record(1), slug: 'bad-kind', kind: 'drill', importedFrom: 'wikipedia' }),
    ];
  }

  it('lists each bad line with its number, field and rule, and imports the good ones', async () => {
    const target = await emptyDatabase();
    const summary = await importText(target, `${badLines().join('\n')}\n`);
    const report = summary.rejected.map(({ line, issues }) => issues.map((issue) => `${line} ${issue.field} ${issue.rule}`)).flat();
    expect(report).toEqual([
      '2 (line) json',
      '3 actors[0].kind one-of',
      '5 techniques[0] known-technique',
      '7 occurred.start period-start',
      '8 schema schema',
      '9 kind one-of',
      '9 importedFrom import-source',
    ]);
    expect(summary.lines).toBe(8);
    expect(summary.accepted).toBe(2);
    const slugs = (await target<{ slug: string }[]>`select slug from incidents order by slug`).map((row) => row.slug);
    const expected = [good[0]!, good[1]!].map((line) => (JSON.parse(line) as { slug: string }).slug).sort();
    expect(slugs).toEqual(expected);
  });

  it('writes nothing in a dry run, and reports the same', async () => {
    const target = await emptyDatabase();
    const before = await tableCounts(target);
    const summary = await importText(target, badLines().join('\n'), { dryRun: true });
    expect(summary.rejected.map((entry) => entry.line)).toEqual([2, 3, 5, 7, 8, 9]);
    expect(summary.accepted).toBe(2);
    expect(summary.written.incidentsCreated).toBe(0);
    expect(await tableCounts(target)).toEqual(before);
  });
});

describe('npm run import: the command', () => {
  const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  let dir: string;
  let url: string;
  let good: string;

  beforeAll(async () => {
    const source = await database();
    await loadSeed(source);
    good = await exportJsonl(source);
    // An empty database, without even the taxonomy: the command loads it first.
    const target = await createTestDatabase();
    databases.push(target);
    url = target.url;
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'faultline-import-cli-'));
  });
  afterAll(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url };
    delete env.LOG_LEVEL;
    return new Promise((resolve, reject) => {
      execFile(TSX, ['src/cli/import.ts', ...args], { cwd: ROOT, env, timeout: 120_000 }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(new Error(`import did not finish: ${error.message}; ${stderr}`));
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      });
    });
  }

  it('reports bad lines on stdout and exits 1, imports the good ones, then exits 0 with nothing left to do', async () => {
    const lines = good.split('\n').filter(Boolean);
    const file = path.join(dir, 'mixed.jsonl');
    await fs.writeFile(file, `${lines[0]}\nnot json\n${lines.slice(1).join('\n')}\n`);
    const first = await run([file]);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/^line 2: \(line\): json: /m);
    // Not a terminal: no progress, but the summary line.
    expect(first.stderr).toContain(`${lines.length + 1} lines, ${lines.length} accepted, 1 rejected; incidents ${lines.length} created`);

    const clean = path.join(dir, 'clean.jsonl');
    await fs.writeFile(clean, good);
    const again = await run([clean]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain(`incidents 0 created, ${lines.length} already on record`);
  });

  it('exits 2 with the usage line on bad arguments', async () => {
    const result = await run(['--frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/usage: npm run import -- FILE\.jsonl/);
  });
});
