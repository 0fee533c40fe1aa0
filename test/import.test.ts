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
import { addIncidentAiSystem, createActor, createAiSystem } from './helpers/factories.js';

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

/**
 * AI systems whose developers are party to no incident, so a file names those developers only as developers:
 * a version (developed by one, described) of a family (developed by another, described, linked only as the
 * version's parent), and a system with no description, on the first incident by slug.
 */
async function addDeveloperOnlySystems(sql: Sql): Promise<void> {
  const lab = await createActor(sql, { slug: 'fixture-lab', name: 'Fixture Lab', kind: 'ai_developer', country: 'FR' });
  const maker = await createActor(sql, { slug: 'fixture-family-maker', name: 'Fixture Family Maker', kind: 'ai_developer', country: 'JP' });
  const family = await createAiSystem(sql, { developerId: maker.id, slug: 'fixture-family', name: 'Fixture Family' });
  const version = await createAiSystem(sql, { developerId: lab.id, slug: 'fixture-family-2', name: 'Fixture Family 2', parentId: family.id });
  const undescribed = await createAiSystem(sql, { developerId: lab.id, slug: 'fixture-undescribed', name: 'Fixture Undescribed' });
  await sql`update ai_systems set description = 'A family of models, written for this test.' where id = ${family.id}`;
  await sql`update ai_systems set description = 'Its second version.' where id = ${version.id}`;
  const [incident] = await sql<{ id: string }[]>`select id from incidents order by slug collate "C" limit 1`;
  await addIncidentAiSystem(sql, incident!.id, version.id, 'tool');
  await addIncidentAiSystem(sql, incident!.id, undescribed.id, 'target');
}

interface Catalogue {
  systems: Array<{ slug: string; name: string; kind: string; description: string; developer: string | null; parent: string | null; imported_from: string | null }>;
  actors: Array<{ slug: string; name: string; kind: string; country: string | null; imported_from: string | null }>;
}

/** The AI systems and actors on record, with the fields a record carries of them. */
async function catalogue(sql: Sql): Promise<Catalogue> {
  const systems = await sql<Catalogue['systems']>`
    select s.slug, s.name, s.kind, s.description, d.slug as developer, p.slug as parent, s.imported_from
    from ai_systems s left join actors d on d.id = s.developer_id left join ai_systems p on p.id = s.parent_id
    order by s.slug collate "C"
  `;
  const actors = await sql<Catalogue['actors']>`select slug, name, kind, country, imported_from from actors order by slug collate "C"`;
  return { systems: [...systems], actors: [...actors] };
}

/**
 * Checks that every AI system and actor the import wrote into `target` is on record as in `source` (the source
 * also has ones no exported incident names, which are not in the file).
 */
async function expectCatalogueCopied(source: Sql, target: Sql): Promise<Catalogue> {
  const [from, to] = [await catalogue(source), await catalogue(target)];
  expect(to.systems.length).toBeGreaterThan(0);
  const systemSlugs = new Set(to.systems.map((row) => row.slug));
  expect(to.systems).toEqual(from.systems.filter((row) => systemSlugs.has(row.slug)));
  const actorSlugs = new Set(to.actors.map((row) => row.slug));
  expect(to.actors).toEqual(from.actors.filter((row) => actorSlugs.has(row.slug)));
  return to;
}

describe('npm run import: the seed', () => {
  let source: Sql;
  let target: Sql;
  let exported: string;
  let first: ImportSummary;

  beforeAll(async () => {
    source = await database();
    await loadSeed(source);
    await addDeveloperOnlySystems(source);
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

  it('copies AI system descriptions and the countries of actors named only as developers', async () => {
    const copied = await expectCatalogueCopied(source, target);
    const system = (slug: string) => copied.systems.find((row) => row.slug === slug);
    const actor = (slug: string) => copied.actors.find((row) => row.slug === slug);
    // The fixture's own values, so the comparison above covered them.
    expect(system('fixture-family')).toMatchObject({ description: 'A family of models, written for this test.', developer: 'fixture-family-maker', parent: null });
    expect(system('fixture-family-2')).toMatchObject({ description: 'Its second version.', developer: 'fixture-lab', parent: 'fixture-family' });
    expect(system('fixture-undescribed')).toMatchObject({ description: '' });
    expect(actor('fixture-lab')?.country).toBe('FR');
    expect(actor('fixture-family-maker')?.country).toBe('JP');
    // The seed's own systems are described too.
    expect(copied.systems.filter((row) => !row.slug.startsWith('fixture-') && row.description !== '').length).toBeGreaterThan(0);
    // In the file: null for the description nobody wrote, never "".
    const line = exported.split('\n').find((text) => text.includes('"fixture-undescribed"'))!;
    const record = JSON.parse(line) as { aiSystems: Array<{ slug: string; description: string | null; developer: { country: string | null } | null }> };
    expect(record.aiSystems.find((s) => s.slug === 'fixture-undescribed')).toMatchObject({ description: null, developer: { country: 'FR' } });
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
    const copied = await expectCatalogueCopied(source, target);
    expect(copied.systems.filter((row) => row.description !== '').length).toBeGreaterThan(0);
    const before = await tableCounts(target);
    await importText(target, exported, { batchSize: 64, inFlight });
    expect(await tableCounts(target)).toEqual(before);
    expect(await catalogue(target)).toEqual(copied);
  });
});

describe('npm run import: descriptions and developer countries already on record, and older files', () => {
  let source: Sql;
  let exported: string;

  beforeAll(async () => {
    source = await database();
    await loadSeed(source);
    await addDeveloperOnlySystems(source);
    exported = await exportJsonl(source);
  });

  it('fills an unknown description or country from the file and keeps a known one', async () => {
    const target = await emptyDatabase();
    const lab = await createActor(target, { slug: 'fixture-lab', name: 'Fixture Lab', kind: 'ai_developer', country: null });
    const maker = await createActor(target, { slug: 'fixture-family-maker', name: 'Fixture Family Maker', kind: 'ai_developer', country: 'DE' });
    const family = await createAiSystem(target, { developerId: maker.id, slug: 'fixture-family', name: 'Fixture Family' });
    await target`update ai_systems set description = 'As an editor wrote it.' where id = ${family.id}`;
    await createAiSystem(target, { developerId: lab.id, slug: 'fixture-family-2', name: 'Fixture Family 2' });
    const summary = await importText(target, exported);
    expect(summary.rejected).toEqual([]);
    const after = await catalogue(target);
    const system = (slug: string) => after.systems.find((row) => row.slug === slug);
    const actor = (slug: string) => after.actors.find((row) => row.slug === slug);
    expect(actor('fixture-lab')?.country).toBe('FR');
    expect(actor('fixture-family-maker')?.country).toBe('DE');
    expect(system('fixture-family')?.description).toBe('As an editor wrote it.');
    expect(system('fixture-family-2')?.description).toBe('Its second version.');
    // A system on record keeps its family too, as before: the import does not set it.
    expect(system('fixture-family-2')?.parent).toBeNull();
    // Again: nothing left to fill.
    const counts = await tableCounts(target);
    await importText(target, exported);
    expect(await catalogue(target)).toEqual(after);
    expect(await tableCounts(target)).toEqual(counts);
  });

  it('reads a line written before descriptions and developer countries were exported as not knowing them', async () => {
    type System = { description?: string | null; developer: { country?: string | null } | null; parent: System | null };
    const older = exported
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const record = JSON.parse(line) as { aiSystems: System[] };
        for (const system of record.aiSystems) {
          for (const s of [system, system.parent]) {
            if (!s) continue;
            delete s.description;
            if (s.developer) delete s.developer.country;
          }
        }
        return JSON.stringify(record);
      });
    expect(older.join('\n')).not.toContain('"description"');
    const target = await emptyDatabase();
    const summary = await importText(target, `${older.join('\n')}\n`);
    expect(summary.rejected).toEqual([]);
    const after = await catalogue(target);
    expect(after.systems.every((row) => row.description === '')).toBe(true);
    // Named only as developers, with no country in the file: unknown, not guessed.
    expect(after.actors.find((row) => row.slug === 'fixture-lab')?.country).toBeNull();
    expect(after.actors.find((row) => row.slug === 'fixture-family-maker')?.country).toBeNull();
    // The same file with the fields fills them in.
    await importText(target, exported);
    await expectCatalogueCopied(source, target);
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
    // An empty description stands for none: the file says null. A developer's country is a code.
    const badSystem = record(1) as { slug: string; aiSystems: Array<Record<string, unknown>> };
    badSystem.slug = 'bad-system';
    badSystem.aiSystems = [{
      slug: 'some-system', name: 'Some System', kind: 'product', description: '',
      developer: { slug: 'some-lab', name: 'Some Lab', kind: 'ai_developer', country: 'France', importedFrom: null },
      importedFrom: null, parent: null, role: 'tool', usage: '',
    }];
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
      JSON.stringify(badSystem),
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
      '10 aiSystems[0].description empty',
      '10 aiSystems[0].developer.country country',
    ]);
    expect(summary.lines).toBe(9);
    expect(summary.accepted).toBe(2);
    const slugs = (await target<{ slug: string }[]>`select slug from incidents order by slug`).map((row) => row.slug);
    const expected = [good[0]!, good[1]!].map((line) => (JSON.parse(line) as { slug: string }).slug).sort();
    expect(slugs).toEqual(expected);
  });

  it('writes nothing in a dry run, and reports the same', async () => {
    const target = await emptyDatabase();
    const before = await tableCounts(target);
    const summary = await importText(target, badLines().join('\n'), { dryRun: true });
    expect(summary.rejected.map((entry) => entry.line)).toEqual([2, 3, 5, 7, 8, 9, 10]);
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
